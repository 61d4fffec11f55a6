"""The buku register: search-as-you-type, filters kept in the URL, pagination, days left, exports."""
import io
from argparse import Namespace
from datetime import timedelta
import random

import pytest
from openpyxl import load_workbook

from app.frame.db import database
from app.registration.demo import fill_demo
from app.registration.models import Application
from app.registration.register import fts_query
from app.registration.service_time import office_today
from tests.support.factory import applicant_form, staff_user


@pytest.fixture
def demo(office, app):
    staff_user("petugas_loket", "loket1", "Siti")
    with app.app_context():
        fill_demo(Namespace(applications=300), random.Random(7))
    return Application.select().count()


def test_demo_fills_the_requested_number_with_consistent_niks(demo):
    from app.frame.nik import check_nik_matches
    assert demo == 300
    for application in Application.select().limit(50):
        assert check_nik_matches(application.nik, application.birth_date, application.sex) == []
    names = database.execute_sql('SELECT count(*) FROM "application_fts" WHERE "application_fts" MATCH ?',
                                 ['"a"*']).fetchone()[0]
    assert names > 0


def test_fts_query_takes_word_prefixes_and_drops_symbols():
    assert fts_query('siti "rah') == '"siti"* AND "rah"*'
    assert fts_query("  ") is None
    assert fts_query('*"') is None


def test_search_by_name_prefix_of_any_word(loket, saved):
    loket.post("/pendaftaran/baru", data=applicant_form(nik="3508075205900002", sex="P", full_name="Dewi Sitompul"),
               content_type="multipart/form-data")
    page = loket.get("/pendaftaran?q=sito").get_data(as_text=True)
    assert "Dewi Sitompul" in page and "Budi Santoso" not in page
    page = loket.get("/pendaftaran?q=santo bu").get_data(as_text=True)
    assert "Budi Santoso" in page and "Dewi Sitompul" not in page


def test_search_by_nik_prefix_and_by_number(loket, saved):
    assert "Budi Santoso" in loket.get("/pendaftaran?q=3508 0712").get_data(as_text=True)
    assert "Budi Santoso" not in loket.get("/pendaftaran?q=3508079").get_data(as_text=True)
    assert "Budi Santoso" in loket.get("/pendaftaran?q=350807-01-0000").get_data(as_text=True)
    assert "Budi Santoso" in loket.get("/pendaftaran?q=35080701000001").get_data(as_text=True)


def test_search_by_a_number_carrying_the_centers_device_code(loket, saved):
    """Enrolled PCs number with the device code the center issued (350807-P1-...): the search box
    must still treat it as a number, not as a name (the sync journey found it by this number)."""
    Application.update(registration_number="350807-P1-000001").where(Application.id == saved).execute()
    assert "Budi Santoso" in loket.get("/pendaftaran?q=350807-P1-000001").get_data(as_text=True)
    assert "Budi Santoso" in loket.get("/pendaftaran?q=350807-p1-0000").get_data(as_text=True)
    assert "Budi Santoso" not in loket.get("/pendaftaran?q=350807-P2-000001").get_data(as_text=True)


def test_search_fragment_is_only_the_results(loket, saved):
    response = loket.get("/pendaftaran?q=budi", headers={"HX-Request": "true", "HX-Target": "register-results"})
    text = response.get_data(as_text=True)
    assert "Budi Santoso" in text and "<html" not in text and "<table" in text


def test_filters_and_pages_keep_the_url(loket, demo):
    page = loket.get("/pendaftaran?status=diserahkan").get_data(as_text=True)
    assert "halaman=2" in page and "status=diserahkan" in page
    rows = page.split("<tbody>")[1].split("</tbody>")[0]
    assert rows.count("<tr") == 50 and "Sudah diserahkan" in rows and "Diterima loket" not in rows


