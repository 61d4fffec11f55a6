"""Kecamatan enrolment, device keys, and request authentication at the center."""
import base64
import hashlib
import json
import secrets
import time
from datetime import timedelta

from peewee import IntegrityError, fn

from app.frame import codes, statements
from app.frame.audit_rule import act, nothing_done
from app.frame.passwords import ALPHABET
from sync import protocol
from app.frame.dates import utc_now
from sync.center.audit import audit
from sync.center.db import center_database, in_dialect
from sync.center.models import DeviceKey, Kecamatan, UsedNonce
from sync.center.sealed import derived_key, is_sealed
from sync.center.trail import no_ones_act

LAST_SEEN_EVERY = timedelta(minutes=1)  # a key's and its kecamatan's last_used_at / last_seen_at
SILENCE = timedelta(minutes=30)  # no signed request this long (a pass probes every 5 minutes): the PC was away

ENROLMENT_VALID_DAYS = 7


def _code_hash(code: str) -> str:
    """As the admin reads it out or types it: any case, spaces or dashes (app/frame/codes.py)."""
    return hashlib.sha256(codes.compact(code, ALPHABET).lower().encode()).hexdigest()


REPLACED_CODES_KEPT = 10


def _replaced_hashes(kecamatan: Kecamatan) -> list[str]:
    try:
        found = json.loads(kecamatan.replaced_code_hashes or "[]")
    except ValueError:
        return []
    return [h for h in found if isinstance(h, str)] if isinstance(found, list) else []


@act("kode_pendaftaran")
def new_enrolment_code(kecamatan: Kecamatan) -> str:
    """A one-time code the admin reads to the kecamatan; only its hash is kept. A code made before and
    not used is replaced: its hash is kept among the replaced ones, so typing it says so (enrol)."""
    raw = "".join(secrets.choice(ALPHABET) for _ in range(12))
    stored = Kecamatan.get_by_id(kecamatan.id)  # the code it replaces, as stored now
    replaced = _replaced_hashes(stored)
    if stored.enrolment_code_hash and stored.enrolment_used_at is None:
        replaced = (replaced + [stored.enrolment_code_hash])[-REPLACED_CODES_KEPT:]
    values = {"enrolment_code_hash": _code_hash(raw), "replaced_code_hashes": json.dumps(replaced),
              "enrolment_expires_at": utc_now() + timedelta(days=ENROLMENT_VALID_DAYS),
              "enrolment_used_at": None, "enrolment_key_id": None, "enrolment_installation": None}
    for name, value in values.items():
        setattr(kecamatan, name, value)
    with center_database.atomic():  # the code and its audit row, whoever asks for it
        # Only these columns: a stale object must not wind back the device counter.
        Kecamatan.update(**values).where(Kecamatan.id == kecamatan.id).execute()
        audit("kode_pendaftaran", "kecamatan", kecamatan.code, "kode pendaftaran baru dibuat")
    return "-".join(raw[i:i + 4] for i in range(0, 12, 4))


ENROLMENT_RETRY_SECONDS = 15 * 60  # a lost answer: the same installation may ask again this long


class EnrolmentRefused(Exception):
    """kind: wrong_code | expired_code | used_code | replaced_code (the API's error codes); str() is the
    Indonesian message."""

    MESSAGES = {
        "wrong_code": "Kode pendaftaran salah (atau kode kecamatan tidak cocok). Periksa kembali kode dari admin pusat.",
        "expired_code": "Kode pendaftaran sudah kedaluwarsa; minta kode baru ke admin pusat.",
        "used_code": "Kode pendaftaran sudah dipakai komputer lain; minta kode baru ke admin pusat.",
        "replaced_code": "Kode ini sudah diganti dengan kode yang lebih baru: admin pusat membuat kode baru untuk "
                         "kecamatan ini sesudahnya. Pakai kode terbaru dari admin pusat.",
    }

    def __init__(self, kind: str):
        super().__init__(self.MESSAGES[kind])
        self.kind = kind


def device_code_for(number: int) -> str:
    """The n-th device of a kecamatan: 'P1' .. 'PZ', 'P10' .. (base 36). LOKET_DEVICE_ID never starts with P."""
    digits = "0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    text = ""
    while True:
        number, rest = divmod(number, 36)
        text = digits[rest] + text
        if number == 0:
            return "P" + text


