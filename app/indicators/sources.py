"""Per-quarter figures of each indicator, read with one GROUP BY per source table.

Registration (applications) may be missing from an installation or land after this capability;
its readers then answer None and the page says "belum tersedia" instead of failing.
"""
import importlib
import json
from collections import defaultdict
from datetime import date, datetime, timedelta

from app.complaints.deadlines import due_date, overdue_received_before
from app.frame.db import database
from app.indicators.definitions import Measure
from app.frame.periods import Period, Quarter, utc_offset_hours
from app.survey.figures import ikm_by_quarter
from app.frame.working_days import WorkCalendar


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def registration_available() -> bool:
    models = _module("app.registration.models")
    return models is not None and hasattr(models, "Application") and hasattr(models, "StatusEvent")


def services_in_period(period: Period, zone: str) -> int | None:
    """Services delivered in the period (applications registered), the IKM sample's population."""
    if not registration_available():
        return None
    start, end = map(str, period.utc_bounds(zone))
    return database.execute_sql('SELECT count(*) FROM "application" WHERE "created_at" >= ? AND "created_at" < ?',
                                (start, end)).fetchone()[0]


def _local_days(quarters: list[Quarter], zone: str):
    """(local day, its UTC start, its UTC end) for every day of the quarters."""
    offset = timedelta(hours=utc_offset_hours(zone))
    day, last = quarters[0].start, quarters[-1].end
    while day <= last:
        start = datetime.combine(day, datetime.min.time()) - offset
        yield day, start, start + timedelta(days=1)
        day += timedelta(days=1)


def _quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


# One correlated, index-bounded count per local day (or quarter) from a materialized list of
# bounds: no function call per row and no temporary B-tree, which a GROUP BY on a computed local
# date needs (measured 5-10x slower on two years of rows; docs/benchmarks.md).
BOUNDS = 'WITH "b" AS MATERIALIZED (SELECT value ->> 0 AS "start", value ->> 1 AS "end", value ->> 2 AS "extra" ' \
         'FROM json_each(?)) '


def handed_over_on_time(quarters: list[Quarter], zone: str) -> dict[Quarter, Measure] | None:
    """Applications handed over in each quarter, and how many on or before their promised date."""
    if not registration_available():
        return None
    days = list(_local_days(quarters, zone))
    rows = database.execute_sql(
        BOUNDS + 'SELECT (SELECT json_array(count(*), sum(a."promised_date" >= b."extra")) FROM "application" a '
        'WHERE a."handed_over_at" >= b."start" AND a."handed_over_at" < b."end") FROM "b"',
        (json.dumps([[str(start), str(end), str(day)] for day, start, end in days]),))
    handed, on_time = defaultdict(int), defaultdict(int)
    for (day, _, _), (packed,) in zip(days, rows):
        count, in_time = json.loads(packed)
        handed[_quarter_of(day)] += count
        on_time[_quarter_of(day)] += in_time or 0
    return {q: Measure.share(on_time[(q.year, q.number)], handed[(q.year, q.number)]) for q in quarters}


def returned_incomplete(quarters: list[Quarter], zone: str) -> dict[Quarter, Measure] | None:
    """Applications returned as incomplete in each quarter, against those registered in it."""
    if not registration_available():
        return None
    bounds = [[str(t) for t in q.utc_bounds(zone)] for q in quarters]
    rows = database.execute_sql(
        BOUNDS + 'SELECT (SELECT count(DISTINCT e."application_id") FROM "application_status_event" e '
        'WHERE e."to_status" = \'dikembalikan\' AND e."at" >= b."start" AND e."at" < b."end"), '
        '(SELECT count(*) FROM "application" a WHERE a."created_at" >= b."start" AND a."created_at" < b."end") '
        'FROM "b"', (json.dumps(bounds),))
    return {q: Measure.share(returned, registered) for q, (returned, registered) in zip(quarters, rows)}


def complaints_followed_up_on_time(quarters: list[Quarter], zone: str, calendar: WorkCalendar, days: int,
                                   today: date) -> dict[Quarter, Measure]:
    """Complaints received in each quarter that were done within the target.

    The denominator leaves out complaints still open and not yet due: they are not late yet.
    Per local receipt day, the day's deadline (end of its due day, in UTC) bounds "on time".
    """
    offset = timedelta(hours=utc_offset_hours(zone))
    local_days = list(_local_days(quarters, zone))
    bounds = [[str(start), str(end), str(datetime.combine(due_date(day, calendar, days) + timedelta(days=1),
                                                           datetime.min.time()) - offset)]
              for day, start, end in local_days]
    rows = database.execute_sql(
        BOUNDS + 'SELECT (SELECT json_array(count(*), count(c."followed_up_at"), sum(c."followed_up_at" < b."extra")) '
        'FROM "complaint" c WHERE c."received_at" >= b."start" AND c."received_at" < b."end") FROM "b"',
        (json.dumps(bounds),))
    not_yet_due_from = overdue_received_before(today, calendar, days)
    on_time, counted = defaultdict(int), defaultdict(int)
    for (day, _, _), (packed,) in zip(local_days, rows):
        received, done, done_on_time = json.loads(packed)
        quarter = _quarter_of(day)
        still_open = received - done
        counted[quarter] += done + (still_open if day < not_yet_due_from else 0)  # open ones count once overdue
        on_time[quarter] += done_on_time or 0
    return {q: Measure.share(on_time[(q.year, q.number)], counted[(q.year, q.number)]) for q in quarters}


def suggestion_box_opened(quarters: list[Quarter], calendar: WorkCalendar, today: date) -> dict[Quarter, Measure]:
    """Working days (up to yesterday: today's box is opened at closing) with the kotak saran opened."""
    last_day = min(quarters[-1].end, today - timedelta(days=1))
    opened = {date.fromisoformat(str(d)) for (d,) in database.execute_sql(
        'SELECT "opened_on" FROM "suggestion_box_session" WHERE "opened_on" >= ? AND "opened_on" <= ?',
        (str(quarters[0].start), str(last_day)))}
    result = {}
    for quarter in quarters:
        working = opened_days = 0
        day = quarter.start
        while day <= min(quarter.end, last_day):
            if calendar.is_working_day(day):
                working += 1
                opened_days += day in opened
            day += timedelta(days=1)
        result[quarter] = Measure.share(opened_days, working)
    return result


def ikm(quarters: list[Quarter], zone: str) -> dict[Quarter, Measure]:
    return {q: Measure.index(result.ikm) for q, result in ikm_by_quarter(quarters, zone).items()}


def ikm_for(period: Period, zone: str) -> Measure:
    from app.survey.figures import ikm_for_period
    return Measure.index(ikm_for_period(period, zone).ikm)
