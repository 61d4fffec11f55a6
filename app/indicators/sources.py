"""Per-quarter figures of each indicator, read with one GROUP BY per source table."""
from collections import defaultdict
from datetime import date, timedelta

from app.complaints.deadlines import due_dates, overdue_received_before
from app.frame.db import database
from app.figures import tallies
from app.indicators.definitions import Measure
from app.frame.periods import Quarter
from app.frame.working_days import WorkCalendar


def _quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def _window(quarters: list[Quarter]) -> tuple[date, date]:
    return quarters[0].start, quarters[-1].end


def handed_over_on_time(quarters: list[Quarter], zone: str) -> dict[Quarter, Measure] | None:
    """Applications collected by the citizen in each quarter, and how many on or before their promised
    date (the handover tallies: each application is handed over once)."""
    handed, on_time = defaultdict(int), defaultdict(int)
    for day, _, handed_over, in_time, _ in tallies.application_days(*_window(quarters), zone):
        handed[_quarter_of(day)] += handed_over
        on_time[_quarter_of(day)] += in_time
    return {q: Measure.share(on_time[(q.year, q.number)], handed[(q.year, q.number)]) for q in quarters}


def returned_incomplete(quarters: list[Quarter], zone: str) -> dict[Quarter, Measure] | None:
    """Of the applications registered in each quarter, those ever returned as incomplete.

    Counted by application and by its registration day (the cohort tallies), so a period's numerator
    is part of its denominator and a year is the sum of its quarters (a file returned twice counts once).
    """
    window = _window(quarters)
    returned, registered = defaultdict(int), defaultdict(int)
    for day, registered_that_day, _, _, _ in tallies.application_days(*window, zone):
        registered[_quarter_of(day)] += registered_that_day
    for day, returned_of_them, _, _ in tallies.cohort_days(*window, zone):
        returned[_quarter_of(day)] += returned_of_them
    return {q: Measure.share(returned[(q.year, q.number)], registered[(q.year, q.number)]) for q in quarters}


def ready_on_time(quarters: list[Quarter], zone: str, today: date) -> dict[Quarter, Measure] | None:
    """Applications whose promise was settled in each quarter (up to today), and how many of them had
    their card ready for pickup by the promised date. An application is settled on the day its card
    was ready (the first 'siap_diambil', or the handover) when that was on or before the promised
    date, else on the day after the promised date (overdue, whether the card came later or never)."""
    first, last = _window(quarters)
    kept, due = defaultdict(int), defaultdict(int)
    for day, _, settled, kept_that_day in tallies.cohort_days(first, min(last, today), zone):
        due[_quarter_of(day)] += settled
        kept[_quarter_of(day)] += kept_that_day
    return {q: Measure.share(kept[(q.year, q.number)], due[(q.year, q.number)]) for q in quarters}


def complaints_followed_up_on_time(quarters: list[Quarter], zone: str, calendar: WorkCalendar, days: int,
                                   today: date) -> dict[Quarter, Measure]:
    """Complaints received in each quarter that were done within the target.

    The denominator leaves out complaints still open and not yet due: they are not late yet.
    A follow-up on or before the receipt day's due day (local dates) is on time.
    """
    first, last = _window(quarters)
    due = due_dates(first, last, calendar, days)
    sums = tallies.follow_up_sums(quarters, zone, "follow", due, overdue_received_before(today, calendar, days))
    # open ones count once overdue (received before the first day not yet due)
    return {q: Measure.share(on_time, done + overdue_open) for q, (done, on_time, overdue_open) in zip(quarters, sums)}


def suggestion_box_opened(quarters: list[Quarter], calendar: WorkCalendar, today: date) -> dict[Quarter, Measure]:
    """Working days (up to yesterday: today's box is opened at closing) with the kotak saran opened."""
    last_day = min(quarters[-1].end, today - timedelta(days=1))
    opened = {date.fromisoformat(str(d)) for (d,) in database.execute_sql(
        'SELECT "opened_on" FROM "suggestion_box_session" WHERE "opened_on" >= ? AND "opened_on" <= ?',
        (str(quarters[0].start), str(last_day)))}
    result = {}
    for quarter in quarters:
        end = min(quarter.end, last_day)
        # working days from the quarter's first up to `end` (none when it ends before it begins)
        working = max(0, calendar.working_days_between(quarter.start - timedelta(days=1), end))
        opened_days = sum(1 for day in opened if quarter.start <= day <= end and calendar.is_working_day(day))
        result[quarter] = Measure.share(opened_days, working)
    return result
