"""Routes of the KTP-el counter: intake, register, application page, status, prints, settings."""
import json
from datetime import timedelta

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404
from peewee import SQL, fn

from app.frame import audit
from app.auth.models import User
from app.frame import sms_consent, statements, submissions, versions
from app.frame.office_calendar import office_calendar
from app.capabilities import Card, MenuItem
from app.frame.dates import format_datetime, parse_iso_date
from app.frame.request_cycle import int_arg
from app.frame.db import database
from app.frame.pagination import paginate
from app.registration import exports, intake, records
from app.registration.notices import Notice, add_detail_notice, notices_for
from app.frame.places import desa_list, desa_names  # noqa: F401  (also read from here)
from app.registration import requirements as reqs
from app.registration.models import Application, ApplicationPhoto, CollectiveLetter, StatusEvent
from app.frame.applicant_form import form_context, read_photo
from app.frame.applicant_photo import background_rule_warning
from app.registration.register import (due_between_condition, given_again, overdue_condition, parse_filter,
                                       register_query)
from app.registration.service_time import days_left, days_left_label, office_today, promise_is_estimate
from app.registration.status import (CENTER_STEPS, STATUS_LABELS, TRANSITIONS, ApplicationStatus as S,
                                     TransitionNotAllowed, is_editable, transition)
from app.frame import store
from app.frame.access import may
from app.frame.templating import qr_svg
from app.survey import codes as survey_codes
from app.frame.page_turns import long_running

blueprint = Blueprint("registration", __name__)
store.register_defaults(service_days=12, requirements=reqs.DEFAULT_REQUIREMENTS)

MAX_REQUIREMENTS = 40
FILTER_KEYS = ("q", "status", "desa", "alasan", "dari", "sampai", "terlambat", "tempo_sampai")
EXPORT_MAX_ROWS = 50_000  # a year of a busy kecamatan; more would hold the counter PC for minutes
MENU = [
    MenuItem("Pendaftaran KTP-el", "registration.register", order=10),
    MenuItem("Daftar Baru", "registration.new", order=11),
    MenuItem("Permohonan Kolektif", "registration.collectives", order=12),
    MenuItem("Pengaturan KTP-el", "registration.settings", order=92),
]
# Who may mark a status by hand (app/policy.py): the center's steps, when the office learns of one other than
# by sync (a letter, a call), and the counter's READY.
MARKERS = {status: "pendaftaran.tandai_pusat" for status in CENTER_STEPS}
MARKERS[S.READY] = "pendaftaran.tandai_siap"


def may_mark(user, status) -> bool:
    return status in MARKERS and may(user, MARKERS[status])


def _application_or_404(application_id: int, status: S | None = None):
    """The application (in `status` when given), or 404. Its SQL text is kept (app/frame/statements.py): peewee
    built the select of its forty columns anew on each of a clerk's actions and on the page after it (issue 73)."""
    found = statements.rows(_application_by_id, status is not None,
                            each_run=(application_id,) if status is None else (application_id, status.value))
    if not found:
        abort(404)
    return found[0]


def _application_by_id(with_status: bool):
    query = Application.select().where(Application.id == statements.each_run(0))
    return query.where(Application.status == statements.each_run(1)) if with_status else query


def _application_in(application_id: int, status: S):
    """A slip of one status (return slip, handover receipt): 404 while the application is in another."""
    return _application_or_404(application_id, status)


def _view_ahead(application) -> None:
    """Inside a write that leads to the application's page: that page's view recorded in the write's
    transaction, one disk sync for both (audit.record_view_ahead, issue 73)."""
    audit.record_view_ahead("permohonan_ktp", application.id, _viewed(application))


def _viewed(application) -> str:
    return f"Data permohonan {application.registration_number} dibuka"


def _saved(application, message: str, warnings: dict):
    """Back to the application's page after a save: the success, then each warning the save let through."""
    flash(message, "success")
    for text in warnings.values():
        flash(text, "warn")
    return redirect(url_for("registration.detail", application_id=application.id))


