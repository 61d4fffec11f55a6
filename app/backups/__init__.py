"""Backups: online copies through apsw, daily automatic ones, checked restore."""
from app.backups.views import blueprint, MENU  # noqa: F401
from app.backups.maintenance import request_gate  # noqa: F401
from app.backups.daily import daily_backup

BACKGROUND_JOBS = [(3600, daily_backup)]  # checked hourly; made once a day
