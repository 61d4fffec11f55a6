"""The one function every write (and every access to personal data) calls, inside the same
transaction as the write itself. Personal values are masked before they are stored."""
import contextlib
import inspect
import json
import logging
import os
import threading
from pathlib import Path

import apsw

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


# --- Audit attached to the write (issue 63) ------------------------------------------------------
# A commit that changes a record of someone's act (an application, a complaint, an account, a
# setting...) carries its audit row: SQLite's update and commit hooks (apsw's public API) watch every
# commit of the office database. The tables below record no one's act: the trail itself, figures and
# indexes derived from the records, the machinery's queues, counters and sessions. Every other table is
# audited, a new one too until it is named here.
NOT_ACTS = {
    "audit_event": "the trail itself",
    "application_cohort_day": "a figure derived from the applications", "application_day": "likewise",
    "complaint_count_day": "a figure derived from the complaints", "complaint_day": "likewise",
    "survey_day": "a figure derived from the survey", "office_day": "likewise",
    "figure_part": "figures kept between pages", "figure_version": "likewise", "tally_zone": "likewise",
    "application_fts": "the search index of the applications", "complaint_search": "the complaints'",
    "public_status": "what /cek shows, derived from the applications and complaints",
    "form_submission": "which form a double click already sent",
    "registration_sequence": "the next number; the application that takes it is audited",
    "survey_code": "the code printed on a slip; the act it is printed for is audited",
    "staff_session": "a signed-in session; signing in and out are audited",
    "login_attempt": "the throttle of failed sign-ins", "kiosk_attempt": "the kiosk's",
    "throttle_hit": "likewise", "installation": "which database file this is (a restore is audited)",
    "sync_link": "the link's state (cursors, the passes' times); enrolling and unlinking are audited",
    "sync_outbox": "the queue to the center", "sync_outbox_new": "likewise",
    "sync_photo_transit": "likewise", "sync_log": "the passes' log, shown on the sync page",
    "sync_status_issue": "what the center refused, shown on the sync page",
    "sync_retired_key": "keys of the center's answers that a restore must not take again",
}
_declared = threading.local()
_guarded: dict[str, bool] = {}  # database file -> strict (a test: the commit is refused)


def watch_commits(path, strict: bool) -> None:
    """Check every commit of the database at `path` (each connection opened from now on)."""
    if not _guarded:
        apsw.connection_hooks.append(_watch)
    _guarded[_file_key(path)] = strict


@contextlib.contextmanager
def without_trail(reason: str):
    """Writes that record no one's act though their table does (a key made once for the office).
    Outside the transaction: `with audit.without_trail(why), database.atomic():` (it must hold at the commit)."""
    before, _declared.reason = getattr(_declared, "reason", None), reason
    try:
        yield
    finally:
        _declared.reason = before


def untrailed(tables) -> list[str]:
    """The tables of a commit that need an audit row it lacks ([] when it has one)."""
    if "audit_event" in tables or getattr(_declared, "reason", None):
        return []
    return sorted(t for t in tables if not t.startswith("sqlite_") and _index_of(t) not in NOT_ACTS)


def _index_of(table: str) -> str:
    """A full-text index's own tables (application_fts_data...) belong to the index."""
    name, _, part = table.rpartition("_")
    return name if part in ("data", "idx", "content", "docsize", "config") else table


def _file_key(path) -> str:
    """One spelling of a database file's path: SQLite's full name and ours may differ in case and
    separators on Windows (C:\\Loket against c:/loket), and a file not made yet keeps its spelling."""
    return os.path.normcase(os.path.realpath(path))


def _watch(connection) -> None:
    path = _file_key(connection.filename) if connection.filename else ""
    if path not in _guarded:
        return
    changed = set()

    def on_change(kind, database_name, table, rowid):
        changed.add(table)

    def on_commit() -> bool:
        missing = untrailed(changed)
        changed.clear()
        writer = missing and _capability_writer(inspect.currentframe())
        if not writer:
            return False
        logging.getLogger(__name__).error("perubahan tanpa catatan audit: tabel %s (%s)", ", ".join(missing), writer)
        return _guarded.get(path, False)  # True turns the commit into a rollback: a test's write fails

    connection.set_update_hook(on_change)
    connection.set_commit_hook(on_commit)
    connection.set_rollback_hook(changed.clear)


def _capability_writer(frame) -> str:
    """The innermost function of a capability or of sync/ behind a commit; '' for the frame's own
    writers called alone (a test's setting, the schema) and for a demo module's example office."""
    writer = ""
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.is_relative_to(_ROOT) and path.parts[len(_ROOT.parts)] in ("app", "sync") \
                and not path.is_relative_to(_ROOT / "app" / "frame"):
            if path.name == "demo.py":
                return ""
            writer = writer or f"{path.relative_to(_ROOT).as_posix()}:{frame.f_code.co_name}"
        frame = frame.f_back
    return writer


_ROOT = Path(__file__).resolve().parents[2]
