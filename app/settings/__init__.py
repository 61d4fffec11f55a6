"""Office identity (letterhead, Camat), time zone, logo."""
from app.settings.views import blueprint, MENU, menu_open, request_gate  # noqa: F401