@blueprint.app_template_global("janji_perkiraan")
def promise_estimated(application) -> bool:
    return promise_is_estimate(application)


def _form_from_application(application: Application) -> dict:
    return _form_from_values({key: getattr(application, key) for key in records.EDITABLE_FIELDS})


def _form_from_values(values: dict) -> dict:
    """An application's stored values as its form shows them."""
    form = dict(values)
    form["birth_date"] = values["birth_date"].isoformat()
    form["desa"] = desa_names().get(values["desa_code"], values["desa_code"])
    form["biometric_done"] = "1" if values["biometric_done"] else ""
    return form


def _collective_from_request():
    if not request.values.get("kolektif", ""):
        return None
    letter_id = int_arg(request.values, "kolektif")
    if letter_id is None:
        abort(404)
    letter = get_object_or_404(CollectiveLetter, CollectiveLetter.id == letter_id)
    return letter


# ---- register ---------------------------------------------------------------------------------

# Only what a row of the register shows: a third of the columns, a third of the work per row.
LIST_COLUMNS = (Application.id, Application.registration_number, Application.version, Application.created_at,
                Application.nik, Application.full_name, Application.desa_code, Application.reason,
                Application.status, Application.promised_date)

def annotate(rows, today):
    calendar = office_calendar()
    names = desa_names()
    for row in rows:
        row.desa_name = names.get(row.desa_code, row.desa_code)
        row.days_left = days_left(row.promised_date, today, calendar) if S(row.status) in (
            S.COMPLETE, S.SENT, S.RECEIVED_BY_CENTER, S.PRINTED, S.SHIPPED, S.REJECTED, S.RESEND_REQUESTED) else None
        row.days_left_label = days_left_label(row.days_left, row.promised_date, today)
    return rows


@blueprint.get("/pendaftaran")
def register():
    return _register_page(parse_filter(request.args, parse_iso_date))


def _register_page(flt):
    """The register list; 422 with the messages beside the fields when a filter is wrong."""
    today = office_today()
    query = register_query(flt, today, store.get("timezone"), LIST_COLUMNS)
    page = paginate(query, 50)
    annotate(page.items, today)
    filters = {key: value for key, value in request.args.items() if key in FILTER_KEYS}
    moved = given_again(flt.q) if not page.items and flt.q else None  # an old receipt's number
    context = dict(page=page, moved=moved, flt=flt, filters=filters, statuses={s.value: label for s, label in STATUS_LABELS.items()}, desa=desa_list(), reasons=intake.REASONS)
    status = 422 if flt.errors else 200
    if request.htmx and request.htmx.target == "register-results":
        return render_template("registration/_register_results.html", **context), status
    return render_template("registration/register.html", to_reprint=records.receipts_to_reprint(), **context), status


