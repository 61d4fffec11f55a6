"""Issue 17, "Done when", tried as a new user would, with all three servers as real processes:
`run.py center`, `run.py serve` (the kecamatan) and `run.py serve --mode desa` (the desa laptop).

A fresh desa laptop starts with its one-time password and is enrolled with the kecamatan's code;
with its link down (a loopback proxy between the laptop and the center refuses every connection)
the desa operator enters 20 forms; the link comes back and the laptop syncs through the running
center; the kecamatan's counter accepts the 20 without typing a field; the center's operator prints
and ships the cards; the counter hands them over; and the desa's list shows "Sudah diserahkan".

Every wait is on what the page shows (Playwright's expect, htmx swaps): the suite runs twice at once.
"""
import re
import shutil
from datetime import date

import pytest
from playwright.sync_api import expect

from tests.browser.helpers import (EXPECT_TIMEOUT_MS, artifacts_dir, fit_problems, logout, new_context, pdf_of,
                                   photo_file, screenshot, set_up_as_yosowilangun, sign_in, sync_now)
from tests.support.linkproxy import LinkProxy
from tests.sync.harness import CenterServer, OfficeServer, prepare_center

FORMS = 20
DESA_NAME, DESA_CODE = "Wotgalih", "35.08.07.2003"
KECAMATAN_ADMIN_PASSWORD = "admin-kecamatan-2026"
DESA_ADMIN_PASSWORD = "admin-pc-desa-rahasia-1"  # no word of the office's names (refused since issue 42)
OPERATOR_PASSWORD = "operator-desa-rahasia-1"
CLERK_PASSWORD = "petugas-loket-2026"
SLOW = 60_000  # a sync pass or a page that waits on one, on two loaded cores
SLOW_ACTION = 45_000  # upper bound for one page or check here: three servers and Chromium share two cores


def villager(n: int) -> dict:
    """The n-th villager (1..20): a man born on day n of January 1980 in Kecamatan Yosowilangun."""
    born = date(1980, 1, n)
    letters = "ABCDEFGHIJKLMNOPQRSTUVWXYZ"
    return {"nik": f"350807{born:%d%m%y}{n:04d}", "kk": f"35080701018{n:05d}", "name": f"Warga Wotgalih {letters[n - 1]}",
            "born": born.isoformat(), "rt": str(1 + n % 5), "rw": str(1 + n % 3)}


@pytest.fixture
def three_offices(tmp_path):
    """The regency center, the kecamatan office and the desa laptop, each its own `run.py` process with
    its own data folder and port. The desa reaches the center through `link` (a loopback proxy whose
    `link_up` is the desa's internet)."""
    center_data = tmp_path / "pusat"
    _, kecamatan_code = prepare_center(center_data)
    center = CenterServer(center_data).start()
    link = LinkProxy(("127.0.0.1", center.port))
    link.start()
    kecamatan = desa = None
    try:
        kecamatan = OfficeServer(tmp_path / "kecamatan").start()
        desa = OfficeServer(tmp_path / "desa-wotgalih", mode="desa").start()
        yield center, kecamatan_code, kecamatan, desa, link
    finally:
        for server in (desa, kecamatan):
            if server:
                server.stop()
        link.close()
        center.stop()
        kept = artifacts_dir() / "desa-relay-logs"  # what each server printed, for a failure in CI
        kept.mkdir(parents=True, exist_ok=True)
        for log in [*tmp_path.glob("*-server.log"), center_data / "server.log"]:
            if log.exists():
                shutil.copy(log, kept / f"{log.parent.name}-{log.name}")


def _new_context(browser, url):
    context = new_context(browser, url)
    context.set_default_timeout(SLOW_ACTION)
    page = context.new_page()
    page.errors = []
    page.on("pageerror", lambda error: page.errors.append(str(error)))
    return context, page