def _installation_hash(installation: str) -> str:
    return hashlib.sha256(("installation:" + (installation or "")).encode()).hexdigest()


def unused_code_until(kecamatan: Kecamatan):
    """When the kecamatan's code not used yet runs out, or None: a new code would void it, so the
    admin is told before making one (two PCs given a code each up front found the first refused)."""
    if not kecamatan.enrolment_code_hash or kecamatan.enrolment_used_at is not None:
        return None
    expires = kecamatan.enrolment_expires_at
    return expires if expires is not None and expires > utc_now() else None


@act("daftar_perangkat")
def enrol(kecamatan_code: str, code: str, device_id: str = "", installation: str = "",
          numbered_before: int = 0) -> tuple[Kecamatan, DeviceKey]:
    """Trade a valid one-time code for a new device key and device code; raise EnrolmentRefused.
    `numbered_before`: how many numbers the PC made before, under `device_id` (pre_enrolment_series_taken).

    The same installation (a random token it keeps) retrying the same code within
    ENROLMENT_RETRY_SECONDS gets the same key back: a lost answer does not burn the code.
    """
    kecamatan = Kecamatan.get_or_none(Kecamatan.code == (kecamatan_code or "").strip())
    if kecamatan is None or not kecamatan.enrolment_code_hash:
        raise EnrolmentRefused("wrong_code")
    typed = _code_hash(code or "")
    if not secrets.compare_digest(kecamatan.enrolment_code_hash, typed):
        if any(secrets.compare_digest(old, typed) for old in _replaced_hashes(kecamatan)):
            raise EnrolmentRefused("replaced_code")
        raise EnrolmentRefused("wrong_code")
    now = utc_now()
    if kecamatan.enrolment_used_at is not None:
        same = bool(installation) and secrets.compare_digest(kecamatan.enrolment_installation or "",
                                                             _installation_hash(installation))
        if same and now - kecamatan.enrolment_used_at <= timedelta(seconds=ENROLMENT_RETRY_SECONDS):
            key = DeviceKey.get_or_none((DeviceKey.key_id == kecamatan.enrolment_key_id)
                                        & DeviceKey.revoked_at.is_null())
            if key is not None:
                return nothing_done((kecamatan, key))  # the answer was lost: its line was written then
        raise EnrolmentRefused("used_code")
    if kecamatan.enrolment_expires_at is None or kecamatan.enrolment_expires_at < now:
        raise EnrolmentRefused("expired_code")
    with center_database.atomic():
        # Used once: mark it inside the same transaction that creates the key.
        updated = (Kecamatan.update(enrolment_used_at=now, device_seq=Kecamatan.device_seq + 1,
                                    enrolment_installation=_installation_hash(installation))
                   .where((Kecamatan.id == kecamatan.id) & Kecamatan.enrolment_used_at.is_null()
                          & (Kecamatan.enrolment_code_hash == _code_hash(code)))
                   .execute())
        if not updated:
            raise EnrolmentRefused("used_code")
        number = Kecamatan.select(Kecamatan.device_seq).where(Kecamatan.id == kecamatan.id).scalar()
        key = DeviceKey.create(kecamatan=kecamatan, key_id=f"{kecamatan.digits}-{secrets.token_hex(6)}",
                               secret=protocol.new_secret(), device_id=(device_id or "")[:40], created_at=now,
                               device_code=device_code_for(number), numbered_before=max(0, numbered_before))
        Kecamatan.update(enrolment_key_id=key.key_id).where(Kecamatan.id == kecamatan.id).execute()
        audit("daftar_perangkat", "kecamatan", kecamatan.code,
              f"perangkat {key.device_code} ({key.device_id}) terdaftar ({key.key_id})", username="api")
    return kecamatan, key


def pre_enrolment_series_taken(key: DeviceKey) -> bool:
    """Did another counter PC of `key`'s kecamatan, enrolled before it, number before its enrolment under
    the same LOKET_DEVICE_ID as `key`'s PC did? Then both hold the same numbers for other people, and
    `key`'s PC gives those it never sent new ones in the series the center just issued it (issue 61)."""
    if key.numbered_before <= 0 or not key.device_id or key.desa_code:
        return False
    return (DeviceKey.select().where((DeviceKey.kecamatan == key.kecamatan_id) & (DeviceKey.id < key.id)
                                     & (DeviceKey.desa_code == "") & (DeviceKey.numbered_before > 0)
                                     & (fn.UPPER(DeviceKey.device_id) == key.device_id.upper()))
            .exists())


