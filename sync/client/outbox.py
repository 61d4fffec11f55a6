"""The outbox: what waits for the center, written in the transaction that made a record ready.

Generic: the capability that owns the records (sync/client/records.py) calls `enqueue`.
"""
import json
import random
from datetime import datetime, timedelta

from app.frame.dates import utc_now
from app.frame.db import insert_rows
from sync import protocol
from sync.client import photo_transit, records
from sync.client.models import OutboxItem

# Retry delays: doubling from 30 s up to 1 h, with +-50 % jitter so PCs behind one outage spread out.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600


def retry_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempts`-th failure (exponential backoff with jitter)."""
    rng = rng or random
    base = min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)
    return base * rng.uniform(0.5, 1.5)


def enqueue(source_id: int, key: str, version: int, record: dict, payload: bytes, kind: str = records.DEFAULT_KIND
            ) -> None:
    """Put one version of a record of `kind` in the outbox, in the caller's transaction (the one that
    made it ready). A version that already travelled stays as it is; a correction is a new version."""
    photo_sha = protocol.sha256_hex(payload)
    digest = protocol.content_hash(record, photo_sha)
    row = OutboxItem.get_or_none((OutboxItem.registration_number == key) & (OutboxItem.version == version))
    if row is not None and row.state != "pending":
        return
    values = dict(kind=kind, source_id=source_id, registration_number=key, version=version, content_hash=digest,
                  record_json=json.dumps(record, ensure_ascii=False), photo_sha256=photo_sha, size=len(payload),
                  state="pending", attempts=0, next_attempt_at=None, last_error="", created_at=utc_now())
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
    fresh, now = [], utc_now()
    for source_id, key, version, record, payload in entries:
        if (key, version) in taken or payload:  # a version seen before, or a photo to prepare: the one-row path
            enqueue(source_id, key, version, record, payload, kind)
            continue
        photo_sha = protocol.sha256_hex(payload)
        fresh.append(dict(kind=kind, source_id=source_id, registration_number=key, version=version,
                          content_hash=protocol.content_hash(record, photo_sha),
                          record_json=json.dumps(record, ensure_ascii=False), photo_sha256=photo_sha, size=0,
                          state="pending", attempts=0, next_attempt_at=None, last_error="", created_at=now))
    insert_rows(OutboxItem, fresh)


def due_items(now: datetime, limit: int = 100000, ignore_delays: bool = False, kind: str | None = None
              ) -> list[OutboxItem]:
    query = OutboxItem.select().where(OutboxItem.state == "pending")
    if kind is not None:
        query = query.where(OutboxItem.kind == kind)
    if not ignore_delays:
        query = query.where(OutboxItem.next_attempt_at.is_null() | (OutboxItem.next_attempt_at <= now))
    return list(query.order_by(OutboxItem.id).limit(limit))


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
    query = OutboxItem.select().where(OutboxItem.state == "pending")
    if kind is None:
        hidden = [k.name for k in records.kinds() if not records.counted(k.name)]
        return (query.where(OutboxItem.kind.not_in(hidden)) if hidden else query).count()
    return query.where(OutboxItem.kind == kind).count()


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
