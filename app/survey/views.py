"""The satisfaction survey kiosk (no login) and the IKM page for the office."""
import uuid

from flask import Blueprint, redirect, render_template, request, url_for
from peewee import IntegrityError

from app import audit
from app.frame.access import allow, public
from app.capabilities import MenuItem
from app.frame.dates import local_today, utc_now
from app.frame.db import database
from app.frame.periods import Quarter, year_period
from app.frame.roles import ADMIN, CAMAT, INFORMASI, KASI
from app.frame import store
from app.survey.throttle import note_survey, surveys_blocked
from app.survey.elements import ELEMENTS, PROFILE_CHOICES
from app.survey.figures import ikm_for_period
from app.survey.form import answer_field, parse_survey
from app.survey.ikm import QUALITIES, minimum_sample
from app.survey.models import SurveyAnswer, SurveyResponse

blueprint = Blueprint("survey", __name__)
MENU = [MenuItem("Survei Kepuasan (IKM)", "survey.ikm", order=62)]
READERS = (INFORMASI, CAMAT, ADMIN, KASI)


def _kiosk(values=None, errors=None, status=200):
    values = values or {"scores": {}, "profile": {}, "comment": ""}
    return render_template("survey/kiosk.html", elements=ELEMENTS, choices=PROFILE_CHOICES, values=values,
                           errors=errors or {}, answer_field=answer_field,
                           submission_key=uuid.uuid4().hex), status


@blueprint.get("/survei")
@public
def kiosk():
    return _kiosk()


@blueprint.post("/survei")
@public
def submit():
    values, errors = parse_survey(request.form)
    key = values["submission_key"]
    if key and SurveyResponse.select().where(SurveyResponse.submission_key == key).exists():
        return redirect(url_for("survey.thanks"), 303)  # the same form sent twice: already counted
    address = request.remote_addr or ""
    if surveys_blocked(address):
        return render_template("survey/refused.html"), 429
    if errors:
        return _kiosk(values, errors, 422)
    try:
        with database.atomic():
            response = SurveyResponse.create(submission_key=key, submitted_at=utc_now(), address=address,
                                             comment=values["comment"], **values["profile"])
            SurveyAnswer.insert_many([{"response": response.id, "element": element, "score": score}
                                      for element, score in values["scores"].items()]).execute()
            note_survey(address)
            audit.record("isi", "survei", response.id, "Survei kepuasan diisi di kios")
    except IntegrityError:
        pass  # a concurrent resubmit of the same form won the race; one response is kept
    return redirect(url_for("survey.thanks"), 303)


@blueprint.get("/survei/terima-kasih")
@public
def thanks():
    return render_template("survey/thanks.html")


def _requested_period(today):
    """(period, year, triwulan, error) from ?tahun=&triwulan= (triwulan '' = the whole year)."""
    current = Quarter.containing(today)
    year_text = request.args.get("tahun", str(current.year)).strip()
    part = request.args.get("triwulan", str(current.number)).strip()
    try:
        year = int(year_text)
    except ValueError:
        year = 0
    if not 2000 <= year <= 2100:
        return None, current.year, str(current.number), "Tahun harus berupa angka antara 2000 dan 2100."
    if part in ("", "tahun"):
        period = year_period(year)
    elif part in ("1", "2", "3", "4"):
        period = Quarter.of(year, int(part))
    else:
        return None, year, part, "Pilih triwulan I–IV atau satu tahun penuh."
    if not period.has_started(today):
        return None, year, part, "Periode ini belum dimulai; pilih periode yang sudah berjalan."
    return period, year, part, None


def _services_in(period, zone):
    from app.indicators.sources import services_in_period  # registration counts, when it is installed
    return services_in_period(period, zone)


@blueprint.get("/ikm")
@allow(*READERS)
def ikm():
    zone = store.get("timezone")
    today = local_today(zone)
    period, year, part, error = _requested_period(today)
    if error:
        return render_template("survey/ikm.html", error=error, year=year, part=part, result=None,
                               qualities=QUALITIES, elements=ELEMENTS), 422
    result = ikm_for_period(period, zone)
    population_text = request.args.get("layanan", "").strip()
    population = _services_in(period, zone)
    population_error = None
    if population_text:
        if population_text.isdigit() and int(population_text) <= 10_000_000:
            population = int(population_text)
        else:
            population_error = "Jumlah layanan harus berupa bilangan bulat 0 atau lebih."
    sample = minimum_sample(population) if population is not None else None
    comments = (SurveyResponse.select(SurveyResponse.submitted_at, SurveyResponse.comment)
                .where(SurveyResponse.submitted_at >= period.utc_bounds(zone)[0],
                       SurveyResponse.submitted_at < period.utc_bounds(zone)[1], SurveyResponse.comment != "")
                .order_by(SurveyResponse.submitted_at.desc()).limit(20))
    return render_template("survey/ikm.html", error=population_error, year=year, part=part, period=period,
                           result=result, population=population, population_text=population_text, sample=sample,
                           qualities=QUALITIES, elements=ELEMENTS, comments=list(comments)), \
        (422 if population_error else 200)