def given_twice_before_enrolment(kecamatan_id: int, number: str, held_by: str, offered_by: str) -> bool:
    """Did two counter PCs of the kecamatan (device codes `held_by`, `offered_by`) each give `number`
    before their enrolment, in one series: the number's device part is the LOKET_DEVICE_ID both enrolled
    with? Then the number was simply given twice and its two versions are two applicants (issue 61).
    Not when both codes are one PC's (enrolled again after a revocation: device_codes), nor when either
    sender is unknown: then a person decides."""
    found = protocol.REGISTRATION_NUMBER.match(number or "")
    if not found or not held_by or not offered_by or held_by == offered_by:
        return False
    series = found.group(2).upper()  # never a center code: LOKET_DEVICE_ID may not take the "P" form
    pcs = {}
    for key in (DeviceKey.select().where((DeviceKey.kecamatan == kecamatan_id) & (DeviceKey.desa_code == "")
                                         & DeviceKey.device_code.in_([held_by, offered_by]))
                .order_by(DeviceKey.id)):
        pcs[key.device_code] = key  # the newest key of a code (one that took another PC's over holds it)
    if len(pcs) != 2 or any((key.device_id or "").upper() != series for key in pcs.values()):
        return False
    return offered_by not in device_codes(pcs[held_by]) and held_by not in device_codes(pcs[offered_by])


def f107_key(kecamatan: Kecamatan) -> str:
    """The kecamatan's key for the signed QR of the F-1.07 (app/desa/qr.py), one for all its counter PCs,
    so a form a desa laptop printed scans at whichever counter PC is free. Derived from the server key
    and the kecamatan's code: the same every time, stored nowhere, handed only to the kecamatan's own
    counter PCs (sync/center/relay.relay_f107_key)."""
    raw = derived_key(b"f107-form-key " + kecamatan.code.encode())
    return base64.urlsafe_b64encode(raw).decode().rstrip("=")


REPLACED_MESSAGE = ("Komputer ini sudah digantikan oleh komputer lain sebagai PC {code} kecamatan ini (data cadangannya "
                    "dipulihkan di sana), jadi pusat tidak menerima kirimannya lagi. Komputer ini berhenti memberi "
                    "nomor pendaftaran. Jika komputer ini tetap dipakai, admin mendaftarkannya sebagai PC tambahan "
                    "dengan kode pendaftaran baru dari admin pusat (halaman Sinkronisasi).")


def replaced_refusal(key: DeviceKey) -> tuple:
    """error_answer's arguments for a taken-over key (401 "replaced"): in words, and, when the
    taking-over PC said it, the last sequence of the code its backup held, so the refused PC sends
    the numbers it made above it itself (app/sync_page/identity.py): no other PC holds them (issue 42)."""
    details = {} if key.restored_up_to is None else {"restored_up_to": key.restored_up_to}
    return (401, "replaced", REPLACED_MESSAGE.format(code=key.device_code)), details


def machine_hash(machine: str) -> str:
    return hashlib.sha256(("machine:" + (machine or "")).encode()).hexdigest()


def replace_device(key: DeviceKey, machine: str, restored_up_to: int | None = None) -> DeviceKey:
    """Another PC takes over `key`'s device code (its backup was restored there): a new key with the
    same code, and the old one refused from now on with REPLACED_MESSAGE. Asked again by the same
    machine (a lost answer), the same new key comes back. `restored_up_to`: the last sequence of the
    code the restored backup held (replaced_answer). Call inside a transaction."""
    if key.replaced_by:
        successor = DeviceKey.get_or_none((DeviceKey.key_id == key.replaced_by) & DeviceKey.revoked_at.is_null())
        if successor is not None and machine and secrets.compare_digest(successor.machine, machine_hash(machine)):
            return successor
        raise KeyReplaced(key)
    now = utc_now()
    kecamatan = Kecamatan.get_by_id(key.kecamatan_id)
    successor = DeviceKey.create(kecamatan=kecamatan, key_id=f"{kecamatan.digits}-{secrets.token_hex(6)}",
                                 secret=protocol.new_secret(), device_id=key.device_id, created_at=now,
                                 device_code=key.device_code, machine=machine_hash(machine),
                                 **release_ring_of(key))
    DeviceKey.update(revoked_at=now, replaced_by=successor.key_id, previous_key=None,
                     restored_up_to=restored_up_to).where(DeviceKey.id == key.id).execute()
    if key.previous_key:  # the revoked key it followed (follow_revoked_key) goes with its code
        DeviceKey.update(previous_key=key.previous_key).where(DeviceKey.id == successor.id).execute()
        successor.previous_key = key.previous_key
    if restored_up_to is not None:
        _set_aside_after_backup(kecamatan, key, restored_up_to)
    return successor


