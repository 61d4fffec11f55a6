"""IKM figures read from the database with one GROUP BY per question asked."""
import json

from app.frame.periods import Period, Quarter
from app.survey.ikm import IkmResult, compute_ikm
from peewee import fn

from app.survey.models import ResponseStatus, SurveyResponse
from app.frame.db import database

# Only valid answers ('sah') make the official IKM: walk-in answers wait for review, voided never count.


def ikm_for_period(period: Period, zone: str) -> IkmResult:
    start, end = period.utc_bounds(zone)
    respondents = (SurveyResponse.select()
                   .where(SurveyResponse.submitted_at >= start, SurveyResponse.submitted_at < end,
                          SurveyResponse.status == ResponseStatus.VALID).count())
    rows = database.execute_sql(
        'SELECT a."element", count(*), sum(a."score") FROM "survey_answer" a '
        'JOIN "survey_response" r ON r."id" = a."response_id" '
        'WHERE r."submitted_at" >= ? AND r."submitted_at" < ? AND r."status" = ? GROUP BY a."element"',
        (str(start), str(end), ResponseStatus.VALID))
    return compute_ikm(respondents, {key: (count, total) for key, count, total in rows})


def answers_by_status(period: Period, zone: str) -> dict[str, int]:
    """{'sah': n, 'menunggu': n, 'batal': n} for the period: what the recap says beside the IKM."""
    start, end = period.utc_bounds(zone)
    counts = dict.fromkeys((ResponseStatus.VALID, ResponseStatus.PENDING, ResponseStatus.VOID), 0)
    query = (SurveyResponse.select(SurveyResponse.status, fn.count(SurveyResponse.id))
             .where(SurveyResponse.submitted_at >= start, SurveyResponse.submitted_at < end)
             .group_by(SurveyResponse.status).tuples())
    counts.update(dict(query))
    return counts


def ikm_by_quarter(quarters: list[Quarter], zone: str) -> dict[Quarter, IkmResult]:
    """IKM of each quarter in one query, each quarter an index range on submitted_at."""
    bounds = [[q.key, *map(str, q.utc_bounds(zone))] for q in quarters]
    rows = database.execute_sql(
        'WITH "q" AS MATERIALIZED (SELECT value ->> 0 AS "key", value ->> 1 AS "start", value ->> 2 AS "end" '
        'FROM json_each(?)) '
        'SELECT q."key", a."element", count(*), sum(a."score"), count(DISTINCT r."id") FROM "q" '
        'JOIN "survey_response" r ON r."submitted_at" >= q."start" AND r."submitted_at" < q."end" '
        'JOIN "survey_answer" a ON a."response_id" = r."id" WHERE r."status" = ? GROUP BY q."key", a."element"',
        (json.dumps(bounds), ResponseStatus.VALID))
    totals: dict[str, dict] = {}
    respondents: dict[str, int] = {}
    for key, element, count, total, people in rows:
        totals.setdefault(key, {})[element] = (count, total)
        respondents[key] = max(respondents.get(key, 0), people)
    return {q: compute_ikm(respondents.get(q.key, 0), totals.get(q.key, {})) for q in quarters}
