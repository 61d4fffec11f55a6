"""A registration whose answer never reached the screen (the link or the power went as the server
saved it), sent again by the clerk, is one application, and the clerk sees its page and number
(issue 33, finding 6)."""
import re

from playwright.sync_api import expect

from app.frame.roles import LOKET
from tests.browser.helpers import fill_application, photo_file, screenshot

NIK = "3508075205900007"  # a woman born 12 May 1990 in Yosowilangun


def test_a_registration_sent_again_after_its_answer_was_lost_is_one_application(page, live, login, tmp_path):
    from app.registration.models import Application
    login(page, LOKET)
    page.goto(f"{live.url}/pendaftaran/baru")
    page.get_by_label("NIK", exact=True).fill(NIK)
    page.get_by_label("Perempuan").check()
    page.get_by_label("Tanggal lahir", exact=True).fill("1990-05-12")
    fill_application(page, "Dwi Kirim Ulang")
    page.get_by_label(re.compile("^Foto pemohon")).set_input_files(photo_file(tmp_path))

    sent = []

    def lose_the_first_answer(route):
        if route.request.method != "POST":
            return route.continue_()
        sent.append(route.request.url)
        if len(sent) == 1:
            route.fetch(max_redirects=0)  # the server saves it ...
            return route.abort("aborted")  # ... and its answer never reaches the screen
        return route.continue_()
    page.route(re.compile(r".*/pendaftaran/baru$"), lose_the_first_answer)
    page.get_by_role("button", name="Simpan permohonan").click()
    expect(page.get_by_role("heading", level=1)).to_have_text("Permohonan KTP-el Baru")  # still the form
    with live.db():
        assert Application.select().where(Application.full_name == "Dwi Kirim Ulang").count() == 1
    page.get_by_role("button", name="Simpan permohonan").click()  # the clerk sends it again

    heading = page.get_by_role("heading", level=1)
    expect(heading).to_have_text(re.compile(r"^Permohonan \S+"))
    number = heading.inner_text().split()[1]
    expect(page.get_by_text("sudah tersimpan sebelumnya")).to_be_visible()
    screenshot(page, "sent-again-saved-once")
    assert len(sent) == 2
    with live.db():
        saved = list(Application.select().where(Application.full_name == "Dwi Kirim Ulang"))
    assert [a.registration_number for a in saved] == [number]
