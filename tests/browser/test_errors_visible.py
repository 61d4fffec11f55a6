"""Errors you can find (issue 15): a failed htmx request says so in Indonesian; the desk
complaint form's summary takes the focus; a slip offers only what the role may do."""
import pytest
from playwright.sync_api import expect

from tests.browser.helpers import axe_violations


def _complaint(live):
    from app.complaints.models import ComplaintCategory
    from tests.support.factory import recorded_complaint
    with live.db():
        category = ComplaintCategory.select().where(ComplaintCategory.is_active == True).first()  # noqa: E712
        complaint = recorded_complaint(category.id, complainant_name="", complainant_contact="",
                                       text="Ruang tunggu perlu kipas angin.")
    return complaint.id


@pytest.mark.page_problems_expected(r"htmx:sendError", r"net::ERR_FAILED")  # the network cut below
def test_a_failed_htmx_request_shows_an_indonesian_message(page, live, login):
    complaint_id = _complaint(live)
    login(page, "camat")
    page.goto(f"/pengaduan/{complaint_id}/tanda-terima")
    # The finding: as Camat, "Catat pengaduan lain" answered 403 and nothing happened. Not offered now.
    expect(page.get_by_role("link", name="Catat pengaduan lain")).to_have_count(0)
    for url, message in (("/admin/pengguna", "tidak berwenang"), ("/pengaduan/999999999", "tidak ditemukan")):
        page.evaluate("url => htmx.ajax('GET', url, {target: 'main'})", url)
        expect(page.locator("#request-problem")).to_contain_text(message)
        expect(page.locator("#request-problem")).to_be_focused()
    page.route("**/pengaduan/status*", lambda route: route.abort())  # the network is gone
    page.evaluate("() => { htmx.ajax('GET', '/pengaduan/status', {target: 'main'}).catch(() => null); }")
    expect(page.locator("#request-problem")).to_contain_text("Tidak dapat menghubungi aplikasi")


def test_desk_form_error_summary_is_focused_with_links(page, live, login):
    login(page, "petugas_informasi")
    page.goto("/pengaduan/catat")
    page.locator("form.complaint-form").evaluate("f => f.noValidate = true")
    page.get_by_role("button", name="Simpan").first.click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    summary.locator("a[href='#f-text']").click()
    expect(page.locator("#f-text")).to_be_focused()
    expect(page.locator("#f-text")).to_have_attribute("aria-describedby", "e-text")


@pytest.mark.parametrize("role, url, emptied, button, field", [
    ("admin", "/akun/kata-sandi", [], "Simpan kata sandi", "f-current"),
    ("admin", "/pengaduan/kategori", ["#f-complaint_first_response_days"], "Simpan target",
     "f-complaint_first_response_days"),
    ("petugas_informasi", "/pengaduan/kotak-saran", ["#f-opened_on"], "Catat pembukaan", "f-opened_on"),
])
def test_forms_that_had_no_summary_now_focus_it(page, live, login, role, url, emptied, button, field):
    """Issue 25: these forms answered 422 with messages beside the fields and the focus left on the
    body; every form's summary is checked without a browser in tests/core/test_every_form_summarises_its_errors.py."""
    login(page, role)
    page.goto(url)
    page.locator("form").evaluate_all("forms => forms.forEach(f => { f.noValidate = true; })")
    for selector in emptied:
        page.locator(selector).fill("")
    page.get_by_role("button", name=button).click()
    summary = page.locator("[data-error-summary]")
    expect(summary).to_be_focused()
    summary.locator(f"a[href='#{field}']").click()
    expect(page.locator(f"#{field}")).to_be_focused()
    expect(page.locator(f"#{field}")).to_have_attribute("aria-invalid", "true")
    assert axe_violations(page) == []
