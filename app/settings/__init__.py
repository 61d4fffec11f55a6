"""Office identity (letterhead, Camat), time zone, logo."""
from app.settings.views import blueprint, MENU, request_gate  # noqa: F401
