"""Writes on applications: create, edit, photo, checklist, handover. Each is whole or nothing.

Views call these inside no transaction; each function opens its own `database.atomic()`.
"""
import hashlib
import json
from dataclasses import dataclass, field

from flask import current_app, g

from app.frame import audit
from app.frame.dates import utc_now
from app.frame import installation
from app.frame.db import database
from app.frame import reactions
from app.frame import numbering
from app.frame import statements
from app.frame.person_rules import EDITABLE_FIELDS  # noqa: F401  (the record's fields, shared with the desa's forms)
from app.registration.models import Application, ApplicationPhoto, StatusEvent
from app.registration.status import ApplicationStatus as S, IN_PROGRESS, transition
from app.frame import store
from app.frame.audit_rule import act, nothing_done


_creations = reactions.application_created


def add_creation_listener(fn) -> None:
    """fn(application) runs inside the transaction that registered a new application."""
    _creations.add(fn)


renumbers = reactions.application_renumbered


def add_renumber_listener(fn) -> None:
    """fn(application, old_number): what follows an application's number (its /cek record) follows a new one."""
    renumbers.add(fn)


def current_prefix() -> str:
    """Raises ValueError with an Indonesian message when the office identity is not set, or when
    this PC may not number (installation.numbering_refusal).

    The device part is the code the center issued at enrolment, else LOKET_DEVICE_ID."""
    refusal = installation.numbering_refusal(database, current_app.config["DATABASE_PATH"])
    if refusal:  # a backup of another PC restored here: one device code, one live PC (issue 24)
        raise ValueError(refusal)
    device_code, _ = installation.identity(database)
    configured = current_app.config["DEVICE_ID"]
    if not device_code and (configured or "").upper().startswith(installation.CENTER_DEVICE_PREFIX):
        raise ValueError("LOKET_DEVICE_ID tidak boleh diawali huruf P (dipakai untuk kode dari pusat).")
    return numbering.number_prefix(store.get("kecamatan_code"), device_code or configured)


def _audit_values(values: dict) -> dict:
    return {key: values[key] for key in EDITABLE_FIELDS if key in values}


def _store_photo(application, photo) -> None:
    (ApplicationPhoto.insert(application=application, jpeg=photo.jpeg,
                             sha256=hashlib.sha256(photo.jpeg).hexdigest(), width=photo.width,
                             height=photo.height, background=photo.background, uploaded_at=utc_now())
     .on_conflict(conflict_target=[ApplicationPhoto.application],
                  update={ApplicationPhoto.jpeg: photo.jpeg,
                          ApplicationPhoto.sha256: hashlib.sha256(photo.jpeg).hexdigest(),
                          ApplicationPhoto.width: photo.width, ApplicationPhoto.height: photo.height,
                          ApplicationPhoto.background: photo.background,
                          ApplicationPhoto.uploaded_at: utc_now()})
     .execute())


@act("buat")
def create_application(clean: dict, photo=None, collective=None, prefix: str | None = None) -> Application:
    """Store a checked application (and its photo) with a new registration number."""
    prefix = prefix or current_prefix()
    now = utc_now()
    user = g.get("user")
    values = {key: clean[key] for key in EDITABLE_FIELDS}
    with database.atomic():
        application = Application.create(
            registration_number=numbering.next_number(prefix), status=S.RECEIVED.value,
            collective=collective, created_at=now, updated_at=now, created_by=user, **values)
        StatusEvent.create(application=application, from_status="", to_status=S.RECEIVED.value, at=now,
                           user_id=user.id if user else None, username=user.username if user else "sistem",
                           note="Berkas diterima di loket")
        _creations.announce(application)
        if photo is not None:
            _store_photo(application, photo)
        summary = f"Permohonan KTP-el {application.registration_number} ({application.full_name}) dicatat"
        if values["mismatch_reason"]:
            summary += "; NIK tidak cocok dengan tanggal lahir/jenis kelamin, alasannya dicatat"  # free text: never in the trail
        audit.record("buat", "permohonan_ktp", application.id, summary, after=_audit_values(values))
    return application


@act("ubah")
def update_application(application: Application, clean: dict, photo=None) -> None:
    before = {key: getattr(application, key) for key in EDITABLE_FIELDS}
    after = {key: clean[key] for key in EDITABLE_FIELDS}
    changed = {key: value for key, value in after.items() if before[key] != value}
    with database.atomic():
        for key, value in after.items():
            setattr(application, key, value)
        application.updated_at = utc_now()
        application.save()
        if photo is not None:
            _store_photo(application, photo)
        summary = f"Permohonan {application.registration_number} diubah: {', '.join(changed) or 'tanpa perubahan data'}"
        audit.record("ubah", "permohonan_ktp", application.id, summary,
                     before={k: before[k] for k in changed}, after=changed)


