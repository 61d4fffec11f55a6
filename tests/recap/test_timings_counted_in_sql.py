"""The recap's response times are counted by SQLite, not row by row in Python (issue 73): a
quarter's (receipt day, done day) tallies, ~2,000 rows at 200,000 complaints, came into Python to be
counted against the calendar, and that loop cost more CPU than reading them. Now the view gets a
histogram of working days taken (a row per kind and number of days), whatever the number of days."""
from datetime import datetime, timedelta

from app.frame.db import database
from app.frame.office_calendar import office_calendar
from app.frame.periods import Quarter
from app.recap.figures import complaint_figures
from tests.support.factory import complaint_row


def day_rows_into_python(compute) -> int:
    """How many rows of statements reading the (receipt day, done day) tallies SQLite hands to Python
    while `compute()` runs."""
    handed = [0]

    def counted(cursor, row):
        handed[0] += '"complaint_day"' in cursor.expanded_sql
        return row
    connection = database.connection()
    connection.set_row_trace(counted)
    try:
        compute()
    finally:
        connection.set_row_trace(None)
    return handed[0]


def test_a_quarter_of_many_receipt_days_hands_python_its_histogram_not_its_day_rows(db):
    monday = datetime(2025, 1, 6, 2)
    for week in range(10):  # 40 receipt days, each answered the next day and done two days later
        for day in range(4):
            received = monday + timedelta(weeks=week, days=day)
            complaint_row(received, status="selesai", first_response_at=received + timedelta(days=1),
                          followed_up_at=received + timedelta(days=2))
    quarter, calendar = Quarter.of(2025, 1), office_calendar()
    found = complaint_figures(quarter, "WIB", calendar, 1, 5)
    assert found["first_response"]["count"] == found["follow_up"]["count"] == 40
    # the span of done days (1 row) and per kind a row per number of working days taken (0-2: a
    # weekend or holiday between; at most 3 each); the day rows were 80
    assert day_rows_into_python(lambda: complaint_figures(quarter, "WIB", calendar, 1, 5)) <= 7
