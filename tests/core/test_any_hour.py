"""Issue 93 finding 6: the suite passes at any hour. Two complaint tests typed "today at 08:00", refused as a
future moment between 00:00 and 08:00 office time, and failed every CI run that started then. The tests whose
outcome could hang on the hour or the date are marked `clock`; here they run at each office hour and at the edges
of a day, a month, a quarter and a year (tests/support/office_clock.py), in a pytest of their own."""
import os
import re
import subprocess
import sys

import pytest

from tests.support.office_clock import ENV, office_moments
from tests.sync.harness import ROOT


def marked_files() -> list[str]:
    """The test files that mark tests `clock`: only they are collected (the whole suite took 77 s)."""
    return sorted(str(path.relative_to(ROOT)) for path in (ROOT / "tests").rglob("test_*.py")
                  if re.search(r"pytest\.mark\.clock\b", path.read_text("utf-8")))


def _pytest(*argv: str, **env: str) -> subprocess.CompletedProcess:
    # the outer worker's name would give the inner conftest another PostgreSQL database name; none is used here
    outer = {name: value for name, value in os.environ.items() if not name.startswith(("PYTEST_XDIST", ENV))}
    return subprocess.run([sys.executable, "-m", "pytest", "-m", "clock", "-q", "-p", "no:cacheprovider",
                           "-p", "no:randomly", *argv], cwd=ROOT, env={**outer, **env}, capture_output=True,
                          text=True, timeout=1800)


@pytest.mark.windows_pass  # office tests, under the Windows-like settings too
def test_the_time_dependent_tests_pass_at_each_office_hour():
    files = marked_files()
    assert "tests/complaints/test_action_cpu.py" in files, files
    done = _pytest(*files, **{ENV: "1"})
    assert done.returncode == 0, done.stdout[-6000:] + done.stderr[-2000:]
    passed = int(re.search(r"(\d+) passed", done.stdout).group(1))
    assert passed >= 10 * len(office_moments()), done.stdout[-2000:]  # the marked tests (16 now), each at every moment
