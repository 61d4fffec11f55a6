"""Writes to the Buku Pengaduan: recording a complaint, changing its status, attachments.

Callers check the input first (form_rules, workflow); each function here is one whole change
inside `database.atomic()` with its timeline entry and audit record.
"""
from peewee import IntegrityError

from app.frame import audit, statements
from app.complaints.models import Complaint, ComplaintAttachment, ComplaintCategory, ComplaintEvent
from app.complaints.tracking import new_tracking_number
from app.frame.dates import utc_now
from app.frame.db import database
from app.frame import reactions
from app.frame.audit_rule import act, nothing_done
from app.registration.models import Application


def registration_number_problem(number: str) -> str | None:
    """A registration number given with a complaint must be one of the counter's applications."""
    if not number:
        return None
    found = Application.select().where(Application.registration_number == number).exists()
    return None if found else "Nomor pendaftaran tidak ditemukan di daftar permohonan."


_changes = reactions.complaint_changed


def add_change_listener(fn) -> None:
    """fn(complaint) runs inside the transaction of every write that may change what the public sees."""
    _changes.add(fn)


def _changed(complaint: Complaint) -> None:
    _changes.announce(complaint)


def find_by_submission(token: str | None) -> Complaint | None:
    if not token:
        return None
    return next(iter(statements.rows(_by_submission, each_run=(token,))), None)


def _by_submission():  # its SQL built once (app/frame/statements.py): every complaint recorded asks it
    return Complaint.select().where(Complaint.submission_token == statements.each_run(0)).limit(1)


@act("catat")
def record_complaint(values: dict, user=None, submission_token: str | None = None, received_at=None,
                     status: str = "baru", tindak_lanjut: str = "", answered_from_desk_info: bool = False,
                     desk_answer_id: int | None = None, suggestion_box_session_id: int | None = None,
                     note: str = "") -> tuple[Complaint, bool]:
    """Store one complaint with its first timeline entry; (complaint, created).

    A second call with the same `submission_token` (a double click, a resent form) returns the
    complaint stored the first time and stores nothing.
    """
    existing = find_by_submission(submission_token)
    if existing:
        return nothing_done((existing, False))
    now = utc_now()
    category = ComplaintCategory.get_by_id(values["category_id"])
    fields = {key: values[key] for key in ("channel", "complainant_name", "complainant_contact", "is_anonymous",
                                           "is_confidential", "registration_number", "text")}
    closed = status in ("selesai", "bukan_kewenangan")
    for _attempt in range(5):
        try:
            with database.atomic():
                complaint = Complaint.create(
                    **fields, category=category, tracking_number=new_tracking_number(),
                    submission_token=submission_token or None, received_at=received_at or now,
                    status=status, section=category.section, tindak_lanjut=tindak_lanjut,
                    answered_from_desk_info=answered_from_desk_info, desk_answer=desk_answer_id,
                    suggestion_box_session=suggestion_box_session_id,
                    first_response_at=now if status != "baru" else None, followed_up_at=now if closed else None,
                    created_by=user.id if user else None, created_at=now, updated_at=now)
                ComplaintEvent.create(complaint=complaint, at=now, user=user.id if user else None,
                                      from_status=None, to_status=status, note=note)
                _changed(complaint)
                audit.record("catat", "pengaduan", complaint.id,
                             f"Pengaduan {complaint.tracking_number} dicatat ({complaint.channel_label})",
                             user=user)
            return complaint, True
        except IntegrityError:
            existing = find_by_submission(submission_token)
            if existing:  # the same form arrived twice at once: the other request stored it
                return nothing_done((existing, False))
            # else: the random tracking number was taken (very rare): draw another one
    raise RuntimeError("could not draw a free tracking number")