@blueprint.get("/pendaftaran/ekspor")
@long_running
def export():
    today = office_today()
    flt = parse_filter(request.args, parse_iso_date)
    if flt.date_from is None and flt.date_to is None and not flt.errors:
        flt.date_from, flt.date_to = today.replace(day=1), today  # a period, never the whole history
    if flt.date_from and flt.date_to and flt.date_from > flt.date_to:
        flt.errors["sampai"] = "Tanggal akhir sebelum tanggal awal."
    if flt.errors:  # the register page with the messages, not a redirect that hides what was wrong
        return _register_page(flt)
    fmt = request.args.get("format", "xlsx")
    if fmt not in ("xlsx", "csv"):
        abort(404)
    rows = register_query(flt, today, store.get("timezone"))
    found = rows.limit(EXPORT_MAX_ROWS + 1).count()
    if found > EXPORT_MAX_ROWS:
        flash(f"Periode terlalu panjang: lebih dari {EXPORT_MAX_ROWS:,} permohonan. Persempit tanggalnya."
              .replace(",", "."), "error")
        return redirect(url_for("registration.register", **{k: v for k, v in request.args.items() if k in FILTER_KEYS}))
    names = desa_names()
    period = f"{flt.date_from or ''}_{flt.date_to or ''}"
    records.record_export(fmt, period)
    if fmt == "csv":
        body = exports.register_csv(rows, names)
        return Response(body, mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="register-ktp-{period}.csv"'})
    body = exports.register_xlsx(rows, names, title=f"Buku Register KTP-el {period}")
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="register-ktp-{period}.xlsx"'})


# ---- intake -----------------------------------------------------------------------------------

@blueprint.route("/pendaftaran/baru", methods=["GET", "POST"])
def new():
    collective = _collective_from_request()
    if request.method == "GET":
        form = {"rt": "", "rw": "", "biometric_done": ""}
        return render_template("registration/form.html", **form_context(form, {}, {}, collective=collective))
    if (repeat := submissions.earlier_result()):  # sent twice: the first one's page, nothing new
        return repeat
    form = request.form.to_dict()
    clean, errors, warnings = intake.validate_application(request.form, desa_list(), office_today())
    birth_year = clean["birth_date"].year if clean.get("birth_date") else None
    photo = read_photo(errors, birth_year, warnings)
    try:
        prefix = records.current_prefix()
    except ValueError as problem:
        errors["_form"] = str(problem)
    duplicates, holds = _counter_refusals(clean, errors, warnings)
    # consent only: one SMS when the card is ready
    sms_phone, problem = sms_consent.phone_to_notify(request.form, clean.get("phone", ""))
    if problem:
        errors[sms_consent.FIELD] = problem
    if errors:
        return render_template("registration/form.html",
                               **form_context(form, errors, warnings, collective=collective,
                                               duplicates=duplicates, holds=holds)), 422
    with submissions.once() as submission:
        if submission.earlier:
            return submission.repeat()
        application = records.create_application(clean, photo, collective, prefix)
        sms_consent.consent_given("ktp", application.id, sms_phone)
        # the receipt's survey code in this commit: printing it writes nothing (one disk sync a write, issue 64)
        survey_codes.code_for("pendaftaran", application.registration_number)
        _view_ahead(application)
        submission.made(url_for("registration.detail", application_id=application.id))
    return _saved(application, f"Permohonan {application.registration_number} tersimpan. Periksa persyaratan lalu "
                               "cetak bukti pendaftaran.", warnings)


def _counter_refusals(clean: dict, errors: dict, warnings: dict, exclude_id: int | None = None) -> tuple[list, list]:
    """The counter's own refusals beside the field (422): a NIK with a running application or another
    hold (with links to it; returns (running applications, holds) for the form)."""
    if "nik" in errors or not clean.get("nik"):
        return [], []
    refusal, running, holds = records.nik_standing(clean["nik"], clean.get("reason"), exclude_id)
    if refusal:
        errors["nik"] = refusal
    return running, holds


@blueprint.get("/pendaftaran/periksa-nik")
def check_nik():
    """htmx: the NIK's problems, mismatches and in-progress duplicates, shown under the field."""
    nik = request.args.get("nik", "")
    if not nik.strip():
        return ""
    messages = intake.nik_mismatch_messages(nik, request.args.get("birth_date", ""), request.args.get("sex", ""))
    # A desa operator sees the NIK's own problems, never other people's applications (refused at save).
    hidden = not may(g.user, "pendaftaran.nik_lain") or intake.nik_rules.nik_problem(nik)
    number = intake.nik_rules.normalise_number(nik)
    duplicates = [] if hidden else records.in_progress_with_nik(number, int_arg(request.args, "id"))
    holds = [] if hidden or request.args.get("id") else records.nik_holds(number)
    return render_template("registration/_nik_check.html", messages=messages, duplicates=duplicates, holds=holds,
                           warning=intake.nik_rules.region_code_warning(nik))


@blueprint.get("/pendaftaran/periksa-kk")
def check_kk():
    typed = request.args.get("kk_number", "")
    message = intake.nik_rules.check_kk_format(typed) or intake.nik_rules.region_code_warning(typed)
    return render_template("registration/_field_message.html", message=message,
                           ok="Nomor KK sesuai format." if typed.strip() else "")


@blueprint.post("/pendaftaran/periksa-foto")
def check_photo():
    """htmx, when the clerk chooses or takes the photo: checked as Simpan will check it (its refusal, or the
    background rule's warning, under the field) while the clerk goes on typing; Simpan with the same file
    then takes this check's photo (applicant_form.checked_photo). Nothing is stored."""
    errors, warnings = {}, {}
    birth = parse_iso_date(request.form.get("birth_date"))
    photo = read_photo(errors, birth.year if birth else None, warnings)
    if photo is None:
        return render_template("registration/_photo_check.html", error=errors.get("photo", ""))
    return render_template("registration/_photo_check.html", warning=warnings.get("photo", ""),
                           ok=f"Foto dapat dipakai: dipotong 3x4, latar {photo.background}.")


@blueprint.get("/pendaftaran/<int:application_id>")
def detail(application_id: int):
    application = _application_or_404(application_id)
    audit.record_page_view("permohonan_ktp", application.id, _viewed(application))
    return render_template("registration/detail.html", **_detail_context(application))


def _detail_context(application, errors=None, handover_form=None):
    today = office_today()
    annotate([application], today)
    photo = next(iter(statements.rows(_photo_shown, each_run=(application.id,))), None)
    configured = store.get("requirements")
    photo_warning = None
    if photo and store.get("photo_background_rule"):
        photo_warning = background_rule_warning(photo.background, application.birth_date.year)
    status = S(application.status)
    marks = [s for s in TRANSITIONS[status] if may_mark(g.user, s)]
    return dict(application=application, photo=photo, photo_warning=photo_warning,
                events=statements.rows(_timeline, each_run=(application.id,)),
                requirements=reqs.requirements_for(application.reason, configured),
                ticked=set(json.loads(application.requirements_met or "[]")),
                missing=json.loads(application.missing_requirements or "[]"),
                duplicates=records.in_progress_with_nik(application.nik, application.id),
                desa_name=desa_names().get(application.desa_code, application.desa_code),
                reasons=intake.REASONS, sexes=intake.SEXES, statuses=STATUS_LABELS, S=S,
                editable=is_editable(status), marks=marks, errors=errors or {},
                handover_form=handover_form or {"collector": "pemohon"},
                notices=notices_for(application))


# The page's reads on every action that leads to it, their SQL built once (app/frame/statements.py).
def _photo_shown():
    return (ApplicationPhoto.select(ApplicationPhoto.id, ApplicationPhoto.background, ApplicationPhoto.width,
                                    ApplicationPhoto.height, ApplicationPhoto.sha256)
            .where(ApplicationPhoto.application == statements.each_run(0)).limit(1))


def _timeline():
    return (StatusEvent.select().where(StatusEvent.application == statements.each_run(0))
            .order_by(StatusEvent.at, StatusEvent.id))


def _has_photo():  # its id only: the checklist asks whether there is one, never for the picture
    return ApplicationPhoto.select(ApplicationPhoto.id).where(ApplicationPhoto.application == statements.each_run(0))


@blueprint.route("/pendaftaran/<int:application_id>/ubah", methods=["GET", "POST"])
def edit(application_id: int):
    application = _application_or_404(application_id)
    if not is_editable(application.status):
        # A clear refusal on the page itself (409), not a redirect that a script or a form reads as done.
        refusal = (f"Permohonan ini berstatus “{STATUS_LABELS[S(application.status)]}”: berkas yang sudah lengkap "
                   "sedang diproses dan datanya tidak dapat diubah. Bila ada kesalahan, tunggu sampai pusat "
                   "mengembalikannya (ditolak/kirim ulang) atau hubungi kasi.")
        return render_template("registration/detail.html", **_detail_context(application, {"status": refusal})), 409
    if request.method == "GET":
        stored = _form_from_application(application)
        return render_template("registration/form.html", version=versions.version_of(stored),
                               **form_context(stored, {}, {}, application))
    form = request.form.to_dict()
    clean, errors, warnings = intake.validate_application(request.form, desa_list(), office_today())
    photo = read_photo(errors, clean["birth_date"].year if clean.get("birth_date") else None, warnings)
    duplicates, holds = _counter_refusals(clean, errors, warnings, application.id)
    if errors:
        return render_template("registration/form.html", version=form.get(versions.FIELD),
                               **form_context(form, errors, warnings, application,
                                               duplicates=duplicates, holds=holds)), 422
    with database.atomic():  # read again under the write lock: another clerk's save may have come first
        application = Application.get_by_id(application.id)
        conflict = versions.conflict(request.form, _form_from_application(application),
                                     _form_from_values({key: clean[key] for key in records.EDITABLE_FIELDS}))
        if not conflict:
            records.update_application(application, clean, photo)
            _view_ahead(application)
    if conflict:
        return render_template("registration/form.html", conflict=conflict, version=conflict.version,
                               **form_context(conflict.over(form), {}, warnings, application)), 409
    return _saved(application, "Perubahan data permohonan disimpan.", warnings)


# ---- photo ------------------------------------------------------------------------------------

@blueprint.post("/pendaftaran/<int:application_id>/foto")
def upload_photo(application_id: int):
    application = _application_or_404(application_id)
    errors, warnings = {}, {}
    if not is_editable(application.status):
        errors["photo"] = "Permohonan sedang diproses; foto tidak dapat diganti."
    else:
        photo = read_photo(errors, application.birth_date.year, warnings)
        if photo is None and not errors:
            errors["photo"] = "Pilih berkas foto atau ambil foto dengan kamera."
    if errors:
        return render_template("registration/detail.html", **_detail_context(application, errors)), 422
    with database.atomic():
        records.replace_photo(application, photo)
        _view_ahead(application)
    return _saved(application, "Foto disimpan.", warnings)


@blueprint.get("/pendaftaran/<int:application_id>/foto.jpg")
def photo(application_id: int):
    found = get_object_or_404(ApplicationPhoto, ApplicationPhoto.application == application_id)
    records.record_photo_view(application_id)
    return Response(bytes(found.jpeg), mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})


