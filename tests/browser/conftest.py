"""Browser journeys: the real app on waitress, driven by Debian's Chromium through Playwright.

Fixtures (docs/testing.md, "Browser journeys", says how to write one that never races)
  live     the app served on a free loopback port, one per test MODULE (its own data folder),
           with one account per role: live.username[role], password live.password;
           live_office(folder) starts another one when a journey needs two
  browser  the session's headless Chromium; page: a fresh context per test at 1366x768
           (helpers.new_context: Indonesian, WIB, reduced motion, generous wait limits)
  login    login(page, role) signs in through the login form and waits for the answer

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

from tests.browser.helpers import EXPECT_TIMEOUT_MS, new_context, screenshot, sign_in

# What scripts/test.sh exports; the same default when the tests are run by hand.
os.environ.setdefault("LOKET_CHROMIUM", "/usr/bin/chromium")
BROWSER_PASSWORD = "loket-uji-browser-1"
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: journeys in a real browser (Chromium via Playwright)")
    try:
        from playwright.sync_api import expect
    except ImportError:  # chromium_present says what to install
        return
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


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


@contextmanager
def live_office(data: Path, identity: str | None = "35.08.07"):
    """A kecamatan office served by waitress on a free loopback port, data in `data`, with one
    account per role (password BROWSER_PASSWORD) and, unless identity=None, set up as that
    kecamatan. For a journey that needs an office of its own beside the module's `live`."""
    from waitress.server import create_server

    from app import create_app
    from app.frame.access import install_policy
    from app.policy import POLICY
    from app.firstrun import seed_identity
    from app.frame.roles import ALL_ROLES
    from app.frame import store

    app = create_app({"DATA_DIR": data, "SECRET_KEY": "browser-secret"})
    app.register_blueprint(_probe_blueprint())
    columns = "  ".join("-" for _ in POLICY.columns)
    install_policy(app, POLICY.extended(f"uji.cetak {columns} x halaman uji cetak",
                                        {"uji.cetak": "browser_probe.print_probe"}))
    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="loket-uji")
    live = LiveServer(app=app, url=f"http://127.0.0.1:{server.effective_port}", data=data)
    if identity:
        with live.db():
            seed_identity(identity)
            store.put("address", "Jl. Raya Yosowilangun No. 1, Lumajang 67382")
            store.put("phone", "(0334) 571234")
    for role in ALL_ROLES:
        live.username[role] = role.split("_")[-1]  # admin, loket, informasi, pelayanan, camat
        live.create_account(live.username[role], role, full_name=f"Uji {role.replace('_', ' ').title()}")
    thread = threading.Thread(target=server.run, name=f"waitress-live-{server.effective_port}", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.close()  # the daemon thread ends with its socket map


@pytest.fixture(scope="module")
def live(tmp_path_factory, cheap_password_hashing, request):
    """Each test module gets its own office: what one journey saves, signs in or approves is never
    seen by another module's journey. Tests within a module run in file order on the same office."""
    with live_office(tmp_path_factory.mktemp(f"live-{request.module.__name__.rsplit('.', 1)[-1]}")) as office:
        yield office


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
    context = new_context(browser, live.url, accept_downloads=True)
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
    def login_as(page, role_or_username, password=None):
        return sign_in(page, live.username.get(role_or_username, role_or_username), password or live.password)
    return login_as

