"""The center's audit trail: one function, called inside the write's own transaction, and the
record of each view of personal data (an application, a photo, a list or file of applicants)."""
from flask import g, has_request_context

from app.frame.dates import utc_now
from app.frame.privacy import mask
from sync.center import trail
from sync.center.db import center_database
from sync.center.models import CenterAudit


def audit(action: str, entity: str, entity_id="", summary: str = "", username: str | None = None) -> None:
    user = g.get("user") if username is None and has_request_context() else None
    CenterAudit.create(at=utc_now(), username=username or (user.username if user else "sistem"), action=action,
                       entity=entity, entity_id=str(entity_id), summary=summary)
    trail.line(action)  # it covers the act that called this (sync/center/trail.py)


def record_view(action: str, entity: str, entity_id, summary: str) -> None:
    """An opening of personal data, in its own transaction (a page view writes nothing else).
    `summary` is an Indonesian sentence whose personal values went through masked()."""
    with center_database.atomic():
        audit(action, entity, entity_id, summary)


def masked_applicant(item) -> str:
    """Who an application is about, as the trail may hold it: the number, the NIK masked."""
    return f"{item.registration_number} (NIK {mask('nik', item.nik)})"
