"""Every change to the survey's rows, each with its audit record in one transaction (issue 31: one
path for each change; the views parse and answer, these write)."""
from peewee import IntegrityError

from app.frame import audit
from app.frame import store
from app.frame.audit_rule import act, nothing_done
from app.frame.dates import utc_now
from app.frame.db import database
from app.survey import codes
from app.survey.ikm import WEIGHTS
from app.survey.models import ResponseStatus, SurveyAnswer, SurveyResponse
from app.survey.throttle import note_survey


@act("isi")
def record_answers(values: dict, key: str, address: str) -> None:
    """A kiosk form's answers: with a code, counted at once; without, waiting for review. Raises
    codes.CodeRefused (nothing saved); a concurrent resubmit of the same form keeps one response."""
    walk_in = not values["code"]
    try:
        with database.atomic():
            code = None if walk_in else codes.claim(values["code"])
            response = SurveyResponse.create(
                submission_key=key, submitted_at=utc_now(), address=address, comment=values["comment"],
                code=code, status=ResponseStatus.PENDING if walk_in else ResponseStatus.VALID, **values["profile"])
            SurveyAnswer.insert_many([{"response": response.id, "element": element, "score": score}
                                      for element, score in values["scores"].items()]).execute()
            if walk_in:
                note_survey()
            audit.record("isi", "survei", response.id,
                         "Survei kepuasan diisi di kios tanpa kode (menunggu tinjauan)" if walk_in
                         else f"Survei kepuasan diisi di kios dengan kode {codes.SERVICES[code.service]}")
    except IntegrityError:
        nothing_done()  # a concurrent resubmit of the same form won the race; one response is kept


@act("ubah")
def set_weight(choice: str) -> None:
    before = store.get("ikm_weight")
    with database.atomic():
        store.put("ikm_weight", choice)
        audit.record("ubah", "pengaturan", "ikm_weight", f"Bobot unsur IKM: {WEIGHTS[choice]}",
                     {"ikm_weight": before}, {"ikm_weight": choice})


@act("sahkan")
def accept(response_id: int, user_id: int) -> bool:
    """A walk-in answer joins the IKM; False when it was reviewed already (or is not there)."""
    with database.atomic():
        changed = (SurveyResponse.update(status=ResponseStatus.VALID, reviewed_by=user_id, reviewed_at=utc_now())
                   .where(SurveyResponse.id == response_id, SurveyResponse.status == ResponseStatus.PENDING)
                   .execute())
        if changed:
            audit.record("sahkan", "survei", response_id, "Jawaban survei tanpa kode disahkan dan dihitung dalam IKM")
    return bool(changed) or nothing_done(False)


@act("batalkan")
def void(response: SurveyResponse, reason: str, user_id: int) -> bool:
    """The answer no longer counts; False when it was voided already."""
    with database.atomic():
        changed = (SurveyResponse.update(status=ResponseStatus.VOID, void_reason=reason, reviewed_by=user_id,
                                         reviewed_at=utc_now())
                   .where(SurveyResponse.id == response.id, SurveyResponse.status != ResponseStatus.VOID).execute())
        if changed:
            audit.record("batalkan", "survei", response.id, f"Jawaban survei dibatalkan: {reason}",
                         before={"status": response.status}, after={"status": ResponseStatus.VOID, "alasan": reason})
    return bool(changed) or nothing_done(False)
