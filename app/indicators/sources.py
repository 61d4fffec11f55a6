"""Per-quarter figures of each indicator, read with one GROUP BY per source table.

Registration (applications) may be missing from an installation or land after this capability;
its readers then answer None and the page says "belum tersedia" instead of failing.
"""
import importlib
import json
from collections import defaultdict
from datetime import date, datetime, timedelta

from app.complaints.deadlines import due_date, overdue_received_before
from app.db import database
from app.indicators.definitions import Measure
from app.periods import Period, Quarter, utc_offset_hours
from app.survey.figures import ikm_by_quarter
from app.working_days import WorkCalendar


def _module(name: str):
    try:
        return importlib.import_module(name)
    except ImportError:
        return None


def registration_available() -> bool:
    models = _module("app.registration.models")
    return models is not None and hasattr(models, "Application") and hasattr(models, "StatusEvent")


def _quarter_sql(column: str) -> str:
    """SQL for the local 'YYYY-Q' of a UTC moment column (the shift is the first parameter, twice)."""
    return (f"strftime('%Y', {column}, ?) || '-' || ((CAST(strftime('%m', {column}, ?) AS INTEGER) + 2) / 3)")


def _key(quarter: Quarter) -> str:
    return f"{quarter.year}-{quarter.number}"


def _span(quarters: list[Quarter], zone: str) -> tuple[str, str]:
    return str(quarters[0].utc_bounds(zone)[0]), str(quarters[-1].utc_bounds(zone)[1])


def services_in_period(period: Period, zone: str) -> int | None:
    """Services delivered in the period (applications registered), the IKM sample's population."""
    if not registration_available():
        return None
    start, end = map(str, period.utc_bounds(zone))
    return database.execute_sql('SELECT count(*) FROM "application" WHERE "created_at" >= ? AND "created_at" < ?',
                                (start, end)).fetchone()[0]


def handed_over_on_time(quarters: list[Quarter], zone: str) -> dict[Quarter, Measure] | None:
    """Applications handed over in each quarter, and how many on or before their promised date."""
    if not registration_available():
        return None
    shift = f"+{utc_offset_hours(zone)} hours"
    rows = database.execute_sql(
        f'SELECT {_quarter_sql("handed_over_at")}, count(*), '
        f'sum(CASE WHEN date("handed_over_at", ?) <= "promised_date" THEN 1 ELSE 0 END) FROM "application" '
        'WHERE "handed_over_at" >= ? AND "handed_over_at" < ? GROUP BY 1', (shift, shift, shift, *_span(quarters, zone)))
    found = {key: (on_time or 0, total) for key, total, on_time in rows}
    return {q: Measure.share(*found.get(_key(q), (0, 0))) for q in quarters}


def returned_incomplete(quarters: list[Quarter], zone: str) -> dict[Quarter, Measure] | None:
    """Applications returned as incomplete in each quarter, against those registered in it."""
    if not registration_available():
        return None
    shift = f"+{utc_offset_hours(zone)} hours"
    span = _span(quarters, zone)
    returned = dict(database.execute_sql(
        f'SELECT {_quarter_sql("at")}, count(DISTINCT "application_id") FROM "application_status_event" '
        'WHERE "to_status" = \'dikembalikan\' AND "at" >= ? AND "at" < ? GROUP BY 1', (shift, shift, *span)).fetchall())
    registered = dict(database.execute_sql(
        f'SELECT {_quarter_sql("created_at")}, count(*) FROM "application" '
        'WHERE "created_at" >= ? AND "created_at" < ? GROUP BY 1', (shift, shift, *span)).fetchall())
    return {q: Measure.share(returned.get(_key(q), 0), registered.get(_key(q), 0)) for q in quarters}


def complaints_followed_up_on_time(quarters: list[Quarter], zone: str, calendar: WorkCalendar, days: int,
                                   today: date) -> dict[Quarter, Measure]:
    """Complaints received in each quarter that were done within the target.

    The denominator leaves out complaints still open and not yet due: they are not late yet.
    One index range count per local receipt day, with that day's deadline as a bound: no function
    call per complaint and no large GROUP BY, so two years of complaints cost one pass of the index.
    """
    offset = timedelta(hours=utc_offset_hours(zone))
    bounds = []
    day, last = quarters[0].start, quarters[-1].end
    while day <= last:
        start = datetime.combine(day, datetime.min.time()) - offset
        due_end = datetime.combine(due_date(day, calendar, days) + timedelta(days=1), datetime.min.time()) - offset
        bounds.append([str(start), str(start + timedelta(days=1)), str(due_end)])
        day += timedelta(days=1)
    rows = database.execute_sql(
        'WITH "day"("start", "end", "due_end") AS MATERIALIZED '
        '(SELECT value ->> 0, value ->> 1, value ->> 2 FROM json_each(?)) '
        'SELECT d."start", (SELECT count(*) FROM "complaint" c WHERE c."received_at" >= d."start" '
        'AND c."received_at" < d."end" AND c."followed_up_at" IS NULL), '
        '(SELECT count(*) FROM "complaint" c WHERE c."received_at" >= d."start" AND c."received_at" < d."end" '
        'AND c."followed_up_at" IS NOT NULL), '
        '(SELECT count(*) FROM "complaint" c WHERE c."received_at" >= d."start" AND c."received_at" < d."end" '
        'AND c."followed_up_at" < d."due_end") FROM "day" d', (json.dumps(bounds),))
    not_yet_due_from = overdue_received_before(today, calendar, days)
    on_time, counted = defaultdict(int), defaultdict(int)
    for start_text, still_open, done, done_on_time in rows:
        local_day = (datetime.fromisoformat(start_text) + offset).date()
        quarter = (local_day.year, (local_day.month - 1) // 3 + 1)
        counted[quarter] += done + (still_open if local_day < not_yet_due_from else 0)
        on_time[quarter] += done_on_time
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
