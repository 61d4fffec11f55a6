"""The regency admin in a browser with a pilot that refused the release under test (issue 69 finding 4):
Rilis Pembaruan says so beside the pilot and beside the button; the button opens the center's own page
naming the pilot (no browser dialog), "Batal" changes nothing, "Ya, terbitkan ..." releases it. Every page
without an axe violation or a CSP complaint (new_context watches them)."""
import pytest
from playwright.sync_api import expect

from app.updates import state
from tests.browser.helpers import axe_violations, new_context, sign_in
from tests.updates.test_pilot_watch import REFUSAL
from tests.updates.test_rings import Rollout, app_wheel, offered

pytestmark = pytest.mark.browser


def test_the_admin_is_asked_again_naming_the_pilot_that_refused_the_release(browser, tmp_path):
    rollout = Rollout(tmp_path)
    context = new_context(browser, rollout.center.url)
    try:
        rollout.publish("9.0.0", "Rilis untuk semua.", app_wheel("9.0.0"))
        rollout.make_pilot(True)
        rollout.publish("9.1.0", "Rilis uji.", app_wheel("9.1.0"))
        rollout.sync_pilot()
        state.remember_failure(rollout.pilot_dir, "9.1.0", "check_refused", REFUSAL)
        rollout.sync_pilot()
        page = context.new_page()
        page.goto("/masuk")
        sign_in(page, "kabupaten", "admin-rahasia-12")
        page.goto("/admin/rilis")
        expect(page.locator("#komputer-uji")).to_contain_text("ditolak sebelum berganti versi")
        expect(page.locator("#daftar-rilis")).to_contain_text("Belum lulus di komputer uji: Kunir (35.08.08)")
        assert axe_violations(page) == []

        page.get_by_role("button", name="Terbitkan untuk semua komputer").click()  # no dialog: a page asks
        expect(page.get_by_role("heading", level=1)).to_have_text("Terbitkan rilis 9.1.0 untuk semua komputer?")
        expect(page.locator("#belum-lulus")).to_contain_text("/pengaduan/rekap (500)")
        assert axe_violations(page) == []
        page.get_by_role("link", name="Batal, kembali ke Rilis Pembaruan").click()
        expect(page.locator("#daftar-rilis")).to_contain_text("Komputer uji saja")
        rollout.sync()
        assert offered(rollout.office_dir) == ("9.0.0", None)

        page.get_by_role("button", name="Terbitkan untuk semua komputer").click()
        page.get_by_role("button", name="Ya, terbitkan rilis 9.1.0 untuk semua komputer").click()
        expect(page.locator(".flash")).to_contain_text("Rilis 9.1.0 diterbitkan untuk semua komputer")
        rollout.sync()
        assert offered(rollout.office_dir) == ("9.1.0", None)
    finally:
        context.close()
        rollout.stop()
