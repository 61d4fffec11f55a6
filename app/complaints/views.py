"""The Buku Pengaduan for staff: record, list and search, detail with timeline, follow-up, attachments."""
from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404
from peewee import JOIN

from app.frame import audit
from app.frame import sms_consent, statements, submissions, versions
from app.frame.db import database
from app.complaints import book, models, queries  # noqa: F401  (models known to the app and its tests)
from app.complaints.form_rules import (RECORD_STEPS, check_complaint, check_desk_entry, check_status_change,
                                       clean_line, clean_text)
from app.complaints.models import (CHANNELS, STATUSES, Complaint, ComplaintAttachment, ComplaintCategory,
                                   ComplaintEvent, DeskAnswer, SuggestionBoxSession)
from app.complaints.photos import PhotoError, reencode
from app.settings.identity import public_url
from app.complaints.privacy import may_see_record, shown_identity
from app.complaints.workflow import change_problems, next_statuses
from app.auth.models import User
from app.frame.dates import to_local, utc_now, within_sane_range
from app.frame.pagination import paginate
from app.frame.access import may
from app.survey import codes as survey_codes
from app.frame.request_cycle import int_arg

blueprint = Blueprint("complaints", __name__, url_prefix="/pengaduan")

DESK_CHANNELS = ("meja_informasi", "kotak_saran", "telepon", "sms", "surat")
COUNTER_CHANNELS = ("meja_informasi",)


new_form_token = submissions.new_token  # the frame's one-time form token (one submission, one record)
form_token_from = submissions.token_from


def complaint_or_404(complaint_id: int) -> Complaint:
    complaint = get_object_or_404(Complaint, Complaint.id == complaint_id)
    if not may_see_record(g.user.role, complaint.is_confidential):
        abort(404)  # a confidential record is "not there" for those who may not see it
    return complaint


def active_categories():
    return statements.rows(_active_categories)


# The desk's form and its slip, on every complaint recorded: their SQL built once (app/frame/statements.py).
def _active_categories():
    return ComplaintCategory.select().where(ComplaintCategory.is_active == True).order_by(ComplaintCategory.name)  # noqa: E712


def _complaint_by_id():
    return Complaint.select().where(Complaint.id == statements.each_run(0))


def _desk_answer(answer_id: int | None):
    """The desk's answer a complaint is recorded from; None without one (no query for it)."""
    return DeskAnswer.get_or_none(DeskAnswer.id == answer_id) if answer_id is not None else None


def parse_local_datetime(text: str):
    """'2026-08-17T09:30' typed in the office's zone -> naive UTC; None when unreadable."""
    try:
        local = datetime.fromisoformat((text or "").strip())
    except ValueError:
        return None
    if local.tzinfo is not None or not within_sane_range(local):
        return None
    return queries.local_midnight_utc(local.date()) + timedelta(hours=local.hour, minutes=local.minute)


def local_input_value(moment: datetime) -> str:
    """A naive-UTC moment as the value of a datetime-local input in the office's zone."""
    return to_local(moment, queries.zone()).strftime("%Y-%m-%dT%H:%M")


# ---------------------------------------------------------------- list and search


@blueprint.get("/")
def index():
    return list_page(queries.Filters.from_args(request.args))


def list_page(filters):
    """The complaint book; 422 with the messages when a filter is wrong (the export uses it too)."""
    due = queries.targets()
    page = paginate(queries.list_rows(filters, g.user, due), size=50)
    page.items = queries.as_list_rows(page.items, g.user, due)
    context = dict(filters=filters, page=page, due=due, categories=ComplaintCategory.select().order_by(ComplaintCategory.name),
                   channels=CHANNELS, statuses=STATUSES, overdue_choices=queries.OVERDUE_CHOICES)
    status = 422 if filters.errors else 200
    if request.htmx and request.htmx.target == "complaint-results":
        return render_template("complaints/_results.html", **context), status
    return render_template("complaints/index.html", **context), status


# ---------------------------------------------------------------- recording


