"""The public status records at the center (issue 28): the newest public record of each number a
kecamatan (or a desa PC, for its F-1.07) sends, checked and kept; what the page shows of one; and
their deletion once finished. The API routes and the page /cek that use them are
sync/center/public_status.py; the USB import (sync/center/views.py) stores them too.

The check code never rests here: the kecamatan sends sha256(number, code); the center keeps an HMAC
of it under its own key (`code_key`), so a copy of this table cannot be searched for codes without
the key.
"""
import hashlib
import hmac
import json
import re
from datetime import date, timedelta

from flask import current_app, g, has_request_context
from peewee import IntegrityError

from app.frame import regions
from app.frame.dates import local_today, to_local, utc_now
from app.frame.request_cycle import holds_bad_characters
from app.frame.working_days import WorkCalendar
from sync import protocol
from sync import public_status as vocabulary
from sync.center import sms
from app.frame.audit_rule import act, nothing_done
from sync.center.audit import audit
from sync.center.db import center_database, in_dialect, is_postgres
from sync.center.models import Kecamatan, PublicStatus, PublicStatusPrevious, PublicStatusWaiting, ReceivedApplication
from sync.center.records import Outcome
from sync.center.trail import no_ones_act
from sync.center.zone import own_zone

MAX_RECORD_BYTES = 8 * 1024
DAY = re.compile(r"^\d{4}-\d{2}-\d{2}$")
# The center's own later steps of an application (printed, shipped) show before the kecamatan syncs.
CENTER_STEPS = {"printed": "dicetak", "shipped": "dikirim"}


def code_key(code_digest: str) -> str:
    secret = current_app.config["SECRET_KEY"]
    secret = secret.encode() if isinstance(secret, str) else secret
    return hmac.new(secret, b"status-publik|" + code_digest.encode(), hashlib.sha256).hexdigest()


# --- kecamatan -> center: the public records --------------------------------------------------------

def _day_or_blank(value) -> bool:
    if value == "":
        return True
    if not (isinstance(value, str) and DAY.match(value)):
        return False
    try:
        date.fromisoformat(value)
    except ValueError:
        return False
    return True


def _days(value) -> bool:
    """An office's own days off or days open: a list of days, not too many."""
    return isinstance(value, list) and len(value) <= vocabulary.MAX_OFFICE_DAYS and all(
        day != "" and _day_or_blank(day) for day in value)


def _text(value, limit: int) -> bool:
    return isinstance(value, str) and len(value) <= limit


def record_problem(kecamatan: Kecamatan, number: str, record: dict) -> str | None:
    """Why a public record is refused, or None. Only the listed fields, each of its own shape."""
    allowed = {"kind", "number", "code_digest", "step", "steps", "promised", "follow_up", "follow_up_due",
               "office", "hours", "changed_at", "sms", "office_address", "office_phone", "promised_estimate",
               "expires", "days_off", "days_open", "previous"}
    if set(record) - allowed:
        return "status publik memuat isian yang tidak dikenal"  # nothing personal may ride along
    kind = record.get("kind")
    if kind not in vocabulary.STEPS or record.get("number") != number:
        return "jenis atau nomor status publik tidak sah"
    if kind == "ktp":
        matched = protocol.REGISTRATION_NUMBER.match(number)
        if not matched or matched.group(1) != kecamatan.digits:
            return "nomor pendaftaran bukan milik kecamatan ini"
    if kind == "pra":  # a desa's own forms only (a desa PC's key names its desa)
        matched = protocol.PRE_REGISTRATION_NUMBER.match(number)
        key = g.get("device_key") if has_request_context() else None
        desa = (key.desa_code or "").replace(".", "") if key is not None else ""
        if not matched or not matched.group(1).startswith(kecamatan.digits) or (desa and matched.group(1) != desa):
            return "nomor pra-pendaftaran bukan milik desa atau kecamatan ini"
    elif has_request_context() and g.get("device_key") is not None and g.device_key.desa_code:
        return "perangkat desa hanya mengirim status pra-pendaftaran"
    if not (isinstance(record.get("code_digest"), str) and protocol.HEX64.fullmatch(record["code_digest"])):
        return "ringkasan kode cek tidak sah"
    if record.get("step") not in vocabulary.STEPS[kind]:
        return "tahap tidak dikenal"
    steps = record.get("steps")
    if not (isinstance(steps, list) and len(steps) <= 20 and all(
            isinstance(s, list) and len(s) == 2 and s[0] in vocabulary.STEPS[kind] and _day_or_blank(s[1])
            for s in steps)):
        return "riwayat tahap tidak sah"
    if not (_day_or_blank(record.get("promised")) and _day_or_blank(record.get("follow_up_due"))
            and _text(record.get("follow_up"), vocabulary.FOLLOW_UP_MAX) and _text(record.get("office"), 100)
            and _text(record.get("hours"), 200) and _text(record.get("changed_at", ""), 32)
            and _text(record.get("office_address", ""), 300) and _text(record.get("office_phone", ""), 40)
            and record.get("promised_estimate", "") in ("", "1") and _day_or_blank(record.get("expires", ""))):
        return "isian status publik tidak sah"
    if not all(_days(record.get(name, [])) for name in ("days_off", "days_open")):
        return "hari libur kantor tidak sah"
    if "sms" in record and (problem := sms.phone_problem(record["sms"])):
        return problem
    if not _previous_numbers_fit(kecamatan, kind, record.get("previous", [])):
        return "nomor lama status publik tidak sah"
    return None