@act("ubah_status")
def change_status(complaint: Complaint, to_status: str, user, tindak_lanjut: str | None = None,
                  other_office: str = "", note: str = "", answered_from_desk_info: bool = False) -> ComplaintEvent:
    """Move the complaint along and stamp who and when; the first move away from 'baru' is the first response."""
    now = utc_now()
    before = {"status": complaint.status, "tindak_lanjut": complaint.tindak_lanjut}
    from_status = complaint.status
    with database.atomic():
        complaint.status = to_status
        if tindak_lanjut is not None and tindak_lanjut.strip():
            complaint.tindak_lanjut = tindak_lanjut.strip()
        if to_status == "bukan_kewenangan":
            complaint.other_office = other_office.strip()
        if answered_from_desk_info:  # the desk closed it at once with its own answer
            complaint.answered_from_desk_info = True
        if to_status == "diteruskan":
            complaint.section = complaint.category.section
        if complaint.first_response_at is None:
            complaint.first_response_at = now
        if to_status in ("selesai", "bukan_kewenangan"):
            complaint.followed_up_at = now
        else:
            complaint.followed_up_at = None  # reopened: the follow-up is not done any more
        complaint.updated_at = now
        complaint.save()
        event = ComplaintEvent.create(complaint=complaint, at=now, user=user.id, from_status=from_status,
                                      to_status=to_status, note=note.strip())
        _changed(complaint)
        audit.record("ubah_status", "pengaduan", complaint.id,
                     f"{complaint.tracking_number}: {from_status} → {to_status}", before=before,
                     after={"status": to_status, "tindak_lanjut": complaint.tindak_lanjut}, user=user)
    return event


@act("tindak_lanjut")
def write_tindak_lanjut(complaint: Complaint, text: str, user, note: str = "") -> None:
    """Update the follow-up text without changing the status (e.g. progress while in follow-up)."""
    now = utc_now()
    before = {"tindak_lanjut": complaint.tindak_lanjut}
    with database.atomic():
        complaint.tindak_lanjut = text.strip()
        complaint.updated_at = now
        complaint.save()
        ComplaintEvent.create(complaint=complaint, at=now, user=user.id, from_status=complaint.status,
                              to_status=complaint.status, note=note.strip() or "Tindak lanjut diperbarui")
        _changed(complaint)
        audit.record("tindak_lanjut", "pengaduan", complaint.id, f"{complaint.tracking_number}: tindak lanjut diperbarui",
                     before=before, after={"tindak_lanjut": complaint.tindak_lanjut}, user=user)


@act("lampiran")
def add_attachment(complaint: Complaint, photo, user) -> ComplaintAttachment:
    """Store an already re-encoded photo (app.complaints.photos.reencode)."""
    with database.atomic():
        attachment = ComplaintAttachment.create(
            complaint=complaint, content=photo.content, mime_type="image/jpeg", byte_size=len(photo.content),
            width=photo.width, height=photo.height, uploaded_at=utc_now(), uploaded_by=user.id if user else None)
        audit.record("lampiran", "pengaduan", complaint.id,
                     f"{complaint.tracking_number}: foto lampiran ditambahkan ({len(photo.content) // 1024} KB)",
                     user=user)
    return attachment


# --- the book's settings and side records, as the admin and the desk change them ----------------

CATEGORY_LABELS = {"name": "Nama kategori", "section": "Seksi yang menangani", "is_active": "Aktif"}
TARGET_LABELS = {"complaint_first_response_days": "Tanggapan pertama (hari kerja)",
                 "complaint_follow_up_days": "Tindak lanjut selesai (hari kerja)"}


def category_values(name: str, section: str, is_active: bool) -> dict:
    """What the category form shows, as a person reads it (its version: two admins at once)."""
    return {"name": name, "section": section, "is_active": "ya" if is_active else "tidak"}


def target_values() -> dict:
    """What the time-target form shows (its version)."""
    from app.frame import store
    return {key: str(store.get(key)) for key in TARGET_LABELS}


