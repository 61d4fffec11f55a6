"""Issue 71, finding 3, in the browser, through the real office apps, their syncs to a real center and a phone's
/cek (no script): an F-1.07 typed by the desa operator at the kecamatan that is still waiting past its last valid
day says it expired, not "Menunggu ... bawa formulir" (nothing is written at the office when a form runs out);
and a form typed on the desa's own PC shows the office's hours as its admin set them (Friday until 11.00), not
the defaults a desa PC knows ("Jumat 08.00–14.00")."""
import re
from datetime import timedelta

from playwright.sync_api import expect

from app.frame.roles import ADMIN, DESA, LOKET
from tests.browser.helpers import axe_violations, fill_desa_form, logout, new_context, photo_file, sync_now
from tests.browser.test_desa_relay_journey import _desa_pc_code, _first_sign_in, enrol_desa_pc
from tests.sync.harness import OfficeServer
from tests.browser.test_public_status_late_journey import PHONE, _register, center, enrol  # noqa: F401  (center)
from tests.support.factory import WOTGALIH

OFFICE_HOURS = "Senin–Kamis 07.30–15.00, Jumat 07.30–11.00"
DEFAULT_FRIDAY = "Jumat 08.00–14.00"


def _type_form(page, nik: str, photo) -> tuple[str, str]:
    """The F-1.07 as the desa operator types it; (its PRA- number, the check code its printed form carries)."""
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Isi Formulir F-1.07").click()
    page.get_by_label("Laki-laki").check()  # before the NIK's check writes its line above the radios
    page.get_by_label("NIK", exact=True).fill(nik)
    fill_desa_form(page, f"19{nik[10:12]}-{nik[8:10]}-{nik[6:8]}", photo)
    page.get_by_role("button", name="Simpan pra-pendaftaran").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Pra-pendaftaran PRA-3508072003-"))
    number = heading.inner_text().split()[1]
    page.goto(page.get_by_role("link", name="Cetak formulir F-1.07").get_attribute("href"))
    code = page.locator(".public-track-code").inner_text().strip()
    expect(page.locator(".public-track-number")).to_have_text(number)
    return number, code


def test_cek_of_desa_forms_says_expired_and_shows_the_offices_own_hours(page, browser, live, login, center, tmp_path):
    from app.auth.models import User
    from app.desa import records as desa_records
    from app.desa.models import PreRegistration
    from app.frame.db import database
    from app.public_status import records as public_records
    from tests.support.factory import bound_to_desa, person_nik
    center_server, enrolment_code = center
    enrol(live, center_server, enrolment_code)

    # The kecamatan admin: the office's hours (Friday until 11.00), and the Wotgalih PC's code.
    login(page, ADMIN)
    page.goto("/admin/kantor")
    page.get_by_label("Jam layanan (tampil di halaman cek status warga)").fill(OFFICE_HOURS)
    page.locator("form", has=page.get_by_label("Jam layanan (tampil di halaman cek status warga)")).get_by_role(
        "button", name="Simpan").click()
    expect(page.locator(".flash-success")).to_be_visible()
    pc_code = _desa_pc_code(page, "Wotgalih")
    logout(page)

    # A desa operator types a form at the kecamatan; weeks pass and its last valid day is behind it.
    with live.db():
        bound_to_desa(User.get(User.username == live.username[DESA]), WOTGALIH)
    login(page, DESA)
    at_kecamatan, at_kecamatan_code = _type_form(page, person_nik(801), photo_file(tmp_path, "f1.jpg", seed=1))
    logout(page)
    with live.db():
        form = PreRegistration.get(PreRegistration.number == at_kecamatan)
        with database.atomic():
            form.entered_at -= timedelta(days=30)
            form.expires_on = desa_records.today() - timedelta(days=1)
            form.save()
            public_records.pre_registration_changed(form)

    # The desa's own PC (`run.py serve --mode desa`, fresh): its admin enrols it with the kecamatan's code and
    # makes the operator's account; the operator types a form and syncs.
    desa_pc = OfficeServer(tmp_path / "pc-desa", mode="desa").start()
    pc_context = new_context(browser, desa_pc.url)
    try:
        laptop = pc_context.new_page()
        _first_sign_in(laptop, "admin", desa_pc.password, "admin-pc-desa-rahasia-1")
        one_time = enrol_desa_pc(laptop, pc_code, "Wotgalih", WOTGALIH, center_server.url)
        _first_sign_in(laptop, "wati", one_time, "operator-desa-rahasia-1")
        on_desa_pc, on_desa_pc_code = _type_form(laptop, person_nik(802), photo_file(tmp_path, "f2.jpg", seed=2))
        laptop.goto("/desa")
        laptop.locator("#sinkronisasi").get_by_role("button", name="Sinkronkan sekarang").click()
        # The section follows the pass until it is over: the form and its /cek record have gone.
        expect(laptop.locator("#sync-result")).to_be_visible(timeout=60_000)
        expect(laptop.get_by_text("sedang sinkron")).to_have_count(0)
        expect(laptop.locator("#sync-waiting")).to_have_text("0")
    finally:
        pc_context.close()
        desa_pc.stop()

    # The counter registers an application and syncs: the center hears the office's hours from it.
    _register(live, tmp_path, 3, promised_days_ago=None)
    login(page, LOKET)
    expect(sync_now(page).locator(".flash-success")).to_be_visible()

    phone_context = new_context(browser, center_server.url, viewport=PHONE, java_script_enabled=False)
    try:
        phone = phone_context.new_page()
        phone.goto(f"/cek?n={at_kecamatan}&k={at_kecamatan_code}")
        expect(phone.locator(".step")).to_have_text("Masa berlaku formulir habis: isi ulang di kantor desa")
        expect(phone.locator(".next-step")).to_contain_text("Isi ulang formulir F-1.07 di kantor desa Anda.")
        expect(phone.locator(".next-step")).not_to_contain_text("bawa formulir F-1.07")  # its history still may
        expired_url = phone.url

        phone.goto(f"/cek?n={on_desa_pc}&k={on_desa_pc_code}")
        expect(phone.locator(".step")).to_contain_text("Menunggu di Kantor Kecamatan Yosowilangun")
        expect(phone.locator(".office")).to_contain_text(f"Jam layanan: {OFFICE_HOURS}")
        expect(phone.locator(".office")).not_to_contain_text(DEFAULT_FRIDAY)
        expect(phone.get_by_role("link", name="(0334) 881234")).to_be_visible()  # the office's telephone too
    finally:
        phone_context.close()
    checker_context = new_context(browser, expired_url, viewport=PHONE)
    try:
        checker = checker_context.new_page()
        checker.goto(expired_url)
        assert axe_violations(checker) == []
    finally:
        checker_context.close()
