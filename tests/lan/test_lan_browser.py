"""Issue 84 in a real browser: Debian's Chromium that trusts the office's CA (imported into its NSS
database, as the admin's guide has a Linux counter do it) opens the LAN's pages with no warning; one that
does not trust it gets the browser's refusal over https:// and, typing http://, the explanation, never
the app.
"""
import os
import shutil
import subprocess

import pytest

from app.frame import office_tls
from tests.conftest import TEST_PASSWORD
from tests.support.fixtures import CHROMIUM_ARGS

pytestmark = pytest.mark.browser


def nss_trusting(home, ca: dict) -> None:
    """The user's NSS database (what Chromium on Linux reads) with the office's CA trusted for websites, by
    the guide's own terminal line run on a profile with no database yet (issue 90, finding 5)."""
    if shutil.which("certutil") is None:
        pytest.skip("certutil (Debian's libnss3-tools) is not installed")
    (home / "sertifikat-kantor.crt").write_bytes(office_tls.ca_der(ca))
    subprocess.run(["sh", "-c", office_tls.LINUX_TRUST_COMMAND], cwd=home, env={**os.environ, "HOME": str(home)},
                   check=True)


@pytest.fixture
def lan(app, users):
    listener = office_tls.LanListener(app, "127.0.0.1", 0, threads=4)
    listener.bind()
    listener.start()
    with app.app_context(), app.extensions["database"].connection_context():
        ca = office_tls.office_ca()
    yield listener, ca
    listener.stop()


def chromium(playwright, home, *args):
    executable = os.environ.get("LOKET_CHROMIUM")
    if not executable:
        pytest.skip("LOKET_CHROMIUM is not set (scripts/test.sh sets it)")
    return playwright.chromium.launch(executable_path=executable, headless=True, args=[*CHROMIUM_ARGS, *args],
                                      env={**os.environ, "HOME": str(home)})


def test_a_browser_trusting_the_office_opens_its_pages_and_one_that_does_not_gets_the_explanation(lan, tmp_path):
    if shutil.which("certutil") is None:
        pytest.skip("certutil (Debian's libnss3-tools) is not installed")
    from playwright.sync_api import Error, sync_playwright
    listener, ca = lan
    base = f"https://127.0.0.1:{listener.port}"
    trusting, stranger = tmp_path / "loket-2", tmp_path / "tamu"
    trusting.mkdir()
    stranger.mkdir()
    nss_trusting(trusting, ca)
    with sync_playwright() as playwright:
        browser = chromium(playwright, trusting)
        page = browser.new_context(locale="id-ID").new_page()
        page.goto(f"{base}/masuk")  # a certificate error would raise here
        page.fill("#f-username", "petugas-loket")
        page.fill("#f-password", TEST_PASSWORD)
        page.click("button[type=submit]")
        page.wait_for_url(lambda url: "/masuk" not in url)
        for path in ("/pendaftaran", "/pendaftaran/baru"):
            answer = page.goto(base + path)
            assert answer.ok and answer.url.startswith("https://")
            assert answer.headers["strict-transport-security"].startswith("max-age=")
        assert page.goto(f"https://localhost:{listener.port}/masuk").ok  # by name too (the CA's constraints allow it)
        cookies = page.context.cookies()
        assert cookies and all(cookie["secure"] for cookie in cookies if cookie["name"] == "loket_session")
        browser.close()

        browser = chromium(playwright, stranger)
        context = browser.new_context(locale="id-ID")
        with pytest.raises(Error, match="ERR_CERT_AUTHORITY_INVALID"):
            context.new_page().goto(f"{base}/masuk")
        page = context.new_page()  # the refused tab keeps loading its error page: typed in a new one
        page.goto(f"http://127.0.0.1:{listener.port}/masuk")
        assert page.locator("h1").inner_text() == "Sambungan ke kantor belum aman"
        assert page.locator("input[name=password]").count() == 0
        assert page.get_by_role("link", name="sertifikat kantor").get_attribute("href") == office_tls.CA_DOWNLOAD_PATH
        browser.close()


@pytest.mark.slow  # a browser, twice
def test_an_old_bookmark_after_one_visit_over_tls_reaches_the_app_never_a_browser_error(app, users, tmp_path):
    """Issue 90, finding 4: "HSTS upgrades http://NAME:8080 to https://NAME:8080, and the door there speaks only
    plain HTTP (ERR_SSL_PROTOCOL_ERROR, for a year)". The office PC's name resolves to 127.0.0.2 (its LAN
    address here, where the old port's door is open); the counter trusts the office by the guide's line."""
    name = office_tls.pc_name()
    if not name:
        pytest.skip("this PC's name is not a DNS name")
    from playwright.sync_api import sync_playwright
    listener = office_tls.LanListener(app, "127.0.0.2", 0, threads=4)
    listener.bind()
    listener.open_doors(0)
    listener.start()
    old_port = listener.doors["127.0.0.2"].bind_addr[1]
    try:
        with app.app_context(), app.extensions["database"].connection_context():
            nss_trusting(tmp_path, office_tls.office_ca())
        with sync_playwright() as playwright:
            browser = chromium(playwright, tmp_path, f"--host-resolver-rules=MAP {name} 127.0.0.2")
            page = browser.new_context(locale="id-ID").new_page()
            visit = page.goto(f"https://{name}:{listener.port}/masuk")  # one visit over TLS: HSTS kept for a year
            assert visit.headers["strict-transport-security"].startswith("max-age=")
            page.goto(f"http://{name}:{old_port}/masuk")  # the old bookmark: the browser asks https://NAME:old_port
            assert page.url == f"https://{name}:{listener.port}/masuk"
            assert page.locator("input[name=password]").count() == 1
            browser.close()
    finally:
        listener.stop()