def _first_sign_in(page, username, one_time, new_password):
    """Sign in with a one-time password; the app asks for a new one at once."""
    sign_in(page, username, one_time)
    page.get_by_label("Kata sandi lama").fill(one_time)
    page.get_by_label("Kata sandi baru (minimal 8 karakter)").fill(new_password)
    page.get_by_label("Ulangi kata sandi baru").fill(new_password)
    page.get_by_role("button", name="Simpan kata sandi").click()
    expect(page.get_by_role("button", name="Simpan kata sandi")).to_have_count(0)


def enrol_desa_pc(laptop, pc_code: str, desa_name: str, desa_code: str, center_url: str, address=None) -> str:
    """The desa PC's admin enrols it with the kecamatan's code (and the center's address the desa reaches, if
    given) and makes the operator "wati"; her one-time password, signed out."""
    laptop.goto("/admin/operator-desa")
    laptop.get_by_label(re.compile("^Kode pendaftaran komputer desa")).fill(pc_code)
    if address:
        laptop.get_by_label(re.compile("^Alamat pusat cetak")).fill(address)
    laptop.get_by_role("button", name="Daftarkan komputer ini").click()
    expect(laptop.locator(".flash-success")).to_contain_text(f"Komputer ini terdaftar untuk Desa {desa_name}")
    expect(laptop.locator(".flash-success")).to_contain_text(f"terhubung ke pusat cetak {center_url}")
    laptop.get_by_label("Nama pengguna").fill("wati")
    laptop.get_by_label("Nama lengkap").fill("Wati Operator Desa")
    laptop.get_by_label(re.compile("^Desa \\(boleh")).select_option(label=f"{desa_name} ({desa_code})")
    laptop.get_by_role("button", name="Buat akun dan kata sandi sementara").click()
    one_time = laptop.locator(".one-time-password code").inner_text().strip()
    logout(laptop)
    return one_time


def _set_up_kecamatan(page, center_url, center_code):
    """The kecamatan admin's first day: setup, enrolment with the center, a counter clerk's account."""
    set_up_as_yosowilangun(page, KECAMATAN_ADMIN_PASSWORD)

    page.goto("/sinkronisasi")
    page.get_by_label("Alamat pusat cetak").fill(center_url)
    page.get_by_label("Kode pendaftaran").fill(center_code)
    page.get_by_role("button", name="Daftarkan komputer ini").click()
    expect(page.get_by_text(f"terdaftar di pusat cetak {center_url}")).to_be_visible(timeout=SLOW)

    page.goto("/admin/pengguna/baru")
    page.get_by_label("Nama pengguna").fill("sari")
    page.get_by_label("Nama lengkap").fill("Sari Petugas Loket")
    page.get_by_label("Peran").select_option(label="Petugas Loket")
    page.get_by_role("button", name="Simpan").click()
    return page.locator(".one-time-password code").inner_text().strip()


def _desa_pc_code(page, desa_name=DESA_NAME):
    """The kecamatan admin makes the enrolment code for the desa's laptop (shown once)."""
    page.goto("/admin/operator-desa")
    issue = page.locator("form", has=page.get_by_role("button", name="Buat kode pendaftaran komputer desa"))
    issue.get_by_label("Desa").select_option(label=desa_name)
    issue.get_by_role("button", name="Buat kode pendaftaran komputer desa").click()
    code = page.locator("code.enrolment-code")
    expect(code).to_be_visible()
    return code.inner_text().strip()


