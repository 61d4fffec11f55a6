"""The center's trail guard (issue 70): a commit that changes a table recording someone's act carries
its `center_audit` row, or its writer declared it no one's act (`no_ones_act`). The center's databases
(sync/center/db.py, SQLite and PostgreSQL alike) ask `finding` before each COMMIT; this module names
the center's tables of no one's act and its writers for the one rule both programs keep
(app/frame/audit_rule.py), and does what the center does with a write that left no trail."""
import inspect
import logging
import threading
from datetime import datetime
from pathlib import Path

from app.frame.audit import note_gap, trail_gaps
from app.frame.audit_rule import TrailRule, is_view, note_line

AUDIT_TABLE = "center_audit"
ALARM = "perubahan tanpa catatan audit di pusat"  # the log line's start (tests/sync/harness.py reads it)
# Tables that record no one's act: the trail itself, the machinery's counters, queues and sessions,
# and what is derived from records audited elsewhere. Every other table is audited, a new one too
# until it is named here.
NOT_ACTS = {
    AUDIT_TABLE: "the trail itself",
    "schema_migration": "the schema's level",
    "used_nonce": "the replay guard of signed requests",
    "staff_session": "a signed-in session; signing in and out are audited",
    "throttle_hit": "the throttle of failed sign-ins",
    "public_status": "what /cek shows, sent by the offices (the applications and complaints are theirs)",
    "public_status_previous": "an old number of what /cek shows, sent with it by the offices (issue 72)",
    "public_status_waiting": "a receipt's code whose record waits on a conflict, sent by the offices (issue 83)",
    "relay_desa": "the desa key generations a kecamatan's PCs report (its revocation is the office's act, "
                  "audited there; each desa key revoked here is audited, relay.relay_desa_keys)",
    "usb_batch_file": "which batch files were read; each import is audited (desk_records.record_usb_import)",
}


class UntrailedWrite(Exception):
    """A test's commit that changed a table of acts without its audit row (the commit is rolled back)."""


# The writers are the functions under sync/, the guard's own modules left out.
RULE = TrailRule(AUDIT_TABLE, NOT_ACTS, writers=("sync",),
                 not_writers=(Path(__file__).resolve(), Path(__file__).resolve().with_name("db.py"),
                              Path(__file__).resolve().with_name("audit.py")))
# Writes that record no one's act though their table does (a PC's cursor, an office's record arriving):
# the statements run inside it, to the tables it names, `with no_ones_act(why, "table"): ...`.
no_ones_act, declared, untrailed = RULE.declaring, RULE.declared, RULE.untrailed
_open = threading.local()  # this thread's transaction: its write statements and its lines


def begun() -> None:
    _open.writes, _open.lines = [], []


def line(action: str) -> None:
    """sync/center/audit.py wrote a line of `action` in this thread's transaction: it covers the act that
    wrote it (a view's covers nothing)."""
    note_line(action)  # the running declared act's own line (audit_rule.act)
    if not is_view(action) and hasattr(_open, "lines"):
        _open.lines.append(RULE.frames_of(inspect.currentframe()) or ())


def wrote(target: str | None) -> None:
    """A write statement to `target` (None: not read from its text) ran in this thread's transaction."""
    if hasattr(_open, "writes"):
        _open.writes.append((target, RULE.frames_of(inspect.currentframe())))


def mark() -> tuple[int, int]:
    return len(getattr(_open, "writes", ())), len(getattr(_open, "lines", ()))


def undo(to: tuple[int, int]) -> None:
    """A savepoint rolled back: its statements and lines are gone."""
    if hasattr(_open, "writes"):
        del _open.writes[to[0]:], _open.lines[to[1]:]


def finding(tables, declared_targets=frozenset()) -> dict[str, list[str]]:
    """{writer: tables} of a center commit whose changed `tables` no line of their act covers. A table is
    taken as written by the statements naming it, else by each write statement of the transaction (a
    trigger's, a raw cursor's), else by the function committing. A table only declared statements wrote is
    no one's act. A transaction with no sync/ function behind its commit is a test's or a tool's own."""
    writes = [(target, frames) for target, frames in getattr(_open, "writes", ()) if frames is not None]
    lines = getattr(_open, "lines", [])
    begun()
    if not RULE.writer_of(inspect.currentframe()):  # a test's or a tool's own transaction (a fixture, the schema)
        return {}
    changes = set()
    for table in untrailed(tables):
        theirs = [frames for target, frames in writes if target == table]
        if not theirs and table in declared_targets:
            continue
        for frames in theirs or [frames for _, frames in writes] or [RULE.frames_of(inspect.currentframe()) or ()]:
            changes.add((table, frames))
    return RULE.uncovered(changes, lines) if changes else {}


def note(missing: dict[str, list[str]], data_dir) -> None:
    """A committed write without its trail: logged, and kept beside the database for the admin page (the
    office's note, app/frame/audit.py: a restart keeps it)."""
    for writer, tables in missing.items():
        logging.getLogger(__name__).error(f"{ALARM}: tabel %s (%s)", ", ".join(tables), writer)
        if data_dir is not None:
            note_gap(data_dir, tables, writer)


def untrailed_writes(data_dir) -> list[dict]:
    """What `note` kept (the last GAPS_KEPT pairs of a month), the newest first: tables, function, count, last time."""
    return [dict(gap, last_at=datetime.fromisoformat(gap["last"])) for gap in trail_gaps(data_dir)]


def refusal(missing: dict[str, list[str]]) -> UntrailedWrite:
    return UntrailedWrite("; ".join(f"perubahan tanpa catatan audit: tabel {', '.join(tables)} ({writer})"
                                    for writer, tables in missing.items()))
