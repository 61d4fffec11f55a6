"""Backups: online copies through apsw, daily automatic ones, checked restore."""
from app.backups.views import blueprint, MENU  # noqa: F401
from app.backups.maintenance import request_gate  # noqa: F401
from app.backups.daily import daily_backup
from app.backups.health import dashboard_cards  # noqa: F401

BACKGROUND_JOBS = [(3600, daily_backup)]  # checked hourly; made once a day
