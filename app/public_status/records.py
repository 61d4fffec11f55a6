"""The public status record of applications and complaints, carried by the sync outbox (kind
`status_publik`, sync/public_status.py) to the center's public page.

A record is queued in the transaction of every change of an application's status and of every
write on a complaint; it goes only when what the public sees changed (its content hash), as the
next version, so the center keeps the newest whatever order packets arrive in.
"""
import secrets

from flask import current_app

from app.frame import statements, store
from app.frame.dates import to_local, utc_now
from app.public_status.models import PublicStatus
from sync import protocol
from sync import public_status as vocabulary
from sync.client import outbox, records

# Opening hours shown with the status (the office's own words; changed in the settings store).
store.register_defaults(office_hours="Senin–Kamis 08.00–15.30, Jumat 08.00–14.00", public_status_url="")

KTP_STEPS = {"diterima": "diterima", "dikembalikan": "kurang", "lengkap": "diproses", "terkirim": "diproses",
             "diterima_pusat": "diproses", "dicetak": "dicetak", "dikirim": "dikirim", "siap_diambil": "siap",
             "diserahkan": "diserahkan", "ditolak_pusat": "perbaikan", "diminta_kirim_ulang": "perbaikan"}
PGD_STEPS = {"baru": "diterima", "diteruskan": "diteruskan", "ditindaklanjuti": "ditindaklanjuti",
             "selesai": "selesai", "bukan_kewenangan": "bukan_kewenangan"}


def new_check_code() -> str:
    return "".join(secrets.choice(vocabulary.CODE_ALPHABET) for _ in range(vocabulary.CODE_LENGTH))


def _row(kind: str, source_id: int, number: str) -> PublicStatus:
    row = _public_record(kind, source_id)
    if row is None:
        row = PublicStatus.create(kind=kind, source_id=source_id, number=number, check_code=new_check_code(),
                                  step=0, content_hash="", created_at=utc_now())
    elif row.number != number:  # renumbered by the center: the code stays, the record follows the number
        row.number = number
        row.save()
    return row


def _public_record(kind: str, source_id: int) -> PublicStatus | None:
    return next(iter(statements.rows(_public_record_of, each_run=(kind, source_id))), None)


def _public_record_of():  # its SQL built once (app/frame/statements.py): every clerk's action and slip (issue 73)
    return PublicStatus.select().where((PublicStatus.kind == statements.each_run(0))
                                       & (PublicStatus.source_id == statements.each_run(1))).limit(1)


def _zone() -> str:
    return store.get("timezone") or "Asia/Jakarta"


def _day(moment, zone: str | None = None) -> str:
    return to_local(moment, zone or _zone()).date().isoformat() if moment else ""


def _history(events, mapping, zone: str | None = None) -> list[list[str]]:
    """[[step, local date]] in order, a step repeated in a row kept once (its first date)."""
    steps = []
    zone = zone or _zone()
    for status, at in events:
        step = mapping.get(status)
        if step and (not steps or steps[-1][0] != step):
            steps.append([step, _day(at, zone)])
    return steps[-20:]


def _office() -> dict:
    # The office's address, telephone and hours as the admin set them (Pengaturan Kantor), shown on the
    # public page: the citizen calls the number on every letterhead (issue 43).
    office = {"office": (store.get("kecamatan_name") or "")[:100], "hours": (store.get("office_hours") or "")[:200]}
    address = (store.get("address") or "").strip()[:300]
    phone = (store.get("phone") or "").strip()[:40]
    return {**office, **({"office_address": address} if address else {}), **({"office_phone": phone} if phone else {})}


def _sms(row: PublicStatus) -> dict:
    """The consented phone rides with the record (the center keeps it sealed, for the gateway only)."""
    return {"sms": row.sms_phone} if row.sms_phone and row.sms_consent_at else {}


def _office_days() -> list[tuple]:
    """The admin's calendar corrections [(day, kind)] in date order (app/frame/office_calendar)."""
    from app.frame.office_calendar import OfficeDay
    return list(OfficeDay.select(OfficeDay.day, OfficeDay.kind).order_by(OfficeDay.day).tuples())


