"""Journey 2 of issue 7: a visitor at the kiosk tablet writes a complaint, gets a tracking
number, checks its status, and fills the satisfaction survey. No login, large type, 800x1280."""
import re

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import TABLET, fit_problems, pdf_of, screenshot

pytest.importorskip("app.complaints.kiosk_views", reason="complaint book not in this build yet")


def test_visitor_complains_and_tracks(page, live):
    page.set_viewport_size(TABLET)
    page.goto("/pengaduan/kios")
    expect(page.get_by_role("heading", level=1)).to_have_text("Sampaikan pengaduan atau saran Anda")
    expect(page.get_by_role("navigation", name="Menu utama")).to_have_count(0)  # no staff menu at the kiosk
    assert fit_problems(page) == []
    screenshot(page, "kiosk-complaint-form")

    # Sent without text first: the message says what is missing, the choice is kept.
    page.get_by_label("Kategori").select_option(index=1)
    chosen = page.get_by_label("Kategori").input_value()
    page.get_by_label("Isi pengaduan / saran").fill("  ")
    page.get_by_label("Isi pengaduan / saran").evaluate("e => e.removeAttribute('required')")  # as an old tablet would
    page.get_by_role("button", name="Kirim pengaduan").click()
    expect(page.locator("#e-text")).not_to_be_empty()
    expect(page.get_by_label("Kategori")).to_have_value(chosen)

    page.get_by_label("Isi pengaduan / saran").fill(
        "Antrean di loket KTP-el pagi ini lama sekali, nomor antrean tidak dipanggil berurutan.")
    page.get_by_label("Nama (boleh dikosongkan)").fill("Pak Darmo")
    page.get_by_role("button", name="Kirim pengaduan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Terima kasih, pengaduan Anda sudah kami terima.")
    number = page.locator(".tracking-number").inner_text().strip()
    assert re.fullmatch(r"PGD-[0-9A-Z]{4,}", number), number
    assert fit_problems(page) == []
    screenshot(page, "kiosk-tracking-number")
    printed = pdf_of(page, name="kiosk-complaint-number")
    assert printed.pages == 1 and printed.overflow == []
    assert number in printed.text and "Cetak nomor" not in printed.text

    # Back at the kiosk later: check the status with the number (typed in lower case, with spaces).
    page.get_by_role("link", name="Cek status").click()
    page.get_by_label("Nomor pengaduan").fill(f" {number.lower()} ")
    page.get_by_role("button", name="Cek").click()
    card = page.locator(".status-card")
    expect(card).to_contain_text(number)
    expect(card).to_contain_text("Belum ada tindak lanjut")
    assert fit_problems(page) == []
    screenshot(page, "kiosk-status")


def test_visitor_fills_the_survey(page, live):
    pytest.importorskip("app.survey.views", reason="satisfaction survey not in this build yet")
    page.set_viewport_size(TABLET)
    # Every element answered by touching the answer's words.
    page.goto("/survei")
    expect(page.get_by_role("heading", level=1)).to_have_text("Survei Kepuasan Masyarakat")
    assert fit_problems(page) == []
    elements = page.locator("fieldset.survey-element")
    assert elements.count() == 9  # PermenPANRB 14/2017: nine elements
    for n in range(elements.count()):
        elements.nth(n).locator("label.survey-answer").nth(3 if n % 2 else 2).click()
    page.get_by_label("Usia").select_option(index=2)
    page.get_by_label("Saran atau komentar").fill("Ruang tunggu sudah nyaman.")
    screenshot(page, "kiosk-survey-filled")
    page.get_by_role("button", name="Kirim survei").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Terima kasih")
    screenshot(page, "kiosk-survey-thanks")

    from app.survey.models import SurveyResponse
    with live.db():
        latest = SurveyResponse.select().order_by(SurveyResponse.id.desc()).first()
        assert latest.comment == "Ruang tunggu sudah nyaman."