def kept_by_taken_over(key: DeviceKey) -> str:
    """received_application.sender_device of what `key`'s PC delivered numbered above the backup
    another PC restored to take it over: no device code, so events_after serves it to no PC until that
    PC (enrolled again, proving `key`) is handed it (hand_over_kept)."""
    return "~" + key.key_id


def _set_aside_after_backup(kecamatan: Kecamatan, key: DeviceKey, restored_up_to: int) -> None:
    """Issue 42: the applications `key`'s PC delivered under its code and numbered above the backup the
    taking-over PC restored are in that PC's database only: their statuses are no business of the new PC
    (it does not hold them) and wait for the old PC's next key (hand_over_kept)."""
    from sync.center.models import ReceivedApplication
    prefix = f"{kecamatan.digits}-{key.device_code}-"
    rows = (ReceivedApplication.select(ReceivedApplication.id, ReceivedApplication.registration_number)
            .where((ReceivedApplication.kecamatan == kecamatan) & (ReceivedApplication.sender_device == key.device_code)
                   & ReceivedApplication.registration_number.startswith(prefix)).tuples())
    ids = [row_id for row_id, number in rows
           if number[len(prefix):].isdigit() and int(number[len(prefix):]) > restored_up_to]
    for start in range(0, len(ids), 500):
        (ReceivedApplication.update(sender_device=kept_by_taken_over(key))
         .where(ReceivedApplication.id.in_(ids[start:start + 500])).execute())


def hand_over_kept(old: DeviceKey, key: DeviceKey) -> int:
    """The PC `old` was taken over from enrolled again as `key` (it proved `old`): what it delivered
    after the backup the other PC restored is its own, so `key` hears those statuses (events_after
    serves them by sender device). Returns how many applications (versions). Call inside a transaction."""
    from sync.center.models import ReceivedApplication
    if not key.device_code or key.desa_code:
        return 0
    from sync.center.models import StatusEvent
    (StatusEvent.update(recipient_device=key.device_code)  # a conflict's decision meant for it (records.py)
     .where((StatusEvent.kecamatan == old.kecamatan_id)
            & (StatusEvent.recipient_device == kept_by_taken_over(old))).execute())
    return (ReceivedApplication.update(sender_device=key.device_code)
            .where((ReceivedApplication.kecamatan == old.kecamatan_id)
                   & (ReceivedApplication.sender_device == kept_by_taken_over(old))).execute())


def highest_sequence(kecamatan: Kecamatan, device_code: str) -> int:
    """The highest sequence the center holds under `kecamatan`-`device_code` (0: none): a PC taking
    over that code numbers above it."""
    from sync.center.models import ReceivedApplication
    prefix = f"{kecamatan.digits}-{device_code}-"
    numbers = (ReceivedApplication.select(ReceivedApplication.registration_number)
               .where((ReceivedApplication.kecamatan == kecamatan)
                      & ReceivedApplication.registration_number.startswith(prefix)))
    sequences = [int(n[len(prefix):]) for (n,) in numbers.tuples() if n[len(prefix):].isdigit()]
    return max(sequences, default=0)


def release_ring_of(key: DeviceKey) -> dict:
    """What a key that carries on another PC's updates takes over from it: its ring and the newest
    timestamp it was handed (its TUF refuses an older one: sync/center/updates.py)."""
    return {"pilot_since": key.pilot_since, "served_timestamp": key.served_timestamp,
            "served_snapshot": key.served_snapshot}