def _office_days_after(promised, days: list[tuple]) -> dict:
    """The record's "days_off" and "days_open" after `promised` (issue 71: /cek counted a late KTP-el on the
    national calendar, a local day off more than the office's register); nothing when there are none."""
    from app.frame.office_calendar import CLOSED
    later = [(day, kind) for day, kind in days if day > promised]
    off = [day.isoformat() for day, kind in later if kind == CLOSED][:vocabulary.MAX_OFFICE_DAYS]
    open_ = [day.isoformat() for day, kind in later if kind != CLOSED][:vocabulary.MAX_OFFICE_DAYS]
    return {**({"days_off": off} if off else {}), **({"days_open": open_} if open_ else {})}


def application_record(application, row: PublicStatus, events: list | None = None, status: str | None = None,
                       office: dict | None = None, zone: str | None = None, calendar=None,
                       days: list[tuple] | None = None, former: list[str] | None = None) -> dict:
    """`events` [(to_status, at)] and `status`: the timeline and status as of one of several moves
    written together (default: as stored now); `office`, `zone`, `calendar`, `days` (_office_days()) and
    `former` (its former numbers, registration.records.former_numbers): read once for many records."""
    from app.registration.models import StatusEvent
    if events is None:
        events = list(StatusEvent.select(StatusEvent.to_status, StatusEvent.at)
                      .where(StatusEvent.application == application.id).order_by(StatusEvent.id).tuples())
    status = status or application.status
    zone = zone or _zone()
    steps = _history(events, KTP_STEPS, zone) or [[KTP_STEPS[status], _day(application.created_at, zone)]]
    from app.registration.service_time import promise_is_estimate
    promised = application.promised_date.isoformat() if application.promised_date else ""
    # a date past the year's published cuti bersama is an estimate: the page says so, as the receipt does
    estimate = {"promised_estimate": "1"} if promised and promise_is_estimate(application, calendar) else {}
    if promised:  # the office's own days after its promise: the center counts its lateness on them
        estimate.update(_office_days_after(application.promised_date, _office_days() if days is None else days))
    return {"kind": "ktp", "number": application.registration_number,
            "code_digest": vocabulary.code_digest(application.registration_number, row.check_code),
            "step": KTP_STEPS[status], "steps": steps, "promised": promised, **estimate,
            "follow_up": "", "follow_up_due": "", **(office or _office()), **_sms(row), **_previous(application, row, former)}


def _previous(application, row: PublicStatus, former: list[str] | None = None) -> dict:
    """The numbers the application had before, each with the check code's digest under it: the citizen's old
    receipt finds "changed, ask for the new receipt" at /cek (issue 72); nothing when it never changed."""
    from app.registration.records import former_numbers
    if former is None:
        former = former_numbers([application.id])[application.id]
    numbers = [n for n in former if n != application.registration_number]
    numbers = numbers[-vocabulary.MAX_PREVIOUS:]
    return {"previous": [[n, vocabulary.code_digest(n, row.check_code)] for n in numbers]} if numbers else {}


def complaint_record(complaint, row: PublicStatus) -> dict:
    from app.frame.office_calendar import office_calendar
    from app.complaints import deadlines
    from app.complaints.models import ComplaintEvent
    events = (ComplaintEvent.select(ComplaintEvent.to_status, ComplaintEvent.at)
              .where(ComplaintEvent.complaint == complaint.id).order_by(ComplaintEvent.id).tuples())
    due = deadlines.follow_up_due(complaint.received_at, office_calendar(), store.get("complaint_follow_up_days"),
                                  _zone())
    # A confidential complaint's follow-up is told to the complainant in person, never published.
    follow_up = "" if complaint.is_confidential else (complaint.tindak_lanjut or "")
    if complaint.status == "bukan_kewenangan" and complaint.other_office and not complaint.is_confidential:
        follow_up = (follow_up + f"\nDiteruskan ke: {complaint.other_office}").strip()
    follow_up = follow_up[:vocabulary.FOLLOW_UP_MAX]  # the forms' limits fit it whole (tests/sync/test_public_status.py)
    return {"kind": "pgd", "number": complaint.tracking_number,
            "code_digest": vocabulary.code_digest(complaint.tracking_number, row.check_code),
            "step": PGD_STEPS.get(complaint.status, "diterima"), "steps": _complaint_history(complaint, list(events)),
            "promised": "", "follow_up": follow_up, "follow_up_due": due.isoformat(), **_office(), **_sms(row)}


