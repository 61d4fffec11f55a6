"""What the center does with applications: store one whole, answer manifests, record status events.

Every function here is the one path for its change, used by the API, the USB import and the
operator pages alike, so the checks and the idempotency are the same whichever way data came.
"""
import functools
import json
from dataclasses import dataclass

import simplejpeg
from peewee import IntegrityError

from app.frame import statements
from app.frame.audit_rule import act
from app.frame.dates import local_today, utc_now
from app.frame.person_rules import validate_application
from app.frame.request_cycle import holds_bad_characters
from sync import jpeg_transit, protocol
from sync.center import keys
from sync.center.audit import audit
from sync.center.db import center_database, in_dialect
from sync.center.models import (Conflict, Kecamatan, PublicStatus, PublicStatusWaiting, ReceivedApplication,
                                StatusEvent)
from sync.center.trail import no_ones_act


# Center-side lifecycle (docs/architecture.md, "Who uses it, and how the work flows"): printed cards are shipped;
# a card can be rejected or sent back for a resend after printing, and rejected after shipping
# (damaged or lost on the way). The kecamatan's state machine accepts each of these moves.
CENTER_TRANSITIONS = {
    "received": {"printed", "rejected", "resend"},
    "printed": {"shipped", "rejected", "resend"},
    "shipped": {"rejected"},
    "rejected": set(),
    "resend": set(),
}


def center_may_move(from_status: str, to_status: str) -> bool:
    return to_status in CENTER_TRANSITIONS.get(from_status, set())


@dataclass
class Outcome:
    id: str
    version: int | None
    result: str  # stored | duplicate | conflict | rejected | retry (damaged on the way) | superseded (relay)
    reason: str = ""
    seq: int | None = None  # stored: the seq of the `received` event it made in the status feed
    accepted_as: str = ""  # superseded: the application number of the relayed form's winning acceptance
    events: list | None = None  # duplicate: this version's status events so far (version_events)

    def as_json(self, named: bool = True) -> dict:
        """named=False: an applications' packet answer, whose results follow the packet's order (the kecamatan knows
        which application each one is about)."""
        answer = {"id": self.id, "version": self.version, "result": self.result} if named else {"result": self.result}
        if self.reason:
            answer["reason"] = self.reason
        if self.seq is not None:
            answer["seq"] = self.seq
        if self.accepted_as:
            answer["accepted_as"] = self.accepted_as
        if self.events:
            answer["events"] = self.events
        return answer


# The counter sends 3:4 photos normalised to a few hundred pixels; 4 MP is far above that and
# caps what one decode may cost (RGB at 4 MP is 12 MB).
MAX_PHOTO_PIXELS = 4_000_000
PHOTO_NOT_JPEG = "foto bukan berkas JPEG yang sah"
PHOTO_TOO_LARGE = f"foto terlalu besar (lebih dari {MAX_PHOTO_PIXELS // 1_000_000} juta piksel)"
PHOTO_BROKEN = "foto JPEG terpotong atau rusak (data gambar tidak utuh); kirim ulang foto aslinya"
# libjpeg-turbo's colour space names (decode_jpeg_header) -> what to decode to: no conversion
# that the library lacks (CMYK has no RGB conversion in libjpeg-turbo).
_DECODE_AS = {"Gray": "GRAY", "CMYK": "CMYK", "YCCK": "CMYK"}


def photo_check(photo: bytes) -> tuple[tuple[int, int] | None, str]:
    """((width, height), "") for a whole JPEG decoded completely within MAX_PHOTO_PIXELS; else (None, why).

    Decoded with simplejpeg in strict mode: libjpeg's warnings are errors there. Pillow ignores
    them (a scan cut short, with or without an end marker put back, is silently filled with
    grey: "Premature end of JPEG file", "Corrupt JPEG data: premature end of data segment").
    """
    if photo[:3] != b"\xff\xd8\xff" or len(photo) > protocol.MAX_PHOTO_BYTES:
        return None, PHOTO_NOT_JPEG
    if not protocol.is_jpeg(photo):
        return None, PHOTO_BROKEN  # no end marker: cut short on the way or on the disk
    try:
        height, width, colour_space, _ = simplejpeg.decode_jpeg_header(photo)  # header only
    except ValueError:
        return None, PHOTO_NOT_JPEG
    if width < 1 or height < 1:
        return None, PHOTO_NOT_JPEG
    if width * height > MAX_PHOTO_PIXELS:
        return None, PHOTO_TOO_LARGE
    try:
        simplejpeg.decode_jpeg(photo, colorspace=_DECODE_AS.get(colour_space, "RGB"), strict=True)
    except ValueError:  # every scan line, and the end marker right after the scan data
        return None, PHOTO_BROKEN
    return (width, height), ""


