"""The indicators' complaints followed up on time are counted by SQLite over days SQLite makes (issue
73): the view sent every receipt day of its two-year window and its due day as ISO texts in JSON,
~1,460 texts a view, and making them cost more Python than the reads. Now it sends the periods and
the due days as one blob of numbers, and gets a row per quarter back."""
import re
from datetime import date, datetime, timedelta

from app.frame.db import database
from app.frame.office_calendar import office_calendar
from app.frame.periods import Quarter
from app.indicators.sources import complaints_followed_up_on_time
from tests.support.factory import complaint_row

ISO_DAY = re.compile(r"\d{4}-\d{2}-\d{2}")


def traced(compute) -> tuple[int, int]:
    """(ISO days in the statements' text parameters, rows SQLite hands to Python) while `compute()` runs."""
    days, rows = [0], [0]

    def statement(cursor, sql, bindings):
        days[0] += sum(len(ISO_DAY.findall(value)) for value in (bindings or ()) if isinstance(value, str))
        return True

    def row(cursor, found):
        rows[0] += 1
        return found
    connection = database.connection()
    connection.set_exec_trace(statement)
    connection.set_row_trace(row)
    try:
        compute()
    finally:
        connection.set_exec_trace(None)
        connection.set_row_trace(None)
    return days[0], rows[0]


def test_eight_quarters_of_receipt_days_send_sqlite_their_periods_not_their_days(db):
    monday = datetime(2025, 1, 6, 2)
    for week in range(0, 100, 3):  # a complaint done two days later every third week of two years
        received = monday + timedelta(weeks=week)
        complaint_row(received, status="selesai", followed_up_at=received + timedelta(days=2))
    late = complaint_row(datetime(2026, 3, 2, 2), status="selesai", followed_up_at=datetime(2026, 4, 1, 2))
    quarters, calendar, today = Quarter.of(2026, 4).last(8), office_calendar(), date(2026, 12, 31)
    found = complaints_followed_up_on_time(quarters, "WIB", calendar, 5, today)
    assert found[Quarter.of(2026, 1)].denominator == 5 and found[Quarter.of(2026, 1)].numerator == 4, late
    assert sum(m.denominator for m in found.values()) == 35 and sum(m.numerator for m in found.values()) == 34
    days, rows = traced(lambda: complaints_followed_up_on_time(quarters, "WIB", calendar, 5, today))
    # the eight quarters' first and last days, the first day not yet due, the tallies' zone check;
    # the window's 730 days and their due days were 1,460 texts
    assert days <= 2 * len(quarters) + 4
    assert rows <= len(quarters) + 2  # a row per quarter (and the zone check)
