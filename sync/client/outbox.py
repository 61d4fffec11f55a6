"""The outbox: what waits for the center, written in the transaction that made a record ready.

Generic: the capability that owns the records (sync/client/records.py) calls `enqueue`.

What another PC follows (issue 42) never goes from here: an application numbered under a code the PC
whose backup this PC tambahan holds follows, up to that backup (`followed_elsewhere`), enters the outbox
left to that PC (ELSEWHERE, listed on the sync page with its button), and no pass or USB file takes one
that waits, whenever it was made ready (`due_items`).
"""
import json
import random
from datetime import datetime, timedelta
from typing import Callable

from peewee import SQL, fn

from app.frame import installation, statements
from app.frame.dates import utc_now
from app.frame.db import database, insert_rows
from sync import protocol, public_status
from sync.client import photo_transit, records
from sync.client.models import OutboxItem, SyncLog

# Retry delays: doubling from 30 s up to 1 h, with +-50 % jitter so PCs behind one outage spread out.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600


ELSEWHERE = "elsewhere"  # an outbox state: the PC that numbered it sends it (and hears its statuses)
LEFT_REASON = "dikirim oleh PC yang memberi nomornya (PC ini PC tambahan)"


def followed_elsewhere() -> Callable[[str, str], bool]:
    """The one test of what this PC leaves to another PC, read once for a scan: (kind, key) -> True for
    an application numbered under a code another PC follows, up to the backup of it this PC holds
    (installation.followed_elsewhere), and for its public record, unless this PC's admin chose to send
    that number from here. That PC holds the same application and sends it: sent from here, the center
    would hold it under this PC's key, and the PC holding its number would never hear its statuses."""
    codes = installation.followed_elsewhere(database)
    if not codes:
        return lambda kind, key: False
    chosen = installation.sent_from_here()

    def held(kind: str, key: str) -> bool:
        if kind == public_status.KIND:
            key = public_status.number_of(key) or ""
        elif kind != records.DEFAULT_KIND:
            return False
        found = protocol.REGISTRATION_NUMBER.match(key)
        if not found or found.group(2) not in codes or key in chosen:
            return False
        up_to = codes[found.group(2)]
        return up_to is None or int(found.group(3)) <= up_to
    return held


