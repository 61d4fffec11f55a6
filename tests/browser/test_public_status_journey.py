"""Issue 28's journey: an application registered at the counter, its receipt's QR decoded (its
number and check code typed, the second way in), followed on a phone (360x640, no login, no script
needed; axe-core on each found status) on the printing center's public page: nothing before the
office syncs, the step after the sync, "dikirim" as soon as the center ships the card, "Siap diambil"
after the counter marks it ready and syncs again, with exactly one SMS in gammu-smsd's outbox (consent
given at the counter) that the real gammu-smsd, with its dummy phone, sends once; then a complaint
written at the kiosk, followed the same way from its receipt's QR to its closing SMS."""
import re
import subprocess
import sys

import pytest
from playwright.sync_api import expect

from app.frame.dates import local_today
from app.frame.roles import LOKET
from tests.browser.helpers import ROOT, axe_violations, fit_problems, new_context, photo_file, screenshot, sign_in, \
    sync_now

harness = pytest.importorskip("tests.sync.harness", reason="sync test harness not in this build yet")
PHONE = {"width": 360, "height": 640}


@pytest.fixture
def center(tmp_path, monkeypatch):
    """The center on PostgreSQL with the SMS gateway's tables (sync/center/sms.py: PostgreSQL only)."""
    from tests.sync.conftest import NO_PG, PG_URL
    from tests.support.center_postgres import fresh_center_database
    if not PG_URL:
        pytest.skip(NO_PG)
    fresh_center_database(PG_URL)
    monkeypatch.setenv("LOKET_CENTER_SMS_GATEWAY", "1")  # the center's process inherits it
    _, code = harness.prepare_center(tmp_path / "center", PG_URL)
    server = harness.CenterServer(tmp_path / "center", PG_URL).start()
    yield server, code
    server.stop()


def _gateway_rows(table: str) -> list[tuple]:
    """gammu-smsd's table on the center's database: `outbox` waits, `sentitems` was sent."""
    import psycopg
    from tests.sync.conftest import PG_URL
    with psycopg.connect(PG_URL) as connection:
        return connection.execute(f'SELECT "DestinationNumber", "CreatorID" FROM {table}').fetchall()


def _register(live, tmp_path) -> tuple[int, str]:
    from app.frame.db import database
    from app.registration import intake, records
    from app.frame.applicant_photo import normalise_photo
    from app.registration.status import S, transition
    from app.registration.views import desa_list
    with live.db():
        clean, errors, _ = intake.validate_application({
            "nik": "3508071708790003", "kk_number": "3508071203110021", "full_name": "Slamet Riyadi",
            "birth_place": "Lumajang", "birth_date": "1979-08-17", "sex": "L", "address": "Dusun Tegalrejo",
            "rt": "2", "rw": "3", "desa": "Yosowilangun Lor", "religion": "Islam", "marital_status": "Kawin",
            "occupation": "Pedagang", "reason": "rusak", "biometric_done": "1"}, desa_list(), local_today())  # the office's day (WIB), not this machine's
        assert not errors, errors
        application = records.create_application(clean, normalise_photo(photo_file(tmp_path, seed=7).read_bytes()))
        with database.atomic():
            transition(application, S.COMPLETE)
            # The applicant ticked consent at the counter (the form's tick: tests/registration/test_sms_consent.py).
            from app.public_status import records as public_records
            public_records.give_sms_consent("ktp", application.id, "081233344455")
        return application.id, application.registration_number


def _scan(slip) -> str:
    """What a phone's camera reads from the slip's QR: the code as the page draws it, decoded by
    zxing-cpp (the reader the counter's webcam uses too)."""
    from app.desa.qr import read_picture
    return read_picture(slip.locator(".survey-code-qr svg").screenshot())


def _check(phone, number, code):
    """The second way in: the number and the check code typed from the slip."""
    phone.goto("/cek")
    phone.get_by_label("Nomor pendaftaran atau nomor pengaduan").fill(number)
    phone.get_by_label(re.compile("^Kode cek")).fill(code.lower())
    phone.get_by_role("button", name="Cek status").click()