def photo_size(photo: bytes) -> tuple[int, int] | None:
    """(width, height) of a whole JPEG (see photo_check), else None."""
    return photo_check(photo)[0]


@dataclass
class Restored:
    """An application of a packet with the floor's work done (its photo restored, hashed and decoded
    whole): what validate_item would otherwise compute again."""
    header: dict
    photo: bytes | None
    photo_sha: str = ""
    content: str = ""  # the content hash of the record and photo; "" when the record does not encode
    check: tuple = (None, "")  # photo_check's answer
    retry: Outcome | None = None  # damaged on the way: asked for again, nothing stored


def validate_item(kecamatan: Kecamatan, header: dict, photo: bytes,
                  known: Restored | None = None) -> tuple[Outcome | None, dict]:
    """Check one application from a packet; (refusal, {}) or (None, cleaned values). `known`: this
    photo's hashes and strict decode, done already (restore_packet_item)."""
    number = header.get("id") if isinstance(header.get("id"), str) else ""
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= 10000:
        return Outcome(number, None, "rejected", "versi tidak sah"), {}
    match = protocol.REGISTRATION_NUMBER.match(number)
    if not match:
        return Outcome(number, version, "rejected", "nomor registrasi tidak sah"), {}
    if match.group(1) != kecamatan.digits:
        return Outcome(number, version, "rejected", "nomor registrasi bukan milik kecamatan ini"), {}
    record = header.get("record")
    claimed = header.get("hash")
    if not isinstance(record, dict) or not isinstance(claimed, str):
        return Outcome(number, version, "rejected", "data permohonan tidak lengkap"), {}
    try:
        content = known.content if known and known.content else protocol.content_hash(
            record, known.photo_sha if known else protocol.sha256_hex(photo))
    except (UnicodeEncodeError, ValueError):
        return Outcome(number, version, "rejected", "data permohonan berisi karakter tidak sah"), {}
    if holds_bad_characters(record):
        return Outcome(number, version, "rejected", "data permohonan berisi karakter tidak sah (NUL atau pengatur "
                                                    "arah teks)"), {}
    size, photo_problem = known.check if known else photo_check(photo)
    if size is None:
        return Outcome(number, version, "rejected", photo_problem), {}
    photo_sha = known.photo_sha if known else protocol.sha256_hex(photo)
    if content != claimed:
        return Outcome(number, version, "rejected", "hash isi tidak cocok dengan data yang dikirim"), {}
    problem = record_problem(kecamatan, record)
    if problem:
        return Outcome(number, version, "rejected", problem), {}
    if record.get("registration_number") != number:
        return Outcome(number, version, "rejected", "nomor pendaftaran di data tidak sama dengan nomor kiriman"), {}
    # Kept as the protocol defines it: a field the record does not carry (nested or not) is not stored.
    record = {name: record[name] for name in protocol.APPLICATION_FIELDS if name in record}
    return None, {"number": number, "version": version, "record": record, "hash": claimed, "nik": record["nik"],
                  "full_name": record["full_name"].strip()[:255], "photo_sha": photo_sha, "size": size}


# Fields the shared record rules check (app/frame/person_rules.py) and the record carries; the
# record holds no phone, notes or mismatch reason (those stay at the kecamatan).
RECORD_TEXT_FIELDS = ("nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "address", "rt", "rw",
                      "desa_code", "religion", "marital_status", "occupation", "reason")
NOT_IN_RECORD = {"phone", "notes", "mismatch_reason"}


@functools.lru_cache(maxsize=256)
def desa_of(kecamatan_code: str) -> list:
    from app.frame import regions
    return regions.desa_of(kecamatan_code)


def read_rules() -> None:
    """Read the country's region list and the desa of the kecamatan with an enrolled PC now, once
    per process (~0.2 s of CPU, ~10 ms a kecamatan): at start, not in the first packets of the night."""
    from app.frame import regions
    from sync.center.models import DeviceKey
    regions.children("")
    enrolled = (Kecamatan.select(Kecamatan.code).join(DeviceKey).where(DeviceKey.revoked_at.is_null())
                .distinct().limit(desa_of.cache_info().maxsize))
    for (code,) in enrolled.tuples():
        desa_of(code)