def _enter_form(page, person, photo):
    page.get_by_role("navigation", name="Menu utama").get_by_role("link", name="Isi Formulir F-1.07").click()
    # Clicked before the NIK and birth date are typed: their check (htmx) then writes its line above the
    # radio buttons, and a click landing while that line moves the form hits beside them (CI, loaded cores).
    page.get_by_label("Laki-laki").check()
    page.get_by_label("NIK", exact=True).fill(person["nik"])
    page.get_by_label("Nomor KK").fill(person["kk"])
    page.get_by_label("Nama lengkap (sesuai KK)").fill(person["name"])
    page.get_by_label("Tempat lahir", exact=True).fill("Lumajang")
    page.get_by_label("Tanggal lahir", exact=True).fill(person["born"])
    page.get_by_label("Alamat (jalan/dusun)").fill("Dusun Krajan")
    page.get_by_label("RT", exact=True).fill(person["rt"])
    page.get_by_label("RW", exact=True).fill(person["rw"])
    expect(page.get_by_label("Desa/kelurahan (ketik untuk mencari)")).to_have_value(DESA_NAME)
    page.get_by_label("Agama/kepercayaan").select_option("Islam")
    page.get_by_label("Status perkawinan").select_option("Kawin")
    page.get_by_label("Pekerjaan").fill("Petani/Pekebun")
    page.get_by_label("Alasan permohonan (ketik untuk mencari)").fill("Rusak")
    page.get_by_label("Sudah perekaman biometrik").check()
    page.get_by_label(re.compile("^Foto pemohon")).set_input_files(photo)
    page.get_by_role("button", name="Simpan pra-pendaftaran").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Pra-pendaftaran PRA-3508072003-D1-"))
    return heading.inner_text().split()[1]


def _reload_until(page, condition, timeout=SLOW):
    """A page that does not refresh itself (the desa's list after "Sinkronkan sekarang"): reload it, as
    the operator would, until `condition(page)` holds; fail with the last state when it never does."""
    import time
    deadline = time.monotonic() + timeout / 1000
    while True:
        page.reload()
        if condition(page):
            return
        if time.monotonic() > deadline:
            raise AssertionError(f"{page.url} never reached the expected state")
        page.wait_for_timeout(500)  # between reloads only; every check is on the page itself


def _desa_syncs_until(laptop, condition, tries=3):
    """The desa operator presses "Sinkronkan sekarang" on the desa page and reloads it until the pass is
    over ("sedang sinkron" gone), then reads the page; again when the press met a pass of the laptop's own
    scheduler that began before the last change."""
    for attempt in range(tries):
        laptop.goto("/desa")
        laptop.locator("#sinkronisasi").get_by_role("button", name="Sinkronkan sekarang").click()
        expect(laptop.locator(".flash").first).to_contain_text("Sinkronisasi")
        _reload_until(laptop, lambda p: p.get_by_text("sedang sinkron").count() == 0)
        if condition(laptop):
            return
    raise AssertionError("the desa's sync never reached the expected state")


def _kecamatan_syncs_until(page, check, tries=3):
    """The clerk presses "Sinkronkan sekarang" until `check(page)` holds: the office's own scheduler may be
    mid-pass when the button is pressed (then the bar follows that pass, which may have begun before the
    last change)."""
    for attempt in range(tries):
        sync_now(page, timeout=SLOW)
        if check(page):
            return
    raise AssertionError("the kecamatan's sync never reached the expected state")


def _all_in_queue(page) -> bool:
    page.goto("/pra-pendaftaran")
    return page.get_by_text(f"{DESA_NAME} ({FORMS})").count() == 1


def _nothing_waiting(page) -> bool:
    """The kecamatan's outbox is empty: the statuses of the desa's forms are at the center."""
    page.goto("/sinkronisasi")
    return page.locator("dt:text-is('Menunggu dikirim') + dd").inner_text().startswith("0 ")


def _all_in_register(page, registrations, status) -> bool:
    """Every one of the journey's applications shows `status` in the register (the office has no others)."""
    page.goto("/pendaftaran")
    rows = page.locator("#register-results tbody tr")
    return all(status in rows.filter(has_text=number).inner_text() for number in registrations)


def _accept_without_typing(page, left):
    """The oldest waiting pre-registration: opened, checked, accepted as the desa typed it; papers ticked."""
    page.goto("/pra-pendaftaran")
    expect(page.get_by_text(f"{DESA_NAME} ({left})")).to_be_visible()
    page.get_by_role("link", name="Terima berkas").first.click()
    expect(page.get_by_text(re.compile(rf"Diisi oleh operator Wati Operator Desa, Desa {DESA_NAME}, tanggal"))).to_be_visible()
    expect(page.locator(".field-changed")).to_have_count(0)
    page.get_by_role("button", name="Terima berkas dan daftarkan").click()
    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Permohonan 350807-"))
    expect(page.locator(".flash-success")).to_contain_text("tanpa mengetik ulang")
    number, detail = heading.inner_text().split()[1], page.url
    for paper in ("Surat pengantar desa/kelurahan", "Fotokopi Kartu Keluarga", "Pas foto 3x4", "KTP-el yang rusak"):
        page.get_by_label(paper).check()
    page.get_by_role("button", name="Simpan pemeriksaan").click()
    expect(page.locator(".status").first).to_have_text("Lengkap, menunggu kirim")
    return number, detail


