"""This version started by an older launcher keeps that launcher's contract (app/updates/older_launchers.py,
issue 80 finding 1). The launchers themselves run for real in tests/updates/test_field_launchers.py;
here the child's side alone, its walk's verdict given (tests/updates/test_trusted_walk.py walks real ones)."""
from pathlib import Path

from app.updates import launcher, older_launchers
from app.updates.state import read_selection, read_state, write_selection, write_state
from tests.updates.test_launcher import CUT, FAILED, PASSED, installed_version


def office(tmp_path) -> Path:
    from app import create_app
    folder = tmp_path / "kantor"
    create_app({"DATA_DIR": folder, "SECRET_KEY": "k", "TESTING": True})
    return folder


def started_on_trial(monkeypatch, folder: Path, **selection) -> dict:
    """The selection an older launcher leaves when it starts `run.py serve` of 0.3.0, and its child's env."""
    root = installed_version(folder / "versions" / "0.3.0", "0.3.0")
    write_selection(folder, dict({"version": "0.3.0", "root": str(root), "state": "uji", "previous": None,
                                  "database": str(folder / "loket.sqlite3"), "mode": "kecamatan"}, **selection))
    monkeypatch.setenv(launcher.CHILD_ENV, "0.3.0")
    return older_launchers.trial(folder)


def walks(monkeypatch, verdict):
    from app.updates import walk
    monkeypatch.setattr(walk, "walk_version", lambda *args, **kwargs: verdict)


def test_under_the_launcher_that_waits_for_the_versions_own_verdict_it_walks_and_writes_baik(monkeypatch, tmp_path):
    """The 2026-11-27 launcher killed today's version after 15 minutes without "baik" and restored the
    switch-time backup over what clerks had saved on it."""
    folder = office(tmp_path)
    selection = started_on_trial(monkeypatch, folder, backup=str(folder / "cadangan.sqlite3"), attempts=1)
    assert selection and not older_launchers.launcher_writes_verdict(selection)
    walks(monkeypatch, PASSED)
    assert older_launchers.before_serving(folder, selection, "kecamatan") is None
    assert read_selection(folder)["state"] == "uji"  # the live data is migrated next: it may still stop (issue 94)
    assert read_state(folder)["health"]["walk"] == "lulus"
    assert older_launchers.verdict_before_the_first_request(folder, selection)  # serve_here, before its first request
    assert read_selection(folder)["state"] == "baik"
    write_selection(folder, dict(read_selection(folder), version="9.9.9"))  # another version selected meanwhile
    assert not older_launchers.verdict_before_the_first_request(folder, selection)


def test_a_failed_own_walk_exits_as_that_launcher_reads_a_failed_page_before_taking_any_request(monkeypatch,
                                                                                                  tmp_path):
    folder = office(tmp_path)
    selection = started_on_trial(monkeypatch, folder, backup=str(folder / "cadangan.sqlite3"), attempts=2)
    walks(monkeypatch, FAILED)
    assert older_launchers.before_serving(folder, selection, "kecamatan") == older_launchers.WALK_FAILED
    assert read_selection(folder)["state"] == "uji"
    assert read_state(folder)["health"]["failed"] == ["/pendaftaran"]  # what that launcher's message names
    walks(monkeypatch, CUT)
    assert older_launchers.before_serving(folder, selection, "kecamatan") == 1
    assert read_selection(folder)["state"] == "uji"


def test_under_the_first_updatable_launcher_it_makes_the_switch_backup_then_starts_again(monkeypatch, tmp_path):
    """That launcher restores the backup the applying version made while it still served (or none, when
    this version's installer applied): the version makes one with no server running, and starts again
    so that the launcher reads it."""
    folder = office(tmp_path)
    selection = started_on_trial(monkeypatch, folder, backup=None, attempts=0)
    assert older_launchers.launcher_writes_verdict(selection)
    assert older_launchers.before_serving(folder, selection, "kecamatan") == launcher.RESTART
    again = older_launchers.trial(folder)
    assert Path(again["backup"]).is_file() and Path(again["backup"]).parent == folder / "backups"
    assert again[older_launchers.BACKUP_MARK] and again["state"] == "uji"
    walks(monkeypatch, PASSED)  # that launcher walks nothing: the version walks itself (issue 94, finding 4)
    assert older_launchers.before_serving(folder, again, "kecamatan") is None  # now it serves, behind the gate
    assert read_selection(folder)["state"] == "uji"  # "baik" is that launcher's word, once /masuk answers
    assert read_state(folder)["health"]["walk"] == "lulus"


