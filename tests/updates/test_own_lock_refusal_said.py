"""Issue 94, finding 3: a version that cannot install its own lock at its first start (app/updates/own_lock.py,
`run.py kunci-versi`) says why in one sentence and stops before it serves. Under a launcher that walks the version
first (d36a7707's "previous-but-one", 0.3.x's, today's) that step runs inside the walk's page checker: the sentence
reached only the checker's log, and the admin read only that the change of version was cut short ("terputus").
Now the step keeps its sentence where every field version's Pembaruan Aplikasi page and health report read a
refused release (status.json "check_refused"), which no launcher writes over."""
import subprocess
from types import SimpleNamespace

import pytest

from app.updates import fleet_report, launcher, own_lock
from app.updates.state import read_state
from tests.registration.conftest import client_as, office  # noqa: F401  (fixtures)
from tests.support.field_versions import FIELD_VERSIONS, ROOT, field_commit

WHY = "pusat kabupaten tidak dapat dihubungi untuk mengambilnya"


def _refused_step(app, monkeypatch, version="9.1.1") -> str:
    """`run.py kunci-versi` of `version` started by its launcher, its wheels out of reach: its sentence."""
    def unreachable(data_dir):
        raise own_lock._refused(WHY)
    monkeypatch.setattr(own_lock, "missing_lock", unreachable)
    monkeypatch.setattr("app.updates.versions.running_version", lambda: version)
    monkeypatch.setenv(launcher.CHILD_ENV, version)
    assert own_lock.cmd_own_lock(SimpleNamespace(data=str(app.config["DATA_DIR"]))) == own_lock.REFUSED
    return f"Versi {version} tidak dijalankan: paket terkuncinya belum terpasang dan {WHY}."


def test_a_refused_own_lock_reaches_the_update_page_and_the_health_report(app, client_as, monkeypatch, capsys):  # noqa: F811
    sentence = _refused_step(app, monkeypatch)
    assert sentence in capsys.readouterr().err  # the launcher's console and the checker's log, as before
    state = read_state(app.config["DATA_DIR"])
    assert state["check_refused"].startswith(sentence) and "9.1.1" in state["failed_versions"]
    monkeypatch.delenv(launcher.CHILD_ENV)
    page = client_as("admin").get("/admin/pembaruan").get_data(as_text=True)
    assert sentence in page and "Laporkan ke admin kabupaten" in page
    update = fleet_report._update(state)
    assert (update["outcome"], update["version"]) == ("ditolak", "9.1.1") and update["why"].startswith(sentence)


@pytest.mark.parametrize("field", ["previous-but-one", "previous", "landed-0.3.1", "landed-0.3.2", "landed-0.3.3", "landed-0.3.4", "landed-0.3.5", "last-landed"])
def test_the_version_serving_after_the_going_back_shows_and_reports_check_refused(field):
    """The page and the report after the going back are the previous version's: each field version's shows
    status.json's check_refused on Pembaruan Aplikasi, and each that reports reads it as the refused release;
    no field launcher writes that key (they write rolled_back and interrupted)."""
    commit = field_commit(field)

    def text(path):
        return subprocess.run(["git", "show", f"{commit}:{path}"], cwd=ROOT, capture_output=True, text=True,
                              check=True).stdout
    assert "state.check_refused" in text("templates/updates/index.html")
    assert '"check_refused"' not in text("app/updates/launcher.py")
    if field != "previous-but-one":  # 0.2.0 sends no health report (sync/center/fleet.FIRST_REPORTING)
        assert "check_refused" in text("app/updates/sync_phase.py")
    assert FIELD_VERSIONS[field]