def _center_prints_and_ships(browser, center_url, registrations):
    """At the printing center, the operator's pages: one print run of all 20, printed, shipped."""
    context = new_context(browser, center_url)
    context.set_default_timeout(SLOW_ACTION)
    try:
        page = sign_in(context.new_page(), "operator", "operator-rahasia-1")
        page.goto("/cetak")
        expect(page.get_by_role("heading", name=f"Menunggu cetak: {FORMS} permohonan")).to_be_visible()
        page.get_by_label("Pilih semua").check()
        for number in registrations:
            expect(page.get_by_label(f"Pilih {number}")).to_be_checked()
        page.get_by_role("button", name="Buat daftar cetak dari yang dipilih").click()
        expect(page.get_by_role("heading", level=1)).to_contain_text("Daftar cetak KTP-el")
        page.get_by_role("button", name=re.compile("^Tandai dicetak")).click()
        expect(page.get_by_text(f"{FORMS} permohonan ditandai dicetak")).to_be_visible()
        page.goto("/kirim")
        page.get_by_role("button", name=re.compile("^Tandai dikirim")).click()
        expect(page.get_by_text("Daftar kirim KTP-el")).to_be_visible()
        for number in registrations:
            expect(page.get_by_text(number)).to_be_visible()
    except Exception:
        screenshot(page, "desa-relay-journey-center-failure")
        raise
    finally:
        context.close()


def _hand_over(page, number, detail):
    page.goto(detail)
    expect(page.get_by_role("heading", level=1)).to_contain_text(number)
    expect(page.locator(".status").first).to_have_text("Dikirim ke kecamatan")
    page.get_by_label("Status baru").select_option(label="Siap diambil")
    page.get_by_role("button", name="Tandai").click()
    expect(page.locator(".status").first).to_have_text("Siap diambil")
    page.get_by_label("Pemohon sendiri").check()
    page.get_by_role("button", name="Serahkan dan cetak tanda terima").click()
    expect(page.get_by_role("heading", name="TANDA TERIMA KTP-el")).to_be_visible()
    expect(page.get_by_role("cell", name=number, exact=True)).to_be_visible()
    expect(page.locator(".public-track-number")).to_have_text(number)  # for the citizen's phone (issue 28)


