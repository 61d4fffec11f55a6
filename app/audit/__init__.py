"""Audit trail: who did what, when, told in Indonesian sentences; personal values masked. Append-only."""
from app.frame.audit import record, record_many, record_restore, record_view  # noqa: F401
from app.frame.audit_sentences import describe_entity  # noqa: F401
from app.audit.views import blueprint, MENU  # noqa: F401
