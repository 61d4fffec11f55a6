"""Service indicators: shares against yearly targets, trends, the admin's target page."""
from datetime import date, datetime

import pytest

from app.complaints.models import SuggestionBoxSession
from app.indicators.definitions import BY_KEY, meets_target, target_problem
from app.indicators.models import IndicatorTarget
from tests.support.factory import complaint_row, survey_response


def section(page: str, key: str) -> str:
    start = page.index(f'id="indikator-{key}"')
    return page[start:page.index("</section>", start)]


def test_complaints_followed_up_on_time_and_box_opened(client_for, db):
    # 2025 Q1. Two done on time, one done late (10 working days), one open and long overdue.
    complaint_row(datetime(2025, 1, 6, 3), followed_up_at=datetime(2025, 1, 8, 3), status="selesai")
    complaint_row(datetime(2025, 1, 13, 3), followed_up_at=datetime(2025, 1, 17, 3), status="selesai")
    complaint_row(datetime(2025, 1, 6, 3), followed_up_at=datetime(2025, 1, 20, 3), status="selesai")
    complaint_row(datetime(2025, 2, 3, 3))
    # The box was opened on 3 of Q1 2025's working days.
    for day in (date(2025, 1, 2), date(2025, 1, 3), date(2025, 1, 6), date(2025, 1, 4)):  # 4 Jan is a Saturday
        SuggestionBoxSession.create(opened_on=day, created_at=datetime(2025, 1, 6), is_empty=True)
    survey_response(datetime(2025, 2, 5, 3), 4)
    page = client_for("camat").get("/indikator?tahun=2025&triwulan=1").get_data(as_text=True)
    followed = section(page, "pengaduan_tepat_waktu")
    assert "2 pengaduan selesai dalam batas hari kerja / 4 pengaduan" in followed and ">50,0%<" in followed
    assert "belum tercapai" in followed and "<svg" in followed
    box = section(page, "kotak_saran")
    # Q1 2025 working days: 90 days - 26 weekend days - 1 Jan - 27 Jan (Isra Mikraj) - 28 Jan (cuti bersama Imlek)
    # - 29 Jan (Imlek) - 28 Mar (cuti bersama Nyepi) - 31 Mar (Idul Fitri) = 58 (computed by the calendar below).
    from app.frame.office_calendar import office_calendar
    from app.frame.periods import Quarter
    q = Quarter.of(2025, 1)
    working = sum(office_calendar().is_working_day(date.fromordinal(d))
                  for d in range(q.start.toordinal(), q.end.toordinal() + 1))
    assert f"3 hari layanan dengan kotak saran dibuka / {working} hari layanan" in box
    assert ">100<" in section(page, "ikm")


def test_complaint_indicator_is_available(client_for, db):
    page = client_for("camat").get("/indikator?tahun=2025").get_data(as_text=True)
    assert "Belum tersedia" not in section(page, "pengaduan_tepat_waktu")


@pytest.mark.clock
def test_open_complaints_not_yet_due_are_not_counted_as_late(client_for, db):
    from app.frame.dates import local_today
    today = local_today()
    complaint_row(datetime(today.year, today.month, today.day) - __import__("datetime").timedelta(hours=7))
    page = client_for("camat").get(f"/indikator?tahun={today.year}").get_data(as_text=True)
    assert "0 pengaduan selesai dalam batas hari kerja / 0 pengaduan" in section(page, "pengaduan_tepat_waktu")


@pytest.mark.parametrize("query", ["tahun=2099", "tahun=abc", "tahun=2025&triwulan=7"])
def test_bad_or_future_period_is_refused(client_for, db, query):
    response = client_for("camat").get(f"/indikator?{query}")
    assert response.status_code == 422


def test_admin_sets_yearly_targets_and_they_carry_forward(client_for, db):
    admin = client_for("admin")
    form = {"tahun": "2025", "siap_tepat_waktu": "90", "serah_tepat_waktu": "95", "berkas_dikembalikan": "5", "pengaduan_tepat_waktu": "80",
            "kotak_saran": "100", "ikm": "88,31"}
    assert admin.post("/admin/indikator/target", data=form).status_code == 303
    assert IndicatorTarget.get(IndicatorTarget.year == 2025, IndicatorTarget.indicator == "ikm").target == 88.31
    page = client_for("camat").get("/indikator?tahun=2026").get_data(as_text=True)
    assert "Target 2025: ≥ 80%" in section(page, "pengaduan_tepat_waktu")
    assert "Target 2025: ≤ 5%" in section(page, "berkas_dikembalikan")


@pytest.mark.parametrize("field, value, message", [
    ("ikm", "120", "antara 25 dan 100"), ("kotak_saran", "-1", "antara 0 dan 100"),
    ("serah_tepat_waktu", "banyak", "harus berupa angka"), ("berkas_dikembalikan", "", "Isi target")])
def test_bad_targets_are_refused_and_nothing_saved(client_for, db, field, value, message):
    form = {"tahun": "2025", "siap_tepat_waktu": "90", "serah_tepat_waktu": "95", "berkas_dikembalikan": "5", "pengaduan_tepat_waktu": "80",
            "kotak_saran": "100", "ikm": "80", field: value}
    response = client_for("admin").post("/admin/indikator/target", data=form)
    assert response.status_code == 422 and message in response.get_data(as_text=True)
    assert IndicatorTarget.select().count() == 0


def test_only_admin_sets_targets(client_for, db):
    assert client_for("camat").post("/admin/indikator/target", data={"tahun": "2025"}).status_code == 403


def test_target_rules():
    assert meets_target(BY_KEY["berkas_dikembalikan"], 4.0, 5.0) is True
    assert meets_target(BY_KEY["berkas_dikembalikan"], 6.0, 5.0) is False
    assert meets_target(BY_KEY["ikm"], None, 76.61) is None
    assert target_problem(BY_KEY["ikm"], "76,61") == (76.61, None)


def test_a_follow_up_on_the_holiday_right_after_its_due_day_is_late(client_for, db):
    """Received Tuesday 10 March 2026, due Tuesday 17 March (5 working days); done Wednesday 18 March,
    Nyepi, which adds no working day: after the due day, so late. Done on the 17th: on time."""
    complaint_row(datetime(2026, 3, 10, 3), followed_up_at=datetime(2026, 3, 18, 3), status="selesai")
    complaint_row(datetime(2026, 3, 10, 3), followed_up_at=datetime(2026, 3, 17, 3), status="selesai")
    page = client_for("camat").get("/indikator?tahun=2026&triwulan=1").get_data(as_text=True)
    assert "1 pengaduan selesai dalam batas hari kerja / 2 pengaduan" in section(page, "pengaduan_tepat_waktu")