def follow_revoked_key(kecamatan: Kecamatan, key: DeviceKey, enrolment_code: str, previous_key_id: str,
                       proof: str) -> DeviceKey | None:
    """A counter PC enrolled again (`key`, a new device code) after the center revoked its old key:
    when `proof` shows it holds `previous_key_id` (protocol.previous_key_proof over this enrolment's
    code), that key is a counter PC key of the same kecamatan, revoked and not taken over by another
    PC (replace_device: its code lives on there), `key` records the last key of its chain (itself, or the
    revoked key that follows it, and so on) and hears the statuses of what those device codes sent
    (device_codes). Returns the key it follows, or None: then `key` is simply new. A live key is never
    followed: a PC holding another PC's backup holds its secret too. Call inside a transaction."""
    if (not isinstance(previous_key_id, str) or not isinstance(proof, str) or not previous_key_id
            or len(previous_key_id) > 64 or not protocol.HEX64.fullmatch(proof) or key.previous_key or key.desa_code):
        return None
    old = DeviceKey.get_or_none((DeviceKey.key_id == previous_key_id) & (DeviceKey.kecamatan == kecamatan.id)
                                & DeviceKey.revoked_at.is_null(False) & (DeviceKey.desa_code == "")
                                & (DeviceKey.replaced_by == "") & (DeviceKey.device_code != "")
                                & (DeviceKey.id != key.id))
    if old is None:
        return None
    expected = protocol.previous_key_proof(old.secret, kecamatan.code, codes.compact(enrolment_code or "", ALPHABET)
                                           .lower(), old.key_id)
    if not secrets.compare_digest(expected, proof):
        return None
    # A PC restored from a backup older than its last re-enrolment proves a key that another key of its
    # own already follows: the new key follows the chain's last key, so it hears every code the PC used.
    old = last_of_chain(old)
    if (old is None or old.revoked_at is None or old.replaced_by or old.desa_code or not old.device_code
            or old.id == key.id):
        return None
    try:
        with center_database.atomic():  # a savepoint: two enrolments claiming one key, the unique index decides
            followed = (DeviceKey.update(previous_key=old.key_id, **release_ring_of(old))
                        .where((DeviceKey.id == key.id) & DeviceKey.previous_key.is_null()).execute())
    except IntegrityError:
        return None
    return old if followed else None


def proven_taken_over_key(kecamatan: Kecamatan, enrolment_code: str, previous_key_id, proof) -> DeviceKey | None:
    """An enrolment proving a key that another PC took over (replace_device): that key, so the
    enrolling PC (the old one, enrolled again before it heard) learns what replaced_refusal would
    have told it. None for any other key or a proof that does not hold."""
    if not (isinstance(previous_key_id, str) and isinstance(proof, str) and previous_key_id and len(previous_key_id) <= 64
            and protocol.HEX64.fullmatch(proof)):
        return None
    old = DeviceKey.get_or_none((DeviceKey.key_id == previous_key_id) & (DeviceKey.kecamatan == kecamatan.id)
                                & (DeviceKey.replaced_by != "") & (DeviceKey.desa_code == ""))
    if old is None:
        return None
    expected = protocol.previous_key_proof(old.secret, kecamatan.code, codes.compact(enrolment_code or "", ALPHABET)
                                           .lower(), old.key_id)
    return old if secrets.compare_digest(expected, proof) else None


def last_of_chain(old: DeviceKey) -> DeviceKey | None:
    """The key that follows `old`, and the one following that, to the last (`old` when none does)."""
    seen = {old.key_id}
    while True:
        follower = DeviceKey.get_or_none(DeviceKey.previous_key == old.key_id)
        if follower is None:
            return old
        if follower.key_id in seen:
            return None  # a loop cannot be made (each key follows an older one), but never walk one
        seen.add(follower.key_id)
        old = follower


def device_codes(key: DeviceKey) -> list[str]:
    """The device codes whose applications' statuses `key` hears: its own, then those of the revoked
    keys it follows (follow_revoked_key), oldest last. Empty for a key without a device code (from
    before codes were issued), which hears every status of its kecamatan."""
    if not key.device_code:
        return []
    found, seen, previous = [key.device_code], {key.key_id}, key.previous_key
    while previous and previous not in seen:
        seen.add(previous)
        row = DeviceKey.select(DeviceKey.device_code, DeviceKey.previous_key).where(
            DeviceKey.key_id == previous).first()
        if row is None:
            break
        found.append(row.device_code)
        previous = row.previous_key
    return found


