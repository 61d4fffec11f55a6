"""The center's trail guard (issue 70): a commit that changes a table recording someone's act carries
its `center_audit` row, or its writer declared it no one's act (`no_ones_act`). The center's databases
(sync/center/db.py, SQLite and PostgreSQL alike) ask `finding` before each COMMIT; this module holds
the rule: which tables, which writer, and what is done with a write that left no trail."""
import contextlib
import inspect
import logging
import threading
from pathlib import Path

from app.frame.dates import utc_now

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
    "relay_desa": "the desa key generations a kecamatan's PCs report (its revocation is the office's act, "
                  "audited there; each desa key revoked here is audited, relay.relay_desa_keys)",
    "usb_batch_file": "which batch files were read; each import is audited (desk_records.record_usb_import)",
}


class UntrailedWrite(Exception):
    """A test's commit that changed a table of acts without its audit row (the commit is rolled back)."""


_declared = threading.local()


@contextlib.contextmanager
def no_ones_act(reason: str):
    """Writes that record no one's act though their table does (a PC's cursor, an office's record
    arriving). Outside the transaction: `with no_ones_act(why), center_database.atomic():`."""
    before, _declared.reason = getattr(_declared, "reason", None), reason
    try:
        yield
    finally:
        _declared.reason = before


def declared() -> bool:
    return bool(getattr(_declared, "reason", None))


def untrailed(tables) -> list[str]:
    """The tables of a commit that need an audit row it lacks ([] when it has one or is declared)."""
    if AUDIT_TABLE in tables or declared():
        return []
    return sorted(t for t in tables if not t.startswith(("sqlite_", "pg_")) and t not in NOT_ACTS)


def finding(tables) -> tuple[list[str], str] | None:
    """(tables, writer) when a center writer's commit lacks its trail; None otherwise. A write with no
    sync/ function behind it is a test's or a tool's own (a fixture's row, the schema)."""
    missing = untrailed(tables)
    writer = missing and writer_of(inspect.currentframe())
    return (missing, writer) if writer else None


def writer_of(frame) -> str:
    """The innermost function under sync/ behind a commit, the guard's own modules left out; '' when
    there is none or a demo module writes its example center."""
    writer = ""
    while frame is not None:
        path = Path(frame.f_code.co_filename)
        if path.is_relative_to(_SYNC) and path not in _GUARD:
            if path.name == "demo.py":
                return ""
            writer = writer or f"{path.relative_to(_SYNC.parent).as_posix()}:{frame.f_code.co_name}"
        frame = frame.f_back
    return writer


_noted: dict[tuple[str, str], dict] = {}
_noted_lock = threading.Lock()


def note(tables: list[str], writer: str) -> None:
    """A committed write without its trail: logged, and kept for the admin page (this process's)."""
    logging.getLogger(__name__).error(f"{ALARM}: tabel %s (%s)", ", ".join(tables), writer)
    with _noted_lock:
        for table in tables:
            entry = _noted.setdefault((table, writer), {"table": table, "writer": writer, "count": 0})
            entry["count"] += 1
            entry["last_at"] = utc_now()


def untrailed_writes() -> list[dict]:
    """What `note` kept since the server started, the newest first: table, function, count, last time."""
    with _noted_lock:
        return sorted((dict(entry) for entry in _noted.values()), key=lambda entry: entry["last_at"], reverse=True)


def refusal(tables: list[str], writer: str) -> UntrailedWrite:
    return UntrailedWrite(f"perubahan tanpa catatan audit: tabel {', '.join(tables)} ({writer})")


_SYNC = Path(__file__).resolve().parents[1]
_GUARD = {Path(__file__).resolve(), Path(__file__).resolve().with_name("db.py")}
