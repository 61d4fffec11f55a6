"""Every page each role can open, in the browser: labelled fields, no sideways scrolling at
1366x768 (kiosk pages also on an 800x1280 tablet), readable contrast; and the foundation's
print CSS on paper.

The page list comes from the app's own routes, so pages that land later are checked too.
"""
import pytest
from playwright.sync_api import expect

from app.frame.roles import ALL_ROLES
from tests.browser.helpers import TABLET, axe_violations, fit_problems, new_context, pdf_of, screenshot

# Page walks where zone data shows: run once, in the Windows-like pass (scripts/test.sh).
pytestmark = pytest.mark.windows_pass

# desa.sync_state: a fragment the desa PC's Sinkronisasi section polls (404 outside desa mode)
NOT_PAGES = {"core.htmx_js", "core.healthz", "core.home", "settings.logo", "browser_probe.print_probe", "desa.sync_state"}


def _pages_for(app, role):
    for rule in sorted(app.url_map.iter_rules(), key=lambda r: r.rule):
        allowed = app.extensions["policy"].allowed(rule.endpoint)
        if rule.endpoint == "static" or rule.endpoint in NOT_PAGES or "GET" not in rule.methods or rule.arguments:
            continue
        if allowed == "public" or (role and role in allowed):
            yield rule.rule


@pytest.mark.parametrize("role", [None, *ALL_ROLES])
def test_every_page_is_labelled_fits_the_screen_and_is_readable(page, live, login, role):
    """Every page a role can open (its routes and its home's links): labelled fields, no sideways scrolling,
    readable contrast, every file loaded; the pages of its menu without an axe violation (helpers.AXE_TAGS):
    test_axe_every_page.py's walk of each role's menu, which visited the same pages at the same width, runs here
    (issue 93)."""
    from tests.browser.test_axe_every_page import failed_loads, same_site_links
    failed = failed_loads(page)
    menu = []
    if role:
        login(page, role)
        menu = same_site_links(page, live)
        assert len(menu) >= 2, menu  # the role's menu was read, not an empty list
    checked, problems = [], {}
    for path in dict.fromkeys([*_pages_for(live.app, role), *menu]):
        loaded = len(failed)  # the files that failed to load, counted on the menu's pages as its own walk did
        probe = page.request.get(path, max_redirects=0)
        if "text/html" not in (probe.headers.get("content-type") or ""):
            continue  # downloads (xlsx, csv) are not screens
        response = page.goto(path)
        assert response.status < 400, f"{path} answered {response.status} for {role}"
        checked.append(path)
        found = fit_problems(page)
        if path in menu:  # axe on the pages of the role's menu, as its own walk had it (routes add fragments)
            found += axe_violations(page)
        else:
            del failed[loaded:]
        if page.evaluate("() => document.body.classList.contains('kiosk')"):
            page.set_viewport_size(TABLET)
            found += [f"tablet: {p}" for p in fit_problems(page)]
            screenshot(page, f"kiosk-tablet{path}")
            page.set_viewport_size({"width": 1366, "height": 768})
        if found:
            problems[path] = found
            screenshot(page, f"fit-{role}{path}")
    assert checked, f"no pages found for {role}"
    assert problems == {}
    assert failed == []  # no missing favicon or letterhead logo, no failed script


def test_body_class_follows_boosted_navigation(page, live, login):
    """hx-boost swaps the body's content; the page's own layout class (narrow login box,
    large kiosk type) must follow, or the next page is laid out as the previous one."""
    login(page, "admin")
    expect(page.locator("body")).not_to_have_class("narrow")
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_text("Anda telah keluar.")).to_be_visible()
    expect(page.locator("body")).to_have_class("narrow")


def test_letterhead_and_print_css_on_a4(page, live):
    """The kop surat prints at the top, menus and buttons do not, a long table breaks across
    A4 pages without rows cut, nothing is wider than the paper."""
    short = pdf_of(page, "/_uji/cetak/5", name="letterhead-short")
    assert short.pages == 1
    assert short.overflow == []
    first = " ".join(short.page_text(1).split())  # table cells wrap; compare words
    for text in ("PEMERINTAH KABUPATEN LUMAJANG", "KECAMATAN YOSOWILANGUN", "Jl. Raya Yosowilangun No. 1",
                 "Telp. (0334) 571234", "DAFTAR UJI CETAK", "Warga Nomor 5", "PENANDA TANGAN UJI"):
        assert text in first, text
    assert first.index("PEMERINTAH") < first.index("DAFTAR UJI CETAK")
    for screen_only in ("Langsung ke isi", "Loket Kecamatan ·", "Keluar"):
        assert screen_only not in short.text

    long = pdf_of(page, "/_uji/cetak/120", name="letterhead-long")
    assert 4 <= long.pages <= 8, long.pages  # two lines a row, about twenty rows an A4 page
    assert long.overflow == []
    words = " ".join(long.text.split())
    for n in (1, 60, 120):
        assert f"{n} Warga Nomor {n} Yosowilangun" in words, n
    # Each row whole on one page: its number and its last column's words land together.
    for number in range(1, long.pages + 1):
        text = " ".join(long.page_text(number).split())
        assert text.count("Warga Nomor") == text.count("agar kolom terakhir ikut terisi penuh")
        assert "No Nama Desa Keterangan" in text, f"column headings missing on page {number}"
    assert "PENANDA TANGAN UJI" in long.page_text(long.pages)


def test_less_motion_when_the_system_asks_for_it(browser, live, login):
    """Whoever sets "reduce motion" in the system gets no fading: the search indicator appears at
    once. The other journeys' contexts ask for it too, so colours are measured at their final value."""
    fades = {}
    for motion in ("no-preference", "reduce"):
        context = new_context(browser, live.url, reduced_motion=motion)
        page = login(context.new_page(), "loket")
        page.goto("/pendaftaran")
        fades[motion] = page.locator("#search-busy").evaluate("e => getComputedStyle(e).transitionDuration")
        context.close()
    assert fades == {"no-preference": "0.2s", "reduce": "0s"}