def test_overdue_filter_shows_days_overdue(loket, demo):
    today = office_today()
    target = Application.select().order_by(Application.id.desc()).first()  # newest: first row of the list
    Application.update(status="dicetak", promised_date=today - timedelta(days=10)).where(
        Application.id == target.id).execute()
    page = loket.get("/pendaftaran?terlambat=1").get_data(as_text=True)
    assert target.registration_number in page and "terlambat" in page and 'class="overdue"' in page


def test_bad_filter_values_answer_422_with_a_message(loket, office):
    response = loket.get("/pendaftaran?status=ngawur&dari=2026-02-31")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Status tidak dikenal" in text and "Tanggal tidak valid" in text


def test_export_xlsx_and_csv_for_a_period(loket, saved):
    today = office_today().isoformat()
    response = loket.get(f"/pendaftaran/ekspor?format=xlsx&dari={today}&sampai={today}")
    assert response.status_code == 200
    sheet = load_workbook(io.BytesIO(response.data)).active
    rows = list(sheet.iter_rows(values_only=True))
    assert rows[1][0] == "No. Pendaftaran" and rows[2][0] == "350807-01-000001"
    assert rows[2][3] == "3508071205900001"  # NIK kept as text, not 3.5E+15
    response = loket.get(f"/pendaftaran/ekspor?format=csv&dari={today}&sampai={today}")
    text = response.data.decode("utf-8-sig")
    assert text.splitlines()[1].startswith("350807-01-000001,1,")


def test_export_neutralises_formulas(loket):
    loket.post("/pendaftaran/baru", data=applicant_form(notes="=HYPERLINK(\"x\")", address="=1+1 Dusun"),
               content_type="multipart/form-data")
    text = loket.get("/pendaftaran/ekspor?format=csv").data.decode("utf-8-sig")
    assert "'=1+1 Dusun" in text


def test_dashboard_cards_count_overdue_for_camat_without_link(client_as, demo):
    page = client_as("camat").get("/").get_data(as_text=True)
    assert "KTP-el terlambat" in page and "jatuh tempo minggu ini" in page
    assert "/pendaftaran?terlambat=1" not in page
    assert "/pendaftaran?terlambat=1" in client_as("kasi_pelayanan").get("/").get_data(as_text=True)


def test_broad_number_prefix_walks_newest_rows_with_the_same_answer(loket, saved, monkeypatch):
    from app.registration import register
    loket.post("/pendaftaran/baru", data=applicant_form(nik="3508075205900002", sex="P", full_name="Dewi Sitompul"),
               content_type="multipart/form-data")
    narrow = loket.get("/pendaftaran?q=3508071205").get_data(as_text=True)
    monkeypatch.setattr(register, "NARROW_MATCHES", 0)
    broad = loket.get("/pendaftaran?q=3508071205").get_data(as_text=True)
    assert "Budi Santoso" in broad and "Dewi Sitompul" not in broad
    assert narrow.split("<tbody>")[1].split("</tbody>")[0] == broad.split("<tbody>")[1].split("</tbody>")[0]


def test_name_search_combines_with_filters(loket, saved):
    assert "Budi Santoso" in loket.get("/pendaftaran?q=budi&status=diterima").get_data(as_text=True)
    assert "Budi Santoso" not in loket.get("/pendaftaran?q=budi&status=lengkap").get_data(as_text=True)


def test_export_of_too_long_a_period_is_refused_with_a_message(loket, saved, monkeypatch):
    from app.registration import views
    monkeypatch.setattr(views, "EXPORT_MAX_ROWS", 0)
    response = loket.get("/pendaftaran/ekspor?format=xlsx", follow_redirects=True)
    assert "Periode terlalu panjang" in response.get_data(as_text=True)


def test_due_until_filter_lists_files_promised_by_that_day(loket, demo):
    today = office_today()
    target = Application.select().order_by(Application.id.desc()).first()  # newest: first row of the list
    Application.update(status="dicetak", promised_date=today + timedelta(days=2)).where(
        Application.id == target.id).execute()
    page = loket.get(f"/pendaftaran?tempo_sampai={(today + timedelta(days=3)).isoformat()}").get_data(as_text=True)
    assert target.registration_number in page
    page = loket.get(f"/pendaftaran?tempo_sampai={(today + timedelta(days=1)).isoformat()}").get_data(as_text=True)
    assert target.registration_number not in page