def record_problem(kecamatan: Kecamatan, record: dict) -> str | None:
    """Why the center refuses a record, or None: the counter's own rules, applied to what arrived."""
    for name in RECORD_TEXT_FIELDS:
        if not isinstance(record.get(name), str):
            return f"isian {name} tidak ada atau bukan teks"
    if not isinstance(record.get("biometric_done"), bool):
        return "isian biometric_done harus benar/salah"
    form = {name: record[name] for name in RECORD_TEXT_FIELDS}
    form["desa"] = record["desa_code"]
    clean, errors, _ = validate_application(form, desa_of(kecamatan.code), local_today())
    # A NIK that does not match birth date/sex is allowed at the counter with a written reason,
    # which stays at the kecamatan; every other error is a refusal here too.
    errors = {field: message for field, message in errors.items() if field not in NOT_IN_RECORD}
    if errors:
        field, message = sorted(errors.items())[0]
        return f"isian {field} tidak sah: {message}"
    for name in ("nik", "kk_number", "full_name", "sex", "rt", "rw", "religion", "marital_status", "reason"):
        cleaned = clean[name].isoformat() if hasattr(clean[name], "isoformat") else clean[name]
        if cleaned != record[name]:
            return f"isian {name} tidak dalam bentuk baku"
    if clean["birth_date"].isoformat() != record["birth_date"] or clean["desa_code"] != record["desa_code"]:
        return "tanggal lahir atau kode desa tidak dalam bentuk baku"
    return None


def add_event(application: ReceivedApplication, status: str, reason: str = "", content_hash: str = "",
              recipient: str = "") -> StatusEvent:
    """Append a status event for the application's kecamatan; call inside a transaction. `recipient`: the
    one device code that hears it (a conflict's decision); "" for the devices that sent the application."""
    kecamatan_id = application.kecamatan_id
    # The UPDATE takes the kecamatan row's lock (PostgreSQL) or the write lock (SQLite), so
    # events of one kecamatan commit in seq order and a cursor never skips one.
    Kecamatan.update(event_seq=Kecamatan.event_seq + 1).where(Kecamatan.id == kecamatan_id).execute()
    seq = Kecamatan.select(Kecamatan.event_seq).where(Kecamatan.id == kecamatan_id).scalar()
    return StatusEvent.create(kecamatan=kecamatan_id, seq=seq, application=application,
                              registration_number=application.registration_number,
                              version=application.version, status=status, reason=reason, at=utc_now(),
                              content_hash=content_hash or application.content_hash, recipient_device=recipient)


FEED_COLUMNS = (StatusEvent.seq, StatusEvent.registration_number, StatusEvent.version, StatusEvent.status,
                StatusEvent.reason, StatusEvent.at, StatusEvent.content_hash)


def event_json(event) -> dict:
    """One event as the API and the status file carry it; `hash` names the content it is about."""
    at = event.at.isoformat() if hasattr(event.at, "isoformat") else str(event.at)
    return {"seq": event.seq, "id": event.registration_number, "version": event.version, "status": event.status,
            "reason": event.reason, "at": at, "hash": event.content_hash}


def version_events(application: ReceivedApplication) -> list[dict]:
    """The status events of one received version, in seq order, as the feed carries them. They go with
    a "duplicate" answer: a PC that made this same content after its cursor passed them (a second PC
    holding the application since a restore, correcting it as the first did) learns of them there."""
    # Only those about this content: a conflict's decision names the other version (issue 61).
    return [event_json(e) for e in StatusEvent.select().where((StatusEvent.application == application)
                                                              & (StatusEvent.content_hash == application.content_hash))
            .order_by(StatusEvent.seq)]


def _existing_outcome(kecamatan, values, existing, photo: bytes, device_code: str = "", key_id: str = "") -> Outcome:
    if existing.content_hash == values["hash"]:
        return Outcome(values["number"], values["version"], "duplicate", events=version_events(existing))
    conflict = Conflict.get_or_none((Conflict.registration_number == values["number"])
                                    & (Conflict.version == values["version"])
                                    & (Conflict.offered_hash == values["hash"]))
    if conflict is None:
        conflict = Conflict.create(kecamatan=kecamatan, registration_number=values["number"],
                                   version=values["version"], existing_hash=existing.content_hash,
                                   offered_hash=values["hash"],
                                   offered_record=json.dumps(values["record"], ensure_ascii=False), at=utc_now(),
                                   offered_photo=photo, offered_device=device_code, offered_key=key_id,
                                   existing_device=existing.sender_device)
        if existing.nik != values["nik"] and keys.given_twice_before_enrolment(
                kecamatan.id, values["number"], existing.sender_device, device_code):
            settle_given_twice(conflict, existing)
    if conflict.decision == GIVEN_TWICE:
        return Outcome(values["number"], values["version"], "conflict", given_twice_reason(conflict))
    return Outcome(values["number"], values["version"], "conflict",
                   "nomor dan versi ini sudah diterima dengan isi berbeda; menunggu pemeriksaan petugas pusat")


