"""Time targets of a complaint, counted in working days (pure: no Flask, no database).

Source: the kecamatan's hotline procedure (answer within one working day) and the complaint
service standard (follow-up within five working days); both numbers are office settings
(`complaint_first_response_days`, `complaint_follow_up_days`).

A complaint received on day D (any day, even a Saturday) is due on the n-th working day after
D; it is overdue from the day after that. `received_at` and `done_at` are naive UTC datetimes,
turned into the office's local date with `zone` (WIB/WITA/WIT) before counting.
"""
from datetime import date, datetime, timedelta

from app.frame.dates import DEFAULT_TIME_ZONE, to_local
from app.frame.working_days import WorkCalendar


def _local_date(moment: datetime | date, zone: str) -> date:
    if isinstance(moment, datetime):
        return to_local(moment, zone).date()
    return moment


def due_date(received_at: datetime | date, calendar: WorkCalendar, days: int,
             zone: str = DEFAULT_TIME_ZONE) -> date:
    """The last day on which the step is on time: the `days`-th working day after receipt."""
    return calendar.add_working_days(_local_date(received_at, zone), max(0, int(days)))


def due_offsets(start: date, end: date, calendar: WorkCalendar, days: int) -> list[int]:
    """due_date of each receipt day from `start` to `end`, as days after `start` (one sweep over the
    calendar, no date made per day: the indicators' ~730 days a view, issue 73)."""
    return calendar.due_offsets(start, end, max(0, int(days)))


def first_response_due(received_at, calendar: WorkCalendar, days: int, zone: str = DEFAULT_TIME_ZONE) -> date:
    """Last day for the first response (routing, or an answer from the desk information)."""
    return due_date(received_at, calendar, days, zone)


def follow_up_due(received_at, calendar: WorkCalendar, days: int, zone: str = DEFAULT_TIME_ZONE) -> date:
    """Last day for the follow-up to be done (status selesai or bukan_kewenangan)."""
    return due_date(received_at, calendar, days, zone)


def overdue_received_before(today: date, calendar: WorkCalendar, days: int) -> date:
    """The first local receipt date that is NOT yet overdue on `today`.

    Due dates never decrease as the receipt date moves later, so "open and received before this
    date" is exactly "overdue": the list filters with one indexed range instead of a row-by-row test.
    """
    day = today
    # Bounded: at most `days` working days plus the closed days between them (a few weeks).
    while calendar.add_working_days(day - timedelta(days=1), max(0, int(days))) >= today:
        day -= timedelta(days=1)
    return day
