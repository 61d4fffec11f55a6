"""Issue 70: a rule written twice drifts apart. Each of these has one copy in the product; the others call it."""
import re
from pathlib import Path

from sync.releases import printed_fingerprint

ROOT = Path(__file__).resolve().parents[2]


def product_lines(pattern: str) -> list[str]:
    """`path:line` of each product line (app/, sync/) matching the pattern."""
    found = []
    for path in sorted(p for folder in ("app", "sync") for p in (ROOT / folder).rglob("*.py")):
        for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
            if re.search(pattern, line):
                found.append(f"{path.relative_to(ROOT).as_posix()}:{number}")
    return found


def test_the_fingerprint_is_grouped_for_print_in_one_place():
    assert [line.split(":")[0] for line in product_lines(r"range\(0, FINGERPRINT_HEX, 4\)")] == ["sync/releases.py"]
    assert printed_fingerprint("3f2a9c01" * 4) == "3f2a 9c01 3f2a 9c01 3f2a 9c01 3f2a 9c01"


def test_the_ikm_grade_bands_are_written_once():
    """The office's survey pages and the center's regency IKM grade by one table (app/frame/ikm_grades.py)."""
    for band in ("88.31", "76.61", "65.00"):
        assert [line.split(":")[0] for line in product_lines(rf'Decimal\("{re.escape(band)}"\)')] == [
            "app/frame/ikm_grades.py"], band