@act("foto")
def replace_photo(application: Application, photo) -> None:
    with database.atomic():
        _store_photo(application, photo)
        application.updated_at = utc_now()
        application.save()
        audit.record("foto", "permohonan_ktp", application.id,
                     f"Foto permohonan {application.registration_number} disimpan "
                     f"({len(photo.jpeg)} bita, latar {photo.background})")


def record_checklist(application: Application, ticked: list[str], missing: list[dict], note: str = "") -> None:
    """Complete when nothing is missing; otherwise returned with the missing list for the slip."""
    with database.atomic():
        application.requirements_met = json.dumps(sorted(ticked))
        application.missing_requirements = json.dumps([item["label"] for item in missing], ensure_ascii=False)
        current = S(application.status)
        if not missing:
            transition(application, S.COMPLETE, note=note or "Persyaratan lengkap")
        elif current is S.RETURNED:
            _still_short(application, len(missing))
        else:
            transition(application, S.RETURNED,
                       note="Kurang: " + "; ".join(item["label"] for item in missing))


@act("persyaratan")
def _still_short(application: Application, missing: int) -> None:
    """A returned file checked again and still short: no move, its own line (the other ways are moves)."""
    application.updated_at = utc_now()
    application.save()
    audit.record("persyaratan", "permohonan_ktp", application.id,
                 f"{application.registration_number}: masih kurang {missing} persyaratan")


def hand_over(application: Application, collector: str, relation: str, id_number: str, note: str = "") -> None:
    with database.atomic():
        application.handed_over_to = collector
        application.handover_relation = relation
        application.handover_id_number = id_number
        application.handed_over_at = utc_now()
        who = collector + (f" ({relation})" if relation else " (pemohon sendiri)")
        transition(application, S.HANDED_OVER, note=f"Diserahkan kepada {who}" + (f"; {note}" if note else ""))


# Other capabilities (the desa's pre-registrations) say what else holds a NIK: fn(nik) -> a
# NikHold or None. Registration itself knows nothing of them.
_nik_holds = reactions.nik_holds


@dataclass(frozen=True)
class NikHold:
    """Why a NIK cannot get a new application, and where the clerk goes instead."""
    message: str
    url: str
    link_text: str


def add_nik_hold(fn) -> None:
    _nik_holds.add(fn)


# A re-application after a card was handed over is allowed for these reasons only.
REISSUE_REASONS = frozenset({"rusak", "hilang", "perubahan_data", "pindah_datang"})


def nik_refusal(nik: str, reason: str | None, exclude_id: int | None = None) -> str | None:
    """One resident, one NIK, one KTP-el (UU 24/2013 pasal 13 and 63): the Indonesian reason a new
    or edited application for `nik` is refused, or None.

    A running application is refused outright (the clerk opens it instead); after a card was handed
    over, only a reason that allows a new card (rusak, hilang, perubahan data, pindah datang) may
    apply again, never "baru". A hold another capability declares (a waiting pre-registration) too.
    """
    return nik_standing(nik, reason, exclude_id)[0]


def nik_standing(nik: str, reason: str | None, exclude_id: int | None = None
                 ) -> tuple[str | None, list[Application], list[NikHold]]:
    """nik_refusal's answer with what it read on the way, which the counter's form shows beside it: the
    running applications of the NIK and the holds on it (each read once a save, issue 73)."""
    if not nik:
        return None, [], []
    running, holds = in_progress_with_nik(nik, exclude_id), nik_holds(nik)
    if running:
        return (f"NIK ini masih punya permohonan yang sedang berjalan ({running[0].registration_number}). "
                "Buka permohonan itu; satu penduduk hanya satu permohonan yang berjalan."), running, holds
    if refusal := reissue_refusal(nik, reason, exclude_id):
        return refusal, running, holds
    return (holds[0].message if holds else None), running, holds


def reissue_refusal(nik: str, reason: str | None, exclude_id: int | None = None) -> str | None:
    """After a card was handed over, only a reason that allows a new card may apply again."""
    if not reason or reason in REISSUE_REASONS:
        return None
    issued = (Application.select(Application.registration_number).where(
        (Application.nik == nik) & (Application.status == S.HANDED_OVER.value)
        & (Application.id != (exclude_id or 0))).first())
    if issued is None:
        return None
    return (f"NIK ini sudah menerima KTP-el ({issued.registration_number}). Permohonan berikutnya hanya "
            "untuk KTP-el rusak, hilang, perubahan data atau pindah datang: pilih alasan itu.")


def nik_holds(nik: str) -> list[NikHold]:
    return [hold for hold in _nik_holds.answers(nik) if hold is not None]


