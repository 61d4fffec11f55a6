"""Every environment setting the programs read is in README's settings table, and every one the
table lists is read somewhere (no documented setting that does nothing)."""
import re
from pathlib import Path

ROOT = Path(__file__).parents[2]
READ = re.compile(r"""environ(?:\.get)?\s*[\(\[]\s*["'](LOKET_[A-Z_]+)["']""")
TESTS_ONLY = {"LOKET_TEST_PG_URL", "LOKET_CHROMIUM", "LOKET_TEST_ARTIFACTS", "LOKET_WINDOWS_PASS"}


def read_by_code() -> set[str]:
    names = set()
    for path in [ROOT / "run.py", *(ROOT / "app").rglob("*.py"), *(ROOT / "sync").rglob("*.py")]:
        names |= set(READ.findall(path.read_text(encoding="utf-8")))
    return names


def documented() -> set[str]:
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    table = readme.split("## Settings from the environment", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(LOKET_[A-Z_]+)` \|", table, re.M))


def test_every_setting_read_is_documented_and_every_documented_one_is_read():
    code, docs = read_by_code(), documented()
    assert code, "the pattern found no setting: it no longer matches how the code reads them"
    assert sorted(code - docs - TESTS_ONLY) == [], "read but not in README's settings table"
    assert sorted(docs - code) == [], "in README's settings table but read nowhere"