# The tables an office's record arriving writes: no one's act here, its trail is the office's.
ARRIVING = ("received_application", "status_event", "kecamatan", "conflict")
ARRIVING_WHY = "an office's record arriving: its trail is the office's"  # no_ones_act's, around its statements
INSERT_APPLICATION = (
    'INSERT INTO "received_application" ("kecamatan_id", "registration_number", "version", "content_hash", '
    '"record_json", "nik", "full_name", "photo", "photo_sha256", "photo_width", "photo_height", "status", '
    '"reason", "received_at", "received_via", "sender_device") '
    'VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, \'received\', \'\', ?, ?, ?) '
    'RETURNING "id"')
NEXT_SEQ = 'UPDATE "kecamatan" SET "event_seq" = "event_seq" + 1, "last_sync_at" = ? WHERE "id" = ? RETURNING "event_seq"'
INSERT_EVENT = ('INSERT INTO "status_event" ("kecamatan_id", "seq", "application_id", "registration_number", '
                '"version", "status", "reason", "at", "content_hash") VALUES (?, ?, ?, ?, ?, \'received\', \'\', ?, ?)')
EXISTING = 'SELECT "content_hash" FROM "received_application" WHERE "registration_number" = ? AND "version" = ?'


# One person, one KTP-el in the making: while a number's latest version is received, printed or waiting
# for its resend, another number for the same NIK would print a second card. Two counter PCs of one
# office both accept the same desa form (each queue shows it until the next sync), or a person goes
# to a second counter: the second application to arrive is refused, its reason shown at its counter.
# A shipped card or a rejected application no longer counts (a lost card is applied for anew).
IN_THE_MAKING = ("received", "printed", "resend")
OTHER_NUMBER_IN_THE_MAKING = (
    'SELECT "a"."registration_number" FROM "received_application" AS "a" '
    'WHERE "a"."nik" = ? AND "a"."registration_number" <> ? AND "a"."status" IN (?, ?, ?) '
    'AND "a"."version" = (SELECT MAX("b"."version") FROM "received_application" AS "b" '
    'WHERE "b"."registration_number" = "a"."registration_number") LIMIT 1')


# PostgreSQL (issue 30): the row, the counter and the event in ONE statement, atomic by itself, so
# one round trip per application instead of six (BEGIN, the check, three statements, COMMIT). A
# number and version already held inserts nothing and returns no row: the caller's slow path then
# answers duplicate or conflict. The counter's row lock is held until the statement commits, so
# events still commit in seq order. The one-card-in-the-making check (above) goes in the same round
# trip (issue 45): when the applicant has another number in the making nothing is inserted and that
# number comes back instead of a seq.
STORE_AT_ONCE = (
    'WITH "other" AS (' + OTHER_NUMBER_IN_THE_MAKING + '), '
    '"a" AS (' + INSERT_APPLICATION.replace('VALUES (', 'SELECT ').replace(
        ') RETURNING "id"', ' WHERE NOT EXISTS (SELECT 1 FROM "other") '
                            'ON CONFLICT ("registration_number", "version") DO NOTHING '
                            'RETURNING "id", "registration_number", "version", "content_hash"') + '), '
    '"s" AS (UPDATE "kecamatan" SET "event_seq" = "event_seq" + 1, "last_sync_at" = ? '
    'WHERE "id" = ? AND EXISTS (SELECT 1 FROM "a") RETURNING "event_seq"), '
    '"e" AS (INSERT INTO "status_event" ("kecamatan_id", "seq", "application_id", "registration_number", '
    '"version", "status", "reason", "at", "content_hash") SELECT ?, "s"."event_seq", "a"."id", '
    '"a"."registration_number", "a"."version", \'received\', \'\', ?, "a"."content_hash" FROM "a", "s" '
    'RETURNING "seq") '
    'SELECT "seq", NULL FROM "e" UNION ALL SELECT NULL, "registration_number" FROM "other"')


def _application_params(kecamatan_id: int, values: dict, photo: bytes, via: str, device_code: str, now: str) -> tuple:
    sealed = ReceivedApplication  # its fields seal personal values on PostgreSQL, as the ORM writes them
    return (kecamatan_id, values["number"], values["version"], values["hash"],
            sealed.record_json.db_value(json.dumps(values["record"], ensure_ascii=False)),
            sealed.nik.db_value(values["nik"]), sealed.full_name.db_value(values["full_name"]),
            sealed.photo.db_value(photo), values["photo_sha"], values["size"][0], values["size"][1], now, via,
            device_code)


def _store_at_once(kecamatan_id: int, values: dict, photo: bytes, via: str, device_code: str) -> tuple | None:
    """PostgreSQL, outside any transaction: (the seq of the stored application's event, None), or (None,
    the applicant's other number in the making) when it is refused, or None when its number and version
    are held already."""
    now = str(utc_now())
    params = _application_params(kecamatan_id, values, photo, via, device_code, now)
    nik = params[5]  # sealed as the row holds it: the check compares it so
    row = center_database.execute_sql(in_dialect(STORE_AT_ONCE), (nik, values["number"], *IN_THE_MAKING) + params
                                      + (now, kecamatan_id, kecamatan_id, now)).fetchone()
    return tuple(row) if row else None


