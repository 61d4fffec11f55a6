"""Issue 69 finding 2 at the office: a candidate that copies a file it should not reach and prints
"Pemeriksaan berhasil: versi 0.3.0 siap" (its check commands exit 0) while its register page answers
500 is refused before the switch (installing._check) and after it (the launcher), by the walk of the
program already trusted. A real candidate: this tree's files with the lies planted
(tests/updates/candidates.py), started as the office starts a new version. Slow: two walks of some
200 pages and `run.py restore`."""
from pathlib import Path

import pytest

import run
from app.updates import installing, launcher
from app.updates.state import read_selection, read_state, write_selection
from app.updates.versions import CheckInterrupted, UpdateRefused
from tests.updates.candidates import candidate_tree

pytestmark = pytest.mark.slow


@pytest.fixture(scope="module")
def office(tmp_path_factory):
    folder = tmp_path_factory.mktemp("kantor") / "data"
    assert run.main(["demo", "--data", str(folder), "--password", "demo-rahasia-123"]) == 0
    return folder


@pytest.fixture(scope="module")
def liar(office):
    return candidate_tree(office / "versions" / "0.3.0", plant="liar")


def test_its_own_update_check_says_it_passed(office, liar):
    """What the office believed before: the candidate's word (exit 0 and the "siap" line)."""
    import subprocess
    import sys
    said = subprocess.run([sys.executable, str(liar / "run.py"), "update-check", "--data", str(office), "--database",
                           str(office / "loket.sqlite3"), "--mode", "kecamatan"], capture_output=True, text=True,
                          timeout=300)
    assert said.returncode == 0 and "Pemeriksaan berhasil: versi 0.3.0 siap" in said.stdout


def test_before_the_switch_the_running_program_refuses_it(office, liar, monkeypatch):
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    with pytest.raises(UpdateRefused) as refusal:
        installing._check(office, office / "loket.sqlite3", "kecamatan", liar, "0.3.0")
    assert not isinstance(refusal.value, CheckInterrupted)
    assert "/pendaftaran (HTTP 500)" in str(refusal.value) and "tidak ditawarkan lagi" in str(refusal.value)
    assert "0.3.0" in read_state(office)["failed_versions"]
    assert not list(office.glob("pembaruan-uji*"))
    write_state_clean(office)


def test_after_the_switch_the_launcher_refuses_it_and_the_previous_program_serves(office, liar, monkeypatch):
    write_selection(office, {"version": "0.3.0", "root": str(liar), "state": "uji", "backup": None, "attempts": 0,
                             "database": str(office / "loket.sqlite3"), "mode": "kecamatan", "previous": None})
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    monkeypatch.setattr(launcher, "_run_child", lambda *arguments: pytest.fail("the refused version was started"))
    assert launcher.serve(office, ["serve", "--mode", "kecamatan"], lambda: "this program serves") == "this program serves"
    kept = read_state(office)
    assert "0.3.0" in kept["failed_versions"] and "/pendaftaran" in kept["rolled_back"]
    assert "Versi 0.3.0 gagal berjalan (halaman menjawab galat setelah berganti versi" in kept["rolled_back"]
    assert kept["health"]["walk"] == "gagal" and read_selection(office) is None
    assert not liar.exists()  # its folder removed


def write_state_clean(office: Path) -> None:
    """The next test installs it again, as if refused nowhere."""
    from app.updates.state import write_state
    write_state(office, failed_versions=[], check_refused=None)