def _previous_numbers_fit(kecamatan: Kecamatan, kind: str, previous) -> bool:
    """An application's old numbers (issue 72): [[number of this kecamatan, code digest under it]], a few."""
    return isinstance(previous, list) and len(previous) <= vocabulary.MAX_PREVIOUS and (kind == "ktp" or not previous) \
        and all(isinstance(p, list) and len(p) == 2 and isinstance(p[0], str) and isinstance(p[1], str)
                and (m := protocol.REGISTRATION_NUMBER.match(p[0])) and m.group(1) == kecamatan.digits
                and protocol.HEX64.fullmatch(p[1]) for p in previous)


def store_public(kecamatan: Kecamatan, header: dict, payload: bytes, device_codes=()) -> Outcome:
    """The newest version wins; an older one arriving late is answered as held. `device_codes`: the sending
    PC's (keys.device_codes); an application's record comes only from the PC that hears the statuses of
    the application the center holds under the number (two PCs that numbered in one series: the other's
    versions wait with its conflict, and never replace the record the first one's citizen reads)."""
    key, version = header.get("id"), header.get("version")
    number = vocabulary.number_of(key)
    shown = key[:64] if isinstance(key, str) else ""
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= 10 ** 6:
        return Outcome(shown, None, "rejected", "versi tidak sah")
    digest, record = header.get("hash"), header.get("record")
    if number is None or not isinstance(digest, str) or not protocol.HEX64.fullmatch(digest) or not isinstance(record, dict):
        return Outcome(shown, version, "rejected", "kepala status publik tidak lengkap")
    if payload or len(protocol.canonical_json(record)) > MAX_RECORD_BYTES:
        return Outcome(key, version, "rejected", "status publik terlalu besar")
    if holds_bad_characters(record):
        return Outcome(key, version, "rejected", "status publik berisi karakter tidak sah")
    if protocol.content_hash(record, protocol.sha256_hex(b"")) != digest:
        return Outcome(key, version, "rejected", "hash isi tidak cocok (rusak di jalan)")
    problem = record_problem(kecamatan, number, record)
    if problem:
        return Outcome(key, version, "rejected", problem)
    if record["kind"] == "ktp" and device_codes and _held_by_another_pc(kecamatan, number, device_codes):
        _note_waiting(kecamatan, number, record["code_digest"])
        return Outcome(key, version, "conflict", "nomor ini dipegang permohonan PC lain kecamatan ini di pusat")
    final = record["step"] in vocabulary.FINAL_STEPS[record["kind"]]
    # The consented phone never rests in the public record: sync/center/sms.py keeps it sealed.
    phone = record.get("sms")
    # The old numbers' code digests rest in their own rows, keyed as the record's (PublicStatusPrevious).
    public = {k: v for k, v in record.items() if k not in ("sms", "previous")}
    values = dict(kind=record["kind"], version=version, content_hash=digest, code_key=code_key(record["code_digest"]),
                  record_json=json.dumps(public, ensure_ascii=False), received_at=utc_now())
    for _ in range(2):  # a concurrent insert of the same number turns into an update on retry
        try:
            with center_database.atomic():
                query = PublicStatus.select().where((PublicStatus.kecamatan == kecamatan.id)
                                                    & (PublicStatus.number == number))
                # PostgreSQL: two packets of one number wait for each other; SQLite writes one at a time.
                row = (query.for_update() if is_postgres(center_database) else query).first()
                if row is None:
                    row = PublicStatus.create(kecamatan=kecamatan.id, number=number,
                                              final_at=utc_now() if final else None, **values)
                    _keep_previous(row.id, record)
                    sms.follow(current_app, kecamatan, number, record, phone)
                    return Outcome(key, version, "stored")
                if version < row.version or (version == row.version and digest == row.content_hash):
                    return Outcome(key, version, "duplicate")
                if version == row.version:
                    return Outcome(key, version, "conflict", "versi ini sudah diterima dengan isi berbeda")
                final_at = (row.final_at or utc_now()) if final else None
                PublicStatus.update(final_at=final_at, **values).where(PublicStatus.id == row.id).execute()
                _keep_previous(row.id, record)
                sms.follow(current_app, kecamatan, number, record, phone)
                return Outcome(key, version, "stored")
        except IntegrityError:
            continue
    return Outcome(key, version, "duplicate")


