"""IKM figures read from the database with one GROUP BY per question asked."""
from app.periods import Period, Quarter, utc_offset_hours
from app.survey.ikm import IkmResult, compute_ikm
from app.survey.models import SurveyResponse
from app.db import database


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
    """IKM of each quarter (consecutive, oldest first), in one pass over the answers."""
    start, end = quarters[0].utc_bounds(zone)[0], quarters[-1].utc_bounds(zone)[1]
    shift = f"+{utc_offset_hours(zone)} hours"
    rows = database.execute_sql(
        "SELECT strftime('%Y', r.\"submitted_at\", ?) AS y, "
        "(CAST(strftime('%m', r.\"submitted_at\", ?) AS INTEGER) + 2) / 3 AS q, "
        'a."element", count(*), sum(a."score"), count(DISTINCT r."id") FROM "survey_answer" a '
        'JOIN "survey_response" r ON r."id" = a."response_id" '
        'WHERE r."submitted_at" >= ? AND r."submitted_at" < ? GROUP BY y, q, a."element"',
        (shift, shift, str(start), str(end)))
    totals: dict[tuple[int, int], dict] = {}
    respondents: dict[tuple[int, int], int] = {}
    for year, number, element, count, total, people in rows:
        key = (int(year), int(number))
        totals.setdefault(key, {})[element] = (count, total)
        respondents[key] = max(respondents.get(key, 0), people)
    return {q: compute_ikm(respondents.get((q.year, q.number), 0), totals.get((q.year, q.number), {}))
            for q in quarters}
