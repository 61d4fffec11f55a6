"""The counter's webcam: the snapshot goes into the photo field as a JPEG file and is saved like an
upload (Chromium's built-in test camera stands in for the office's webcam). Without the permission the
clerk is told to upload a file instead, and the form still works."""
import re

from playwright.sync_api import expect

from app.frame.roles import LOKET
from tests.browser.helpers import fill_application, new_context, sign_in

NIK = "3508074509880003"  # a woman born 5 September 1988


def fill_the_rest(page):
    page.get_by_label("NIK", exact=True).fill(NIK)
    page.get_by_label("Perempuan").check()
    page.get_by_label("Tanggal lahir", exact=True).fill("1988-09-05")
    fill_application(page, "Siti Komariyah", address="Dusun Krajan I", rt="1", rw="1")


def test_a_webcam_snapshot_is_saved_as_the_applicants_photo(browser, live):
    context = new_context(browser, live.url)
    context.grant_permissions(["camera"], origin=live.url)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    try:
        sign_in(page, live.username[LOKET], live.password)
        page.goto(f"{live.url}/pendaftaran/baru")
        status = page.locator("[data-webcam-status]")
        page.get_by_role("button", name="Nyalakan kamera").click()
        expect(status).to_have_text("Posisikan wajah di tengah, lalu tekan Ambil foto.")
        page.wait_for_function("() => document.querySelector('[data-webcam-video]').videoWidth > 0")
        page.get_by_role("button", name="Ambil foto").click()
        expect(status).to_contain_text("Foto dari kamera siap disimpan")
        chosen = page.get_by_label(re.compile("^Foto pemohon")).evaluate(
            "input => [input.files.length, input.files[0].name, input.files[0].type, input.files[0].size]")
        assert chosen[:3] == [1, "kamera.jpg", "image/jpeg"] and chosen[3] > 1000, chosen
        fill_the_rest(page)
        page.get_by_role("button", name="Simpan permohonan").click()
        expect(page.get_by_role("heading", level=1)).to_have_text(re.compile(r"^Permohonan \S+"))
        photo = page.get_by_role("img", name="Foto pemohon")
        expect(photo).to_be_visible()
        # The page is there before its photo: wait for the image's own load (a loaded machine), then read it.
        photo.evaluate("img => img.complete || new Promise(done => { img.onload = img.onerror = done; })")
        assert photo.evaluate("img => img.naturalWidth") > 0
        assert errors == []
    finally:
        context.close()


def test_without_the_camera_permission_the_clerk_is_told_to_upload(browser, live):
    context = new_context(browser, live.url)  # no permission granted: getUserMedia is refused
    page = context.new_page()
    try:
        sign_in(page, live.username[LOKET], live.password)
        page.goto(f"{live.url}/pendaftaran/baru")
        page.get_by_role("button", name="Nyalakan kamera").click()
        expect(page.locator("[data-webcam-status]")).to_have_text("Kamera tidak dapat dibuka. Gunakan unggah berkas.")
        expect(page.get_by_label(re.compile("^Foto pemohon"))).to_be_enabled()
    finally:
        context.close()