@act("tambah", "ubah")
def save_category(editing: ComplaintCategory | None, form: dict, read=None):
    """A checked category: `editing` changed, or a new one when None; (category, conflict). A change
    is refused when another admin saved the category since `read` (the posted form, carrying the
    version it was read at) was read: the conflict (app/frame/versions.py), nothing saved."""
    from app.frame import versions
    with database.atomic():  # read again under the write lock: another admin's save may have come first
        if editing:
            editing = ComplaintCategory.get_by_id(editing.id)
            if read is not None:
                conflict = versions.conflict(read, category_values(editing.name, editing.section, editing.is_active),
                                             category_values(form["name"], form["section"], form["is_active"]),
                                             CATEGORY_LABELS)
                if conflict:
                    return nothing_done((editing, conflict))
            before = {"name": editing.name, "section": editing.section, "is_active": editing.is_active}
            editing.name, editing.section, editing.is_active = form["name"], form["section"], form["is_active"]
            editing.save()
            audit.record("ubah", "kategori_pengaduan", editing.id, f"Kategori {editing.name}", before=before, after=form)
            return editing, None
        created = ComplaintCategory.create(**form)
        audit.record("tambah", "kategori_pengaduan", created.id, f"Kategori {created.name}", after=form)
        return created, None


@act("ubah")
def save_targets(values: dict[str, int], read=None):
    """The time targets in working days (checked by the page), unless another admin saved them since
    `read` (the posted form) was read: then the conflict, nothing saved."""
    from app.frame import store, versions
    with database.atomic():
        if read is not None:
            conflict = versions.conflict(read, target_values(), {key: str(value) for key, value in values.items()},
                                         TARGET_LABELS)
            if conflict:
                return nothing_done(conflict)
        before = {key: store.get(key) for key in values}
        for key, value in values.items():
            store.put(key, value)
        audit.record("ubah", "pengaturan", "target_pengaduan", "Target waktu pengaduan", before=before, after=values)
    return None


@act("buka_kotak_saran")
def open_box(opened_on, user_id: int, count: int, is_empty: bool, note: str):
    """The day's opening of the kotak saran (checked by box.session_problems)."""
    from app.complaints.models import SuggestionBoxSession
    with database.atomic():
        session = SuggestionBoxSession.create(opened_on=opened_on, opened_by=user_id, slip_count=count,
                                              is_empty=is_empty, note=note, created_at=utc_now())
        audit.record("buka_kotak_saran", "kotak_saran", session.id,
                     f"Kotak saran {opened_on.isoformat()}: {'kosong' if is_empty else f'{count} lembar'}")
    return session


@act("simpan")
def save_desk_answer(answer, clean: dict, form, user_id: int, values_of):
    """A desk answer, new (`answer` None) or changed unless another editor saved it since the form was
    read: (answer, conflict); nothing is saved on a conflict (app/frame/versions.py)."""
    from app.complaints.models import DeskAnswer
    from app.frame import versions
    with database.atomic():  # read again under the write lock: another editor's save may have come first
        before = None
        if answer is not None:
            answer = DeskAnswer.get_by_id(answer.id)
            conflict = versions.conflict(form, values_of(answer), clean)
            if conflict:
                return nothing_done((answer, conflict))
            before = values_of(answer)
            for key, value in clean.items():
                setattr(answer, key, value)
            answer.updated_at, answer.updated_by = utc_now(), user_id
            answer.save()
        else:
            answer = DeskAnswer.create(**clean, updated_at=utc_now(), updated_by=user_id)
        audit.record("simpan", "info_meja", answer.id, f"Info meja: {answer.question[:60]}", before=before, after=clean)
    return answer, None


@act("ekspor")
def record_export(kind: str, filters: dict) -> None:
    """An export of the book leaves the office: the trail says which list, before it is sent."""
    with database.atomic():
        audit.record("ekspor", "pengaduan", "", f"Ekspor {kind.upper()} buku pengaduan", after=filters)