def _numbers(html: str) -> list[str]:
    import re
    rows = html.split("<tbody>")[1].split("</tbody>")[0]
    return re.findall(r"\d{6}-[0-9A-Za-z]{1,4}-\d{6,9}", rows)


def _link(html: str, rel: str) -> str | None:
    import re
    from html import unescape
    found = re.search(rf'<a href="([^"]+)" rel="{rel}"', html)
    return unescape(found.group(1)) if found else None


def test_deep_pages_go_by_keyset_forward_and_back_and_match_the_full_order(loket, demo):
    expected = [a.registration_number for a in Application.select(Application.registration_number)
                .order_by(Application.id.desc())]
    assert len(expected) > 100  # at least three pages of 50
    html = loket.get("/pendaftaran?urut=baru").get_data(as_text=True)
    pages, urls = [_numbers(html)], []
    while (following := _link(html, "next")) is not None:
        assert "setelah=" in following and "urut=baru" in following  # other arguments kept
        urls.append(following)
        html = loket.get(following).get_data(as_text=True)
        pages.append(_numbers(html))
    assert [n for page in pages for n in page] == expected
    assert f"Halaman {len(pages)}" in html
    # and back again, page by page, to the first
    for page in reversed(pages[:-1]):
        previous = _link(html, "prev")
        html = loket.get(previous).get_data(as_text=True)
        assert _numbers(html) == page
    assert _link(html, "prev") is None and "Halaman 1" in html


def test_a_deep_page_reads_no_rows_before_it(loket, demo):
    """The third page's query seeks to its key: no OFFSET, whatever the page number."""
    statements = []
    connection = database.connection()
    connection.set_exec_trace(lambda cursor, sql, bindings: statements.append(sql) or True)
    try:
        first = loket.get("/pendaftaran").get_data(as_text=True)
        second = loket.get(_link(first, "next")).get_data(as_text=True)
        loket.get(_link(second, "next"))
    finally:
        connection.set_exec_trace(None)
    listing = [s for s in statements if 'FROM "application"' in s and "LIMIT" in s]
    assert listing and not [s for s in listing if "OFFSET" in s.upper()]


@pytest.mark.parametrize("cursor", ["%5B", "%5B%22x%22%5D", "%7B%7D", "%5B1%2C2%2C3%5D", "x" * 300, "%5Btrue%5D"])
def test_a_broken_cursor_shows_the_first_page(loket, demo, cursor):
    response = loket.get(f"/pendaftaran?setelah={cursor}&halaman=7")
    assert response.status_code == 200
    assert "Halaman 1" in response.get_data(as_text=True)


def test_the_register_never_says_due_today_on_a_day_off_after_the_promise():
    """Issue 83, finding 2: on a cuti bersama day and on the Saturday after the promised day no working day is late
    yet, and the register said "jatuh tempo hari ini"; it says the promise has passed."""
    from datetime import date

    from app.frame.working_days import WorkCalendar
    from app.registration.service_time import days_left, days_left_label
    calendar, promised = WorkCalendar(), date(2026, 12, 23)  # a Wednesday; Thu 24 Dec is cuti bersama, Fri 25 Natal
    words = {today: days_left_label(days_left(promised, today, calendar), promised, today)
             for today in (date(2026, 12, 22), promised, date(2026, 12, 24), date(2026, 12, 26), date(2026, 12, 28))}
    assert words == {date(2026, 12, 22): "1 hari kerja lagi", promised: "jatuh tempo hari ini",
                     date(2026, 12, 24): "tanggal janji sudah lewat", date(2026, 12, 26): "tanggal janji sudah lewat",
                     date(2026, 12, 28): "terlambat 1 hari kerja"}
