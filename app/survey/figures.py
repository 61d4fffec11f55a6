"""IKM figures read from the database with one GROUP BY per question asked."""
import json

from app.frame.periods import Period, Quarter
from app.survey.ikm import IkmResult, compute_ikm
from app.survey.models import SurveyResponse
from app.frame.db import database


def ikm_for_period(period: Period, zone: str) -> IkmResult:
    start, end = period.utc_bounds(zone)
    respondents = (SurveyResponse.select()
                   .where(SurveyResponse.submitted_at >= start, SurveyResponse.submitted_at < end).count())
    rows = database.execute_sql(
        'SELECT a."element", count(*), sum(a."score") FROM "survey_answer" a '
        'JOIN "survey_response" r ON r."id" = a."response_id" '
        'WHERE r."submitted_at" >= ? AND r."submitted_at" < ? GROUP BY a."element"', (str(start), str(end)))
    return compute_ikm(respondents, {key: (count, total) for key, count, total in rows})


def ikm_by_quarter(quarters: list[Quarter], zone: str) -> dict[Quarter, IkmResult]:
    """IKM of each quarter in one query, each quarter an index range on submitted_at."""
    bounds = [[q.key, *map(str, q.utc_bounds(zone))] for q in quarters]
    rows = database.execute_sql(
        'WITH "q" AS MATERIALIZED (SELECT value ->> 0 AS "key", value ->> 1 AS "start", value ->> 2 AS "end" '
        'FROM json_each(?)) '
        'SELECT q."key", a."element", count(*), sum(a."score"), count(DISTINCT r."id") FROM "q" '
        'JOIN "survey_response" r ON r."submitted_at" >= q."start" AND r."submitted_at" < q."end" '
        'JOIN "survey_answer" a ON a."response_id" = r."id" GROUP BY q."key", a."element"', (json.dumps(bounds),))
    totals: dict[str, dict] = {}
    respondents: dict[str, int] = {}
    for key, element, count, total, people in rows:
        totals.setdefault(key, {})[element] = (count, total)
        respondents[key] = max(respondents.get(key, 0), people)
    return {q: compute_ikm(respondents.get(q.key, 0), totals.get(q.key, {})) for q in quarters}
