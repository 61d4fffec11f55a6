"""IKM figures: answers from the per-day tallies (app/figures/tallies.py), respondents by index range count."""
import json

from app.frame.periods import Period
from app.survey.ikm import IkmResult, compute_ikm

from app.frame import store
from app.figures import tallies
from app.frame.db import database
from app.survey.ikm import WEIGHT_EXACT
from app.survey.models import ResponseStatus

# The unsur weight of PermenPANRB 14/2017: the text's 1/X unless the admin picks the example's 0,111.
store.register_defaults(ikm_weight=WEIGHT_EXACT)

# Only valid answers ('sah') make the official IKM: walk-in answers wait for review, voided never count.


def _respondents(periods, zone: str) -> list[int]:
    """Valid responses in each period: a range count each on the (status, submitted_at) index, in one query."""
    bounds = json.dumps([list(map(str, p.utc_bounds(zone))) for p in periods])
    return [n for n, in database.execute_sql(
        'SELECT (SELECT count(*) FROM "survey_response" WHERE "status" = ? AND "submitted_at" >= b.value ->> 0 '
        'AND "submitted_at" < b.value ->> 1) FROM json_each(?) b ORDER BY b.key', (ResponseStatus.VALID, bounds))]


def ikm_for_period(period: Period, zone: str, respondents: int | None = None) -> IkmResult:
    """The period's IKM; `respondents` its valid responses when the caller has counted them already
    (answers_by_status(period, zone)[ResponseStatus.VALID])."""
    if respondents is None:
        respondents = _respondents([period], zone)[0]
    return compute_ikm(respondents, tallies.survey_totals([period], zone)[0], store.get("ikm_weight"))


def answers_by_status(period: Period, zone: str) -> dict[str, int]:
    """{'sah': n, 'menunggu': n, 'batal': n} for the period: what the recap says beside the IKM."""
    counts = dict.fromkeys((ResponseStatus.VALID, ResponseStatus.PENDING, ResponseStatus.VOID), 0)
    counts.update(database.execute_sql(
        'SELECT "status", count(*) FROM "survey_response" WHERE "submitted_at" >= ? AND "submitted_at" < ? '
        'GROUP BY 1', tuple(map(str, period.utc_bounds(zone)))).fetchall())
    return counts


def ikm_sums(periods, zone: str) -> list[tuple[int, dict[str, tuple[int, int]]]]:
    """Per period, what its IKM is computed from: (valid respondents, {element: (answers, total
    score)}). Sums: the IKM of periods that partition a longer one is ikm_of_sums of theirs."""
    return list(zip(_respondents(periods, zone), tallies.survey_totals(periods, zone)))


def ikm_of_sums(sums) -> IkmResult:
    """The IKM of the union of the (disjoint) periods whose ikm_sums these are."""
    respondents, totals = 0, {}
    for n, found in sums:
        respondents += n
        for element, (answers, score) in found.items():
            before = totals.get(element, (0, 0))
            totals[element] = (before[0] + answers, before[1] + score)
    return compute_ikm(respondents, totals, store.get("ikm_weight"))