def test_under_the_first_updatable_launcher_a_failed_own_walk_stops_it_before_it_listens(monkeypatch, tmp_path):
    """That launcher walks nothing and wrote "baik" 6 s after the switch over a register answering 500
    (issue 94, finding 4). The version's own walk fails: it stops before it listens, and that launcher
    would take back a child that stops before, restoring the version's own backup with its own code, which
    refuses a backup of a newer database: at every release after the first (issue 94's refused release under
    the real launcher, tests/updates/test_field_launchers.py) it said "data TIDAK dipulihkan otomatis; pulihkan
    cadangan ... dari halaman Cadangan Data", a restore that would undo every save since. The walk was on a
    copy and nothing was taken: the version goes back itself ("data tidak berubah") and starts again, and that
    launcher reads the previous selection. A walk cut short lets it serve: that launcher judges, as it always did."""
    folder = office(tmp_path)
    previous = {"version": "0.2.9", "root": str(folder / "versions" / "0.2.9"), "state": "baik"}
    selection = started_on_trial(monkeypatch, folder, backup=str(folder / "cadangan.sqlite3"), attempts=0,
                                 previous=previous, **{older_launchers.BACKUP_MARK: "versi"})
    walks(monkeypatch, FAILED)
    assert older_launchers.before_serving(folder, selection, "kecamatan") == launcher.RESTART
    assert read_selection(folder) == previous
    kept = read_state(folder)
    assert "0.3.0" in kept["failed_versions"] and "/pendaftaran" in kept["rolled_back"]
    assert "kembali sendiri ke versi 0.2.9; data tidak berubah" in kept["rolled_back"]
    assert "TIDAK dipulihkan" not in kept["rolled_back"] and "Cadangan Data" not in kept["rolled_back"]
    assert not Path(selection["root"]).exists()
    write_selection(folder, selection)
    walks(monkeypatch, CUT)
    assert older_launchers.before_serving(folder, selection, "kecamatan") is None
    assert read_selection(folder)["state"] == "uji"


def test_today_s_launcher_leaves_nothing_to_do_and_a_program_serving_itself_neither(monkeypatch, tmp_path):
    folder = office(tmp_path)
    started_on_trial(monkeypatch, folder, state="baik")
    assert older_launchers.trial(folder) is None
    write_selection(folder, dict(read_selection(folder), state="uji"))
    monkeypatch.delenv(launcher.CHILD_ENV)
    assert older_launchers.trial(folder) is None


def test_until_the_first_updatable_launchers_verdict_only_its_sign_in_probe_is_served(monkeypatch, tmp_path):
    from werkzeug.test import Client
    from werkzeug.wrappers import Response
    folder = office(tmp_path)
    started_on_trial(monkeypatch, folder, backup=None, attempts=0)
    gate = older_launchers.UntilVerdict(lambda environ, start: Response("isian tersimpan")(environ, start), folder,
                                        "0.3.0", every=0.01)
    client = Client(gate)
    assert client.get("/masuk").status_code == 200
    refused = client.post("/pengaduan/baru", data={"isi": "jalan rusak"})
    assert refused.status_code == 503 and "berganti versi" in refused.get_data(as_text=True)
    write_selection(folder, dict(read_selection(folder), state="baik"))  # what that launcher writes once /masuk answered
    assert gate.opened.wait(10)
    assert client.post("/pengaduan/baru", data={"isi": "jalan rusak"}).status_code == 200