# ---- checklist, return slip, re-open ----------------------------------------------------------

@blueprint.post("/pendaftaran/<int:application_id>/persyaratan")
def checklist(application_id: int):
    application = _application_or_404(application_id)
    if not is_editable(application.status):
        return render_template("registration/detail.html", **_detail_context(
            application, {"checklist": "Persyaratan hanya diperiksa selama berkas di loket."})), 422
    applicable = reqs.requirements_for(application.reason, store.get("requirements"))
    ticked = {code for code in request.form.getlist("syarat") if code in {item["code"] for item in applicable}}
    missing = reqs.missing(application.reason, ticked, store.get("requirements"))
    if not missing and statements.scalar(_has_photo, each_run=(application.id,)) is None:
        return render_template("registration/detail.html", **_detail_context(
            application, {"checklist": "Foto pemohon belum ada: unggah atau ambil foto sebelum menandai lengkap."})), 422
    try:
        with database.atomic():
            records.record_checklist(application, sorted(ticked), missing)
            _view_ahead(application)
    except TransitionNotAllowed as problem:
        return render_template("registration/detail.html", **_detail_context(application, {"checklist": str(problem)})), 422
    if missing:
        flash(f"Berkas belum lengkap ({len(missing)} kurang). Cetak slip pengembalian untuk pemohon.", "warn")
    else:
        # "(perkiraan)" where the page and the receipt say it: a date past the year's published cuti bersama
        estimate = " (perkiraan: cuti bersama tahun itu belum ditetapkan)" if promise_is_estimate(application) else ""
        flash(f"Berkas lengkap. Tanggal janji selesai: {application.promised_date:%d-%m-%Y}{estimate}.", "success")
    return redirect(url_for("registration.detail", application_id=application.id))


