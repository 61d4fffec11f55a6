"""The app's frame: landing dashboard, health check, error pages, htmx."""
from app.core.views import blueprint  # noqa: F401