def in_progress_with_nik(nik: str, exclude_id: int | None = None) -> list[Application]:
    """Other unfinished applications of the same person (flagged on the form and the page)."""
    if not nik:
        return []
    return statements.rows(_in_progress_with_nik, each_run=(nik, exclude_id or 0))


def _in_progress_with_nik():  # its SQL built once (app/frame/statements.py): every save and application page
    return (Application.select(Application.id, Application.registration_number, Application.status,
                               Application.full_name)
            .where((Application.nik == statements.each_run(0)) & Application.status.in_([s.value for s in IN_PROGRESS])
                   & (Application.id != statements.each_run(1))).limit(5))


# Not ready yet: a promise still ahead of the office (a ready card's promise is settled).
_PROMISE_OPEN = frozenset({S.COMPLETE, S.SENT, S.RECEIVED_BY_CENTER, S.PRINTED, S.SHIPPED, S.REJECTED,
                           S.RESEND_REQUESTED})


def recompute_promises(old, new) -> list[str]:
    """After a year's decree is entered: each open file whose promise was counted over an estimated
    year keeps its number of working days, counted again on the new calendar. Runs inside the
    caller's transaction (which carries the audit record); returns 'number: old -> new' lines."""
    changes = []
    rows = Application.select(Application.id, Application.registration_number, Application.completed_at,
                              Application.promised_date).where(
        Application.status.in_([s.value for s in _PROMISE_OPEN]) & Application.promised_date.is_null(False)
        & Application.completed_at.is_null(False))
    for row in list(rows):  # read all first: an update under an open cursor can revisit the row
        if not old.estimated_between(row.completed_at, row.promised_date):
            continue
        promised = new.add_working_days(row.completed_at, old.working_days_between(row.completed_at, row.promised_date))
        if promised != row.promised_date:
            Application.update(promised_date=promised, updated_at=utc_now()).where(Application.id == row.id).execute()
            changes.append(f"{row.registration_number}: {row.promised_date:%d-%m-%Y} -> {promised:%d-%m-%Y}")
    return changes


# --- the service settings, the register's export and photo views --------------------------------

SETTINGS_LABELS = {"service_days": "Lama layanan (hari kerja)", "photo_background_rule": "Aturan latar foto",
                   "requirements": "Persyaratan"}


def settings_version(service_days, background_rule, requirements) -> dict:
    """What the service standards page shows: its version (two admins at once)."""
    return {"service_days": str(service_days), "photo_background_rule": "ya" if background_rule else "tidak",
            "requirements": "; ".join(f"{row['label']} ({', '.join(row['reasons'])})" for row in requirements)}


def stored_settings_version() -> dict:
    return settings_version(store.get("service_days"), store.get("photo_background_rule"), store.get("requirements"))


@act("ubah")
def save_settings(values: dict, form):
    """Checked service settings, unless another admin saved since the page was read: then the
    conflict (app/frame/versions.py) and nothing saved."""
    from app.frame import versions
    with database.atomic():  # read again under the write lock: another admin's save may have come first
        conflict = versions.conflict(form, stored_settings_version(), settings_version(*values.values()),
                                     SETTINGS_LABELS)
        if conflict:
            return nothing_done(conflict)
        before = {key: store.get(key) for key in values}
        for key, value in values.items():
            store.put(key, value)
        audit.record("ubah", "pengaturan", "pendaftaran", "Pengaturan layanan KTP-el diubah", before, values)
    return None


@act("ekspor")
def record_export(fmt: str, period: str) -> None:
    """The register leaves the office: the trail says which period, before it is sent."""
    with database.atomic():
        audit.record("ekspor", "permohonan_ktp", "", f"Ekspor buku register {fmt.upper()} periode {period}")


def record_photo_view(application_id: int) -> None:
    with database.atomic():
        audit.record("lihat_foto", "permohonan_ktp", application_id, "Foto pemohon dibuka")


# A number given again (sync_records._new_number writes its "ubah_nomor" audit row): the citizen's receipt
# still carries the old one until the clerk prints it again (issue 72, finding 3).
RECEIPT_REPRINTED = "Bukti pendaftaran dicetak ulang dengan nomor {number}"
REPRINT_ACTION = "cetak_ulang_bukti"


@dataclass(frozen=True)
class ToReprint:
    application: Application
    old_number: str  # the number the citizen's receipt carries


@dataclass
class _Receipt:
    """One application's receipts, read from its audit rows in order."""
    waiting: list = field(default_factory=list)  # numbers given up since the last print (the first: the citizen's)
    since: int = 0  # the audit row of the first of them
    reprinted: dict = field(default_factory=dict)  # a number given up -> the number its receipt was printed again with
    number: str = ""  # the number it was given last


