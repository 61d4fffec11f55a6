"""Backups: online copies through apsw, daily automatic ones, checked restore."""
from app.backups.views import blueprint, MENU, UPLOAD_LIMITS  # noqa: F401
from app.backups import trail_views  # noqa: F401  its routes on the blueprint
from app.backups.maintenance import request_gate  # noqa: F401
from app.backups.health import dashboard_cards  # noqa: F401