def _complaint_history(complaint, events: list) -> list[list[str]]:
    """The history from the day the office received the complaint, not the day it was typed in (issue 71: a
    letter of 29 September showed "received" 9 October, after its own deadline); one forwarded as it was
    recorded has its "received" line too."""
    received = ["diterima", _day(complaint.received_at)]
    steps = [step for step in _history(events, PGD_STEPS) if step[0] != "diterima"]
    return [received] + steps[-19:]


def pre_registration_record(pre, row: PublicStatus) -> dict:
    """A desa's F-1.07 (issue 28): waiting for the counter, then taken in (with the application's number)."""
    from app.desa import relay_records
    step = "menunggu"
    if pre.status == pre.ACCEPTED and pre.relay_status not in (relay_records.REFUSED, relay_records.EXPIRED):
        step = "diterima"
    elif pre.relay_status == relay_records.REFUSED:
        step = "ditolak"
    elif pre.relay_status == relay_records.EXPIRED:
        step = "kedaluwarsa"
    steps = [["menunggu", _day(pre.entered_at)]]
    if step != "menunggu":
        steps.append([step, _day(pre.accepted_at or pre.relay_at)])
    application_number = getattr(pre.application, "registration_number", "") if pre.application_id else ""
    application_number = application_number or pre.relay_application_number or ""
    follow_up = f"Nomor pendaftaran di loket: {application_number}" if step == "diterima" and application_number else ""
    if follow_up and relay_records.is_renumbered_note(pre.relay_note):  # issue 72: the kecamatan changed it
        follow_up += (" (nomor baru: kecamatan mengganti nomor permohonan ini; nomor pada bukti pendaftaran lama tidak "
                      "berlaku lagi, bukti baru diberikan di kecamatan)")
    return {"kind": "pra", "number": pre.number, "code_digest": vocabulary.code_digest(pre.number, row.check_code),
            "step": step, "steps": steps, "promised": "", "follow_up": follow_up, "follow_up_due": "",
            # the center turns a form still waiting past this day to expired: nothing is written here then
            "expires": pre.expires_on.isoformat() if pre.expires_on else "", **_office()}


def pre_registration_changed(pre, created: bool = False) -> None:
    """Desa listener (app/desa/records.add_change_listener): a form typed on this PC is followed by the
    F-1.07's code; a form that came by relay or QR is followed on the PC that printed it, never twice."""
    exists = PublicStatus.select().where((PublicStatus.kind == "pra") & (PublicStatus.source_id == pre.id)).exists()
    if not (exists or (created and pre.source == "desa")):
        return
    row = _row("pra", pre.id, pre.number)
    _queue(row, pre_registration_record(pre, row))


# A version waiting to go out, from here or from the PC that follows its number (outbox.followed_elsewhere).
WAITING = ("pending", outbox.ELSEWHERE)


def _queue(row: PublicStatus, record: dict) -> None:
    """Queue the record as the next version when what the public sees changed (caller's transaction).
    PUBLIC_STATUS = False in the app's config keeps them at home (a center without the public page)."""
    if not current_app.config.get("PUBLIC_STATUS", True):
        return
    digest = protocol.content_hash(record, protocol.sha256_hex(b""))
    if digest == row.content_hash:
        return
    row.step += 1
    row.content_hash = digest
    row.save()
    key = vocabulary.wire_key(row.number)
    # An older version still waiting is superseded: the center keeps only the newest anyway.
    from sync.client.models import OutboxItem
    OutboxItem.delete().where((OutboxItem.kind == vocabulary.KIND) & (OutboxItem.registration_number == key)
                              & OutboxItem.state.in_(WAITING) & (OutboxItem.attempts == 0)).execute()
    outbox.enqueue(row.id, key, row.step, dict(record, changed_at=utc_now().isoformat(timespec="seconds")),
                   b"", kind=vocabulary.KIND)