def _receipts(rows) -> dict[str, _Receipt]:
    """Application id -> _Receipt, from (id, action, entity_id, before, after) rows of renumbers and reprints."""
    found: dict[str, _Receipt] = {}
    for row_id, action, entity_id, before, after in rows:
        receipt = found.setdefault(entity_id, _Receipt())
        if action == REPRINT_ACTION:
            receipt.reprinted.update(dict.fromkeys(receipt.waiting, receipt.number))
            receipt.waiting.clear()
            continue
        if not receipt.waiting:
            receipt.since = row_id
        receipt.waiting.append((json.loads(before or "{}") or {}).get("registration_number", ""))
        receipt.number = (json.loads(after or "{}") or {}).get("registration_number", "")
    return found


def receipts_to_reprint() -> list[ToReprint]:
    """The register's list "nomor diganti, bukti belum dicetak ulang": applications not handed over whose
    number changed after their receipt was last printed again, with the number the citizen holds (the first
    change since), oldest change first. Read from the audit's action index: renumbers are few."""
    waiting = sorted((receipt.since, entity_id, receipt.waiting[0])
                     for entity_id, receipt in _receipts(statements.rows(_renumbers_and_reprints)).items()
                     if receipt.waiting and entity_id.isdigit())  # the query on the clerk's home page
    if not waiting:  # as on most days: no applications to read (peewee built that query on every view)
        return []
    found = {a.id: a for a in Application.select().where(Application.id.in_([int(w[1]) for w in waiting])
                                                         & (Application.status != S.HANDED_OVER.value))}
    return [ToReprint(found[int(entity_id)], held) for _, entity_id, held in waiting if int(entity_id) in found]


def reprinted_receipts(application_id: int) -> dict[str, str]:
    """A number the application gave up -> the number its receipt was printed again with, once it was."""
    receipt = _receipt_of(application_id)
    return receipt.reprinted if receipt else {}


def receipt_to_reprint(application) -> str | None:
    """The number the citizen's receipt carries while it waits on the reprint list (receipts_to_reprint's
    rule for one application, read from its own rows: its page), else None."""
    if application.status == S.HANDED_OVER.value:
        return None
    receipt = _receipt_of(application.id)
    return receipt.waiting[0] if receipt and receipt.waiting else None


def _receipt_of(application_id: int) -> _Receipt | None:
    return _receipts(statements.rows(_renumbers_and_reprints_of, each_run=(str(application_id),))).get(
        str(application_id))


def _renumbers_and_reprints_of():  # one application's, its SQL built once: its page reads them twice
    from app.frame.audit_event import AuditEvent
    return _renumbers_and_reprints().where(AuditEvent.entity_id == statements.each_run(0))


def _renumbers_and_reprints():  # its SQL built once (app/frame/statements.py)
    from app.frame.audit_event import AuditEvent
    return (AuditEvent.select(AuditEvent.id, AuditEvent.action, AuditEvent.entity_id, AuditEvent.before,
                              AuditEvent.after)
            .where(AuditEvent.action.in_(["ubah_nomor", REPRINT_ACTION]) & (AuditEvent.entity == "permohonan_ktp"))
            .order_by(AuditEvent.id).tuples())


def former_numbers(application_ids) -> dict[int, list[str]]:
    """Each application's numbers before the one it has, oldest first (each given again: its audit row). One
    read of the audit's action index for any number of them (renumbers are few; a calendar change rebuilds the
    public record of every application in service, issue 73)."""
    from app.frame.audit_event import AuditEvent
    found = {int(application_id): [] for application_id in application_ids}
    query = AuditEvent.select(AuditEvent.entity_id, AuditEvent.before).where(
        (AuditEvent.action == "ubah_nomor") & (AuditEvent.entity == "permohonan_ktp"))
    if len(found) == 1:
        query = query.where(AuditEvent.entity_id == str(next(iter(found))))
    for entity_id, before in query.order_by(AuditEvent.id).tuples():
        numbers = found.get(int(entity_id)) if entity_id.isdigit() else None
        number = (json.loads(before or "{}") or {}).get("registration_number") if numbers is not None else None
        if number and number not in numbers:
            numbers.append(number)
    return found


@act("cetak_ulang_bukti")
def record_receipt_reprint(application: Application) -> None:
    """The receipt printed again with the number the application has now: on its timeline and in the audit
    trail, in one transaction; it leaves the list of receipts to print again."""
    note = RECEIPT_REPRINTED.format(number=application.registration_number)
    with database.atomic():
        user = g.get("user")
        StatusEvent.create(application=application, from_status=application.status, to_status=application.status,
                           at=utc_now(), user_id=user.id if user else None,
                           username=user.username if user else "sistem", note=note)
        audit.record(REPRINT_ACTION, "permohonan_ktp", application.id, note)
