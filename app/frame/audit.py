"""The one function every write (and every access to personal data) calls, inside the same
transaction as the write itself. Personal values are masked before they are stored."""
import json
import logging
import os
import re
import sys
import threading
from datetime import datetime, timedelta
from pathlib import Path

import apsw

from flask import g, has_request_context, request

from app.frame import privacy
from app.frame.audit_event import AuditEvent
from app.frame.audit_rule import (ROOT, TrailRule, Watcher, is_view, name_threads_after_their_starter,
                                   note_database, note_line, note_row)
from app.frame.dates import utc_now
from app.frame.db import database, insert_rows
from app.frame.private_files import write_private


def _as_json(value):
    if value is None:
        return None
    return json.dumps(privacy.for_audit(value), ensure_ascii=False, default=str, sort_keys=True)


def record(action: str, entity: str, entity_id="", summary: str = "", before=None, after=None,
           user=None, username: str | None = None) -> AuditEvent:
    """Append one audit event. `user` defaults to the signed-in user; None means the system.

    `username` names an actor without an account (a failed sign-in with an unknown name).
    """
    row = _row(action, entity, entity_id, summary, before, after, user, username)
    if getattr(_keeping, "on", False):
        with _kept_lock:
            kept = _kept_rows.setdefault(_database_name(), [])
            if len(kept) < MAX_KEPT_ROWS:
                kept.append(row)
        return AuditEvent(**row)
    return AuditEvent.create(**row)


# A sign-in on a full disk goes on (app/frame/signin.py, issue 94) though its transaction, trail row included,
# could not be written. Its rows are kept here, in order, with their own moment and address, and written by
# the first request after the disk has room again (write_kept_rows): the trail still shows every sign-in. In
# this process only: a stop before the disk has room loses them (the log names each attempt).
_keeping = threading.local()
_kept_rows: dict[str, list[dict]] = {}  # by database file: each written into its own
_kept_lock = threading.Lock()
MAX_KEPT_ROWS = 10_000
KEPT_RETRY_SECONDS = 10.0  # a disk still full is asked again at most this often, not at every page
_kept_next_try = [0.0]


class kept_until_room:  # noqa: N801 - used as `with audit.kept_until_room():`
    """record() inside this block keeps its row for write_kept_rows instead of writing it."""

    def __enter__(self):
        _keeping.on = True
        return self

    def __exit__(self, *exc):
        _keeping.on = False
        return False


def write_kept_rows() -> None:
    """The rows a full disk refused, written in one transaction once it has room; kept again while it has not."""
    import time
    if not _kept_rows or time.monotonic() < _kept_next_try[0]:
        return
    with _kept_lock:
        rows = list(_kept_rows.get(_database_name(), ()))
    if not rows:
        return
    try:
        with database.atomic():
            insert_rows(AuditEvent, rows)
    except Exception as error:
        from app.frame.errors import is_disk_full
        if not is_disk_full(error):
            raise
        _kept_next_try[0] = time.monotonic() + KEPT_RETRY_SECONDS
        return
    with _kept_lock:
        kept = _kept_rows[_database_name()]
        del kept[:len(rows)]
        if not kept:
            _kept_rows.pop(_database_name())


def _database_name() -> str:
    return str(getattr(database.obj, "database", ""))


def record_many(entries: list[dict], user=None) -> None:
    """Append several audit events with one prepared statement: `entries` are `record`'s arguments
    (and `at`), in order."""
    insert_rows(AuditEvent, [_row(**entry, user=user) for entry in entries])


def _row(action, entity, entity_id="", summary="", before=None, after=None, user=None, username=None, at=None):
    if user is None and has_request_context():
        user = g.get("user")
    address = request.remote_addr or "" if has_request_context() else ""
    note_line(action, entity_id)  # the running declared act's own line (audit_rule.act)
    return dict(at=at or utc_now(), user_id=user.id if user else None,
                username=user.username if user else (username or "sistem")[:64], address=address,
                action=action, entity=entity, entity_id=str(entity_id), summary=summary,
                before=_as_json(before), after=_as_json(after))


def record_view(entity: str, entity_id, summary: str) -> AuditEvent:
    """An access to personal data (an application, a photo, a confidential complaint)."""
    return record("lihat", entity, entity_id, summary)


