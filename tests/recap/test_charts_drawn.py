"""The recap draws only the charts a page shows (issue 73): the screen shows the channels and the
statuses, the A4 notice the channels; a chart by category was drawn on every view and never shown."""
from datetime import datetime

import pytest

from app.frame import charts
from tests.support.factory import complaint_row


@pytest.mark.parametrize("path, titles", [("", ["Pengaduan menurut saluran", "Pengaduan menurut status"]),
                                          ("/cetak", ["Pengaduan menurut saluran"])])
def test_each_chart_drawn_is_shown(client_for, db, monkeypatch, path, titles):
    complaint_row(datetime(2025, 1, 6, 2), channel="kiosk")
    complaint_row(datetime(2024, 11, 4, 2), channel="sms", category_name="Perilaku petugas")
    drawn, draw = [], charts.bar_chart
    monkeypatch.setattr(charts, "bar_chart", lambda rows, title, *a, **k: drawn.append(title) or draw(rows, title, *a, **k))
    response = client_for("camat").get("/rekap/2025/1" + path)
    assert response.status_code == 200
    html = response.get_data(as_text=True)
    assert drawn == titles
    assert html.count('class="chart"') == len(titles) and all(title in html for title in titles)
