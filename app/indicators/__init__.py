"""Service indicators (Standar Pelayanan Minimal style): shares against yearly targets, with trends."""
from app.indicators import models  # noqa: F401
from app.indicators.views import blueprint, MENU  # noqa: F401
