"""Audit trail: who did what, when, told in Indonesian sentences; personal values masked. Append-only.

This package is the trail's pages. Every write records its row through the writer of the frame,
`from app.frame import audit` (app/frame/audit.py), which loads no page."""
from app.audit.views import blueprint, MENU  # noqa: F401
