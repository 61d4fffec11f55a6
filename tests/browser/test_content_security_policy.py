"""Issue 13: the pages run under a Content-Security-Policy with no inline script; htmx, the print
buttons and the confirmations still work in a real browser."""
import re
import time

from playwright.sync_api import expect

from app.frame.roles import ADMIN, INFORMASI


def _watch_csp(page):
    refused = []
    page.on("console", lambda message: refused.append(message.text)
            if "Content Security Policy" in message.text else None)
    return refused


def test_pages_work_under_the_policy(page, live, login):
    refused = _watch_csp(page)
    response = page.goto("/masuk")
    assert "'unsafe-inline'" not in response.headers["content-security-policy"].split("script-src")[1].split(";")[0]
    login(page, INFORMASI)
    page.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
    for path in ("/", "/pengaduan/", "/pengaduan/laporan-harian", "/rekap/", "/info-meja", "/pengaduan/catat"):
        page.goto(path)
        page.wait_for_load_state()
    page.goto("/pengaduan/laporan-harian")
    page.get_by_role("button", name="Cetak").first.click()
    assert page.evaluate("window.__printed") == 1
    assert refused == []


def test_confirmations_and_htmx_work_under_the_policy(page, live, login):
    refused = _watch_csp(page)
    login(page, ADMIN)
    page.goto("/admin/pengguna")
    asked = []
    page.on("dialog", lambda dialog: (asked.append(dialog.message), dialog.dismiss()))
    page.get_by_role("button", name=re.compile("Atur ulang sandi", re.I)).first.click()
    expect(page).to_have_url(re.compile(r"/admin/pengguna$"))  # dismissed: nothing was reset
    assert asked and "kata sandi sementara" in asked[0]
    page.goto("/audit")
    page.get_by_label("Data").select_option("pengguna")
    expect(page).to_have_url(re.compile(r"entitas=pengguna"))  # htmx pushed the filtered URL
    expect(page.locator("#audit-rows")).to_contain_text("masuk")
    assert refused == []


def test_the_recovery_keys_print_button_prints(page, live, login):
    """Issue 25: its onclick="window.print()" was refused by the policy: the button did nothing, and the
    next one hides the key for good."""
    login(page, ADMIN)
    page.add_init_script("window.print = function () { window.__printed = (window.__printed || 0) + 1; };")
    page.goto("/admin/cadangan/kunci-pemulihan")
    page.get_by_role("button", name="Cetak halaman ini").click()
    page.wait_for_function("() => window.__printed === 1")


def test_the_guard_reports_what_the_policy_blocks(page, live, login):
    """Every journey's pages are watched (helpers.watch_page): an inline script the policy refuses and
    a script's console.error are reported, so the journey that meets one fails."""
    from tests.browser.helpers import PAGE_PROBLEMS, settled
    page.goto("/masuk")
    settled(page)
    page.evaluate("""() => { const b = document.createElement('button'); b.setAttribute('onclick', 'void 0');
                             document.body.appendChild(b); b.click(); }""")
    page.evaluate("() => console.error('rusak')")
    deadline = time.monotonic() + 10  # the console events arrive from the browser's process
    while len(PAGE_PROBLEMS) < 2 and time.monotonic() < deadline:
        page.wait_for_timeout(100)
    reported = list(PAGE_PROBLEMS)
    PAGE_PROBLEMS.clear()  # provoked on purpose: this test's own pages do not fail it
    assert any("CSP violation" in p or "Content Security Policy" in p for p in reported), reported
    assert any("console error: rusak" in p for p in reported), reported
