"""The one function every write (and every access to personal data) calls, inside the same
transaction as the write itself. Personal values are masked before they are stored."""
import json

from flask import g, has_request_context, request

from app.frame import privacy
from app.frame.audit_event import AuditEvent
from app.frame.dates import utc_now
from app.frame.db import insert_rows


def _as_json(value):
    if value is None:
        return None
    return json.dumps(privacy.for_audit(value), ensure_ascii=False, default=str, sort_keys=True)


def record(action: str, entity: str, entity_id="", summary: str = "", before=None, after=None,
           user=None, username: str | None = None) -> AuditEvent:
    """Append one audit event. `user` defaults to the signed-in user; None means the system.

    `username` names an actor without an account (a failed sign-in with an unknown name).
    """
    return AuditEvent.create(**_row(action, entity, entity_id, summary, before, after, user, username))


def record_many(entries: list[dict], user=None) -> None:
    """Append several audit events with one prepared statement: `entries` are `record`'s arguments
    (and `at`), in order."""
    insert_rows(AuditEvent, [_row(**entry, user=user) for entry in entries])


def _row(action, entity, entity_id="", summary="", before=None, after=None, user=None, username=None, at=None):
    if user is None and has_request_context():
        user = g.get("user")
    address = request.remote_addr or "" if has_request_context() else ""
    return dict(at=at or utc_now(), user_id=user.id if user else None,
                username=user.username if user else (username or "sistem")[:64], address=address,
                action=action, entity=entity, entity_id=str(entity_id), summary=summary,
                before=_as_json(before), after=_as_json(after))


def record_view(entity: str, entity_id, summary: str) -> None:
    """An access to personal data (an application, a photo, a confidential complaint)."""
    record("lihat", entity, entity_id, summary)


def record_restore(backup_name: str, user=None) -> None:
    """Call after a backup was restored (from the admin page or `run.py restore`)."""
    record("pulihkan", "cadangan", backup_name, f"Cadangan {backup_name} dipulihkan", user=user)
