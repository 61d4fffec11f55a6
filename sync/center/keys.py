"""Kecamatan enrolment, device keys, and request authentication at the center."""
import hashlib
import secrets
import time
from datetime import timedelta

from peewee import IntegrityError

from app.frame.passwords import ALPHABET
from sync import protocol
from app.frame.dates import utc_now
from sync.center.db import center_database
from sync.center.models import DeviceKey, Kecamatan, UsedNonce
from sync.center.sealed import is_sealed

ENROLMENT_VALID_DAYS = 7


def _code_hash(code: str) -> str:
    return hashlib.sha256(code.strip().lower().replace("-", "").encode()).hexdigest()


def new_enrolment_code(kecamatan: Kecamatan) -> str:
    """A one-time code the admin reads to the kecamatan; only its hash is kept."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    kecamatan.enrolment_code_hash = _code_hash(raw)
    kecamatan.enrolment_expires_at = utc_now() + timedelta(days=ENROLMENT_VALID_DAYS)
    kecamatan.save()
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


def enrol(kecamatan_code: str, code: str, device_id: str = "") -> tuple[Kecamatan, DeviceKey] | None:
    """Trade a valid one-time code for a new device key; None when the code is wrong or used."""
    kecamatan = Kecamatan.get_or_none(Kecamatan.code == (kecamatan_code or "").strip())
    if kecamatan is None or not kecamatan.enrolment_code_hash:
        return None
    if kecamatan.enrolment_expires_at is None or kecamatan.enrolment_expires_at < utc_now():
        return None
    if not secrets.compare_digest(kecamatan.enrolment_code_hash, _code_hash(code or "")):
        return None
    with center_database.atomic():
        # Used once: clear it inside the same transaction that creates the key.
        updated = (Kecamatan.update(enrolment_code_hash=None, enrolment_expires_at=None)
                   .where((Kecamatan.id == kecamatan.id) & (Kecamatan.enrolment_code_hash == _code_hash(code)))
                   .execute())
        if not updated:
            return None
        key = DeviceKey.create(kecamatan=kecamatan, key_id=f"{kecamatan.digits}-{secrets.token_hex(6)}",
                               secret=protocol.new_secret(), device_id=(device_id or "")[:40], created_at=utc_now())
    return kecamatan, key


def revoke(key: DeviceKey) -> None:
    key.revoked_at = utc_now()
    key.save()


class Refused(Exception):
    """The request is not from a live, enrolled kecamatan key (or is a replay)."""


def authenticate(method: str, path: str, headers, body: bytes, now: float | None = None) -> DeviceKey:
    """Check key, time window, signature and nonce; raise Refused on any failure, storing nothing."""
    now = time.time() if now is None else now
    key_id = headers.get(protocol.HEADER_KEY, "")
    timestamp = headers.get(protocol.HEADER_TIMESTAMP, "")
    nonce = headers.get(protocol.HEADER_NONCE, "")
    signature = headers.get(protocol.HEADER_SIGNATURE, "")
    if not key_id or not protocol.NONCE_PATTERN.match(nonce or ""):
        raise Refused("kepala permintaan tidak lengkap")
    key = (DeviceKey.select(DeviceKey, Kecamatan).join(Kecamatan)
           .where((DeviceKey.key_id == key_id) & DeviceKey.revoked_at.is_null()).first())
    if key is None:
        raise Refused("kunci tidak dikenal atau dicabut")
    if not protocol.timestamp_fresh(timestamp, now):
        raise Refused("waktu permintaan di luar jendela")
    expected = protocol.sign_request(key.secret, method, path, timestamp, nonce, body)
    if not protocol.signatures_match(expected, signature):
        raise Refused("tanda tangan tidak cocok")
    try:
        now = utc_now()
        with center_database.atomic():
            UsedNonce.insert(key_id=key_id, nonce=nonce, seen_at=now).execute()
            DeviceKey.update(last_used_at=now).where(DeviceKey.id == key.id).execute()
            Kecamatan.update(last_seen_at=now).where(Kecamatan.id == key.kecamatan_id).execute()
    except IntegrityError:
        raise Refused("permintaan ulang (nonce sudah dipakai)") from None
    return key


def forget_old_nonces() -> int:
    """Nonces older than twice the window can no longer be replayed (the timestamp check refuses them)."""
    limit = utc_now() - timedelta(seconds=2 * protocol.TIMESTAMP_WINDOW_SECONDS)
    with center_database.atomic():
        return UsedNonce.delete().where(UsedNonce.seen_at < limit).execute()


def seal_legacy_secrets() -> int:
    """Upgrade: device secrets stored in plain text by an older center are sealed, once."""
    # Read raw: the model field would hand back the plain secret either way.
    rows = center_database.execute_sql('SELECT "id", "secret" FROM "device_key"').fetchall()
    legacy = [(key_id, secret) for key_id, secret in rows if secret and not is_sealed(secret)]
    with center_database.atomic():
        for key_id, secret in legacy:  # the field seals what it writes
            DeviceKey.update(secret=secret).where(DeviceKey.id == key_id).execute()
    return len(legacy)
