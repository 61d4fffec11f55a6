"""The one function every write calls, inside the same transaction as the write itself."""
import json

from flask import g, has_request_context, request

from app.frame.audit_event import AuditEvent
from app.frame.dates import utc_now


def _as_json(value):
    if value is None:
        return None
    return json.dumps(value, ensure_ascii=False, default=str, sort_keys=True)


def record(action: str, entity: str, entity_id="", summary: str = "", before=None, after=None,
           user=None) -> AuditEvent:
    """Append one audit event. `user` defaults to the signed-in user; None means the system."""
    if user is None and has_request_context():
        user = g.get("user")
    address = request.remote_addr or "" if has_request_context() else ""
    return AuditEvent.create(
        at=utc_now(), user_id=user.id if user else None,
        username=user.username if user else "sistem", address=address,
        action=action, entity=entity, entity_id=str(entity_id), summary=summary,
        before=_as_json(before), after=_as_json(after))
