"""Office identity (letterhead, Camat), time zone, logo."""
from app.settings.views import blueprint, MENU  # noqa: F401
