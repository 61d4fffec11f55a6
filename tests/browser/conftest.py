"""Browser journeys: the real app on waitress, driven by Debian's Chromium through Playwright.

Fixtures
  live     the app served on a free loopback port (one per test session, fresh data folder),
           with one account per role: live.username[role], password live.password
  browser  the session's headless Chromium; page: a fresh context per test at 1366x768
  login    login(page, role) signs in through the login form

Every test here carries the `browser` marker (`pytest -m browser`). Chromium is never
downloaded: it is Debian's (/usr/bin/chromium, or $LOKET_CHROMIUM). When it is missing the
tests fail, they do not skip: scripts/test.sh always installs it.
"""
import os
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

import pytest
from flask import Blueprint, render_template_string

from tests.browser.helpers import DESKTOP, screenshot

# What scripts/test.sh exports; the same default when the tests are run by hand.
os.environ.setdefault("LOKET_CHROMIUM", "/usr/bin/chromium")
BROWSER_PASSWORD = "loket-uji-browser-1"
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: journeys in a real browser (Chromium via Playwright)")


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


# A page that prints the kop surat above a long table and a signature block: the foundation's
# print CSS checked before any capability has printed pages of its own. Test-only route.
PRINT_PROBE = """{% extends "base.html" %}
{% block title %}Uji cetak{% endblock %}
{% block content %}
{% include "_letterhead.html" %}
<h1>DAFTAR UJI CETAK</h1>
<table class="list"><thead><tr><th>No</th><th>Nama</th><th>Desa</th><th>Keterangan</th></tr></thead>
<tbody>{% for n in range(1, rows + 1) %}<tr><td>{{ n }}</td><td>Warga Nomor {{ n }}</td><td>Yosowilangun Lor</td>
<td>Keterangan yang cukup panjang untuk baris ke-{{ n }} agar kolom terakhir ikut terisi penuh</td></tr>{% endfor %}</tbody></table>
<div class="signature">Camat Yosowilangun<br><br><br><strong>PENANDA TANGAN UJI</strong></div>
{% endblock %}"""


def _probe_blueprint():
    probe = Blueprint("browser_probe", __name__)

    @probe.get("/_uji/cetak/<int:rows>")
    def print_probe(rows):
        return render_template_string(PRINT_PROBE, rows=rows)
    return probe


@dataclass
class LiveServer:
    app: object
    url: str
    data: Path = None  # the live app's data folder
    password: str = BROWSER_PASSWORD
    username: dict = field(default_factory=dict)  # role -> username

    @contextmanager
    def db(self):
        """The live app's database, for arranging data and checking what a journey saved."""
        database = self.app.extensions["database"]
        with self.app.app_context(), database.connection_context():
            yield database

    def create_account(self, username, role, full_name=None, must_change_password=False):
        """An account made by the app's own code; returns its password."""
        from app.auth.accounts import create_user
        with self.db():
            _, password = create_user(username, full_name or f"Pegawai {username}", role,
                                      password=None if must_change_password else self.password,
                                      must_change_password=must_change_password)
        return password


def pytest_collection_modifyitems(config, items):
    """Tests marked `fills_live_office` fill the session's shared live office with demo data and
    approve last quarter's recap; they run after every journey that starts from an empty office.

    Browser journeys share one live server and run while a second pass of the suite loads the
    same two cores: a journey that loses a race with an htmx swap or a CSS transition is run once
    more (pytest-rerunfailures), and the rerun is reported in the summary, never hidden."""
    last = [item for item in items if item.get_closest_marker("fills_live_office")]
    items[:] = [item for item in items if item not in last] + last
    for item in items:
        if "tests/browser/" in item.nodeid and not item.get_closest_marker("flaky"):
            item.add_marker(pytest.mark.flaky(reruns=1))


@pytest.fixture(scope="session")
def live(tmp_path_factory, cheap_password_hashing):
    from waitress.server import create_server

    from app import create_app
    from app.frame.access import install_policy
    from app.policy import POLICY
    from app.firstrun import seed_identity
    from app.frame.roles import ALL_ROLES
    from app.frame import store

    data = tmp_path_factory.mktemp("live-data")
    app = create_app({"DATA_DIR": data, "SECRET_KEY": "browser-secret"})
    app.register_blueprint(_probe_blueprint())
    columns = "  ".join("-" for _ in POLICY.columns)
    install_policy(app, POLICY.extended(f"uji.cetak {columns} x halaman uji cetak",
                                        {"uji.cetak": "browser_probe.print_probe"}))
    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="loket-uji")
    live = LiveServer(app=app, url=f"http://127.0.0.1:{server.effective_port}", data=data)
    with live.db():
        seed_identity("35.08.07")
        store.put("address", "Jl. Raya Yosowilangun No. 1, Lumajang 67382")
        store.put("phone", "(0334) 571234")
    for role in ALL_ROLES:
        live.username[role] = role.split("_")[-1]  # admin, loket, informasi, pelayanan, camat
        live.create_account(live.username[role], role, full_name=f"Uji {role.replace('_', ' ').title()}")
    thread = threading.Thread(target=server.run, name="waitress-live", daemon=True)
    thread.start()
    yield live
    server.close()


@pytest.fixture(scope="session")
def chromium_present():
    executable = os.environ["LOKET_CHROMIUM"]
    if not Path(executable).exists():
        pytest.fail(f"Chromium not found at {executable}: install Debian's chromium "
                    "(scripts/test.sh does) or point LOKET_CHROMIUM at it", pytrace=False)
    try:
        import playwright  # noqa: F401
    except ImportError:
        pytest.fail("the playwright package is missing: pip install -e '.[test]'", pytrace=False)


@pytest.fixture(scope="session")
def browser(chromium_present, browser):
    """The session's one headless Chromium (tests/support/fixtures.py): a second Playwright
    instance in the same process would fail."""
    return browser


@pytest.fixture
def page(browser, live, request):
    context = browser.new_context(base_url=live.url, viewport=DESKTOP, locale="id-ID",
                                  timezone_id="Asia/Jakarta", accept_downloads=True)
    context.set_default_timeout(10_000)
    page = context.new_page()
    errors = []
    page.on("pageerror", lambda error: errors.append(str(error)))
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        screenshot(page, f"FAILED-{request.node.name}")
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def login(live):
    def sign_in(page, role_or_username, password=None):
        username = live.username.get(role_or_username, role_or_username)
        page.goto("/masuk")
        page.get_by_label("Nama pengguna").fill(username)
        page.get_by_label("Kata sandi").fill(password or live.password)
        page.get_by_role("button", name="Masuk").click()
        page.wait_for_load_state()
        return page
    return sign_in