def _keep_previous(status_id: int, record: dict) -> None:
    """The record's old numbers as the newest version has them (in the caller's transaction); its receipt no
    longer waits under its number, nor under an old one."""
    PublicStatusPrevious.delete().where(PublicStatusPrevious.status == status_id).execute()
    for number, digest in record.get("previous", []):
        PublicStatusPrevious.create(status=status_id, number=number, code_key=code_key(digest))
    for number, digest in [(record["number"], record["code_digest"]), *record.get("previous", [])]:
        PublicStatusWaiting.delete().where((PublicStatusWaiting.number == number)
                                           & (PublicStatusWaiting.code_key == code_key(digest))).execute()


WAITING_PER_NUMBER = 4  # the counter PCs of one office that gave one number: a PC's flood of codes adds nothing


def _note_waiting(kecamatan: Kecamatan, number: str, digest: str) -> None:
    """A fresh receipt's record refused while another PC's application holds its number (issue 83): /cek answers
    that receipt "being checked at the regency" until its record is stored (_keep_previous)."""
    key = code_key(digest)
    with center_database.atomic():
        kept = [row.code_key for row in PublicStatusWaiting.select(PublicStatusWaiting.code_key)
                .where(PublicStatusWaiting.number == number).limit(WAITING_PER_NUMBER)]
        if key not in kept and len(kept) < WAITING_PER_NUMBER:
            PublicStatusWaiting.create(kecamatan=kecamatan.id, number=number, code_key=key, at=utc_now())


def _held_by_another_pc(kecamatan: Kecamatan, number: str, device_codes) -> bool:
    """The center holds an application under `number` whose statuses another PC of the kecamatan hears (its
    sender, the PC that took it over, the one the operator's decision gave it to: sender_device follows)."""
    holder = (ReceivedApplication.select(ReceivedApplication.sender_device)
              .where((ReceivedApplication.kecamatan == kecamatan.id) & (ReceivedApplication.registration_number == number))
              .scalar())
    return bool(holder) and holder not in device_codes


def note_delivery(key, at=None) -> None:
    """The kecamatan's public state reached the center from one of its counter PCs: a pass (its
    public records, then its status pull, which comes after everything due was pushed) or a USB
    batch file (`at`: when the office wrote it). "Terakhir diperbarui" on the page reads this, not
    `last_seen_at`: a desa PC's key or a probe signs requests without carrying the office's state."""
    if key is None or key.desa_code:
        return
    now = utc_now()
    at = Kecamatan.public_synced_at.db_value(min(at or now, now))  # a PC clock running ahead: not fresher
    with no_ones_act("when a kecamatan's public state last arrived", "kecamatan"):
        center_database.execute_sql(in_dialect(NOTE_DELIVERY), (at, key.kecamatan_id, at))


# On every pass's status pull, in plain SQL (as the nonce's INSERT): peewee building this UPDATE cost
# two thirds of the pull's own work when it brought nothing (issue 45).
NOTE_DELIVERY = ('UPDATE "kecamatan" SET "public_synced_at" = ? WHERE "id" = ? '
                 'AND ("public_synced_at" IS NULL OR "public_synced_at" < ?)')