def test_a_going_back_the_first_updatable_launcher_could_not_restore_is_ended_by_the_version_before(monkeypatch,
                                                                                                 tmp_path):
    """Issue 94: under the first updatable launcher a release migrates the live data, then stops before it listens
    (before that launcher's "baik": it took nothing). That launcher's take_back (882de731's, as written below)
    restores with its own code, which refuses a backup of a newer database: it selected the release before again,
    said "data TIDAK dipulihkan otomatis; pulihkan cadangan ... dari halaman Cadangan Data" and left the failed
    release's migration, on which the release before would not start. Started again, the release before restores
    the switch-time backup the failed one kept (this tree's `run.py restore`, as its going back runs it) and the
    page says so in true words. The real launcher: tests/updates/test_first_updatable_refused_restore.py."""
    from app.frame.db import connect
    from tests.updates.test_install import table_exists
    folder = office(tmp_path)
    before = {"version": "0.2.9", "root": str(Path(__file__).resolve().parents[2]), "state": "baik"}
    selection = started_on_trial(monkeypatch, folder, backup=None, attempts=0, previous=before)
    assert older_launchers.before_serving(folder, selection, "kecamatan") == launcher.RESTART
    again = older_launchers.trial(folder)
    walks(monkeypatch, PASSED)
    assert older_launchers.before_serving(folder, again, "kecamatan") is None  # it serves next: it migrates first
    live = connect(folder / "loket.sqlite3")
    level = live.execute("PRAGMA user_version").fetchone()[0]
    live.execute(f"CREATE TABLE rusak_uji (id INTEGER); PRAGMA user_version = {level + 1}")
    live.close()
    write_selection(folder, before)  # that launcher's going back, its restore refused (its words name no version:
    write_state(folder, failed_versions=["0.3.0"], rolled_back_version="0.2.8", rolled_back=(  # 0.2.8's went before)
        "Versi 0.3.0 gagal berjalan (berhenti dengan kode 9 sebelum melayani). Komputer ini kembali sendiri ke versi "
        "0.2.9; data TIDAK dipulihkan otomatis (Cadangan ini dari versi aplikasi yang lebih baru daripada yang "
        f"terpasang di komputer ini.); pulihkan cadangan {again['backup']} dari halaman Cadangan Data. Laporkan ke "
        "admin kabupaten."))
    monkeypatch.setenv(launcher.CHILD_ENV, "0.2.9")  # that launcher starts the release before
    older_launchers.restore_refused(folder)
    assert not table_exists(folder, "rusak_uji")
    assert read_selection(folder) == before
    kept = read_state(folder)
    assert "Versi 0.3.0 gagal berjalan (berhenti dengan kode 9 sebelum melayani)" in kept["rolled_back"]
    assert "kembali sendiri ke versi 0.2.9; data dikembalikan ke saat berganti versi" in kept["rolled_back"]
    assert "TIDAK" not in kept["rolled_back"] and "Cadangan Data" not in kept["rolled_back"]
    assert kept["failed_versions"] == ["0.3.0"] and kept.get(older_launchers.TRIAL_KEPT) is None
    older_launchers.restore_refused(folder)  # the next start: nothing more to do
    assert read_state(folder)["rolled_back"] == kept["rolled_back"]


def test_a_version_that_came_up_under_the_first_updatable_launcher_leaves_nothing_to_restore(monkeypatch, tmp_path):
    folder = office(tmp_path)
    selection = started_on_trial(monkeypatch, folder, backup=None, attempts=0)
    older_launchers.before_serving(folder, selection, "kecamatan")
    walks(monkeypatch, PASSED)
    assert older_launchers.before_serving(folder, older_launchers.trial(folder), "kecamatan") is None
    older_launchers.restore_refused(folder)  # on trial still: that launcher's verdict is to come
    assert read_state(folder)[older_launchers.TRIAL_KEPT]["version"] == "0.3.0"
    write_selection(folder, dict(read_selection(folder), state="baik"))  # it came up
    older_launchers.restore_refused(folder)
    assert read_state(folder).get(older_launchers.TRIAL_KEPT) is None and read_selection(folder)["state"] == "baik"