def application_renumbered(application, old_number: str) -> None:
    """Registration listener: a new number (at enrolment, or the center's): the record follows it now, with its
    check code; its versions still waiting under the old number never go, and those the center refused as
    the other PC's number (a conflict) leave the sync page: the number is another applicant's now."""
    from sync.client.models import OutboxItem
    OutboxItem.delete().where((OutboxItem.kind == vocabulary.KIND)
                              & (OutboxItem.registration_number == vocabulary.wire_key(old_number))
                              & (((OutboxItem.state == "pending") & (OutboxItem.attempts == 0))
                                 | (OutboxItem.state == "conflict"))).execute()
    row = _row("ktp", application.id, application.registration_number)
    _queue(row, application_record(application, row))


def application_changed(application, *_statuses) -> None:
    """Registration listener (created, and every transition): the public record follows."""
    row = _row("ktp", application.id, application.registration_number)
    _queue(row, application_record(application, row))


def applications_changed(calls: list[tuple]) -> None:
    """The batch form of application_changed, for moves written together (registration.status.Moves):
    [(application, from, to)] in order. Each move's record is made as one by one (the timeline up to
    that move), each change counted as a version; the last version of each waits in the outbox."""
    from app.registration.models import StatusEvent
    applications = {application.id: application for application, *_ in calls}
    rows = {row.source_id: row for row in PublicStatus.select().where(
        (PublicStatus.kind == "ktp") & PublicStatus.source_id.in_(list(applications)))}
    for application in applications.values():
        row = rows.get(application.id)
        if row is None or row.number != application.registration_number:  # new, or renumbered by the center
            rows[application.id] = _row("ktp", application.id, application.registration_number)
    if not current_app.config.get("PUBLIC_STATUS", True):
        return
    timelines: dict[int, list] = {id_: [] for id_ in applications}
    for application_id, to_status, at in (StatusEvent.select(StatusEvent.application, StatusEvent.to_status, StatusEvent.at)
                                          .where(StatusEvent.application.in_(list(applications)))
                                          .order_by(StatusEvent.id).tuples()):
        timelines[application_id].append((to_status, at))
    later = {id_: 0 for id_ in applications}  # moves of each application still to come in `calls`
    for application, *_ in calls:
        later[application.id] += 1
    from app.frame.office_calendar import office_calendar
    from app.registration.records import former_numbers
    office, zone, calendar, days, changed = _office(), _zone(), office_calendar(), _office_days(), {}
    former = former_numbers(applications)
    for application, _, to_status in calls:
        later[application.id] -= 1
        row = rows[application.id]
        timeline = timelines[application.id]
        record = application_record(application, row, timeline[:len(timeline) - later[application.id]],
                                    getattr(to_status, "value", to_status), office, zone, calendar, days,
                                    former[application.id])
        digest = protocol.content_hash(record, protocol.sha256_hex(b""))
        if digest != row.content_hash:
            row.step += 1
            row.content_hash = digest
            changed.pop(application.id, None)  # queued in the order of each record's last change
            changed[application.id] = (row, record)
    if not changed:
        return
    database = PublicStatus._meta.database
    database.cursor().executemany('UPDATE "public_status" SET "step" = ?, "content_hash" = ? WHERE "id" = ?',
                                  [(row.step, row.content_hash, row.id) for row, _ in changed.values()])
    _queue_many([(row, record) for row, record in changed.values()])


def calendar_changed(changed_day=None) -> None:
    """Calendar listener (the admin closed or opened `changed_day`, or entered a decree: None): the records of
    applications in service follow, so /cek counts their lateness on the calendar the register counts on; only
    those whose office days changed go out again. A record lists the office's days after its promise
    (_office_days_after), so one day changes only the records promised before it; a decree may move promises
    and their estimate of any year: every record is made again."""
    from app.registration.models import Application
    from app.registration.status import IN_SERVICE
    if not current_app.config.get("PUBLIC_STATUS", True):
        return  # nothing followed from a phone here: no record to make again
    window = Application.promised_date.is_null(False)
    if changed_day is not None:
        window = Application.promised_date < changed_day
    in_service = list(Application.select().where(Application.status.in_([status.value for status in IN_SERVICE])
                                                 & window))
    if in_service:
        applications_changed([(application, application.status, application.status) for application in in_service])


