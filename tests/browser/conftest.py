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
from collections import deque
from pathlib import Path

import pytest

from tests.browser.helpers import EXPECT_TIMEOUT_MS, PAGE_PROBLEMS, new_context, screenshot, sign_in
from tests.browser.office import live_office

# What scripts/test.sh exports; the same default when the tests are run by hand.
os.environ.setdefault("LOKET_CHROMIUM", "/usr/bin/chromium")
BROWSER_DIR = Path(__file__).resolve().parent


def pytest_configure(config):
    config.addinivalue_line("markers", "browser: journeys in a real browser (Chromium via Playwright)")
    config.addinivalue_line("markers", "page_problems_expected(*regex): console errors this journey provokes on purpose")
    try:
        from playwright.sync_api import expect
    except ImportError:  # chromium_present says what to install
        return
    expect.set_options(timeout=EXPECT_TIMEOUT_MS)


def pytest_collection_modifyitems(config, items):
    for item in items:
        if BROWSER_DIR in Path(str(item.fspath)).parents:
            item.add_marker(pytest.mark.browser)
            item.add_marker(pytest.mark.windows_pass)  # the office PC's screens: once, in the Windows-like pass


@pytest.hookimpl(hookwrapper=True)
def pytest_runtest_makereport(item, call):
    outcome = yield
    report = outcome.get_result()
    setattr(item, f"report_{report.when}", report)


@pytest.fixture(autouse=True)
def page_problems_fail_the_test(request):
    """Every journey fails on a CSP violation, a console error or an uncaught exception in any page
    of a watched context (helpers.new_context). A test that provokes one on purpose names what it
    expects with `@pytest.mark.page_problems_expected(regex, ...)`."""
    import re

    PAGE_PROBLEMS.clear()
    yield
    marker = request.node.get_closest_marker("page_problems_expected")
    meant = [re.compile(pattern) for pattern in (marker.args if marker else ())]
    left = [p for p in PAGE_PROBLEMS if not any(m.search(p) for m in meant)]
    PAGE_PROBLEMS.clear()
    assert not left, "the pages reported problems:\n" + "\n".join(left)


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
    answers = deque(maxlen=25)  # the pages and requests answered last (not files), said when the test fails

    def answered(response):
        if "/static/" not in response.url and "/vendor/" not in response.url:
            answers.append(f"{response.status} {response.request.method} {response.url}")
    page.on("response", answered)
    yield page
    report = getattr(request.node, "report_call", None)
    if report is not None and report.failed:
        screenshot(page, f"FAILED-{request.node.name}")
        # A failed check prints the page it saw, not how the page got there (a sign-out, a redirect).
        print(f"the page was at {page.url}; its last answers, oldest first:", *answers, sep="\n  ")
    context.close()
    assert not errors, f"JavaScript errors on the page: {errors}"


@pytest.fixture
def login(live):
    def login_as(page, role_or_username, password=None):
        return sign_in(page, live.username.get(role_or_username, role_or_username), password or live.password)
    return login_as