# --- A write and the page it leads to: one disk sync (issue 73) ----------------------------------------
# Every registration, checklist and status move leads to the application's page, whose view of a citizen's
# file is recorded (UU PDP). Recorded by the page in its own transaction, it cost a second disk sync
# (10-20 ms on an office PC). The write records the view in its own transaction instead, and the page
# shown next in that signed-in session, for that record, writes no second row when that row is committed
# (read back: a rolled-back write leaves none) and at most VIEW_AHEAD_FOR old. Any other view, a
# refresh, another record or another session records its own (docs/architecture.md, issue 73).
VIEW_AHEAD_FOR = timedelta(minutes=2)
_views_ahead: dict = {}  # signed-in session id -> (entity, entity_id, the view's audit row id)
_views_ahead_lock = threading.Lock()


def record_view_ahead(entity: str, entity_id, summary: str) -> None:
    """Inside a write whose answer leads to the page of `entity`: that page's view, recorded in the
    write's transaction (its one disk sync); the page then calls record_page_view."""
    row = record_view(entity, entity_id, summary)
    session_id = g.get("staff_session_id") if has_request_context() else None
    if session_id is not None:
        with _views_ahead_lock:
            if len(_views_ahead) > 1000:  # sessions that never came back for their page
                _views_ahead.clear()
            _views_ahead[session_id] = (entity, str(entity_id), row.id)


def record_page_view(entity: str, entity_id, summary: str) -> None:
    """A page showing a citizen's file: its view recorded in its own transaction, unless the write just
    before it in this session recorded it (record_view_ahead). The pass is used once."""
    session_id = g.get("staff_session_id") if has_request_context() else None
    with _views_ahead_lock:
        ahead = _views_ahead.pop(session_id, None) if session_id is not None else None
    if ahead and ahead[:2] == (entity, str(entity_id)) and _recorded_view(ahead[2], entity, entity_id):
        return
    with database.atomic():
        record_view(entity, entity_id, summary)


def _recorded_view(row_id: int, entity: str, entity_id) -> bool:
    """The view's row is committed (so on disk: in WAL mode SQLite shows a commit to readers only after
    its sync), by this user, lately."""
    user = g.get("user")
    return AuditEvent.select().where(
        AuditEvent.id == row_id, AuditEvent.action == "lihat", AuditEvent.entity == entity,
        AuditEvent.entity_id == str(entity_id), AuditEvent.user_id == (user.id if user else None),
        AuditEvent.at >= utc_now() - VIEW_AHEAD_FOR).exists()


def record_restore(backup_name: str, user=None) -> None:
    """Call after a backup was restored (from the admin page or `run.py restore`)."""
    record("pulihkan", "cadangan", backup_name, f"Cadangan {backup_name} dipulihkan", user=user)


# --- Audit attached to the write (issues 63 and 70) -----------------------------------------------
# A commit that changes a record of someone's act (an application, a complaint, an account, a
# setting...) carries its audit row: SQLite's preupdate hook sees every row a statement changes
# (apsw's public API; the update hook missed a DELETE with no WHERE and every WITHOUT ROWID table), the
# commit hook checks them. The tables below record no one's act: the trail itself, figures and
# indexes derived from the records, the machinery's queues, counters and sessions. Every other table is
# audited, a new one too (WITHOUT ROWID or not) until it is named here.
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
RULE = TrailRule("audit_event", NOT_ACTS, writers=("app", "sync"), not_writers=(ROOT / "app" / "frame",))
_ACTION = AuditEvent._meta.sorted_field_names.index("action")  # its column (tests/audit: the schema's order)
_guarded: dict[str, Watcher] = {}  # database file -> its watcher (strict, a test's: the commit is refused)
_log = logging.getLogger(__name__)


def watch_commits(path, strict: bool) -> None:
    """Check every commit of the database at `path` (each connection opened from now on)."""
    if not _guarded:
        apsw.connection_hooks.append(_watch)
        name_threads_after_their_starter()
    key = _file_key(path)
    watcher = _guarded.get(key)
    if watcher is None:
        # a declared act that returned without its line (audit_rule.act): refused in tests, else on the health card
        _guarded[key] = Watcher(strict, lambda writer, what: note_gap(Path(path).parent, [what], writer))
    else:  # watched again (a restore, a restart in a test): its open connections keep their watcher
        watcher.strict, Watcher.last = strict, watcher


# Writes that record no one's act though their table does (a key made once for the office): the
# statements run inside it, `with audit.without_trail(why), database.atomic():`. The rule is the center's too.
without_trail, untrailed = RULE.declaring, RULE.untrailed