def _queue_many(changed: list[tuple[PublicStatus, dict]]) -> None:
    """The outbox side of _queue for many records at once: older waiting versions superseded."""
    from sync.client.models import OutboxItem
    keys = [vocabulary.wire_key(row.number) for row, _ in changed]
    for start in range(0, len(keys), 500):
        OutboxItem.delete().where((OutboxItem.kind == vocabulary.KIND) & OutboxItem.registration_number.in_(keys[start:start + 500])
                                  & OutboxItem.state.in_(WAITING) & (OutboxItem.attempts == 0)).execute()
    at = utc_now().isoformat(timespec="seconds")
    outbox.enqueue_many([(row.id, key, row.step, dict(record, changed_at=at), b"")
                         for key, (row, record) in zip(keys, changed)], kind=vocabulary.KIND)


def complaint_changed(complaint) -> None:
    row = _row("pgd", complaint.id, complaint.tracking_number)
    _queue(row, complaint_record(complaint, row))


def give_sms_consent(kind: str, source_id: int, phone: str) -> None:
    """Inside the write's transaction, after the record was created: the phone joins its public record
    (the forms' consent, app/frame/sms_consent.consent_given)."""
    if not phone:
        return
    row = PublicStatus.get((PublicStatus.kind == kind) & (PublicStatus.source_id == source_id))
    row.sms_phone, row.sms_consent_at = phone, utc_now()
    row.save()
    if kind == "ktp":
        from app.registration.models import Application
        application_changed(Application.get_by_id(source_id))
    else:
        from app.complaints.models import Complaint
        complaint_changed(Complaint.get_by_id(source_id))


def slip_of(kind: str, source_id: int) -> dict | None:
    """What a slip prints: the number, the check code, the center's public address and its QR."""
    from app.frame.templating import qr_svg
    from sync.client import engine
    row = _public_record(kind, source_id)
    if row is None:
        return None
    base = (store.get("public_status_url") or "").rstrip("/")
    if not base:
        link = engine.current_link()
        base = link.center_url.rstrip("/") if link and link.role in ("kecamatan", "desa") else ""
    page = f"{base}/cek" if base else ""
    url = f"{page}?n={row.number}&k={row.check_code}" if page else ""
    return {"number": row.number, "code": row.check_code, "page": page, "url": url,
            "qr": qr_svg(url) if url else None}


class PublicRecords:
    """The outbox kind: nothing comes back for it, nothing at the counter waits on it."""
    name, path, photo_codecs, counted = vocabulary.KIND, vocabulary.PATH, False, False
    by_usb = True  # in the same USB files as the applications (the center's import reads `kind`)

    def payloads(self, source_ids: list[int]) -> dict[int, bytes]:
        return dict.fromkeys(source_ids, b"")

    def acknowledged(self, source_id: int, version: int) -> None:
        pass

    def rejected(self, source_id: int, version: int, reason: str) -> None:
        pass  # kept on the outbox row (sync page, "gagal")

    def apply_status(self, event: dict, arrived) -> bool:
        raise records.StatusNotApplied("Status publik tidak datang dari pusat.")

    def renumber(self, source_id: int, record: dict, reason: str):
        raise records.StatusNotApplied("Nomor status publik tidak diganti oleh pusat.")


def _plug() -> None:
    """What both office programs follow: the kind, and a desa's F-1.07 (the counter's applications and
    the desk's complaints are plugged by the kecamatan's part, app/public_status/kecamatan.py)."""
    from app.desa.records import add_change_listener as add_pre_registration_listener
    records.plug(PublicRecords())
    add_pre_registration_listener(pre_registration_changed)


_plug()