def _insert_received(kecamatan_id: int, values: dict, photo: bytes, via: str, device_code: str = "") -> int:
    """The hot path of ingest in plain SQL (portable to both dialects): the row, then its event.

    Same effect as ReceivedApplication.create + add_event; plain SQL because building the
    queries through the ORM cost more than running them (bench/bench_sync.py ingest).
    """
    now = str(utc_now())
    run = center_database.execute_sql
    application_id = run(in_dialect(INSERT_APPLICATION),
                         _application_params(kecamatan_id, values, photo, via, device_code, now)).fetchone()[0]
    # Bumping the counter locks the kecamatan row until commit: events commit in seq order.
    seq = run(in_dialect(NEXT_SEQ), (now, kecamatan_id)).fetchone()[0]
    run(in_dialect(INSERT_EVENT), (kecamatan_id, seq, application_id, values["number"], values["version"], now,
                                   values["hash"]))
    return seq


def applicant_in_the_making_elsewhere(values: dict) -> Outcome | None:
    """The refusal of an application whose applicant already has a card in the making under another
    number; None when there is none."""
    row = center_database.execute_sql(in_dialect(OTHER_NUMBER_IN_THE_MAKING), (
        ReceivedApplication.nik.db_value(values["nik"]), values["number"], *IN_THE_MAKING)).fetchone()
    return None if row is None else _in_the_making_refusal(values, row[0])


def _in_the_making_refusal(values: dict, other_number: str) -> Outcome:
    return Outcome(values["number"], values["version"], "rejected",
                   f"pemohon dengan NIK ini sudah punya permohonan {other_number} yang sedang diproses di pusat "
                   "(satu orang satu KTP-el dalam proses); permohonan ini tidak dicetak. Batalkan permohonan "
                   "ini di loket, atau ajukan lagi setelah permohonan itu selesai atau ditolak.")


def store_application(kecamatan: Kecamatan, header: dict, photo: bytes, via: str = "api", device_code: str = "",
                      known: Restored | None = None, key_id: str = "") -> Outcome:
    """Store one application with its photo in one transaction, or refuse it whole; `device_code`
    is the sending key's (`key_id`), whose PC alone then hears of its statuses (events_after)."""
    refusal, values = validate_item(kecamatan, header, photo, known)
    if refusal:
        return refusal
    # The one-card check goes with the store (on PostgreSQL in its one statement) or right before it: no
    # lock spans two numbers, so two center processes storing one person's two numbers in the same instant
    # could both pass (never seen from one office's PCs, whose passes reach the center one request at a time).
    if center_database.param != "?" and not center_database.in_transaction():  # PostgreSQL: both at once
        try:
            with no_ones_act(ARRIVING_WHY, *ARRIVING):  # its statement only: an act added beside it is checked
                stored = _store_at_once(kecamatan.id, values, photo, via, device_code)
        except IntegrityError:
            stored = None
        if stored is not None:
            seq, other_number = stored
            if other_number is not None:
                return _in_the_making_refusal(values, other_number)
            return Outcome(values["number"], values["version"], "stored", seq=seq)
    refusal = applicant_in_the_making_elsewhere(values)
    if refusal:
        return refusal
    for _ in range(2):  # a concurrent insert of the same version turns into "duplicate" on retry
        try:
            with no_ones_act(ARRIVING_WHY, *ARRIVING), center_database.atomic():
                row = center_database.execute_sql(in_dialect(EXISTING), (values["number"], values["version"])).fetchone()
                if row is not None:
                    existing = ReceivedApplication.get((ReceivedApplication.registration_number == values["number"])
                                                       & (ReceivedApplication.version == values["version"]))
                    return _existing_outcome(kecamatan, values, existing, photo, device_code, key_id)
                seq = _insert_received(kecamatan.id, values, photo, via, device_code)
                return Outcome(values["number"], values["version"], "stored", seq=seq)
        except IntegrityError:
            continue
    return Outcome(values["number"], values["version"], "rejected", "gagal menyimpan; kirim ulang")


