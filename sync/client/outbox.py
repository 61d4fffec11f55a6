"""The outbox: written by a transition listener in the same transaction as "complete"."""
import json
import random
from datetime import datetime, timedelta

from app.dates import utc_now
from app.registration.models import Application, ApplicationPhoto
from app.registration.status import ApplicationStatus
from sync import protocol
from sync.client.models import OutboxItem

# What the center needs to print a card; the phone number stays at the kecamatan.
RECORD_FIELDS = ("registration_number", "nik", "kk_number", "full_name", "birth_place", "birth_date", "sex",
                 "address", "rt", "rw", "desa_code", "religion", "marital_status", "occupation", "reason",
                 "biometric_done")

# Retry delays: doubling from 30 s up to 1 h, with +-50 % jitter so PCs behind one outage spread out.
RETRY_BASE_SECONDS = 30
RETRY_MAX_SECONDS = 3600


def retry_delay(attempts: int, rng: random.Random | None = None) -> float:
    """Seconds to wait after the `attempts`-th failure (exponential backoff with jitter)."""
    rng = rng or random
    base = min(RETRY_BASE_SECONDS * 2 ** max(attempts - 1, 0), RETRY_MAX_SECONDS)
    return base * rng.uniform(0.5, 1.5)


def record_of(application: Application) -> dict:
    record = {}
    for name in RECORD_FIELDS:
        value = getattr(application, name)
        if hasattr(value, "isoformat"):
            value = value.isoformat()
        elif name == "biometric_done":
            value = bool(value)
        record[name] = value
    return record


def photo_of(application: Application) -> bytes | None:
    photo = ApplicationPhoto.get_or_none(ApplicationPhoto.application == application)
    return bytes(photo.jpeg) if photo else None


def write_outbox(application: Application, from_status, to_status) -> None:
    """Transition listener: a complete application gets its outbox row in the same transaction."""
    if ApplicationStatus(to_status) is not ApplicationStatus.COMPLETE:
        return
    record = record_of(application)
    photo = photo_of(application) or b""
    photo_sha = protocol.sha256_hex(photo)
    digest = protocol.content_hash(record, photo_sha)
    row = OutboxItem.get_or_none((OutboxItem.registration_number == application.registration_number)
                                 & (OutboxItem.version == application.version))
    if row is not None and row.state != "pending":
        return  # this exact version already travelled; a correction is a new version
    values = dict(application=application, registration_number=application.registration_number,
                  version=application.version, content_hash=digest, record_json=json.dumps(record, ensure_ascii=False),
                  photo_sha256=photo_sha, size=len(photo), state="pending", attempts=0, next_attempt_at=None,
                  last_error="", created_at=utc_now())
    if row is None:
        OutboxItem.create(**values)
    else:
        OutboxItem.update(**values).where(OutboxItem.id == row.id).execute()


def due_items(now: datetime, limit: int = 100000, ignore_delays: bool = False) -> list[OutboxItem]:
    query = OutboxItem.select().where(OutboxItem.state == "pending")
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


def waiting_count() -> int:
    return OutboxItem.select().where(OutboxItem.state == "pending").count()