@act("cabut_kunci")
def revoke(key: DeviceKey) -> None:
    with center_database.atomic():  # the revocation and its audit row, whoever asks for it
        key.revoked_at = utc_now()
        key.save()
        audit("cabut_kunci", "kecamatan", key.kecamatan.code, f"kunci {key.key_id} dicabut")


class Refused(Exception):
    """The request is not from a live, enrolled kecamatan key (or is a replay)."""


class KeyReplaced(Refused):
    """A correctly signed request with a counter PC's key that another PC took over (replace_device)."""

    def __init__(self, key):
        super().__init__("kunci perangkat sudah digantikan")
        self.key = key


class ClockSkew(Refused):
    """A correctly signed request whose timestamp is outside the window: the PC's clock is off.

    The center answers this one signed, with its own time, so the kecamatan can say by how much."""

    def __init__(self, key, skew_seconds: int):
        super().__init__(f"jam perangkat selisih {skew_seconds} detik")
        self.key = key
        self.skew_seconds = skew_seconds


class KeyRevoked(Refused):
    """A correctly signed request with a revoked key (not one another PC took over)."""

    def __init__(self, key):
        super().__init__("kunci dicabut")
        self.key = key


def authenticate(method: str, path: str, headers, body: bytes, now: float | None = None) -> DeviceKey:
    """Check key, time window, signature and nonce; raise Refused on any failure, storing nothing."""
    now = time.time() if now is None else now
    key_id, timestamp, nonce, signature, compact = protocol.request_credentials(headers)
    if not key_id or not protocol.NONCE_PATTERN.match(nonce or ""):
        raise Refused("kepala permintaan tidak lengkap")
    found = statements.rows(_key_with_kecamatan, each_run=(key_id,))
    key = found[0] if found else None
    if key is None:
        raise Refused("kunci tidak dikenal")
    expected = protocol.sign_request(key.secret, method, path, timestamp, nonce, body)
    if not protocol.signatures_match(protocol.compact_signature(expected) if compact else expected, signature):
        raise Refused("tanda tangan tidak cocok")
    if key.revoked_at is not None and not key.replaced_by:
        # A key revoked (a desa laptop's at its kecamatan, a counter PC's at the center; or the old key
        # of a backup restored after the PC enrolled again): only the key's holder could sign this,
        # and it is told so (signed), so its admin reads why and what to do instead of "no link".
        raise KeyRevoked(key)
    if not protocol.timestamp_fresh(timestamp, now):
        # Checked after the signature: only the key's holder learns the center's time.
        raise ClockSkew(key, int(int(timestamp) - now) if timestamp.lstrip("-").isdigit() else 0)
    now = utc_now()
    protocol_version, app_version = protocol.reported_version(headers)
    # A pass signs a dozen requests: when it was last seen is written at most once a minute
    # (its two statements were a third of a request's bookkeeping), what it speaks at once.
    key_seen = _seen_long_ago(key.last_used_at, now) or (key.protocol_version, key.app_version) != (
        protocol_version, app_version)
    kecamatan_seen = _seen_long_ago(key.kecamatan.last_seen_at, now)
    try:
        with no_ones_act("a signed request: its nonce and its PC's last sight", "device_key", "kecamatan"):
            if not (key_seen or kecamatan_seen):  # one statement, atomic by itself: no BEGIN and COMMIT around it
                center_database.execute_sql(in_dialect(INSERT_NONCE), (key_id, nonce, UsedNonce.seen_at.db_value(now)))
            else:
                with center_database.atomic():
                    center_database.execute_sql(in_dialect(INSERT_NONCE),
                                                (key_id, nonce, UsedNonce.seen_at.db_value(now)))
                    if key_seen:
                        # a request after a silence: the PC is back (off, or no link), its running version's first
                        # pass and its report come now (updates.version_that_runs)
                        back = {"back_at": now} if _seen_long_ago(key.last_used_at, now, SILENCE) else {}
                        (DeviceKey.update(last_used_at=now, protocol_version=protocol_version, app_version=app_version,
                                          **back)
                         .where(DeviceKey.id == key.id).execute())
                    if kecamatan_seen:
                        Kecamatan.update(last_seen_at=now).where(Kecamatan.id == key.kecamatan_id).execute()
    except IntegrityError:
        raise Refused("permintaan ulang (nonce sudah dipakai)") from None
    if key.replaced_by:
        # Told so, signed (the API answers it with REPLACED_MESSAGE): the old PC stops numbering and
        # says why; only the replacing PC's retry of the takeover itself gets past (api.replace).
        raise KeyReplaced(key)
    return key