def restore_packet_item(header: dict, wire_photo: bytes, short_hash: bool = False) -> Restored:
    """The floor's work for one application of a packet: undo the photo's transit codec, hash it and
    decode it whole (photo_check), before any of the record's rules.

    A recompressed photo that does not decode, or decodes to bytes whose content hash is not the
    one claimed, was damaged on the way: "retry" (the kecamatan sends it again, as it is), never a
    rejection that would send the application back to the counter. `short_hash` (the applications' packets): the
    header claims the content hash's check only; the center computes the whole hash and stores it.
    """
    codec = header.get("photo_codec")
    photo = wire_photo if codec is None else jpeg_transit.decompress(wire_photo, codec)
    record = header.get("record")
    photo_sha = protocol.sha256_hex(photo) if photo is not None else ""
    try:
        content = protocol.content_hash(record, photo_sha) if photo is not None and isinstance(record, dict) else ""
    except (UnicodeEncodeError, ValueError, TypeError):
        content = ""
    intact = bool(content) and protocol.hash_claim_matches(content, header.get("hash"), short_hash)
    if intact and short_hash:
        header = dict(header, hash=content)
    if codec is None or intact:
        return Restored(header, photo, photo_sha, content, photo_check(photo))
    number = header.get("id") if isinstance(header.get("id"), str) else ""
    version = header.get("version") if isinstance(header.get("version"), int) else None
    return Restored(header, None, retry=Outcome(number, version, "retry",
                                                "foto rusak di perjalanan (hash isi tidak cocok); kirim ulang"))


def store_restored(kecamatan: Kecamatan, restored: Restored, via: str = "api", device_code: str = "",
                   key_id: str = "") -> Outcome:
    """restore_packet_item's application checked by the record's rules and stored (store_application)."""
    if restored.retry:
        return restored.retry
    return store_application(kecamatan, restored.header, restored.photo, via, device_code, known=restored,
                             key_id=key_id)


def store_packet_item(kecamatan: Kecamatan, header: dict, wire_photo: bytes, via: str = "api",
                      short_hash: bool = False, device_code: str = "", key_id: str = "") -> Outcome:
    """One application from a packet: its photo restored as it was taken (restore_packet_item), then stored."""
    return store_restored(kecamatan, restore_packet_item(header, wire_photo, short_hash), via, device_code, key_id)


def store_packet_items(kecamatan: Kecamatan, items: list, via: str = "api", short_hash: bool = False,
                       device_code: str = "", key_id: str = "") -> list[Outcome]:
    """Applications that have arrived together, in order: every photo restored and decoded first, then each
    record's rules and its store. The same outcomes as store_packet_item one by one, for less CPU: the
    rules and the store's Python ran 2-3x slower right after each restore, whose native work pushes
    them out of the processor's caches (docs/benchmarks.md, "Restores first, then the records").
    Nothing is answered before all of them are durably stored."""
    restored = [restore_packet_item(header, photo, short_hash) for header, photo in items]
    if center_database.param == "?" and len(restored) > 1 and not center_database.in_transaction():
        # SQLite: one durable commit for them all (each still in its own savepoint), answered only after
        # it; the commit's fsync was ~0.6 ms of CPU an application. PostgreSQL stores each in one statement.
        with center_database.atomic():
            return [store_restored(kecamatan, each, via, device_code, key_id) for each in restored]
    return [store_restored(kecamatan, each, via, device_code, key_id) for each in restored]


def answer_manifest(kecamatan: Kecamatan, items: list) -> dict:
    """Which of the offered (id, version, hash) the center still needs, already has, or conflicts on."""
    need, have, conflict = [], [], []
    # One query per 500 numbers, hashes only (issue 30): a query per item read each row whole, its
    # photo and, on PostgreSQL, the opening of its sealed fields, to compare one hash.
    held: dict[tuple[str, int], tuple[str, int]] = {}
    numbers = sorted({item["id"] for item in items})
    for start in range(0, len(numbers), 500):
        held.update(((number, version), (digest, row_id)) for number, version, digest, row_id in ReceivedApplication.select(
            ReceivedApplication.registration_number, ReceivedApplication.version, ReceivedApplication.content_hash,
            ReceivedApplication.id)
            .where((ReceivedApplication.kecamatan == kecamatan)
                   & ReceivedApplication.registration_number.in_(numbers[start:start + 500])).tuples())
    held_ids: dict[int, list] = {}  # application id -> its "have" entries
    for item in items:
        number, version, digest = item["id"], item["version"], item["hash"]
        existing = held.get((number, version))
        entry = {"id": number, "version": version}
        if existing is None:
            need.append(entry)
        elif existing[0] == digest:
            have.append(entry)
            entry["events"] = []  # as a packet's "duplicate" answer carries them (version_events)
            held_ids.setdefault(existing[1], []).append(entry)
        else:
            conflict.append(entry)  # the packet brings the record, so a person can compare
            need.append(entry)
    # The held versions' events, 500 applications a query: one query per held item read its row whole.
    ids = sorted(held_ids)
    for start in range(0, len(ids), 500):
        # Only events about the held content: not a decision about another version (version_events).
        for event in (StatusEvent.select().join(ReceivedApplication)
                      .where(StatusEvent.application.in_(ids[start:start + 500])
                             & (StatusEvent.content_hash == ReceivedApplication.content_hash))
                      .order_by(StatusEvent.seq)):
            for entry in held_ids[event.application_id]:
                entry["events"].append(event_json(event))
    return {"need": need, "have": have, "conflict": conflict}