def _record_context(form, errors, channels, session=None, desk_answer=None):
    return dict(form=form, errors=errors, channels={k: CHANNELS[k] for k in channels}, categories=active_categories(),
                steps=RECORD_STEPS, session=session, desk_answer=desk_answer,
                sessions=list(SuggestionBoxSession.select().where(SuggestionBoxSession.is_empty == False)  # noqa: E712
                              .order_by(SuggestionBoxSession.opened_on.desc()).limit(10)),
                zone=queries.zone())


@blueprint.route("/catat", methods=["GET", "POST"])
def record():
    channels = DESK_CHANNELS if may(g.user, "pengaduan.saluran_meja") else COUNTER_CHANNELS
    if request.method == "GET":
        session = SuggestionBoxSession.get_or_none(SuggestionBoxSession.id == int_arg(request.args, "sesi"))
        desk_answer = _desk_answer(int_arg(request.args, "info"))
        channel = request.args.get("saluran", "")
        if session:
            channel = "kotak_saran"
        form = {"channel": channel if channel in channels else channels[0], "form_token": new_form_token(),
                "received_at": local_input_value(utc_now()), "step": "jawab" if desk_answer else "baru",
                "session_id": session.id if session else "", "desk_answer_id": desk_answer.id if desk_answer else "",
                "tindak_lanjut": desk_answer.answer if desk_answer else "",
                "text": f"Menanyakan: {desk_answer.question}" if desk_answer else ""}
        if session:  # slips were received when the box was opened (recorded later: end of that day)
            opened_at = local_input_value(session.created_at)
            form["received_at"] = opened_at if opened_at[:10] == session.opened_on.isoformat() \
                else session.opened_on.isoformat() + "T16:00"
        return render_template("complaints/record.html", **_record_context(form, {}, channels, session, desk_answer))

    if (repeat := submissions.earlier_result()):  # a double click or a resent form: what the first one stored
        return repeat
    token = form_token_from(request.form)
    categories = {c.id for c in active_categories()}
    clean, errors = check_complaint(request.form, channels, categories)
    form = dict(request.form.to_dict(), **{k: v for k, v in clean.items() if k != "category_id"})
    form["category_id"] = request.form.get("category_id", "")
    form["form_token"] = token or new_form_token()
    received_at = parse_local_datetime(request.form.get("received_at", ""))
    if "registration_number" not in errors and (problem := book.registration_number_problem(clean["registration_number"])):
        errors["registration_number"] = problem
    step = request.form.get("step", "baru") if may(g.user, "pengaduan.langkah_meja") else "baru"
    tindak_lanjut = clean_text(request.form.get("tindak_lanjut"))
    errors.update(check_desk_entry(received_at, step, tindak_lanjut, utc_now()))
    session = None
    if clean["channel"] == "kotak_saran":
        session = SuggestionBoxSession.get_or_none(SuggestionBoxSession.id == int_arg(request.form, "session_id"))
        if session is None or session.is_empty:
            errors["session_id"] = "Pilih pembukaan kotak saran tempat lembar ini ditemukan."
    desk_answer = _desk_answer(int_arg(request.form, "desk_answer_id"))
    photo = None
    upload = request.files.get("photo")
    if upload and upload.filename:
        try:
            photo = reencode(upload.read())
        except PhotoError as error:
            errors["photo"] = str(error)
    # consent only: one SMS when it is closed
    sms_phone, problem = sms_consent.phone_to_notify(request.form, clean["complainant_contact"],
                                                          clean["is_anonymous"])
    if problem:
        errors[sms_consent.FIELD] = problem
    if errors:
        return render_template("complaints/record.html",
                               **_record_context(form, errors, channels, session, desk_answer)), 422
    answered = step == "jawab"
    with submissions.once() as submission:
        if submission.earlier:
            return submission.repeat()
        complaint, created = book.record_complaint(
            clean, user=g.user, submission_token=token, received_at=received_at,
            status={"jawab": "selesai", "diteruskan": "diteruskan"}.get(step, "baru"),
            tindak_lanjut=tindak_lanjut if answered else "", answered_from_desk_info=answered,
            desk_answer_id=desk_answer.id if desk_answer and answered else None,
            suggestion_box_session_id=session.id if session else None,
            note="Dijawab langsung dari info meja" if answered else ("Diteruskan saat dicatat" if step == "diteruskan" else ""))
        if created and photo:
            book.add_attachment(complaint, photo, g.user)
        if created:
            sms_consent.consent_given("pgd", complaint.id, sms_phone)
        if created and not session:  # the slip's survey code in this commit: one disk sync (issue 64)
            survey_codes.code_for("pengaduan", complaint.tracking_number)
        result = (url_for("complaints.box_session", session_id=session.id) if session
                  else url_for("complaints.slip", complaint_id=complaint.id))
        submission.made(result)
    flash(f"Pengaduan {complaint.tracking_number} tersimpan.", "success")
    return redirect(result, code=303)


