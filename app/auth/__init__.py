"""Accounts, roles, login with throttling, password changes."""
from app.auth.views import blueprint, MENU  # noqa: F401
from app.frame.store import register_defaults  # noqa: E402

register_defaults(session_idle_minutes=30)  # staff pages: sign out a PC left alone (docs/privacy.md)
