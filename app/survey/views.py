"""The satisfaction survey kiosk (no login) and the IKM page for the office."""
import uuid

from flask import Blueprint, abort, current_app, flash, g, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404
from peewee import JOIN

from app.capabilities import MenuItem
from app.figures import tallies
from app.frame.dates import local_today
from app.frame.pagination import paginate
from app.frame.kiosk_session import next_visitor
from app.frame.periods import Quarter, year_period
from app.frame import store, throttle
from app.frame.access import may
from app.survey import codes, records
from app.survey.throttle import survey_wait_seconds
from app.survey.elements import ELEMENTS, PROFILE_CHOICES
from app.survey.figures import answers_by_status, ikm_for_period
from app.survey.form import answer_field, parse_survey
from app.survey.ikm import QUALITIES, WEIGHTS, minimum_sample
from app.survey.models import ResponseStatus, SurveyAnswer, SurveyCode, SurveyResponse
from app.frame.request_cycle import bounded_int

blueprint = Blueprint("survey", __name__)
MENU = [MenuItem("Survei Kepuasan (IKM)", "survey.ikm", order=62)]


def _kiosk(values=None, errors=None, status=200):
    values = values or {"scores": {}, "profile": {}, "comment": "", "code": request.args.get("kode", "")[:40]}
    return render_template("survey/kiosk.html", elements=ELEMENTS, choices=PROFILE_CHOICES, values=values,
                           errors=errors or {}, answer_field=answer_field,
                           # a question's error links to its fieldset (named by its legend), not its first radio
                           error_targets={answer_field(element.key): f"unsur-{element.key}" for element in ELEMENTS},
                           submission_key=uuid.uuid4().hex), status


@blueprint.get("/survei")
def kiosk():
    if request.args.get("pengunjung") == "baru":
        next_visitor()
    return _kiosk()


@blueprint.post("/survei")
def submit():
    values, errors = parse_survey(request.form)
    key = values["submission_key"]
    if key and SurveyResponse.select().where(SurveyResponse.submission_key == key).exists():
        return redirect(url_for("survey.thanks"), 303)  # the same form sent twice: already counted
    address = request.remote_addr or ""
    walk_in = not values["code"]
    wait = survey_wait_seconds() if walk_in else 0
    if wait:
        return render_template("survey/refused.html"), 429, throttle.retry_after(wait)
    if not walk_in:
        try:
            codes.check_format(values["code"])
        except codes.CodeRefused as refused:
            errors["kode"] = str(refused)
    if errors:
        return _kiosk(values, errors, 422)
    try:
        records.record_answers(values, key, address)
    except codes.CodeRefused as refused:
        return _kiosk(values, {"kode": str(refused)}, 422)
    return redirect(url_for("survey.thanks"), 303)


@blueprint.get("/survei/terima-kasih")
def thanks():
    return render_template("survey/thanks.html")


def _requested_period(today):
    """(period, year, triwulan, error) from ?tahun=&triwulan= (triwulan '' = the whole year)."""
    current = Quarter.containing(today)
    year_text = request.args.get("tahun", str(current.year)).strip()
    part = request.args.get("triwulan", str(current.number)).strip()
    year = bounded_int(year_text, lowest=2000, highest=2100)
    if year is None:
        return None, current.year, str(current.number), "Tahun harus berupa angka antara 2000 dan 2100."
    if part in ("", "tahun"):
        period = year_period(year)
    elif part in ("1", "2", "3", "4"):
        period = Quarter.of(year, bounded_int(part))
    else:
        return None, year, part, "Pilih triwulan I–IV atau satu tahun penuh."
    if not period.has_started(today):
        return None, year, part, "Periode ini belum dimulai; pilih periode yang sudah berjalan."
    return period, year, part, None


@blueprint.get("/ikm")
def ikm():
    return _ikm_page()


def _ikm_page(errors: dict | None = None):
    """The IKM of the period asked (?tahun=&triwulan=); `errors`: the weight form refused (422)."""
    zone = store.get("timezone")
    today = local_today(zone)
    period, year, part, error = _requested_period(today)
    if error:
        return render_template("survey/ikm.html", error=error, year=year, part=part, result=None,
                               qualities=QUALITIES, elements=ELEMENTS), 422
    result = ikm_for_period(period, zone)
    population_text = request.args.get("layanan", "").strip()
    population = tallies.services_in_period(period, zone)  # the read model, below survey and indicators
    population_error = None
    if population_text:
        typed = bounded_int(population_text, highest=10_000_000)
        if typed is not None:
            population = typed
        else:
            population_error = "Jumlah layanan harus berupa bilangan bulat 0 atau lebih."
    # Compared with valid answers only; no services counted (none registered, or 0 typed) gives no
    # population to sample from: the page asks for the number instead of calling 0 answers enough.
    sample = minimum_sample(population) if population else None
    comments = (SurveyResponse.select(SurveyResponse.submitted_at, SurveyResponse.comment)
                .where(SurveyResponse.submitted_at >= period.utc_bounds(zone)[0],
                       SurveyResponse.submitted_at < period.utc_bounds(zone)[1], SurveyResponse.comment != "",
                       SurveyResponse.status == ResponseStatus.VALID)
                .order_by(SurveyResponse.submitted_at.desc()).limit(20))
    return render_template("survey/ikm.html", error=population_error, year=year, part=part, period=period,
                           result=result, population=population, population_text=population_text, sample=sample,
                           qualities=QUALITIES, elements=ELEMENTS, comments=list(comments),
                           answers=answers_by_status(period, zone), weights=WEIGHTS, errors=errors or {}), \
        (422 if population_error or errors else 200)