@blueprint.get("/pendaftaran/<int:application_id>/slip-pengembalian")
def return_slip(application_id: int):
    application = _application_in(application_id, S.RETURNED)
    return render_template("registration/return_slip.html", application=application,
                           missing=json.loads(application.missing_requirements or "[]"),
                           desa_name=desa_names().get(application.desa_code, ""), reasons=intake.REASONS,
                           today=office_today(), clerk=clerk_who_moved(application, S.RETURNED))


@blueprint.post("/pendaftaran/<int:application_id>/buka-kembali")
def reopen(application_id: int):
    application = _application_or_404(application_id)
    try:
        with database.atomic():
            transition(application, S.RECEIVED, note="Dibuka kembali: pemohon datang dengan kelengkapan")
            _view_ahead(application)
    except TransitionNotAllowed as problem:
        return render_template("registration/detail.html", **_detail_context(application, {"status": str(problem)})), 422
    flash("Berkas dibuka kembali. Periksa persyaratan sekali lagi.", "success")
    return redirect(url_for("registration.detail", application_id=application.id))


# ---- status by hand, handover -----------------------------------------------------------------

@blueprint.post("/pendaftaran/<int:application_id>/status")
def mark(application_id: int):
    application = _application_or_404(application_id)
    note = (request.form.get("note") or "").strip()
    try:
        target = S(request.form.get("to_status", ""))
    except ValueError:
        return render_template("registration/detail.html",
                               **_detail_context(application, {"status": "Pilih status tujuan."})), 422
    problem = None
    if not may_mark(g.user, target):
        problem = f"Peran Anda tidak dapat menandai status “{target.label}” secara manual."
    elif target is S.REJECTED and not note:
        problem = "Tulis alasan penolakan dari Dukcapil."
    elif len(note) > 500 or "<" in note or ">" in note:
        problem = "Catatan maksimal 500 karakter, tanpa tanda < atau >."
    if problem is None:
        try:
            with database.atomic():
                transition(application, target, note=note)
                _view_ahead(application)
        except TransitionNotAllowed as error:
            problem = str(error)
    if problem:
        return render_template("registration/detail.html", **_detail_context(application, {"status": problem})), 422
    flash(f"Status diubah menjadi “{target.label}”.", "success")
    return redirect(url_for("registration.detail", application_id=application.id))


