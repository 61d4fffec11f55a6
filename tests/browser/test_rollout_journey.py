"""A pilot ring and the full rollout walked through the center's pages in a browser (issue 60): the
regency admin marks a pilot on Rilis Pembaruan, publishes, reads the pilot's report after its update,
dismisses the confirmation once (nothing changes) and then releases the release to every PC; every
page without an axe violation or a CSP complaint (new_context watches them)."""
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import axe_violations, new_context, sign_in
from tests.updates.test_rings import HEALTH, Rollout, app_wheel, offered

pytestmark = pytest.mark.browser


def test_the_admin_rolls_a_release_out_to_a_pilot_then_to_everyone(browser, tmp_path):
    from app.updates.state import write_state
    rollout = Rollout(tmp_path)
    context = new_context(browser, rollout.center.url)
    try:
        rollout.publish("9.0.0", "Rilis untuk semua.", app_wheel("9.0.0"))
        page = context.new_page()
        page.goto("/masuk")
        sign_in(page, "kabupaten", "admin-rahasia-12")
        page.goto("/admin/rilis")
        assert axe_violations(page) == []
        page.select_option("#f-key", label="Kunir (35.08.08), loket kecamatan, perangkat P1")
        page.get_by_role("button", name="Jadikan komputer uji").click()
        expect(page.locator(".flash")).to_contain_text("menjadi komputer uji")

        rollout.publish("9.1.0", "Rilis uji: pengaduan per desa.", app_wheel("9.1.0"))
        rollout.sync(), rollout.sync_pilot()
        write_state(rollout.pilot_dir, health=dict(HEALTH, walk="lulus", failed=[], errors_since=0))
        rollout.sync_pilot()
        assert offered(rollout.office_dir) == ("9.0.0", None) and offered(rollout.pilot_dir) == ("9.1.0", None)
        page.goto("/admin/rilis")
        pilots = page.locator("#komputer-uji")
        expect(pilots).to_contain_text("Kunir (35.08.08)")
        expect(pilots).to_contain_text("lulus: versi 9.1.0, 41 halaman diperiksa")
        assert axe_violations(page) == []

        release = page.get_by_role("button", name="Terbitkan untuk semua komputer")
        page.once("dialog", lambda dialog: dialog.dismiss())
        release.click()
        expect(page.locator("#daftar-rilis")).to_contain_text("Komputer uji saja")  # asked, not done
        page.once("dialog", lambda dialog: dialog.accept())
        release.click()
        expect(page.locator(".flash")).to_contain_text("Rilis 9.1.0 diterbitkan untuk semua komputer")
        expect(release).to_have_count(0)
        assert [row[1] for row in rollout.audit()].count("terbit_semua") == 1  # the dismissed click sent nothing
        assert axe_violations(page) == []
        rollout.sync()
        assert offered(rollout.office_dir) == ("9.1.0", None)
        page.goto("/admin/kecamatan")
        expect(page.locator("#versi-perangkat")).to_contain_text("Rilis terbaru untuk semua komputer: 9.1.0.")
        assert axe_violations(page) == []
    finally:
        context.close()
        rollout.stop()
