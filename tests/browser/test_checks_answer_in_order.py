"""A slow answer must not overwrite a newer one. CI caught the NIK check showing "sesuai format"
after the birth-date mismatch had been shown: the NIK field's own check (sent when the clerk
left it) answered last and replaced the warning. The checks of one target now replace each other."""
import re

from playwright.sync_api import expect

from app.frame.roles import LOKET

# A woman born 12 May 1990: the NIK carries day 52; 21 May is a mismatch.
NIK = "3508075205900007"


def release(held):
    """The held answers arrive now, late."""
    for route in held:
        try:
            route.continue_()
        except Exception:  # the browser already gave the request up (replaced by a newer one)
            pass


def wait_until_held(page, held, seconds=10):
    """The route handler runs when Playwright next reads the browser's events, which can be after
    the page already shows the request in flight: wait for the handler itself."""
    for _ in range(seconds * 20):
        if held:
            return
        page.wait_for_timeout(50)
    raise AssertionError("the check was never sent")


def test_an_older_nik_check_answering_late_does_not_hide_the_birth_date_warning(page, live, login):
    login(page, LOKET)
    page.goto(f"{live.url}/pendaftaran/baru")
    nik_check = page.locator("#nik-check")
    page.get_by_label("NIK", exact=True).fill(NIK)
    expect(nik_check).to_contain_text("NIK sesuai format")

    held = []

    def hold_checks_without_birth_date(route):
        if "birth_date=1990" in route.request.url:
            route.continue_()
        else:
            held.append(route)  # answered only after the newer check below

    page.route("**/pendaftaran/periksa-nik*", hold_checks_without_birth_date)
    page.get_by_label("Perempuan").check()  # a check without a birth date: held on the wire
    wait_until_held(page, held)
    page.get_by_label("Tanggal lahir", exact=True).fill("1990-05-21")
    page.get_by_label("Tanggal lahir", exact=True).dispatch_event("change")
    expect(nik_check.locator(".field-warn").first).to_contain_text("tanggal lahir")

    release(held)
    expect(page.locator(".htmx-request")).to_have_count(0)
    expect(nik_check.locator(".field-warn").first).to_contain_text("tanggal lahir")


def test_a_late_search_answer_does_not_replace_the_newer_results(page, live, login):
    login(page, LOKET)
    page.goto(f"{live.url}/pendaftaran")
    held = []

    def hold_the_first_search(route):
        if "q=zz" in route.request.url and not held:
            held.append(route)
        else:
            route.continue_()

    page.route("**/pendaftaran?*", hold_the_first_search)
    search = page.get_by_role("searchbox", name="Cari NIK, nama atau nomor")
    search.fill("zz")
    page.wait_for_function("() => document.querySelector('.htmx-request') !== null")
    search.fill("yy")
    expect(page).to_have_url(re.compile(r"q=yy"))
    release(held)
    expect(page.locator(".htmx-request")).to_have_count(0)
    expect(page).to_have_url(re.compile(r"q=yy"))
    assert page.get_by_role("searchbox", name="Cari NIK, nama atau nomor").input_value() == "yy"
