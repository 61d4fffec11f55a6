"""Fixtures for what scripts/test.sh provides: PostgreSQL, Chromium, an artefacts folder."""

import os
import re
import sqlite3
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]

# Chromium's background services try to reach Google; this machine has no internet.
CHROMIUM_ARGS = [
    "--disable-gpu",
    "--disable-quic",
    "--no-first-run",
    "--disable-background-networking",
    "--disable-component-update",
    "--disable-sync",
    # A camera for the webcam journey: Chromium's test pattern (permission is still granted per context).
    "--use-fake-device-for-media-stream",
]


def _required_env(name):
    value = os.environ.get(name)
    if not value:
        pytest.fail(f"{name} is not set: run the tests with `bash scripts/test.sh`", pytrace=False)
    return value


def pytest_report_header(config):
    return [
        f"sqlite: {sqlite3.sqlite_version}",
        f"postgresql: {os.environ.get('LOKET_TEST_PG_URL', '(not set)')}",
        f"chromium: {os.environ.get('LOKET_CHROMIUM', '(not set)')}",
    ]


@pytest.fixture(scope="session")
def pg_url():
    """URL of the throwaway PostgreSQL database started by scripts/test.sh."""
    return _required_env("LOKET_TEST_PG_URL")


@pytest.fixture
def artifacts_dir(request):
    """A folder under test-artifacts/ for this test's screenshots and files."""
    base = Path(os.environ.get("LOKET_TEST_ARTIFACTS", ROOT / "test-artifacts"))
    path = base / re.sub(r"[^\w.-]+", "_", request.node.nodeid)
    path.mkdir(parents=True, exist_ok=True)
    return path


@pytest.fixture(scope="session")
def browser():
    """Debian's headless Chromium driven by Playwright (never a downloaded browser)."""
    from playwright.sync_api import sync_playwright

    executable = _required_env("LOKET_CHROMIUM")
    with sync_playwright() as playwright:
        chromium = playwright.chromium.launch(executable_path=executable, headless=True, args=CHROMIUM_ARGS)
        yield chromium
        chromium.close()


@pytest.fixture
def page(browser):
    """A fresh browser page in its own context."""
    context = browser.new_context(locale="id-ID", timezone_id="Asia/Jakarta")
    yield context.new_page()
    context.close()
