"""The fast tier (scripts/test.sh --fast: `-m "not slow"`) runs every structure guard: a developer
learns of a broken layer, program boundary or role row after each change, not in CI (issue 63)."""
import subprocess
import sys

from pathlib import Path

from tests.conftest import STRUCTURE_GUARDS

ROOT = Path(__file__).resolve().parents[2]


def collected(*args) -> list[str]:
    answer = subprocess.run([sys.executable, "-m", "pytest", "--collect-only", "-q", "-p", "no:cacheprovider",
                             *args, *STRUCTURE_GUARDS], cwd=ROOT, capture_output=True, text=True, timeout=300)
    return [line for line in answer.stdout.splitlines() if "::" in line]


def test_every_structure_guard_runs_in_the_fast_tier():
    every = collected()
    fast = collected("-m", "not slow")
    assert len(every) > 30  # the guards were found: a moved file would make this check empty
    assert {path.split("::")[0] for path in every} == set(STRUCTURE_GUARDS)
    assert sorted(set(every) - set(fast)) == []


def test_the_files_scheduled_first_exist():
    """A renamed long file would silently lose its place (tests/conftest.LONGEST_FILES)."""
    from tests.conftest import LONGEST_FILES
    assert [path for path in LONGEST_FILES if not (ROOT / path).is_file()] == []
    assert len(set(LONGEST_FILES)) == len(LONGEST_FILES)
