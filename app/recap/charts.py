"""Moved to app/frame/charts.py (the center draws them too); kept so older imports keep working."""
from app.frame.charts import bar_chart, trend_chart  # noqa: F401
