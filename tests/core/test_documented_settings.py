"""Every environment setting the programs read is in the settings table of docs/operations.md, and every one the
table lists is read somewhere (no documented setting that does nothing)."""
import os
import re
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]
READ = re.compile(r"""(?:environ(?:\.get)?|whole_number_setting|zone_setting)\s*[\(\[]\s*["'](LOKET_[A-Z_]+)["']""")
TESTS_ONLY = {"LOKET_TEST_PG_URL", "LOKET_CHROMIUM", "LOKET_TEST_ARTIFACTS", "LOKET_WINDOWS_PASS"}


def read_by_code() -> set[str]:
    names = set()
    for path in [ROOT / "run.py", *(ROOT / "app").rglob("*.py"), *(ROOT / "sync").rglob("*.py")]:
        names |= set(READ.findall(path.read_text(encoding="utf-8")))
    return names


def documented() -> set[str]:
    readme = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    table = readme.split("## Settings from the environment", 1)[1].split("\n## ", 1)[0]
    return set(re.findall(r"^\| `(LOKET_[A-Z_]+)` \|", table, re.M))


def test_every_setting_read_is_documented_and_every_documented_one_is_read():
    code, docs = read_by_code(), documented()
    assert code, "the pattern found no setting: it no longer matches how the code reads them"
    assert sorted(code - docs - TESTS_ONLY) == [], "read but not in the settings table of docs/operations.md"
    assert sorted(docs - code) == [], "in the settings table of docs/operations.md but read nowhere"


@pytest.mark.parametrize("name, value", [("LOKET_PAGE_TURNS", "abc"), ("LOKET_PAGE_TURNS", "-1"),
                                         ("LOKET_BACKUP_KEEP", "0"), ("LOKET_SESSION_HOURS", "1e3"),
                                         ("LOKET_SESSION_IDLE_MINUTES", "３０")])
def test_a_setting_the_app_cannot_use_is_named_in_one_indonesian_line(tmp_path, name, value):
    """The admin who mistypes a setting gets which one, what it may be and the default, not a
    traceback; nothing is served with a half-understood value."""
    env = dict(os.environ, **{name: value})
    out = subprocess.run([sys.executable, "run.py", "serve", "--data", str(tmp_path), "--port", "0"], cwd=ROOT,
                         env=env, capture_output=True, text=True, timeout=120)
    assert out.returncode == 2, out.stderr
    # the value as typed ('３０' shows as '??' on a cp1252 console: the Windows-like pass)
    assert f"Pengaturan {name}=" in out.stderr and " tidak dapat dipakai" in out.stderr
    assert "bilangan bulat" in out.stderr and "Traceback" not in out.stderr


def test_an_empty_or_padded_setting_means_its_default_or_its_value(monkeypatch, tmp_path):
    from app.frame.config import load_config
    monkeypatch.setenv("LOKET_PAGE_TURNS", "")
    monkeypatch.setenv("LOKET_BACKUP_KEEP", " 14 ")
    config = load_config({"DATA_DIR": tmp_path})
    assert (config["PAGE_TURNS"], config["BACKUP_KEEP"]) == (1, 14)
