"""Audit trail: who did what, when, with a before/after summary. Append-only."""
from app.frame.audit import record  # noqa: F401
from app.audit.views import blueprint, MENU  # noqa: F401
