"""A view of the live recap reads each thing once (issue 73): no SQL statement runs twice with the
same parameters in one view, computed from nothing kept (the first view after a write)."""
from collections import Counter
from datetime import datetime

from app.frame.db import database
from tests.support.factory import complaint_row, survey_response


def repeated_statements(client, url: str) -> list:
    """(SQL, parameters) run more than once while `client` gets `url`, with how many times."""
    seen = Counter()
    connection = database.connection()
    connection.set_exec_trace(lambda cursor, sql, bindings: seen.update([(sql, repr(bindings))]) or True)
    try:
        assert client.get(url).status_code == 200
    finally:
        connection.set_exec_trace(None)
    return [(sql, bindings, n) for (sql, bindings), n in seen.items() if n > 1]


def test_a_view_of_the_live_recap_runs_no_statement_twice(client_for, db):
    complaint_row(datetime(2025, 1, 6, 2), channel="kiosk", status="selesai", first_response_at=datetime(2025, 1, 6, 5),
                  followed_up_at=datetime(2025, 1, 8, 2))
    complaint_row(datetime(2024, 11, 4, 2), channel="sms")  # the quarter before, compared on the page
    survey_response(datetime(2025, 2, 5, 3), 4)
    assert repeated_statements(client_for("camat"), "/rekap/2025/1") == []
