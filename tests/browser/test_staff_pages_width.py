"""Staff pages at a glance (issue 15): no sideways scrolling from 1024 px up (1093 px is 1366 px
at Windows' 125 % scaling), and the complaint book gives the complaint text room to be read."""
import pytest

from tests.browser.helpers import horizontal_overflow, screenshot

WIDTHS = [1024, 1093]
LONG_TEXT = ("Antrean perekaman KTP-el pagi ini sangat panjang, nomor antrean tidak dipanggil berurutan dan "
             "petugas tidak menjelaskan alasannya kepada warga yang sudah menunggu sejak pukul tujuh pagi.")


@pytest.fixture(scope="module")
def busy_book(live):
    from app.complaints.models import Complaint, ComplaintCategory
    from tests.support.factory import recorded_complaint
    with live.db():
        if Complaint.select().where(Complaint.text.startswith("Antrean perekaman KTP-el pagi")).count() < 50:
            category = ComplaintCategory.select().where(ComplaintCategory.is_active == True).first()  # noqa: E712
            for n in range(50):
                recorded_complaint(category.id, complainant_name=f"Warga Desa Kedungrejo Nomor {n}",
                                   complainant_contact="", text=LONG_TEXT)


@pytest.mark.parametrize("width", WIDTHS)
def test_complaint_book_fits_and_its_text_has_room(page, live, login, busy_book, width):
    page.set_viewport_size({"width": width, "height": 768})
    login(page, "petugas_informasi")
    page.goto("/pengaduan/")
    screenshot(page, f"buku-pengaduan-{width}")
    assert horizontal_overflow(page) == 0
    text_widths = page.eval_on_selector_all("td.complaint-text", "els => els.map(e => e.getBoundingClientRect().width)")
    assert len(text_widths) >= 25 and min(text_widths) >= 300, text_widths[:3]
    # 50 rows read at a glance: no row grows past four lines of text
    row_heights = page.eval_on_selector_all("table.complaints tbody tr", "els => els.map(e => e.getBoundingClientRect().height)")
    assert max(row_heights) <= 4 * 1.45 * 16 + 20, max(row_heights)


@pytest.fixture(scope="module")
def busy_register(live):
    """Demo applications of every status (long names, overdue rows) as an office has them."""
    import random
    from types import SimpleNamespace

    from app.registration import demo
    from app.registration.models import Application
    with live.db():
        if Application.select().count() < 100:
            demo.fill_demo(SimpleNamespace(applications=150), random.Random(15))


@pytest.mark.parametrize("width", WIDTHS)
def test_register_fits_without_sideways_scrolling(page, live, login, busy_register, width):
    page.set_viewport_size({"width": width, "height": 768})
    login(page, "petugas_loket")
    page.goto("/pendaftaran")
    screenshot(page, f"register-{width}")
    assert horizontal_overflow(page) == 0


def test_board_notice_summarises_on_a4_and_the_annex_holds_the_list(page, live, login, busy_book):
    from app.frame.dates import local_today
    from tests.browser.helpers import pdf_of
    today = local_today()  # the office's quarter (WIB), not this machine's
    quarter = (today.month - 1) // 3 + 1
    login(page, "petugas_informasi")
    notice = pdf_of(page, f"/rekap/{today.year}/{quarter}/cetak", name="pengumuman-ringkas")
    assert notice.pages <= 2 and notice.overflow == []
    assert "Daftar lengkap" in notice.text
    annexed = pdf_of(page, f"/rekap/{today.year}/{quarter}/cetak?lampiran=1", name="pengumuman-lampiran")
    assert annexed.pages > notice.pages and annexed.overflow == []
    assert "LAMPIRAN" in annexed.text


def test_the_pre_registration_queue_fits_1024_px(page, live, login):
    """Issue 25: /pra-pendaftaran overflowed by 9 px at 1024x768, cutting "Terima berkas"."""
    from app.desa import records
    from tests.support.factory import checked_applicant, long_applicant_form
    with live.db():
        if not records.open_with_nik("3508074107950411"):  # the demo's longest name and address
            clean = checked_applicant(**long_applicant_form(nik="3508074107950411", phone=""))
            records.create_pre_registration(clean, entered_by_name="Kaur Umum")
    page.set_viewport_size({"width": 1024, "height": 768})
    login(page, "petugas_loket")
    page.goto("/pra-pendaftaran")
    button = page.get_by_role("link", name="Terima berkas").first
    button.wait_for()
    screenshot(page, "pra-pendaftaran-1024")
    assert horizontal_overflow(page) == 0
    box = button.bounding_box()
    assert box["x"] + box["width"] <= 1024
