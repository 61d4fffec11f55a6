"""The fast tier (`scripts/test.sh --fast`, `-m "not slow"`) leaves out exactly what tests/conftest.py
names slow, and every test it names still exists (a renamed test would run in the fast tier again)."""
from pathlib import Path

import pytest

from tests import conftest

ROOT = Path(__file__).parents[2]


class Item:
    def __init__(self, nodeid, *markers):
        self.nodeid, self.markers = nodeid, markers

    def get_closest_marker(self, name):
        return name if name in self.markers else None


@pytest.mark.parametrize("entry", conftest.SLOW_TESTS)
def test_every_test_named_slow_exists(entry):
    path, name = entry.split("::")
    assert f"def {name}(" in (ROOT / path).read_text(encoding="utf-8"), f"{entry} is gone: update SLOW_TESTS"


def test_slow_is_given_by_marker_folder_and_name():
    slow_one = conftest.SLOW_TESTS[0]
    assert conftest.is_slow(Item("tests/sync/test_faults.py::test_x", "soak"))
    assert conftest.is_slow(Item("tests/backups/test_restore_page.py::test_y", "windows_pass"))
    assert conftest.is_slow(Item("tests/browser/test_office_journey.py::test_z"))
    assert conftest.is_slow(Item("tests/simulation/test_office_year.py::test_w"))
    assert conftest.is_slow(Item(slow_one + "[kecamatan]"))
    assert not conftest.is_slow(Item(slow_one + "_and_more"))
    assert not conftest.is_slow(Item("tests/complaints/test_book.py::test_a"))


def test_no_two_test_files_share_a_name_outside_a_package():
    """pytest imports a test file outside a package under its bare name: a second file of that name in
    another such folder stops the whole collection ("import file mismatch"), in CI's clean checkout."""
    from collections import defaultdict
    from pathlib import Path
    tests = Path(__file__).resolve().parents[1]
    bare = defaultdict(list)
    for path in tests.rglob("test_*.py"):
        if not (path.parent / "__init__.py").exists():
            bare[path.name].append(str(path.relative_to(tests)))
    assert {name: places for name, places in bare.items() if len(places) > 1} == {}