@blueprint.get("/<int:complaint_id>/tanda-terima")
def slip(complaint_id: int):
    """The printed slip for the complainant: the tracking number and where to check the status."""
    found = statements.rows(_complaint_by_id, each_run=(complaint_id,))
    if not found:
        abort(404)
    complaint = found[0]
    mine = complaint.created_by_id == g.user.id
    if not mine and not may_see_record(g.user.role, complaint.is_confidential):
        abort(404)
    return render_template("complaints/slip.html", complaint=complaint,
                           status_url=public_url("complaints.public_status"),
                           survey=survey_codes.printed("pengaduan", complaint.tracking_number))


# ---------------------------------------------------------------- detail and follow-up


def _follow_up_values(complaint) -> dict:
    """What the follow-up form shows of the complaint: its version (two handlers at once)."""
    return {"status": STATUSES.get(complaint.status, complaint.status), "tindak_lanjut": complaint.tindak_lanjut,
            "other_office": complaint.other_office}


def _detail_context(complaint, errors=None, form=None, conflict=None):
    due = queries.targets()
    events = (ComplaintEvent.select(ComplaintEvent, User).join(User, JOIN.LEFT_OUTER,
              on=(ComplaintEvent.user == User.id)).where(ComplaintEvent.complaint == complaint)
              .order_by(ComplaintEvent.at, ComplaintEvent.id))
    attachments = (ComplaintAttachment.select(ComplaintAttachment.id, ComplaintAttachment.width,
                                              ComplaintAttachment.height, ComplaintAttachment.byte_size,
                                              ComplaintAttachment.uploaded_at)
                   .where(ComplaintAttachment.complaint == complaint).order_by(ComplaintAttachment.id))
    recorder = User.get_or_none(User.id == complaint.created_by_id) if complaint.created_by_id else None
    name, contact = shown_identity(g.user, complaint)
    return dict(complaint=complaint, events=events, attachments=list(attachments), flags=due.row_flags(complaint),
                name=name, contact=contact, recorder=recorder, statuses=STATUSES,
                moves=next_statuses(g.user.role, complaint.status), errors=errors or {},
                form=form or {"tindak_lanjut": complaint.tindak_lanjut, "other_office": complaint.other_office},
                may_handle=may(g.user, "pengaduan.tindak_lanjut"), conflict=conflict,
                version=conflict.version if conflict else versions.version_of(_follow_up_values(complaint)),
                # the registration capability is optional: link to it only when it is installed
                registration_endpoints=current_app.view_functions.keys())


@blueprint.get("/<int:complaint_id>")
def detail(complaint_id: int):
    complaint = complaint_or_404(complaint_id)
    if complaint.is_confidential:
        audit.record_page_view("pengaduan", complaint.id, _viewed(complaint))
    return render_template("complaints/detail.html", **_detail_context(complaint))


def _viewed(complaint) -> str:
    return f"Pengaduan rahasia {complaint.tracking_number} dibuka"


def _view_ahead(complaint) -> None:
    """Inside a write that leads to a confidential complaint's page: its view recorded in the write's
    transaction, one disk sync for both (audit.record_view_ahead, issue 73)."""
    if complaint.is_confidential:
        audit.record_view_ahead("pengaduan", complaint.id, _viewed(complaint))


def _already_done_by(user, complaint, to_status: str, tindak_lanjut: str, note: str) -> bool:
    """The complaint's last step is this very move by this user, with this text and note: the
    second click of a double click (its first already saved), not another handler's move."""
    if not to_status or to_status != complaint.status or tindak_lanjut not in ("", complaint.tindak_lanjut):
        return False
    last = (ComplaintEvent.select().where(ComplaintEvent.complaint == complaint)
            .order_by(ComplaintEvent.at.desc(), ComplaintEvent.id.desc()).first())
    return last is not None and last.user_id == user.id and last.to_status == to_status and last.note == note