def validate_handover(form) -> tuple[dict, dict]:
    clean = {"collector": form.get("collector", ""), "name": " ".join((form.get("name") or "").split()),
             "relation": " ".join((form.get("relation") or "").split()),
             "id_number": intake.nik_rules.normalise_number(form.get("id_number")),
             "note": (form.get("note") or "").strip()}
    errors = {}
    if clean["collector"] not in ("pemohon", "wakil"):
        errors["collector"] = "Pilih siapa yang mengambil: pemohon sendiri atau wakil."
    elif clean["collector"] == "wakil":
        if not clean["name"] or not intake._NAME.fullmatch(clean["name"]) or len(clean["name"]) > 100:
            errors["name"] = "Tulis nama wakil (huruf saja)."
        if not clean["relation"] or len(clean["relation"]) > 40 or not intake._PLACE.fullmatch(clean["relation"]):
            errors["relation"] = "Tulis hubungan wakil dengan pemohon (mis. orang tua, suami/istri)."
        if (message := intake.nik_rules.check_nik_format(clean["id_number"])) is not None:
            errors["id_number"] = f"NIK wakil: {message}"
    if len(clean["note"]) > 300 or "<" in clean["note"] or ">" in clean["note"]:
        errors["note"] = "Catatan maksimal 300 karakter, tanpa tanda < atau >."
    return clean, errors


@blueprint.post("/pendaftaran/<int:application_id>/serah")
def handover(application_id: int):
    application = _application_or_404(application_id)
    clean, errors = validate_handover(request.form)
    if application.status == S.HANDED_OVER.value:
        when = format_datetime(application.handed_over_at, store.get("timezone")) if application.handed_over_at else ""
        refusal = f"KTP-el ini sudah diserahkan kepada {application.handed_over_to} {when}. Tidak dapat diserahkan lagi."
        return render_template("registration/detail.html", **_detail_context(application, {"status": refusal})), 409
    if application.status != S.READY.value:
        errors["collector"] = "KTP-el belum siap diambil."
    if errors:
        return render_template("registration/detail.html",
                               **_detail_context(application, errors, handover_form=clean)), 422
    with database.atomic():  # with the receipt's survey code: one commit, one disk sync (issue 64)
        if clean["collector"] == "pemohon":
            records.hand_over(application, application.full_name, "", application.nik, clean["note"])
        else:
            records.hand_over(application, clean["name"], clean["relation"], clean["id_number"], clean["note"])
        survey_codes.code_for("penyerahan", application.registration_number)
    flash("KTP-el diserahkan. Cetak tanda terima dan minta tanda tangan penerima.", "success")
    return redirect(url_for("registration.handover_receipt", application_id=application.id))