# --- what the page shows --------------------------------------------------------------------------

def _with_code(model, numbers: list[str], code: str):
    """The row of `model` (a number and its code's key) whose number is one of the typed number's readings and
    whose code matches; every row of those numbers compared, the same work whether one matches or not."""
    wanted = {number: code_key(vocabulary.code_digest(number, code)) for number in numbers}
    found = None
    for row in model.select().where(model.number.in_(numbers)).limit(20):
        if hmac.compare_digest(row.code_key, wanted[row.number]):
            found = row
    return found


def find(numbers: list[str], code: str) -> PublicStatus | None:
    """The record whose number and code both match."""
    return _with_code(PublicStatus, numbers, code)


def find_previous(numbers: list[str], code: str) -> PublicStatus | None:
    """The record that had one of the typed number's readings before the kecamatan gave it a new one, with the
    same check code (issue 72: an old receipt); asked after every miss, so a miss costs the same whatever it is."""
    previous = _with_code(PublicStatusPrevious, numbers, code)
    return previous.status if previous is not None else None


def find_waiting(numbers: list[str], code: str) -> PublicStatusWaiting | None:
    """A receipt whose number and code wait on a conflict at the center (_note_waiting), asked after every miss."""
    return _with_code(PublicStatusWaiting, numbers, code)


WAITING_TO_GO = "menunggu_kirim"  # complete at the kecamatan, not (yet) at the center


def view_of(row: PublicStatus) -> dict:
    """What the page shows: plain words for each step, the dates, the office and how fresh it is."""
    record = json.loads(row.record_json)
    kind, office = record["kind"], record.get("office") or row.kecamatan.name
    steps = [list(s) for s in record.get("steps", [])]
    step = record["step"]
    zone = regions.zone_of(row.kecamatan.code) or own_zone()
    at_center = (ReceivedApplication.select(ReceivedApplication.status, ReceivedApplication.printed_at,
                                            ReceivedApplication.shipped_at)
                 .where((ReceivedApplication.kecamatan == row.kecamatan_id)
                        & (ReceivedApplication.registration_number == row.number))
                 .order_by(ReceivedApplication.version.desc()).first()) if kind == "ktp" else None
    if at_center is not None:
        # Printed and shipped on the center's own days, in the kecamatan's zone, not the day the office's pass
        # learnt of them (issue 83: /cek said 22 Dec for a card the center printed on 21 Dec).
        center_days = {word: to_local(moment, zone).date().isoformat() for word, moment in
                       (("dicetak", at_center.printed_at), ("dikirim", at_center.shipped_at)) if moment}
        steps = [[s, center_days.get(s, d)] for s, d in steps]
    if kind == "ktp" and step in ("diterima", "kurang", "diproses"):
        if at_center is not None and at_center.status in CENTER_STEPS:
            step = CENTER_STEPS[at_center.status]
            steps.append([step, center_days.get(step, "")])
        elif at_center is None:
            # The public record travels on its own: the application may still wait at the kecamatan
            # (an old PC's, issue 42). Dukcapil processes only what the center holds.
            step = WAITING_TO_GO if step == "diproses" else step
            steps = [[WAITING_TO_GO if s == "diproses" else s, d] for s, d in steps]
    today = local_today(zone)
    expires = date.fromisoformat(record["expires"]) if record.get("expires") else None
    if kind == "pra" and step == "menunggu" and expires and today > expires:
        # Nothing is written when a form runs out (issue 71: one typed at the kecamatan said "Menunggu" for ever).
        step = "kedaluwarsa"
        steps.append([step, (expires + timedelta(days=1)).isoformat()])
    office_record = _office_record(row) if kind == "pra" else record
    words = vocabulary.STEPS[kind]
    synced_at = row.kecamatan.public_synced_at or row.received_at  # received_at: a record from before the column
    final = step in vocabulary.FINAL_STEPS[kind]
    due = date.fromisoformat(record["follow_up_due"]) if record.get("follow_up_due") else None
    # Late from the day after the deadline (app/complaints/deadlines.py), on the kecamatan's own calendar day.
    late_days = (today - due).days if kind == "pgd" and due and not final and today > due else 0
    next_step = vocabulary.LATE_FOLLOW_UP if late_days else vocabulary.NEXT_STEPS[kind][step]
    promised = date.fromisoformat(record["promised"]) if record.get("promised") else None
    late_working_days = 0
    if kind == "ktp" and promised and step in vocabulary.IN_SERVICE_STEPS and today > promised:
        # Counted on the office's own calendar as its register counts (app/registration/service_time.days_left):
        # the national one with the office's days off and days open that the record carries.
        calendar = WorkCalendar(extra_closed=[date.fromisoformat(d) for d in record.get("days_off", [])],
                                reopened=[date.fromisoformat(d) for d in record.get("days_open", [])])
        late_working_days = max(-calendar.working_days_between(today, promised), 0)
    if late_working_days:
        # A file to correct still needs the citizen first; otherwise the lateness is what there is to do.
        late = vocabulary.LATE_APPLICATION.replace("{duty}", vocabulary.LATE_DUTY[step])
        next_step = (next_step + " " + late) if step == "perbaikan" else late
    follow_up = record.get("follow_up", "")
    if kind == "pgd" and final and not follow_up:
        follow_up = vocabulary.UNPUBLISHED_FOLLOW_UP.format(office=office)
    return {"kind": kind, "number": row.number, "office": office, "hours": office_record.get("hours", ""),
            "office_address": office_record.get("office_address", ""),
            "office_phone": office_record.get("office_phone", ""),
            "step": words[step].format(office=office), "next": next_step.format(office=office, days=late_days or late_working_days),
            "step_code": step, "final": final, "late_days": late_days,
            "steps": [(words[s].format(office=office), date.fromisoformat(d) if d else None) for s, d in steps],
            "promised": promised, "late_working_days": late_working_days,
            "expires": expires if kind == "pra" and step == "menunggu" else None,  # the F-1.07's last valid day
            "promised_estimate": record.get("promised_estimate") == "1",
            "follow_up": follow_up, "follow_up_due": due,
            # An office offline for days: said in days, so an old date is not read as today's news.
            "synced_at": synced_at, "synced_days": max((utc_now() - synced_at).days, 0),
            "region": row.kecamatan.code}  # its moments in the kecamatan's zone, as on its own slips


