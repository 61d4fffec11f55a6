"""A view of the indicators reads each thing once (issue 73): no SQL statement runs twice with the
same parameters in one view, computed from nothing kept (the first view after a write)."""
from datetime import datetime

from tests.recap.test_reads_once import repeated_statements
from tests.support.factory import complaint_row, survey_response


def test_a_view_of_the_indicators_runs_no_statement_twice(client_for, db):
    complaint_row(datetime(2025, 1, 6, 3), followed_up_at=datetime(2025, 1, 8, 3), status="selesai")
    survey_response(datetime(2025, 2, 5, 3), 4)
    assert repeated_statements(client_for("camat"), "/indikator?tahun=2025") == []