def events_after(kecamatan: Kecamatan, cursor: int, limit: int, device_codes=()) -> list:
    """The kecamatan's events after `cursor`; with `device_codes` (keys.device_codes: a PC's own and
    those it held before a re-enrolment), only those of applications those codes sent (and of those
    stored before senders were kept): another counter PC's statuses are none of its business (issue 24).
    An event naming its recipient (a conflict's decision) goes to that device alone (issue 61)."""
    return statements.rows(_feed, limit, len(device_codes), each_run=(kecamatan.id, cursor, *device_codes))


def _feed(limit: int, codes: int):  # its SQL built once for every kecamatan and PC (app/frame/statements.py)
    # The feed's columns only, as light rows (event_json reads nothing else): a model instance per event
    # cost more than the query (a pass's status pull of 100 events, 7.6-15 ms). The PC's device codes are
    # given on each run too (each_run(2) on), so the text depends on how many it has, not on which.
    query = (StatusEvent.select(*FEED_COLUMNS)
             .where((StatusEvent.kecamatan == statements.each_run(0)) & (StatusEvent.seq > statements.each_run(1))))
    if codes:
        senders = [statements.each_run(2 + n) for n in range(codes)]
        query = (query.join(ReceivedApplication, on=(StatusEvent.application == ReceivedApplication.id))
                 .where(StatusEvent.recipient_device.in_(senders)
                        | ((StatusEvent.recipient_device == "")
                           & ReceivedApplication.sender_device.in_([*senders, ""]))))
    return query.order_by(StatusEvent.seq).limit(limit).namedtuples()


def move(application: ReceivedApplication, to_status: str, reason: str = "") -> bool:
    """Operator status change with its event; False when the lifecycle does not allow it."""
    if not center_may_move(application.status, to_status):
        return False
    now = utc_now()
    application.status = to_status
    application.reason = reason
    if to_status == "printed":
        application.printed_at = now
    if to_status == "shipped":
        application.shipped_at = now
    application.save()
    add_event(application, to_status, reason)
    return True


# --- conflicts: the operator decides, the decision travels back by the status cursor ----------

KEEP, ACCEPT, REJECT = "keep", "accept", "reject"
DECISIONS = {
    KEEP: "Pertahankan data pusat (kecamatan memberi nomor baru pada permohonan yang bentrok)",
    ACCEPT: "Terima versi baru dari kecamatan (menggantikan data pusat)",
    REJECT: "Tolak versi baru (kembali ke loket kecamatan dengan alasan)",
}
# Event statuses beyond the printing lifecycle; each names the content hash it is about.
RENUMBER = "renumber"
# Decided by the center as the version arrives, no operator: two PCs of one office gave the number
# before their enrolment, in one series (keys.given_twice_before_enrolment; issue 61).
GIVEN_TWICE = "given_twice"
DECISION_WORDS = {**DECISIONS, GIVEN_TWICE: "Diselesaikan otomatis (tidak menunggu petugas pusat)"}


def given_twice_reason(conflict: Conflict) -> str:
    """What the offering PC is told, in its answer and its renumber event."""
    return (f"nomor ini juga diberikan PC {conflict.existing_device} kantor ini kepada pemohon lain sebelum kedua PC "
            "didaftarkan ke pusat; pusat mempertahankan data PC itu, dan komputer ini memberi nomor baru lalu "
            "mengirim ulang (otomatis, tanpa menunggu petugas pusat)")


@act("selesaikan_konflik")
def settle_given_twice(conflict: Conflict, application: ReceivedApplication) -> None:
    """The keep decision, taken at once (call inside the store's transaction): the offering PC alone
    hears a `renumber` for its version; the PC whose version the center holds hears nothing."""
    add_event(application, RENUMBER, given_twice_reason(conflict), conflict.offered_hash,
              recipient=conflict.offered_device)
    conflict.decision, conflict.resolved_at = GIVEN_TWICE, utc_now()
    conflict.note = (f"nomor yang sama diberikan PC {conflict.existing_device} dan PC {conflict.offered_device} "
                     "kantor ini sebelum didaftarkan; data pusat dipertahankan, PC "
                     f"{conflict.offered_device} memberi nomor baru")
    conflict.save()
    audit("selesaikan_konflik", "permohonan", conflict.registration_number,
          f"{DECISION_WORDS[GIVEN_TWICE]}: {conflict.note}", username="sistem")