# ---- prints -----------------------------------------------------------------------------------

def clerk_who_moved(application: Application, status: S) -> str:
    """Full name of the clerk who last moved the application into `status` (signs the printout)."""
    event = (StatusEvent.select(StatusEvent.user_id, StatusEvent.username)
             .where(StatusEvent.application == application.id, StatusEvent.to_status == status.value)
             .order_by(StatusEvent.id.desc()).first())
    if event is None:
        return ""
    user = User.get_or_none(User.id == event.user_id) if event.user_id else None
    return user.full_name if user else event.username


@blueprint.get("/pendaftaran/<int:application_id>/bukti")
def receipt(application_id: int):
    application = _application_or_404(application_id)
    return render_template("registration/receipt.html", application=application, qr=qr_svg(application.registration_number),
                           desa_name=desa_names().get(application.desa_code, ""), reasons=intake.REASONS,
                           service_days=store.get("service_days"),
                           survey=survey_codes.printed("pendaftaran", application.registration_number))


@blueprint.post("/pendaftaran/<int:application_id>/bukti/cetak-ulang")
def reprint_receipt(application_id: int):
    """The register's "Cetak ulang bukti": the print recorded (it leaves the list), then the receipt itself."""
    application = _application_or_404(application_id)
    records.record_receipt_reprint(application)
    return redirect(url_for("registration.receipt", application_id=application.id), 303)


def _reprint_notice(application) -> list:
    """The application's page, while its receipt is on the reprint list: the number the citizen holds, and the button."""
    held = records.receipt_to_reprint(application)
    if held is None:
        return []
    return [Notice(f"Nomor pendaftaran ini diganti; bukti yang dipegang pemohon masih bernomor {held}. Cetak ulang "
                   "buktinya dan berikan kepada pemohon.",
                   url_for("registration.reprint_receipt", application_id=application.id),
                   "registration.reprint_receipt", "Cetak ulang bukti")]


add_detail_notice(_reprint_notice)


@blueprint.get("/pendaftaran/<int:application_id>/tanda-terima")
def handover_receipt(application_id: int):
    application = _application_in(application_id, S.HANDED_OVER)
    return render_template("registration/handover_receipt.html", application=application,
                           desa_name=desa_names().get(application.desa_code, ""),
                           survey=survey_codes.printed("penyerahan", application.registration_number),
                           clerk=clerk_who_moved(application, S.HANDED_OVER))


# ---- settings ---------------------------------------------------------------------------------