def _file_key(path) -> str:
    """One spelling of a database file's path: SQLite's full name and ours may differ in case and
    separators on Windows (C:\\Loket against c:/loket), and a file not made yet keeps its spelling."""
    return os.path.normcase(os.path.realpath(path))


# SAVEPOINT, RELEASE and ROLLBACK TO, however spelled and after any comment: the preupdate hook is not
# told when a savepoint's changes are undone, so each connection keeps its changes per open savepoint.
_SAVEPOINT = re.compile(r"(?:\s+|--[^\n]*(?:\n|$)|/\*.*?(?:\*/|$))*(savepoint|release|rollback)\b"
                        r"(?:\s+transaction)?(\s+to)?(?:\s+savepoint)?\s+"
                        r"(\"(?:[^\"]|\"\")*\"|\[[^\]]*\]|`(?:[^`]|``)*`|'(?:[^']|'')*'|[^\s;]+)",
                        re.IGNORECASE | re.DOTALL)
_HOOK_ID = "loket-audit"


def _unquoted(name: str) -> str:
    """SQLite compares savepoint names without case, quoted or not."""
    if name[:1] in "\"`'[":
        name = name[1:-1].replace(name[0] * 2, name[0]) if name[0] != "[" else name[1:-1]
    return name.lower()


class _Writes:
    """What a statement, a savepoint or the transaction wrote: {(table, writers' frames)} of the audited
    tables, and the writers' frames of each line that is not a view's."""
    __slots__ = ("name", "changes", "lines")

    def __init__(self, name=None):
        self.name, self.changes, self.lines = name, set(), set()

    def take(self, other) -> None:
        self.changes |= other.changes
        self.lines |= other.lines


def _watch(connection) -> None:
    watcher = _guarded.get(_file_key(connection.filename) if connection.filename else "")
    if watcher is None:
        return
    layers = [_Writes()]  # the transaction's, then each open savepoint's
    statement = _Writes()  # the statement running: its rows count once it ends without an error
    last = [None, -1, ()]  # the frame a statement was run from, its instruction, the writers behind it

    def writers_behind(frame):
        """The writers' frames behind a row. A frame runs on the same stack as long as it lives (held here):
        the rows of one statement, or of one line run in a loop, are walked once."""
        if last[0] is not frame or last[1] != frame.f_lasti:
            last[:] = frame, frame.f_lasti, RULE.frames_of(frame)
        return last[2]

    def on_row(change):
        if change.database_name != "main":  # the watched file; a temporary table's rows go with the connection
            return
        table = change.table_name
        if table == RULE.audit_table:
            if change.op == "INSERT" and not is_view(str(change.new[_ACTION])):
                statement.lines.add(writers_behind(sys._getframe(1)) or ())
            return
        note_row(table, change.rowid)  # a declared act's rows, when it counts them (audit_rule.act's per_row)
        if RULE.audited(table) and not RULE.declared(table):
            frames = writers_behind(sys._getframe(1))
            if frames is not None:  # a demo module's example office
                statement.changes.add((table, frames))

    def on_statement(event):
        """A statement starts: the one before it has ended, and counts unless it failed (SQLite undid its
        rows and its count of changes is 0); a savepoint's rollback empties what the savepoint kept."""
        note_database(watcher)  # the running declared act answers to this database (audit_rule.Watcher)
        sql = event["sql"]
        if event["trigger"]:  # a trigger's step inside the statement that fired it, or (SQLite reports it
            sql = "-- " + sql  # alike) a statement written after a comment: no trigger runs a savepoint
            if not _SAVEPOINT.match(sql):
                return
        if statement.changes or statement.lines:
            if connection.changes():
                layers[-1].take(statement)
            statement.changes, statement.lines = set(), set()
        if not sql.lstrip()[:4].lower().startswith(("save", "rele", "roll", "--", "/*")):
            return
        found = _SAVEPOINT.match(sql)
        if not found or (found.group(1).lower() == "rollback" and not found.group(2)):
            return  # a whole transaction's rollback: the rollback hook
        verb, name = found.group(1).lower(), _unquoted(found.group(3))
        if verb == "savepoint":
            layers.append(_Writes(name))
            return
        at = next((i for i in range(len(layers) - 1, 0, -1) if layers[i].name == name), None)
        if at is None:  # no such savepoint: SQLite refuses the statement
            return
        if verb == "rollback":  # the savepoint stays open, emptied
            del layers[at + 1:]
            layers[at].changes, layers[at].lines = set(), set()
        else:  # released: its writes belong to the transaction or savepoint around it
            for inner in layers[at:]:
                layers[at - 1].take(inner)
            del layers[at:]

    def forget():
        del layers[1:]
        layers[0].changes, layers[0].lines = set(), set()
        statement.changes, statement.lines = set(), set()
        # no frame held past its transaction: a streamed page's generator (its request context) ends on time
        last[:] = None, -1, ()

    def on_commit() -> bool:
        # a statement outside a transaction commits before it ends: its rows count
        done = _Writes()
        for writes in (*layers, statement):
            done.take(writes)
        forget()
        # a transaction no function of app/ or sync/ commits is a test's or a tool's own (a fixture, the schema)
        missing = RULE.uncovered(done.changes, done.lines) if done.changes and RULE.writer_of(sys._getframe()) else {}
        for writer, tables in missing.items():
            _log.error("perubahan tanpa catatan audit: tabel %s (%s)", ", ".join(tables), writer)
        if not missing:
            return False
        if watcher.strict:
            return True  # turns the commit into a rollback: a test's write fails
        for writer, tables in missing.items():  # the data is kept: the admin is told
            note_gap(Path(connection.filename).parent, tables, writer)
        return False

    connection.preupdate_hook(on_row, id=_HOOK_ID)
    connection.trace_v2(apsw.SQLITE_TRACE_STMT, on_statement, id=_HOOK_ID)
    connection.set_commit_hook(on_commit)
    connection.set_rollback_hook(forget)


