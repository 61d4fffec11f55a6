"""Issue 70: a rule written twice drifts apart. Each of these has one copy in the product; the others call it."""
import re
from pathlib import Path

from sync.release.key_signing import printed_fingerprint

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
    assert [line.split(":")[0] for line in product_lines(r"range\(0, FINGERPRINT_HEX, 4\)")] == ["sync/release/key_signing.py"]
    assert printed_fingerprint("3f2a9c01" * 4) == "3f2a 9c01 3f2a 9c01 3f2a 9c01 3f2a 9c01"


def test_the_ikm_grade_bands_are_written_once():
    """The office's survey pages and the center's regency IKM grade by one table (app/frame/ikm_grades.py)."""
    for band in ("88.31", "76.61", "65.00"):
        assert [line.split(":")[0] for line in product_lines(rf'Decimal\("{re.escape(band)}"\)')] == [
            "app/frame/ikm_grades.py"], band


def test_an_http_answer_is_read_within_its_bound_by_one_reader():
    readers = {line.split(":")[0] for line in product_lines(r"\.iter_content\(")}
    assert readers == {"sync/bounded_answer.py"}


def streamed(body: bytes):
    """A requests answer whose body streams from bytes, as one from the network does from its socket."""
    import io

    import requests
    response = requests.models.Response()
    response.status_code, response.raw = 200, io.BytesIO(body)
    return response


def test_the_reader_keeps_one_byte_past_the_bound_and_stops_when_asked():
    from sync.bounded_answer import read_at_most
    assert read_at_most(streamed(b"x" * 200_000), 100_000) == b"x" * 100_001  # longer: the caller refuses or cuts
    assert read_at_most(streamed(b"abc"), 3) == b"abc"
    assert read_at_most(streamed(b"y" * 200_000), 10**6, stop=lambda: True) == b"y" * 65_536  # a deadline passed