@blueprint.route("/admin/pendaftaran", methods=["GET", "POST"])
def settings():
    configured = store.get("requirements")
    if request.method == "GET":
        form = {"service_days": str(store.get("service_days")),
                "photo_background_rule": store.get("photo_background_rule")}
        return render_template("registration/settings.html", form=form, rows=configured, errors={},
                               reasons=intake.REASONS, version=versions.version_of(records.stored_settings_version()))
    form = {"service_days": request.form.get("service_days", "").strip(),
            "photo_background_rule": request.form.get("photo_background_rule") == "1"}
    errors = {}
    days = int_arg(form, "service_days", lowest=1, highest=60)
    if days is None:
        errors["service_days"] = "Lama layanan 1 sampai 60 hari kerja."
    rows, taken = [], set()
    row_count = min(int_arg(request.form, "row_count", 0), MAX_REQUIREMENTS + 2)
    for index in range(row_count):
        label = " ".join((request.form.get(f"label_{index}") or "").split())
        code = (request.form.get(f"code_{index}") or "").strip()
        chosen = [r for r in request.form.getlist(f"reasons_{index}") if r in intake.REASONS]
        if not label:
            continue  # a blanked label removes the requirement
        shown_at = len(rows)  # the row the page shows it in again (blanked rows are gone from it)
        if len(label) > 150 or "<" in label or ">" in label:
            errors[f"label_{shown_at}"] = "Nama persyaratan maksimal 150 karakter, tanpa tanda < atau >."
        if not chosen:
            errors[f"label_{shown_at}"] = "Pilih paling sedikit satu alasan permohonan untuk persyaratan ini."
        if not code or code in taken or not code.replace("_", "").isalnum():
            code = reqs.code_for(label, taken)
        taken.add(code)
        rows.append({"code": code, "label": label, "reasons": chosen})
    if not rows:
        errors["requirements"] = "Daftar persyaratan tidak boleh kosong."
    elif len(rows) > MAX_REQUIREMENTS:
        errors["requirements"] = f"Paling banyak {MAX_REQUIREMENTS} persyaratan."
    if errors:
        return render_template("registration/settings.html", form=form, rows=rows or configured, errors=errors,
                               reasons=intake.REASONS, version=request.form.get(versions.FIELD)), 422
    values = {"service_days": days, "photo_background_rule": form["photo_background_rule"],
              "requirements": rows}
    conflict = records.save_settings(values, request.form)
    if conflict:
        return render_template("registration/settings.html", form=form, rows=rows, errors={}, reasons=intake.REASONS,
                               version=conflict.version, conflict=conflict), 409
    flash("Pengaturan layanan KTP-el disimpan.", "success")
    return redirect(url_for("registration.settings"))


# ---- dashboard --------------------------------------------------------------------------------

def dashboard_cards(user) -> list[Card]:
    if not may(user, "pendaftaran.kartu_tempo"):
        return []
    today = office_today()
    # This working week; from Saturday on, the coming one.
    week_end = today + timedelta(days=6 - today.weekday() + (7 if today.weekday() >= 5 else 0))
    overdue = statements.scalar(_overdue_count, today)
    due_week = statements.scalar(_due_between_count, today, week_end)
    may_list = may(user, "pendaftaran.baca")
    cards = [
        Card("KTP-el terlambat", str(overdue), "lewat tanggal janji, belum siap diambil",
             url_for("registration.register", terlambat="1") if may_list else None,
             "danger" if overdue else "ok"),
        Card("KTP-el jatuh tempo minggu ini", str(due_week), f"sampai {week_end:%d-%m-%Y}",
             url_for("registration.register", tempo_sampai=week_end.isoformat()) if may_list else None,
             "warn" if due_week else "info"),
    ]
    if may(user, "pendaftaran.cetak_ulang"):
        reprint = len(records.receipts_to_reprint())
        if reprint:  # a number given again: the citizen's receipt carries the old one (issue 72)
            cards.append(Card("Bukti perlu dicetak ulang", str(reprint), "nomor diganti, bukti belum dicetak ulang",
                              url_for("registration.register", _anchor="cetak-ulang"), "warn"))
    if may(user, "pendaftaran.status"):
        ready = statements.scalar(_status_count, S.READY.value)
        waiting = statements.scalar(_status_count, S.RECEIVED.value)
        cards.append(Card("KTP-el siap diambil", str(ready), "menunggu diserahkan",
                          url_for("registration.register", status=S.READY.value)))
        cards.append(Card("Berkas menunggu diperiksa", str(waiting), "status diterima",
                          url_for("registration.register", status=S.RECEIVED.value)))
    return cards


# The cards' counts, their SQL text built once a day (app/frame/statements.py).
def _overdue_count(today):
    return Application.select(fn.COUNT(SQL("*"))).where(overdue_condition(today))


def _due_between_count(first, last):
    return Application.select(fn.COUNT(SQL("*"))).where(due_between_condition(first, last))


def _status_count(status):
    return Application.select(fn.COUNT(SQL("*"))).where(Application.status == status)
