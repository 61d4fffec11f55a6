"""How the recap's tables print working days and the quarter before's counts (filters of
app/recap/views.py that replaced a macro and a loop per table, issue 73: the same text)."""
from datetime import datetime

from app.recap.views import counts_by, working_days_text
from tests.support.factory import complaint_row


def test_working_days_print_whole_with_a_decimal_comma_or_a_dash():
    assert [working_days_text(v) for v in (2.0, 2.5, 3, 0, 0.5, None)] == ["2", "2,5", "3", "0", "0,5", "–"]


def test_the_quarter_before_s_counts_by_key():
    rows = [{"key": "sms", "label": "SMS", "count": 3}, {"key": "kiosk", "label": "Kios", "count": 0}]
    assert counts_by(rows, "key") == {"sms": 3, "kiosk": 0}
    assert counts_by(rows, "label") == {"SMS": 3, "Kios": 0}


def test_the_page_prints_both_beside_each_other(client_for, db):
    complaint_row(datetime(2025, 1, 6, 2), channel="sms", first_response_at=datetime(2025, 1, 7, 2))
    complaint_row(datetime(2024, 11, 4, 2), channel="sms")
    complaint_row(datetime(2024, 11, 5, 2), channel="sms")
    html = client_for("camat").get("/rekap/2025/1").get_data(as_text=True)
    assert "sampai tanggapan pertama</td><td class=\"num\">1 / 1</td><td class=\"num\">– / –</td>" in html
    assert "<tr><td>SMS (hotline)</td><td class=\"num\">1</td><td class=\"num\">2</td></tr>" in html
