"""Accounts, roles, login with throttling, password changes."""
from app.auth.views import blueprint, MENU  # noqa: F401
