"""Per-quarter figures of each indicator, read with one GROUP BY per source table."""
from bisect import bisect_right
from datetime import date, timedelta
from itertools import compress
from operator import itemgetter, ne

from app.complaints.deadlines import due_offsets, overdue_received_before
from app.frame.db import database
from app.figures import tallies
from app.indicators.definitions import Measure
from app.frame.periods import Quarter
from app.frame.working_days import WorkCalendar


def _window(quarters: list[Quarter]) -> tuple[date, date]:
    return quarters[0].start, quarters[-1].end


def registration_indicators(quarters: list[Quarter], zone: str, today: date | None = None) -> dict[str, dict[Quarter, Measure]]:
    """The three registration indicators of each quarter, from one read of each tally (the page read
    each twice, issue 73), by their keys in definitions.INDICATORS:
    - serah_tepat_waktu: applications collected by the citizen in the quarter, and how many on or
      before their promised date (the handover tallies: each application is handed over once);
    - berkas_dikembalikan: of the applications registered in the quarter, those ever returned as
      incomplete, counted by application and by its registration day (the cohort tallies), so a
      period's numerator is part of its denominator and a year is the sum of its quarters (a file
      returned twice counts once);
    - siap_tepat_waktu: applications whose promise was settled in the quarter (up to `today` when
      given), and how many had their card ready for pickup by the promised date. An application is
      settled on the day its card was ready (the first 'siap_diambil', or the handover) when that
      was on or before the promised date, else on the day after it (overdue, whether the card came
      later or never)."""
    applications = tallies.application_sums(quarters, zone)
    cohorts = tallies.cohort_sums(quarters, zone, today)  # `today` bounds the settled promises, not the returns
    return {
        "siap_tepat_waktu": {q: Measure.share(kept, due) for q, (_, due, kept) in zip(quarters, cohorts)},
        "serah_tepat_waktu": {q: Measure.share(on_time, handed)
                              for q, (_, handed, on_time) in zip(quarters, applications)},
        "berkas_dikembalikan": {q: Measure.share(returned, registered)
                                for q, (returned, _, _), (registered, _, _) in zip(quarters, cohorts, applications)},
    }


def complaints_followed_up_on_time(quarters: list[Quarter], zone: str, calendar: WorkCalendar, days: int,
                                   today: date) -> dict[Quarter, Measure]:
    """Complaints received in each quarter that were done within the target.

    The denominator leaves out complaints still open and not yet due: they are not late yet.
    A follow-up on or before the receipt day's due day (local dates) is on time.
    """
    first, last = _window(quarters)
    due = due_offsets(first, last, calendar, days)
    # open ones count once overdue: received before the first receipt day not yet due
    sums = tallies.follow_up_sums(quarters, zone, "follow", due, overdue_received_before(today, calendar, days))
    return {q: Measure.share(on_time, judged) for q, (judged, on_time) in zip(quarters, sums)}


def suggestion_box_opened(quarters: list[Quarter], calendar: WorkCalendar, today: date) -> dict[Quarter, Measure]:
    """Working days (up to yesterday: today's box is opened at closing) with the kotak saran opened."""
    first, last_day = quarters[0].start, min(quarters[-1].end, today - timedelta(days=1))
    if last_day < first:  # the window's first day is today: no day has ended yet
        return {quarter: Measure.share(0, 0) for quarter in quarters}
    # Working days from `first` up to each day of the window (one sweep of the calendar; a day is a
    # working one where the count steps up), and the opened days as their place in it, 1 for
    # `first`, in order (SQLite's, by the unique index): no date made in Python, no loop per day.
    counts = [0, *calendar.running_counts(first, last_day)]
    opened = list(map(itemgetter(0), database.execute_sql(
        'SELECT CAST(julianday("opened_on") - julianday(?1) AS INTEGER) + 1 FROM "suggestion_box_session" '
        'WHERE "opened_on" >= ?1 AND "opened_on" <= ?2 ORDER BY "opened_on"', (str(first), str(last_day))).fetchall()))
    opened_working = list(compress(opened, map(ne, map(counts.__getitem__, opened),
                                               map(counts.__getitem__, map((-1).__add__, opened)))))
    result = {}
    for quarter in quarters:
        since, upto = (quarter.start - first).days, (min(quarter.end, last_day) - first).days + 1
        # none when the quarter ends before it begins (after yesterday)
        working = max(0, counts[upto] - counts[since]) if upto > since else 0
        opened_days = max(0, bisect_right(opened_working, upto) - bisect_right(opened_working, since))
        result[quarter] = Measure.share(opened_days, working)
    return result