def test_desa_laptop_offline_relay_counter_print_hand_over(browser, three_offices, tmp_path):
    center, center_code, kecamatan, desa, link = three_offices
    assert kecamatan.password and desa.password, "each fresh office prints its one-time admin password"
    contexts = []
    expect.set_options(timeout=SLOW_ACTION)  # three servers and Chromium on two loaded cores; restored below
    try:
        # --- The kecamatan admin: setup, enrolment with the center, a clerk, the desa laptop's code.
        context, office = _new_context(browser, kecamatan.url)
        contexts.append(context)
        _first_sign_in(office, "admin", kecamatan.password, KECAMATAN_ADMIN_PASSWORD)
        clerk_one_time = _set_up_kecamatan(office, center.url, center_code)
        pc_code = _desa_pc_code(office)
        logout(office)

        # --- The desa laptop, fresh: one-time password, enrolment with the kecamatan's code, an operator.
        context, laptop = _new_context(browser, desa.url)
        contexts.append(context)
        _first_sign_in(laptop, "admin", desa.password, DESA_ADMIN_PASSWORD)
        # The desa's own way to the center: its (village) internet, here the proxy `link`.
        operator_one_time = enrol_desa_pc(laptop, pc_code, DESA_NAME, DESA_CODE, link.url, address=link.url)

        # --- The link is down; the operator enters 20 forms at the desa.
        link.link_up = False
        _first_sign_in(laptop, "wati", operator_one_time, OPERATOR_PASSWORD)
        expect(laptop.get_by_role("heading", level=1)).to_contain_text(f"Desa {DESA_NAME}")
        people = [villager(n) for n in range(1, FORMS + 1)]
        numbers = [_enter_form(laptop, person, photo_file(tmp_path, f"foto-{n}.jpg", seed=n))
                   for n, person in enumerate(people, start=1)]
        assert len(set(numbers)) == FORMS
        laptop.goto("/desa")
        expect(laptop.locator("#sync-waiting")).to_have_text(str(FORMS))
        for person in people:
            expect(laptop.get_by_role("row", name=re.compile(person["name"]))).to_contain_text("Menunggu ke kecamatan")
        screenshot(laptop, "desa-relay-20-forms-offline")
        assert fit_problems(laptop) == []

        # --- The link is back: the desa syncs; its forms wait at the center for the kecamatan.
        link.link_up = True
        _desa_syncs_until(laptop, lambda p: p.locator("#sync-waiting").inner_text() == "0"
                          and p.get_by_text("Terkirim ke pusat, menunggu kecamatan").count() == FORMS)
        screenshot(laptop, "desa-relay-synced")

        # --- At the kecamatan counter: the 20 forms wait in the queue and are accepted without typing.
        context, counter = _new_context(browser, kecamatan.url)
        contexts.append(context)
        _first_sign_in(counter, "sari", clerk_one_time, CLERK_PASSWORD)
        _kecamatan_syncs_until(counter, _all_in_queue)
        counter.get_by_role("navigation", name="Menu utama").get_by_role(
            "link", name=re.compile("Antrean Pra-pendaftaran")).click()
        expect(counter.get_by_text(f"{DESA_NAME} ({FORMS})")).to_be_visible()
        accepted = [_accept_without_typing(counter, left) for left in range(FORMS, 0, -1)]
        registrations = [number for number, _ in accepted]
        assert len(set(registrations)) == FORMS

        # --- The kecamatan syncs; at the center the operator prints and ships the run.
        _kecamatan_syncs_until(counter, lambda p: _all_in_register(p, registrations, "Diterima Dukcapil"))
        _center_prints_and_ships(browser, center.url, registrations)
        _kecamatan_syncs_until(counter, lambda p: _all_in_register(p, registrations, "Dikirim ke kecamatan"))

        # --- The cards arrive; each villager collects theirs; the statuses go back to the desa.
        for number, detail in accepted:
            _hand_over(counter, number, detail)
        _kecamatan_syncs_until(counter, _nothing_waiting)
        handed = laptop.locator("table", has=laptop.get_by_role("columnheader", name="Janji selesai")).get_by_text(
            "Sudah diserahkan")
        _desa_syncs_until(laptop, lambda p: handed.count() == FORMS)
        for number in registrations:
            expect(laptop.get_by_role("row", name=re.compile(number))).to_contain_text("Sudah diserahkan")
        screenshot(laptop, "desa-relay-handed-over")
        with laptop.expect_popup() as popup:
            laptop.get_by_role("link", name="Cetak daftar desa").click()
        printed = pdf_of(popup.value, name="desa-relay-daftar-desa")
        words = " ".join(printed.text.split())
        assert f"DAFTAR STATUS KTP-el DESA {DESA_NAME.upper()}" in words
        assert words.count("Sudah diserahkan") >= FORMS, words
        assert [p["name"] for p in people if p["name"] not in words] == []
        assert [number for number in registrations if number not in words] == []
        assert office.errors + laptop.errors + counter.errors == [], "JavaScript errors on the pages"
    except Exception:
        for n, context in enumerate(contexts):
            for page in context.pages:
                screenshot(page, f"desa-relay-journey-failure-{n}")
        raise
    finally:
        expect.set_options(timeout=EXPECT_TIMEOUT_MS)  # what every other journey expects
        for context in contexts:
            context.close()
