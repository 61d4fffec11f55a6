from datetime import date

from app.frame.office_calendar import office_calendar
from app.frame.office_calendar import OfficeDay


def test_admin_closing_a_day_changes_working_days(client_for, db):
    # 2026-08-18 is a Tuesday after Hari Kemerdekaan
    assert office_calendar().is_working_day(date(2026, 8, 18))
    response = client_for("admin").post("/admin/hari-libur", data={"day": "2026-08-18", "kind": "tutup", "name": "Acara desa"})
    assert response.status_code == 302
    assert not office_calendar().is_working_day(date(2026, 8, 18))
    assert office_calendar().closed_days(2026)[date(2026, 8, 18)] == "Acara desa"


def test_reopened_holiday_counts_as_working_day(client_for, db):
    national = date(2026, 8, 17)
    assert not office_calendar().is_working_day(national)
    client_for("admin").post("/admin/hari-libur", data={"day": national.isoformat(), "kind": "buka", "name": "Pelayanan khusus"})
    assert office_calendar().is_working_day(national)
    client_for("admin").post(f"/admin/hari-libur/{national.isoformat()}/hapus")
    assert not office_calendar().is_working_day(national)


def test_bad_office_day_is_refused_with_message(client_for, db):
    response = client_for("admin").post("/admin/hari-libur", data={"day": "2026-02-31", "kind": "libur", "name": ""})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    assert "Tanggal tidak valid" in text and "Keterangan wajib diisi" in text
    assert OfficeDay.select().count() == 0


def test_year_page_lists_national_holidays(client_for, db):
    page = client_for("admin").get("/admin/hari-libur?tahun=2026").get_data(as_text=True)
    assert "17 Agustus 2026" in page