def _office_record(row: PublicStatus) -> dict:
    """A desa form's office hours, address and telephone as the kecamatan itself last sent them (issue 71: a
    desa PC knows only the default hours, "Jumat 08.00–14.00" where the office closes at 11.00); the
    form's own record while the kecamatan has sent none."""
    return office_record(row.kecamatan_id) or json.loads(row.record_json)


def office_record(kecamatan_id: int) -> dict:
    """The kecamatan's newest record of its own (not a desa form's): its office, hours, address and telephone."""
    newest = (PublicStatus.select(PublicStatus.record_json)
              .where((PublicStatus.kecamatan == kecamatan_id) & (PublicStatus.kind != "pra"))
              .order_by(PublicStatus.received_at.desc()).first())
    return json.loads(newest.record_json) if newest is not None else {}


# --- retention ------------------------------------------------------------------------------------

@act("hapus")
def forget_finished(keep_days: int, now=None) -> int:
    """Delete the records handed over or closed more than `keep_days` ago; returns how many."""
    cutoff = (now or utc_now()) - timedelta(days=keep_days)
    finished = PublicStatus.final_at.is_null(False) & (PublicStatus.final_at < cutoff)
    with center_database.atomic():
        sms.forget_with(PublicStatus.select(PublicStatus.kecamatan, PublicStatus.number).where(finished))
        sent = sms.forget_sent(cutoff) if sms.enabled(current_app) else 0  # due even while no record is
        gone = PublicStatus.delete().where(finished).execute()
        PublicStatusWaiting.delete().where(PublicStatusWaiting.at < cutoff).execute()  # a receipt never settled
        if not (gone or sent):
            nothing_done()  # nothing finished long enough ago (a receipt never settled is no one's act)
        else:
            audit("hapus", "status_publik", "", f"{gone} status publik dihapus ({keep_days} hari setelah selesai)"
                  + (f"; {sent} SMS terkirim dilupakan" if sent else ""), username="sistem")
    return gone
