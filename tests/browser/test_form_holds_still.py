"""The registration form must not move under the clerk's pointer while a check answers.

CI caught it: the NIK field's check answers "NIK sesuai format." 300 ms after the typing stops.
That line pushed the sex buttons down while the clerk (and the newcomer journey) clicked one,
and the click landed beside it. The checks answered while typing now keep room for their answer."""
from playwright.sync_api import expect

from app.frame.roles import LOKET

NIK = "3508075205900007"
KK = "3508071203110004"


def _top(locator) -> float:
    return locator.bounding_box()["y"]


def test_the_nik_and_kk_checks_answer_without_moving_the_fields_below(page, live, login):
    login(page, LOKET)
    page.goto(f"{live.url}/pendaftaran/baru")
    sex_button = page.get_by_label("Perempuan")
    name_field = page.get_by_label("Nama lengkap (sesuai KK)")
    before = (_top(sex_button), _top(name_field))

    page.get_by_label("NIK", exact=True).fill(NIK)
    expect(page.locator("#nik-check")).to_contain_text("NIK sesuai format")
    page.get_by_label("Nomor KK").fill(KK)
    expect(page.locator("#e-kk_number")).to_contain_text("Nomor KK sesuai format")
    expect(page.locator(".htmx-request")).to_have_count(0)
    assert (_top(sex_button), _top(name_field)) == before

    # CI caught it again in the desa journey: with the birth date, the answer grows to two lines.
    page.get_by_label("Tanggal lahir", exact=True).fill("1990-05-12")
    page.get_by_label("Tanggal lahir", exact=True).dispatch_event("change")
    expect(page.locator("#nik-check")).to_contain_text("cocok dengan tanggal lahir/jenis kelamin")
    expect(page.locator(".htmx-request")).to_have_count(0)
    assert (_top(sex_button), _top(name_field)) == before
    sex_button.check()
    expect(sex_button).to_be_checked()