# --- The alarm kept for the admin (issue 70, finding 4) ---------------------------------------------
# At an office the write is kept and its log line is read by no one: the alarm is also kept beside the
# database (never in a backup: it is this PC's), for the admin's health card (app/backups/health.py),
# with the tables, the function and when; never a value. The last few pairs, each until the admin
# says it was looked at or GAP_SHOWN_FOR after it last happened.
GAPS_FILE = "tanpa-catatan-audit.json"
GAPS_KEPT = 10
GAP_SHOWN_FOR = timedelta(days=30)
_gaps_lock = threading.Lock()


def trail_gaps(data_dir, now: datetime | None = None) -> list[dict]:
    """The writes kept without their audit row, the latest first: {tables, writer, count, first, last}."""
    oldest = ((now or utc_now()) - GAP_SHOWN_FOR).isoformat()
    return sorted((gap for gap in _read_gaps(data_dir) if gap["last"] >= oldest), key=lambda gap: gap["last"],
                  reverse=True)


def forget_trail_gaps(data_dir, seen_until: str) -> None:
    """The admin looked at the gaps up to `seen_until` (the latest one shown): a later one stays."""
    with _gaps_lock:
        kept = [gap for gap in _read_gaps(data_dir) if gap["last"] > seen_until]
        write_private(Path(data_dir) / GAPS_FILE, json.dumps(kept, indent=1))


def note_gap(data_dir, tables: list[str], writer: str) -> None:
    now = utc_now().replace(microsecond=0).isoformat()
    key = (", ".join(tables), writer)
    try:
        with _gaps_lock:
            gaps = _read_gaps(data_dir)
            same = next((gap for gap in gaps if (gap["tables"], gap["writer"]) == key), None)
            gaps = [gap for gap in gaps if gap is not same]
            gaps.append({"tables": key[0], "writer": writer, "count": same["count"] + 1 if same else 1,
                         "first": same["first"] if same else now, "last": now})
            write_private(Path(data_dir) / GAPS_FILE, json.dumps(gaps[-GAPS_KEPT:], indent=1))
    except OSError:  # a full disk refuses the note: never the clerk's write, which the log still names
        _log.warning("catatan perubahan tanpa jejak audit tidak dapat disimpan di %s", data_dir)


def _read_gaps(data_dir) -> list[dict]:
    try:
        gaps = json.loads((Path(data_dir) / GAPS_FILE).read_text(encoding="utf-8"))
    except FileNotFoundError:
        return []
    except (OSError, ValueError):  # a damaged note is no reason to refuse a page
        _log.warning("berkas %s tidak terbaca; dimulai kosong", GAPS_FILE)
        return []
    return [gap for gap in gaps if _is_gap(gap)] if isinstance(gaps, list) else []


def _is_gap(gap) -> bool:
    """A note as note_gap writes it (a hand-edited one is left out, never a page's or a commit's error)."""
    return isinstance(gap, dict) and all(isinstance(gap.get(name), str) for name in ("tables", "writer", "first", "last")) \
        and type(gap.get("count")) is int

