"""The center's trail guard (issue 70): a commit that changes a table recording someone's act carries
its `center_audit` row, or its writer declared it no one's act (`no_ones_act`). The center's databases
(sync/center/db.py, SQLite and PostgreSQL alike) ask `finding` before each COMMIT; this module names
the center's tables of no one's act and its writers for the one rule both programs keep
(app/frame/audit_rule.py), and does what the center does with a write that left no trail."""
import inspect
import logging
import threading
from pathlib import Path

from app.frame.audit_rule import TrailRule
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


# The writers are the functions under sync/, the guard's own modules left out.
RULE = TrailRule(AUDIT_TABLE, NOT_ACTS, writers=("sync",),
                 not_writers=(Path(__file__).resolve(), Path(__file__).resolve().with_name("db.py")))
# Writes that record no one's act though their table does (a PC's cursor, an office's record arriving),
# outside the transaction: `with no_ones_act(why), center_database.atomic():`.
no_ones_act, declared, untrailed = RULE.declaring, RULE.declared, RULE.untrailed


def finding(tables) -> tuple[list[str], str] | None:
    """(tables, writer) when a center writer's commit lacks its trail; None otherwise. A write with no
    sync/ function behind it is a test's or a tool's own (a fixture's row, the schema)."""
    missing = untrailed(tables)
    writer = missing and RULE.writer_of(inspect.currentframe())
    return (missing, writer) if writer else None


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