def retry_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempts`-th failure (exponential backoff with jitter)."""
    rng = rng or random
    base = min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)
    return base * rng.uniform(0.5, 1.5)


def _version_of():  # its SQL built once (app/frame/statements.py): a clerk's action enqueues one or two (issue 73)
    return OutboxItem.select().where((OutboxItem.registration_number == statements.each_run(0))
                                     & (OutboxItem.version == statements.each_run(1))).limit(1)


def enqueue(source_id: int, key: str, version: int, record: dict, payload: bytes, kind: str = records.DEFAULT_KIND
            ) -> None:
    """Put one version of a record of `kind` in the outbox, in the caller's transaction (the one that
    made it ready). A version that already travelled stays as it is; a correction is a new version.
    One another PC follows (followed_elsewhere) is left to it at once."""
    photo_sha = protocol.sha256_hex(payload)
    digest = protocol.content_hash(record, photo_sha)
    row = next(iter(statements.rows(_version_of, each_run=(key, version))), None)
    if row is not None and row.state != "pending":
        return
    values = dict(kind=kind, source_id=source_id, registration_number=key, version=version, content_hash=digest,
                  record_json=json.dumps(record, ensure_ascii=False), photo_sha256=photo_sha, size=len(payload),
                  attempts=0, next_attempt_at=None, created_at=utc_now(), **_waiting(followed_elsewhere(), kind, key))
    if row is None:
        OutboxItem.create(**values)
    else:
        OutboxItem.update(**values).where(OutboxItem.id == row.id).execute()
    if payload and records.kind(kind).photo_codecs:
        photo_transit.prepare(payload, photo_sha)  # the pass then sends it without compressing


def enqueue_many(entries: list[tuple], kind: str) -> None:
    """`enqueue` for many records of `kind` at once: [(source_id, key, version, record, payload)]."""
    keys = [entry[1] for entry in entries]
    taken = set()
    for start in range(0, len(keys), 500):
        taken |= set(OutboxItem.select(OutboxItem.registration_number, OutboxItem.version)
                     .where(OutboxItem.registration_number.in_(keys[start:start + 500])).tuples())
    fresh, now, held = [], utc_now(), followed_elsewhere()
    for source_id, key, version, record, payload in entries:
        if (key, version) in taken or payload:  # a version seen before, or a photo to prepare: the one-row path
            enqueue(source_id, key, version, record, payload, kind)
            continue
        photo_sha = protocol.sha256_hex(payload)
        fresh.append(dict(kind=kind, source_id=source_id, registration_number=key, version=version,
                          content_hash=protocol.content_hash(record, photo_sha),
                          record_json=json.dumps(record, ensure_ascii=False), photo_sha256=photo_sha, size=0,
                          attempts=0, next_attempt_at=None, created_at=now, **_waiting(held, kind, key)))
    insert_rows(OutboxItem, fresh)


def _waiting(held, kind: str, key: str) -> dict:
    """A new row's state: to be sent from here, or left to the PC that follows its number."""
    if held(kind, key):
        return {"state": ELSEWHERE, "last_error": LEFT_REASON}
    return {"state": "pending", "last_error": ""}


def due_items(now: datetime, limit: int = 100000, ignore_delays: bool = False, kind: str | None = None
              ) -> list[OutboxItem]:
    """What a pass or a USB file sends: the waiting rows that are due, but none another PC follows
    (followed_elsewhere), however it came to wait (made ready while a pass ran, a restored row): the
    pass's step before the push lists those (app/sync_page/identity.py)."""
    query = OutboxItem.select().where(OutboxItem.state == "pending")
    if kind is not None:
        query = query.where(OutboxItem.kind == kind)
    if not ignore_delays:
        query = query.where(OutboxItem.next_attempt_at.is_null() | (OutboxItem.next_attempt_at <= now))
    held = followed_elsewhere()
    return [item for item in query.order_by(OutboxItem.id).limit(limit) if not held(item.kind, item.registration_number)]


def note_failure(item_ids: list[int], reason: str, now: datetime | None = None, rng=None) -> None:
    """Push the next attempt of these items back by their own growing, jittered delay."""
    now = now or utc_now()
    for item in OutboxItem.select().where(OutboxItem.id.in_(item_ids)):
        item.attempts += 1
        item.last_error = reason[:500]
        item.next_attempt_at = now + timedelta(seconds=retry_delay(item.attempts, rng))
        item.save()


def waiting_count(kind: str | None = None) -> int:
    """Pending rows of `kind`, or of every kind the clerk counts (records.counted)."""
    if kind is None:
        return statements.scalar(_pending, None, tuple(k.name for k in records.kinds() if not records.counted(k.name)))
    return statements.scalar(_pending, kind, ())


def _pending(kind: str | None, hidden: tuple):  # on the landing page: its SQL text built once (app/frame/statements.py)
    query = OutboxItem.select(fn.COUNT(SQL("*"))).where(OutboxItem.state == "pending")
    if kind is not None:
        return query.where(OutboxItem.kind == kind)
    return query.where(OutboxItem.kind.not_in(hidden)) if hidden else query


def kinds_waiting(now: datetime, ignore_delays: bool = False) -> list[str]:
    """The kinds with something due, in the order their first item was queued; a kind that goes first
    (records.goes_first) before the others."""
    query = OutboxItem.select(OutboxItem.kind).where(OutboxItem.state == "pending")
    if not ignore_delays:
        query = query.where(OutboxItem.next_attempt_at.is_null() | (OutboxItem.next_attempt_at <= now))
    found = []
    for (name,) in query.order_by(OutboxItem.id).tuples():
        if name not in found:
            found.append(name)
    return sorted(found, key=lambda name: not records.goes_first(name))


def _failed():
    """What the sync page lists as failed (refused by the center, or sending again after a failure)."""
    return OutboxItem.select().where((OutboxItem.state.in_(["conflict", "rejected", "duplicate"]))
                                     | ((OutboxItem.state == "pending") & (OutboxItem.attempts > 0)))


def failed_items(limit: int = 100) -> list[OutboxItem]:
    return list(_failed().order_by(OutboxItem.id.desc()).limit(limit))


def failed_count(limit: int = 99) -> int:
    """How many failed, up to `limit`: the menu's badge, read on every page a sender opens."""
    return statements.scalar(_failed_up_to, limit)


def _failed_up_to(limit: int):  # its SQL text built once (app/frame/statements.py): ~0.2 ms a page
    return OutboxItem.select(fn.COUNT(SQL("*"))).from_(_failed().select(OutboxItem.id).limit(limit).alias("failed"))


# --- a case the center closed (issue 72) -----------------------------------------------------------
# An application whose number the center held for another PC's applicant waits as a conflict, and so do its
# /cek records (the center refuses them while the number is the other applicant's). The operator's decision
# closes the case: its rows leave the sync page's "needs attention" list with what happened.
SETTLED_BY_OPERATOR = "diselesaikan operator pusat"


def _followers(number: str):
    """The rows that follow an application's number: its citizen's /cek records."""
    return (OutboxItem.kind == public_status.KIND) & (OutboxItem.registration_number == public_status.wire_key(number))


def case_closed(item: OutboxItem, status: str, reason: str) -> None:
    """The center's decision on the conflict of this PC's `item` (its event, applied; caller's transaction).
    Accepted (a `received` event): the center holds this PC's applicant under the number now, so its /cek
    records waiting in conflict go again. Refused: they stay here, closed, saying so; the application row
    keeps what happened for the /cek versions that follow it (`after_conflict`)."""
    if item.kind != records.DEFAULT_KIND or status not in ("received", "rejected"):
        return  # the operator decides an application's conflict, and says so with one of these two
    if status == "received":
        (OutboxItem.update(state="pending", attempts=0, last_error=SETTLED_BY_OPERATOR)
         .where(_followers(item.registration_number) & (OutboxItem.state == "conflict")).execute())
        SyncLog.create(at=utc_now(), kind="konflik", summary=f"Konflik nomor {item.registration_number} "
                       f"{SETTLED_BY_OPERATOR}: versi PC ini diterima; status publiknya dikirim lagi")
        return
    what = f"ditolak pusat: {reason or 'versi ini ditolak petugas pusat'}"[:500]
    OutboxItem.update(last_error=what).where(OutboxItem.id == item.id).execute()
    (OutboxItem.update(state="closed", last_error=what)
     .where(_followers(item.registration_number) & (OutboxItem.state == "conflict")).execute())
    SyncLog.create(at=utc_now(), kind="konflik", summary=(
        f"Konflik nomor {item.registration_number} {what} (kembali ke loket); status publiknya tidak dikirim "
        "selama nomor itu dipegang permohonan lain di pusat")[:1000])


def after_conflict(item: OutboxItem) -> None:
    """The center answered "conflict" to `item` (not saved yet): a /cek record of an application whose own case
    the center closed by refusing it is closed too, with the refusal, not left for the clerk to wonder about."""
    number = public_status.number_of(item.registration_number) if item.kind == public_status.KIND else None
    if number is None:
        return
    application = (OutboxItem.select().where((OutboxItem.kind == records.DEFAULT_KIND)
                                             & (OutboxItem.registration_number == number))
                   .order_by(OutboxItem.id.desc()).first())
    if application is not None and application.state == "acked" and application.last_error.startswith("ditolak pusat"):
        item.state, item.last_error = "closed", application.last_error