# Every signed request's replay guard, in plain SQL: peewee building the INSERT cost more than running it.
INSERT_NONCE = 'INSERT INTO "used_nonce" ("key_id", "nonce", "seen_at") VALUES (?, ?, ?)'


def _seen_long_ago(seen_at, now, period: timedelta = LAST_SEEN_EVERY) -> bool:
    """Never seen, seen `period` ago or more, or "seen" after now (the center's clock was set back): written
    again."""
    return seen_at is None or not timedelta(0) <= now - seen_at < period


def _key_with_kecamatan():  # on every signed request: its SQL built once for every key (app/frame/statements.py)
    return (DeviceKey.select(DeviceKey, Kecamatan).join(Kecamatan)
            .where(DeviceKey.key_id == statements.each_run(0)).limit(1))


def forget_old_nonces(now=None) -> int:
    """Nonces older than twice the window can no longer be replayed (the timestamp check refuses them)."""
    limit = (now or utc_now()) - timedelta(seconds=2 * protocol.TIMESTAMP_WINDOW_SECONDS)
    with center_database.atomic():
        return UsedNonce.delete().where(UsedNonce.seen_at < limit).execute()


def seal_legacy_secrets() -> int:
    """Upgrade: device secrets stored in plain text by an older center are sealed, once."""
    # Read raw: the model field would hand back the plain secret either way.
    rows = center_database.execute_sql('SELECT "id", "secret" FROM "device_key"').fetchall()
    legacy = [(key_id, secret) for key_id, secret in rows if secret and not is_sealed(secret)]
    with no_ones_act("an upgrade sealing an older center's plain secrets", "device_key"), center_database.atomic():
        for key_id, secret in legacy:  # the field seals what it writes
            DeviceKey.update(secret=secret).where(DeviceKey.id == key_id).execute()
    return len(legacy)


# Upgrade on PostgreSQL (issue 30): rows stored before personal fields were sealed. A row is known
# plain by a column that is never empty once written (the NIK; the record of a conflict or relay
# item); the ORM reads plain or sealed alike and its fields seal what they write.
LEGACY_PERSONAL = (
    ("received_application", "nik", ("record_json", "nik", "full_name", "photo")),
    ("conflict", "offered_record", ("offered_record", "offered_photo")),
    ("relay_item", "record_json", ("record_json", "photo")),
)
LEGACY_BATCH = 200


def seal_legacy_personal() -> int:
    """Seal the personal fields and photos of rows written in the clear; batch by batch, each in its own
    transaction (two processes starting at once seal a row twice to the same effect). How many rows."""
    from sync.center.models import Conflict, ReceivedApplication, RelayItem
    from sync.center.sealed import PERSONAL_SEARCH, PERSONAL_TEXT
    models = {"received_application": ReceivedApplication, "conflict": Conflict, "relay_item": RelayItem}
    done = 0
    for table, marker, columns in LEGACY_PERSONAL:
        model = models[table]
        field, after = getattr(model, marker), 0
        while True:
            with center_database.atomic():
                rows = list(model.select(model.id, *(getattr(model, name) for name in columns))
                            .where(~(field.cast("text").startswith(PERSONAL_TEXT)
                                     | field.cast("text").startswith(PERSONAL_SEARCH)) & (field.cast("text") != "{}")
                                   & (field.cast("text") != "") & (model.id > after))
                            .order_by(model.id).limit(LEGACY_BATCH))
                for row in rows:
                    model.update({getattr(model, name): getattr(row, name) for name in columns}).where(
                        model.id == row.id).execute()
                    after = row.id  # onwards only: a value that stays as it was cannot hold the loop
            done += len(rows)
            if len(rows) < LEGACY_BATCH:
                break
    return done
