"""Issue 74, done when: a regency admin who has never seen the program makes a release to a pilot, then to all,
from the guide alone. Signed in at a real center, the admin opens "Bantuan", goes to Panduan Admin Kabupaten, and
the test does what the marked names of its two sections say, in order (a menu item clicked, a button pressed, a
page's heading read, the command's printed message compared with the one the guide quotes). Nothing else is
clicked. The guide's page, like every page here, has no axe violation and no CSP complaint (new_context)."""
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import axe_violations, new_context, sign_in
from tests.browser.guide_steps import follow, marked_steps
from tests.guide.names import label_pattern
from tests.updates.test_rings import HEALTH, Rollout, app_wheel, offered

pytestmark = pytest.mark.browser


def test_a_regency_admin_releases_to_a_pilot_then_to_all_following_the_guide(browser, tmp_path, capfd):
    from app.updates.state import write_state
    rollout = Rollout(tmp_path)
    context = new_context(browser, rollout.center.url)
    try:
        rollout.publish("9.0.0", "Rilis untuk semua.", app_wheel("9.0.0"))  # the office runs a release already
        capfd.readouterr()
        page = context.new_page()
        page.goto("/masuk")
        sign_in(page, "kabupaten", "admin-rahasia-12")
        page.get_by_role("link", name="Bantuan", exact=True).click()
        page.get_by_role("link", name="Panduan Admin Kabupaten", exact=True).click()
        expect(page.get_by_role("heading", level=1)).to_have_text("Panduan Admin Kabupaten")
        assert axe_violations(page) == []
        guide_url = page.url
        to_pilot, to_all = marked_steps(page, "terbitkan"), marked_steps(page, "semua", "ol")  # the list's steps; a pilot not passed is its own paragraph
        assert [kind for kind, _ in to_pilot].count("tombol") and [kind for kind, _ in to_all].count("tombol")

        def pick_the_pilot(current, kind, label):
            if label == "Jadikan komputer uji":  # the step names the field of the same name: the pilot chosen there
                page.get_by_label("Jadikan komputer uji").select_option(label="Kunir (35.08.08), loket kecamatan, perangkat P1")

        published = False
        for kind, label in to_pilot:
            if kind == "pesan":
                if not published:  # the step's command, as the guide shows it (its lines parse: test_guide_commands)
                    # the pilot chosen first: under load the click's answer came after the release was published,
                    # which then went to every office (issue 93 finding 6)
                    expect(page.locator(".flash")).to_contain_text("menjadi komputer uji")
                    rollout.publish("9.1.0", "Rilis uji: pengaduan per desa.", app_wheel("9.1.0"))
                    said, published = capfd.readouterr().out, True
                for_the_pilot = [text for k, text in to_pilot if k == "pesan"][0]  # the other: "Tanpa komputer uji"
                assert label_pattern(for_the_pilot).search(" ".join(said.split())), said
                continue
            follow(page, [(kind, label)], pick_the_pilot)
        assert published

        rollout.sync(), rollout.sync_pilot()  # the pilot's night: it takes the release, its walk passes
        write_state(rollout.pilot_dir, health=dict(HEALTH, walk="lulus", failed=[], errors_since=0))
        rollout.sync_pilot()
        assert offered(rollout.office_dir) == ("9.0.0", None) and offered(rollout.pilot_dir) == ("9.1.0", None)

        page.goto(guide_url + "#semua")
        for kind, label in to_all:
            if (kind, label) == ("menu", "Kecamatan"):
                expect(page.locator(".flash")).to_contain_text("Rilis 9.1.0 diterbitkan untuk semua komputer")
            follow(page, [(kind, label)])
            if (kind, label) == ("halaman", "Rilis pembaruan"):
                expect(page.locator("#komputer-uji")).to_contain_text("lulus: versi 9.1.0")
        expect(page.locator("#versi-perangkat")).to_contain_text("Rilis terbaru untuk semua komputer: 9.1.0.")
        assert axe_violations(page) == []
        rollout.sync()
        assert offered(rollout.office_dir) == ("9.1.0", None)
    finally:
        context.close()
        rollout.stop()