@blueprint.post("/admin/ikm/bobot")
def weight():
    """The admin picks the unsur weight (PermenPANRB 14/2017: the worked example's 0,111 or 1/9)."""
    choice = request.form.get("bobot", "")
    if choice not in WEIGHTS:
        return _ikm_page({"bobot": "Pilih bobot 0,111 atau 1/9."})
    records.set_weight(choice)
    flash(f"Bobot unsur IKM disimpan: {WEIGHTS[choice]}.", "success")
    return redirect(url_for("survey.ikm"), 303)


# ---- review: the information officer accepts walk-in answers and voids answers, with a reason -----

VOID_REASON_MAX = 500
STATUS_LABELS = {ResponseStatus.VALID: "Sah (dihitung)", ResponseStatus.PENDING: "Tanpa kode, menunggu tinjauan",
                 ResponseStatus.VOID: "Dibatalkan"}


@blueprint.get("/ikm/jawaban")
def answers():
    return _answers_page()


def _answers_page(problem: str | None = None, refused_id: int | None = None):
    """The answers of a period by status; the filter (tahun, triwulan, status) rides in the query string.
    `problem` with `refused_id`: the reason given to void that answer was refused (its field is marked)."""
    zone = store.get("timezone")
    period, year, part, error = _requested_period(local_today(zone))
    status = request.args.get("status", ResponseStatus.PENDING)
    if status not in STATUS_LABELS:
        status = ResponseStatus.PENDING
    rows, page = [], None
    if period is not None:
        start, end = period.utc_bounds(zone)
        page = paginate(SurveyResponse.select(SurveyResponse, SurveyCode).join(SurveyCode, join_type=JOIN.LEFT_OUTER)
                        .where(SurveyResponse.submitted_at >= start, SurveyResponse.submitted_at < end,
                               SurveyResponse.status == status)
                        .order_by(SurveyResponse.submitted_at.desc(), SurveyResponse.id.desc()),
                        current_app.config["PAGE_SIZE"])
        rows = page.items
    scores = {}
    for answer in SurveyAnswer.select().where(SurveyAnswer.response.in_([r.id for r in rows])):
        scores.setdefault(answer.response_id, {})[answer.element] = answer.score
    if problem and refused_id is not None:  # the error summary links to the refused row's reason field
        shown = any(r.id == refused_id for r in rows)
        errors, targets = {"alasan": problem}, {"alasan": f"alasan-{refused_id}" if shown else None}
        problem = None
    else:
        errors, targets = {}, {}
    return render_template("survey/answers.html", error=error or problem, year=year, part=part, period=period,
                           errors=errors, error_targets=targets, refused_id=refused_id,
                           status=status, labels=STATUS_LABELS, rows=rows, page=page, scores=scores, elements=ELEMENTS,
                           services=codes.SERVICES, may_review=may(g.user, "survei.tinjau"),
                           counts=answers_by_status(period, zone) if period else None,
                           void_reason_max=VOID_REASON_MAX), 422 if error or problem or errors else 200


def _back_to_answers():
    filters = {k: request.args[k] for k in ("tahun", "triwulan", "status") if k in request.args}
    return redirect(url_for("survey.answers", **filters), 303)


@blueprint.post("/ikm/jawaban/<int:response_id>/sahkan")
def accept(response_id: int):
    """A walk-in answer the officer judged genuine (e.g. the visitor showed a slip) joins the IKM."""
    changed = records.accept(response_id, g.user.id)
    if not changed:
        if not SurveyResponse.select().where(SurveyResponse.id == response_id).exists():
            abort(404)
        flash("Jawaban ini sudah ditinjau sebelumnya; tidak ada yang diubah.", "warn")
    else:
        flash("Jawaban disahkan dan dihitung dalam IKM.", "success")
    return _back_to_answers()


@blueprint.post("/ikm/jawaban/<int:response_id>/batalkan")
def void(response_id: int):
    response = get_object_or_404(SurveyResponse, SurveyResponse.id == response_id)
    reason = " ".join((request.form.get("alasan") or "").split())
    if not 5 <= len(reason) <= VOID_REASON_MAX:
        return _answers_page(f"Tulis alasan pembatalan (5–{VOID_REASON_MAX} karakter); jawaban tidak dibatalkan.",
                             response_id)
    changed = records.void(response, reason, g.user.id)
    flash("Jawaban dibatalkan; tidak dihitung dalam IKM." if changed else "Jawaban ini sudah dibatalkan.",
          "success" if changed else "warn")
    return _back_to_answers()