@blueprint.post("/<int:complaint_id>/status")
def change_status(complaint_id: int):
    complaint = complaint_or_404(complaint_id)
    to_status = request.form.get("to_status", "")
    tindak_lanjut = clean_text(request.form.get("tindak_lanjut"))
    other_office = clean_line(request.form.get("other_office"))
    note = clean_text(request.form.get("note"))
    form = {"tindak_lanjut": tindak_lanjut, "other_office": other_office, "note": note, "to_status": to_status}
    if _already_done_by(g.user, complaint, to_status, tindak_lanjut, note):  # one's own double click: one save
        flash(f"Status {complaint.tracking_number}: {STATUSES[to_status]}.", "success")
        return redirect(url_for("complaints.detail", complaint_id=complaint.id), code=303)
    if to_status == "" and may(g.user, "pengaduan.langkah_seksi") and request.form.get("only_text"):
        errors = {} if tindak_lanjut else {"tindak_lanjut": "Tindak lanjut tidak boleh kosong."}
    else:
        errors = change_problems(complaint.status, to_status, g.user.role,
                                 tindak_lanjut or complaint.tindak_lanjut, other_office)
    errors.update(check_status_change(tindak_lanjut, other_office, note))
    desk_answer = may(g.user, "pengaduan.langkah_meja") and complaint.status == "baru" and to_status == "selesai"
    if tindak_lanjut and not may(g.user, "pengaduan.langkah_seksi") and not desk_answer:
        errors["tindak_lanjut"] = "Tindak lanjut ditulis oleh Kasi Pelayanan."
    if errors:
        return render_template("complaints/detail.html", **_detail_context(complaint, errors, form)), 422
    with database.atomic():  # read again under the write lock: the other handler's save may have come first
        complaint = Complaint.get_by_id(complaint.id)
        stored = _follow_up_values(complaint)
        conflict = versions.conflict(request.form, stored, {
            "status": STATUSES.get(to_status, stored["status"]), "other_office": other_office or complaint.other_office,
            "tindak_lanjut": tindak_lanjut or (complaint.tindak_lanjut if to_status else "")})
        if conflict:
            pass
        elif to_status:
            book.change_status(complaint, to_status, g.user, tindak_lanjut or None, other_office, note,
                               answered_from_desk_info=desk_answer)
            flash(f"Status {complaint.tracking_number}: {STATUSES[to_status]}.", "success")
        elif tindak_lanjut == complaint.tindak_lanjut and not note:
            flash("Tidak ada perubahan.", "info")
        else:
            book.write_tindak_lanjut(complaint, tindak_lanjut, g.user, note)
            flash("Tindak lanjut disimpan.", "success")
        if not conflict:
            _view_ahead(complaint)
    if conflict:
        return render_template("complaints/detail.html", **_detail_context(complaint, {}, form, conflict)), 409
    return redirect(url_for("complaints.detail", complaint_id=complaint.id), code=303)


@blueprint.post("/<int:complaint_id>/lampiran")
def add_attachment(complaint_id: int):
    complaint = complaint_or_404(complaint_id)
    upload = request.files.get("photo")
    try:
        photo = reencode(upload.read() if upload else b"")
    except PhotoError as error:
        return render_template("complaints/detail.html",
                               **_detail_context(complaint, {"photo": str(error)})), 422
    with database.atomic():
        book.add_attachment(complaint, photo, g.user)
        _view_ahead(complaint)
    flash("Foto lampiran disimpan.", "success")
    return redirect(url_for("complaints.detail", complaint_id=complaint.id), code=303)


@blueprint.get("/<int:complaint_id>/lampiran/<int:attachment_id>.jpg")
def attachment(complaint_id: int, attachment_id: int):
    complaint = complaint_or_404(complaint_id)
    found = get_object_or_404(ComplaintAttachment, ComplaintAttachment.id == attachment_id,
                              ComplaintAttachment.complaint == complaint)
    return Response(bytes(found.content), mimetype="image/jpeg", headers={"Cache-Control": "no-store"})