def _axe_on_a_phone(browser, url: str) -> list[str]:
    """axe-core on the page the citizen's phone shows, at the same size; axe needs script, which
    the citizen's phone (and the page) does without, so it runs in a second phone with script on."""
    context = new_context(browser, url, viewport=PHONE)
    try:
        checker = context.new_page()
        checker.goto(url)
        return axe_violations(checker)
    finally:
        context.close()


def _readable_on_a_phone(phone) -> list[str]:
    """Text under 16 px and tap targets under 44 px, by what the browser laid out."""
    return phone.evaluate("""() => {
      const problems = [];
      for (const el of document.querySelectorAll('body *')) {
        const style = getComputedStyle(el);
        const text = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
        if (text && parseFloat(style.fontSize) < 16) problems.push('font ' + el.tagName + ' ' + style.fontSize);
        if (el.matches('a, button, input')) {
          const box = el.getBoundingClientRect();
          if (box.height < 44) problems.push('target ' + el.tagName + ' ' + box.height);
        }
      }
      return problems;
    }""")


def test_a_citizen_follows_the_card_from_a_phone(page, browser, live, login, center, tmp_path):
    center_server, enrolment_code = center
    enrol = subprocess.run([sys.executable, str(ROOT / "run.py"), "sync", "--data", str(live.data), "enrol",
                            "--center", center_server.url, "--code", enrolment_code], cwd=ROOT,
                           capture_output=True, text=True, timeout=120)
    assert enrol.returncode == 0, enrol.stdout + enrol.stderr
    application_id, number = _register(live, tmp_path)

    # The receipt: the number and the check code printed for typing, the center's page named.
    login(page, LOKET)
    page.goto(f"/pendaftaran/{application_id}/bukti")
    slip = page.locator(".public-track")
    expect(slip).to_contain_text(center_server.url + "/cek")
    code = slip.locator(".public-track-code").inner_text().strip()
    assert re.fullmatch(r"[2-9A-Z]{6}", code)
    expect(slip.locator(".public-track-number")).to_have_text(number)
    # Its QR, read as a phone's camera reads it, opens the center's page with both filled.
    scanned = _scan(slip)
    assert scanned == f"{center_server.url}/cek?n={number}&k={code}"

    # A phone, no login, no script: the center knows nothing until the office syncs.
    phone_context = new_context(browser, center_server.url, viewport=PHONE, java_script_enabled=False)
    try:
        phone = phone_context.new_page()
        received = []
        phone.on("requestfinished", lambda request: received.append(request.sizes()))
        phone.goto(scanned)
        expect(phone.get_by_role("alert")).to_contain_text("tidak cocok")

        expect(sync_now(page).locator(".flash-success")).to_be_visible()
        received.clear()
        phone.goto(scanned)
        expect(phone.locator(".step")).to_have_text("Berkas lengkap, sedang diproses Dukcapil")
        expect(phone.get_by_text("Terakhir diperbarui")).to_be_visible()
        screenshot(phone, "public-status-phone")
        size = sum(s["responseBodySize"] + s["responseHeadersSize"] for s in received)  # page, stylesheet, icon
        assert size <= 30 * 1024, f"{size} bytes"
        assert _readable_on_a_phone(phone) == []
        assert fit_problems(phone) == []
        assert _axe_on_a_phone(browser, scanned) == []
        for personal in ("Slamet", "3508071708790003", "Tegalrejo", "3508071203110021"):
            assert personal not in phone.content()
        # Without a camera: the number and the code typed from the slip give the same page.
        _check(phone, number, code)
        expect(phone.locator(".step")).to_have_text("Berkas lengkap, sedang diproses Dukcapil")

        # The center prints and ships: the phone sees it without the office's PC.
        operator = new_context(browser, center_server.url)
        try:
            center_page = sign_in(operator.new_page(), "operator", "operator-rahasia-1")
            center_page.goto("/cetak")
            center_page.get_by_label(f"Pilih {number}").check()
            center_page.get_by_role("button", name="Buat daftar cetak dari yang dipilih").click()
            center_page.get_by_role("button", name=re.compile("^Tandai dicetak")).click()
            expect(center_page.get_by_text(re.compile(r"1 permohonan ditandai dicetak"))).to_be_visible()
            center_page.goto("/kirim")
            center_page.get_by_role("button", name=re.compile("^Tandai dikirim")).click()
            expect(center_page.get_by_text("Daftar kirim KTP-el")).to_be_visible()
        finally:
            operator.close()
        phone.reload()
        expect(phone.locator(".step")).to_have_text("Kartu sudah dicetak, dikirim ke kecamatan")

        # The card arrives at the counter: marked ready, synced, "Siap diambil" on the phone.
        expect(sync_now(page).locator(".flash-success")).to_be_visible()
        from app.frame.db import database
        from app.registration.models import Application
        from app.registration.status import S, transition
        with live.db():
            with database.atomic():
                transition(Application.get_by_id(application_id), S.READY, note="kartu tiba")
        expect(sync_now(page).locator(".flash-success")).to_be_visible()
        phone.reload()
        expect(phone.locator(".step")).to_have_text(
            "Siap diambil di Kantor Kecamatan Yosowilangun, bawa tanda terima")
        assert _axe_on_a_phone(browser, scanned) == []
        assert _gateway_rows("outbox") == [("+6281233344455", f"loket:35.08.07|{number}|siap")]

        # A complaint written at the kiosk, with a phone and the consent ticked, followed the same way.
        page.goto(live.url + "/pengaduan/kios")
        page.get_by_label("Kategori").select_option(index=1)
        page.get_by_label("Isi pengaduan / saran").fill("Papan informasi persyaratan KTP-el sudah pudar.")
        page.get_by_label("No. HP / alamat untuk dihubungi (boleh dikosongkan)").fill("0812 7777 8888")
        page.get_by_role("checkbox", name=re.compile("Saya setuju menerima satu SMS")).check()
        page.get_by_role("button", name="Kirim pengaduan").click()
        receipt = page.locator(".public-track")
        tracking = receipt.locator(".public-track-number").inner_text().strip()
        complaint_code = receipt.locator(".public-track-code").inner_text().strip()
        assert tracking.startswith("PGD-")
        complaint_scanned = _scan(receipt)
        assert complaint_scanned == f"{center_server.url}/cek?n={tracking}&k={complaint_code}"
        expect(sync_now(page).locator(".flash-success")).to_be_visible()
        phone.goto(complaint_scanned)
        expect(phone.locator(".step")).to_have_text("Pengaduan diterima Kantor Kecamatan Yosowilangun")
        _check(phone, tracking, complaint_code)
        expect(phone.locator(".step")).to_have_text("Pengaduan diterima Kantor Kecamatan Yosowilangun")
        from app.complaints import book
        from app.complaints.models import Complaint
        from app.auth.models import User
        with live.db():
            with database.atomic():
                book.change_status(Complaint.get(Complaint.tracking_number == tracking), "selesai",
                                   User.get(User.username == live.username["petugas_informasi"]),
                                   "Papan sudah diganti baru.")
        expect(sync_now(page).locator(".flash-success")).to_be_visible()
        phone.reload()
        expect(phone.locator(".step")).to_have_text("Selesai ditindaklanjuti")
        expect(phone.get_by_text("Papan sudah diganti baru.")).to_be_visible()
        assert _axe_on_a_phone(browser, complaint_scanned) == []

        # The gateway was down until now: it comes up and sends each message once.
        from tests.sync.test_sms import Gateway, until
        gateway = Gateway(tmp_path / "gateway").start()
        try:
            assert until(lambda: len(_gateway_rows("sentitems")) == 2, 30), gateway.log()[-2000:]
            assert sorted(_gateway_rows("sentitems")) == [("+6281233344455", f"loket:35.08.07|{number}|siap"),
                                                          ("+6281277778888", f"loket:35.08.07|{tracking}|selesai")]
            assert _gateway_rows("outbox") == []
        finally:
            gateway.kill()
    finally:
        phone_context.close()


def test_the_public_page_passes_axe_on_a_phone(browser, center):
    center_server, _ = center
    context = new_context(browser, center_server.url, viewport=PHONE)
    try:
        phone = context.new_page()
        phone.goto("/cek?n=350807-01-000001&k=ABCDEF")
        expect(phone.get_by_role("alert")).to_contain_text("tidak cocok")
        assert axe_violations(phone) == []
        assert _readable_on_a_phone(phone) == []
    finally:
        context.close()
