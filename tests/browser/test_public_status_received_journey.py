"""Issue 71, finding 2, in the browser: the information desk types a letter received on 29 September days after
it came (its 5 working days ran out on 6 October), and a visitor's complaint it forwards to the section as it
records it; the office syncs to the real center and a phone (no script) opens each one's /cek from its slip.
The letter's history starts on 29 September, not the day it was typed, and says its deadline has passed; the
forwarded one has its "received" line before "forwarded"."""
import re
from datetime import date

from playwright.sync_api import expect

from app.frame.dates import format_date, local_today
from app.frame.roles import INFORMASI, LOKET
from tests.browser.helpers import axe_violations, logout, new_context, sync_now
from tests.browser.test_public_status_late_journey import PHONE, center, enrol  # noqa: F401  (center: the fixture)

RECEIVED_WORDS = "Pengaduan diterima Kantor Kecamatan Yosowilangun"


def _letter_received_on() -> date:
    """The finding's 29 September: this year's once typing it on 9 October or later is possible, else last year's."""
    today = local_today("WIB")  # the office's day (Lumajang), not this machine's
    return date(today.year if today >= date(today.year, 10, 9) else today.year - 1, 9, 29)


def _record(page, channel: str, text: str, received: str | None = None, step: str = "Catat dulu (status Baru)"):
    """A complaint typed at the desk as the clerk does it; (tracking number, check code) from its slip."""
    page.goto("/pengaduan/catat")
    page.get_by_label("Saluran", exact=True).select_option(channel)
    if received:
        page.get_by_label(re.compile(r"^Diterima \(tanggal dan jam")).fill(received)
    page.get_by_label("Kategori", exact=True).select_option(index=1)
    page.get_by_label("Isi pengaduan / saran").fill(text)
    page.get_by_label(step).check()
    page.get_by_role("button", name="Simpan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Tanda Terima Pengaduan")
    slip = page.locator(".public-track")
    return slip.locator(".public-track-number").inner_text().strip(), slip.locator(".public-track-code").inner_text().strip()


def test_cek_history_starts_the_day_a_complaint_was_received(page, browser, live, login, center):
    center_server, enrolment_code = center
    enrol(live, center_server, enrolment_code)
    received = _letter_received_on()
    login(page, INFORMASI)
    letter, letter_code = _record(page, "surat", "Surat warga: KTP-el anak kami belum jadi sejak Agustus.",
                                  received=f"{received.isoformat()}T09:00")
    forwarded, forwarded_code = _record(page, "meja_informasi", "Antrean loket KTP-el tidak tertib pada hari Senin.",
                                        step="Teruskan ke seksi yang menangani")
    logout(page)
    login(page, LOKET)
    expect(sync_now(page).locator(".flash-success")).to_be_visible()

    phone_context = new_context(browser, center_server.url, viewport=PHONE, java_script_enabled=False)
    try:
        phone = phone_context.new_page()
        phone.goto(f"/cek?n={letter}&k={letter_code}")
        history = phone.locator("ol.steps li")
        expect(history.first).to_have_text(f"{RECEIVED_WORDS} {format_date(received)}")
        expect(history).to_have_count(1)  # never a second "received" on the day it was typed
        # Its 5 working days ended on 6 October: long past, and said so with the Ombudsman.
        expect(phone.get_by_text(re.compile(r"^Batas tindak lanjut:"))).to_contain_text(
            f"{format_date(received.replace(month=10, day=6))} (sudah lewat")
        expect(phone.locator(".next-step")).to_contain_text("Ombudsman Republik Indonesia")
        letter_url = phone.url

        phone.goto(f"/cek?n={forwarded}&k={forwarded_code}")
        history = phone.locator("ol.steps li")
        expect(history).to_have_count(2)
        today = format_date(local_today("WIB"))
        expect(history.nth(0)).to_have_text(f"{RECEIVED_WORDS} {today}")
        expect(history.nth(1)).to_have_text(f"Diteruskan ke seksi yang menangani {today}")
        expect(phone.locator(".step")).to_have_text("Diteruskan ke seksi yang menangani")
    finally:
        phone_context.close()
    checker_context = new_context(browser, letter_url, viewport=PHONE)
    try:
        checker = checker_context.new_page()
        checker.goto(letter_url)
        assert axe_violations(checker) == []
    finally:
        checker_context.close()
