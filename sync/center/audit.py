"""The center's audit trail: one function, called inside the write's own transaction."""
from flask import g, has_request_context

from app.frame.dates import utc_now
from sync.center.models import CenterAudit


def audit(action: str, entity: str, entity_id="", summary: str = "", username: str | None = None) -> None:
    user = g.get("user") if username is None and has_request_context() else None
    CenterAudit.create(at=utc_now(), username=username or (user.username if user else "sistem"), action=action,
                       entity=entity, entity_id=str(entity_id), summary=summary)
