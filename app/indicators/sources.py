"""Per-quarter figures of each indicator, read with one GROUP BY per source table.

Registration (applications) may be missing from an installation or land after this capability;
its readers then answer None and the page says "belum tersedia" instead of failing.
"""
import importlib
from collections import defaultdict
from datetime import date, timedelta

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
    """
    shift = f"+{utc_offset_hours(zone)} hours"
    rows = database.execute_sql(
        'SELECT date("received_at", ?), date("followed_up_at", ?), count(*) FROM "complaint" '
        'WHERE "received_at" >= ? AND "received_at" < ? GROUP BY 1, 2', (shift, shift, *_span(quarters, zone)))
    not_yet_due_from = str(overdue_received_before(today, calendar, days))
    on_time, counted = defaultdict(int), defaultdict(int)
    per_day: dict[str, tuple[tuple[int, int], str]] = {}  # receipt date -> (quarter, last on-time date)
    for received_text, done_text, count in rows:
        found = per_day.get(received_text)
        if found is None:
            received = date.fromisoformat(received_text)
            found = per_day[received_text] = ((received.year, (received.month - 1) // 3 + 1),
                                              str(due_date(received, calendar, days)))
        quarter, due = found
        if done_text is None:
            if received_text < not_yet_due_from:  # ISO dates compare as text
                counted[quarter] += count  # open and overdue
            continue
        counted[quarter] += count
        if done_text <= due:
            on_time[quarter] += count
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
