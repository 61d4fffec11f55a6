"""axe-core (WCAG 2.1 A/AA) on every page of every role: each role's menu, the pages one step
below it that need no data, the sign-in, error and public pages. 0 violations expected."""
from urllib.parse import urlparse

from app.frame.roles import ALL_ROLES
from tests.browser.helpers import axe_violations, logout

PUBLIC_PAGES = ["/masuk", "/pengaduan/kios", "/pengaduan/status", "/survei", "/survei/terima-kasih",
                "/halaman-yang-tidak-ada"]


def same_site_links(page, live) -> list[str]:
    hrefs = page.eval_on_selector_all("a[href]", "els => els.map(a => a.href)")
    paths = []
    for href in hrefs:
        url = urlparse(href)
        if f"{url.scheme}://{url.netloc}" != live.url or not url.path.startswith("/"):
            continue
        path = url.path + (f"?{url.query}" if url.query else "")
        if any(word in path for word in ("keluar", "unduh", ".xlsx", ".csv", ".jpg", "cadangan/")) or path in paths:
            continue
        paths.append(path)
    return paths


def failed_loads(page) -> list[str]:
    """Every sub-resource (favicon, logo, script, style) the browser could not load, as it happens."""
    failed = []
    page.on("response", lambda r: failed.append(f"{r.status} {r.url}")
            if r.status >= 400 and r.request.resource_type != "document" else None)
    page.on("console", lambda m: failed.append(f"console {m.text}") if m.type == "error" else None)
    return failed


def test_public_pages_have_no_axe_violation_and_load_everything(page, live):
    failed = failed_loads(page)
    found = []
    for path in PUBLIC_PAGES:
        page.goto(path)
        found += axe_violations(page)
        if path == "/halaman-yang-tidak-ada":  # the page's own 404 is the point; its favicon and CSS must load
            failed = [f for f in failed if "(NOT FOUND)" not in f]
    assert found == []
    assert failed == []
    page.goto("/survei")
    assert page.evaluate("fetch(document.querySelector('link[rel=icon]').href).then(r => r.status)") == 200


def test_every_role_sees_pages_without_axe_violation(page, live, login):
    failed = failed_loads(page)
    found = []
    visited = 0
    for role in ALL_ROLES:
        login(page, role)
        menu = same_site_links(page, live)
        for path in menu:
            page.goto(path)
            visited += 1
            found += axe_violations(page)
        logout(page)
    assert visited > 30  # every role's menu was walked, not an empty list
    assert found == []
    assert failed == []  # no missing favicon or letterhead logo, no failed script