def number_given_away(kecamatan_id: int, number: str) -> None:
    """The operator gave `number` to another PC's application (accept; in the decision's transaction): the record
    the center held under it goes, and its receipt's keyed code stays as an old receipt's (`renumbered_at`), so
    /cek tells that citizen the number was changed. Its PC moves the record to the new number, but a PC before
    issue 72 never sends the old number with it (`previous`): without this, that receipt read "tidak cocok" for
    good (issue 94, finding 6). Only the center's own decision writes such a row: no PC can mark a receipt old."""
    held = PublicStatus.select().where((PublicStatus.kecamatan == kecamatan_id) & (PublicStatus.number == number)
                                       & (PublicStatus.kind == "ktp")).first()
    if held is not None:
        now = utc_now()
        (PublicStatusWaiting.insert(kecamatan=kecamatan_id, number=number, code_key=held.code_key, at=now,
                                    renumbered_at=now)
         .on_conflict(conflict_target=[PublicStatusWaiting.number, PublicStatusWaiting.code_key,
                                       PublicStatusWaiting.kecamatan],
                      update={PublicStatusWaiting.at: now, PublicStatusWaiting.renumbered_at: now}).execute())
    PublicStatus.delete().where((PublicStatus.kecamatan == kecamatan_id) & (PublicStatus.number == number)).execute()


def resolve_conflict(conflict: Conflict, decision: str, note: str = "") -> bool:
    """Apply the operator's decision in one transaction (call inside one); False if not possible.

    keep:   the center's content stays; a `renumber` event tells the kecamatan to give its
            other application (the offered hash) a fresh number and send it again.
    accept: the offered record and photo replace the center's, status back to received, and a
            `received` event for the new hash (the kecamatan then follows it as usual); when another
            PC sent the replaced content, that PC gets a `renumber` for it (its applicant keeps a card).
    reject: a `rejected` event for the offered hash: back to the counter with the reason.
    Each event goes to the PC that offered the version it is about (conflict.offered_device), never
    to the one whose version the center held (issue 61).
    """
    if conflict.resolved_at is not None or decision not in DECISIONS:
        return False
    application = ReceivedApplication.get_or_none(
        (ReceivedApplication.registration_number == conflict.registration_number)
        & (ReceivedApplication.version == conflict.version))
    if application is None:
        return False
    offered = conflict.offered_device
    if decision == ACCEPT:
        if not conflict.offered_photo or application.status == "shipped":
            return False
        photo = bytes(conflict.offered_photo)
        record = json.loads(conflict.offered_record)
        width, height = photo_size(photo) or (0, 0)
        application.record_json = conflict.offered_record
        application.nik, application.full_name = record.get("nik", ""), (record.get("full_name") or "")[:255]
        application.photo, application.photo_sha256 = photo, protocol.sha256_hex(photo)
        application.photo_width, application.photo_height = width, height
        application.status, application.reason = "received", ""
        application.print_run = application.shipment = None
        application.printed_at = application.shipped_at = None
        replaced, held_by = application.content_hash, application.sender_device  # who holds it now
        if offered and held_by and held_by != offered:
            # What was said of the replaced content stays that PC's (its cursor may not have passed it yet),
            # and its applicant gets a new number rather than losing a card.
            (StatusEvent.update(recipient_device=held_by)
             .where((StatusEvent.application == application) & (StatusEvent.recipient_device == "")).execute())
            add_event(application, RENUMBER, "nomor ini diberikan petugas pusat kepada permohonan lain; beri nomor "
                                             "baru", replaced, recipient=held_by)
            # The citizen's /cek record under the number was the replaced applicant's: it goes, so the offering
            # PC's record (refused as another PC's until now) takes its place; the other follows its new number
            # (issue 72), and its receipt reads as an old one meanwhile, whatever its PC sends (issue 94).
            number_given_away(application.kecamatan_id, application.registration_number)
        application.content_hash = conflict.offered_hash
        if offered:
            application.sender_device = offered  # its next statuses (printed, shipped) go to the offering PC
        application.save()
        add_event(application, "received", note or "versi baru diterima petugas pusat", conflict.offered_hash,
                  recipient=offered)
    elif decision == KEEP:
        add_event(application, RENUMBER, note or "nomor ini sudah dipakai permohonan lain; beri nomor baru",
                  conflict.offered_hash, recipient=offered)
    else:
        add_event(application, "rejected", note or "versi baru ditolak petugas pusat", conflict.offered_hash,
                  recipient=offered)
    conflict.decision = decision
    conflict.resolved_at = utc_now()
    conflict.note = note[:500]
    conflict.save()
    return True
