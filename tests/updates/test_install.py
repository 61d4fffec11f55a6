"""A real update end to end (issue 44): the regency publishes this tree's wheel at a running center;
the office's running server learns of it on its own pass, its admin applies it with the button, pip
installs it beside the running version, it is checked on a copy of the data, and the server comes
back on the new version. A second release that migrates the data and then cannot serve is taken
back by the launcher: the office returns to the version before, with its data, and says so.

Real pip builds and installs: in the full tier only (soak)."""
import re
import subprocess
import sys
from pathlib import Path

import pytest
import requests

import run
from tests.sync.harness import (ROOT, CenterServer, Process, enrol_kecamatan, fill_kecamatan, free_port,
                                kecamatan_app, prepare_center, wait_for)
from tests.sync.test_end_to_end import TOKEN, wait_until
from tests.updates.helpers import release

pytestmark = pytest.mark.soak
ADMIN, PASSWORD = "kepala", "kepala-rahasia-12"


def build_wheel(version: str, work: Path, broken: str = "") -> Path:
    """This tree's wheel at `version` (`pip wheel --no-deps .`, as docs/operations.md says). `broken`:
    "start", a version that migrates the database and then cannot serve; "migration", one whose new
    migration cannot be applied (numbered with a gap)."""
    source = work / f"src-{version}"
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard"], cwd=ROOT, capture_output=True,
                            text=True, check=True).stdout.splitlines()
    for name in listed:
        if (ROOT / name).is_file() and not name.startswith(("tests/", "bench/", "docs/")):
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
    project = source / "pyproject.toml"
    project.write_text(re.sub(r'^version = ".*"$', f'version = "{version}"', project.read_text(), flags=re.M))
    for program in ("kecamatan", "desa") if broken else ():  # the kecamatan's or the desa PC's database
        migrations = source / "schema" / program
        number = len(list(migrations.glob("0*.sql"))) + (1 if broken == "start" else 2)
        (migrations / f"{number:04d}_rusak.sql").write_text("CREATE TABLE rusak_uji (id INTEGER);\n")
    if broken == "start":
        commands = source / "app" / "programs" / "office_commands.py"
        text = commands.read_text()
        marker = "    warm_up(app)"
        commands.write_text(text.replace(marker, "    raise SystemExit(9)  # the broken release\n" + marker, 1))
    wheels = work / f"wheels-{version}"
    subprocess.run([sys.executable, "-m", "pip", "wheel", "--no-deps", "-q", "-w", str(wheels), str(source)],
                   check=True, capture_output=True)
    return wheels


def applied_and_taken_back(admin: "Admin", data_dir: Path, database: str = "loket.sqlite3") -> None:
    """The admin applies 0.1.3, which migrates and cannot start: the launcher takes it back to 0.1.1
    with the data from before it (the broken migration undone) and the page says so."""
    answer = admin.apply()
    assert "Versi 0.1.3 terpasang" in answer, answer[-3000:]
    wait_until(lambda: "Versi 0.1.3 gagal berjalan" in admin.page(), timeout=180, what="taken back")
    page = admin.page()
    assert "kembali sendiri ke versi 0.1.1" in page and "data dipulihkan dari cadangan" in page
    assert admin.running("0.1.1")
    assert not table_exists(data_dir, "rusak_uji", database)
    assert not (data_dir / "versions" / "0.1.3").exists()


class Admin:
    """The office admin in a browser: signs in again when a restart or restore ended the session."""

    def __init__(self, url: str, username: str = ADMIN, password: str = PASSWORD):
        self.url, self.session = url, requests.Session()
        self.username, self.password = username, password

    def page(self) -> str:
        try:
            answer = self.session.get(self.url + "/admin/pembaruan", timeout=30)
        except requests.RequestException:
            return ""
        if "Pembaruan Aplikasi" not in answer.text:
            login = self.session.get(self.url + "/masuk").text
            self.session.post(self.url + "/masuk", data={"csrf_token": TOKEN.search(login).group(1),
                                                         "username": self.username, "password": self.password})
            answer = self.session.get(self.url + "/admin/pembaruan", timeout=30)
        return answer.text

    def apply(self) -> str:
        page = self.page()
        return self.session.post(self.url + "/admin/pembaruan/pasang", timeout=900,
                                 data={"csrf_token": TOKEN.search(page).group(1)}).text

    def running(self, version: str) -> bool:
        return f"Versi yang berjalan: <strong>{version}</strong>" in self.page()


def table_exists(data_dir: Path, name: str, database: str = "loket.sqlite3") -> bool:
    from app.frame.db import connect
    connection = connect(data_dir / database, readonly=True)
    try:
        return bool(connection.execute("SELECT 1 FROM sqlite_master WHERE name = ?", (name,)).fetchall())
    finally:
        connection.close()


def test_an_update_applies_with_one_button_and_a_version_that_cannot_start_is_taken_back(tmp_path):
    from app.auth.accounts import create_user
    good = build_wheel("0.1.1", tmp_path)
    unfit = build_wheel("0.1.2", tmp_path, broken="migration")
    bad = build_wheel("0.1.3", tmp_path, broken="start")
    center_dir, keys, office_dir = tmp_path / "center", tmp_path / "flashdisk" / "kunci", tmp_path / "kecamatan"
    _, code = prepare_center(center_dir)
    assert run.main(["release", "keys", "--keys", str(keys)]) == 0
    assert run.main(["release", "install-online-key", "--data", str(center_dir), "--keys", str(keys)]) == 0
    center = CenterServer(center_dir).start()
    office = None
    try:
        kec_app = kecamatan_app(office_dir)
        numbers = fill_kecamatan(kec_app, 3)
        enrol_kecamatan(kec_app, center.url, code)
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            create_user(ADMIN, "Admin Kantor", "admin", password=PASSWORD, must_change_password=False)
        release(keys, center_dir, "0.1.1", "Versi uji: perbaikan halaman loket.", good, tmp_path)

        port = free_port()
        url = f"http://127.0.0.1:{port}"
        office = Process(["--data", str(office_dir), "--port", str(port)], tmp_path / "kecamatan.log").start()
        wait_for(url + "/masuk")
        admin = Admin(url)
        # Its scheduler's first pass (at start) brings the release.
        wait_until(lambda: "Pembaruan tersedia: versi 0.1.1" in admin.page(), timeout=120, what="release learnt")
        assert "Versi uji: perbaikan halaman loket." in admin.page()
        answer = admin.apply()
        assert "Versi 0.1.1 terpasang dan diperiksa pada salinan data" in answer, answer[-3000:]
        wait_until(lambda: admin.running("0.1.1"), timeout=180, what="the server back on 0.1.1")
        assert (office_dir / "versions" / "0.1.1" / "run.py").exists()
        assert list((office_dir / "backups").glob("sebelum-pembaruan-0.1.1-*.sqlite3"))
        assert not list(office_dir.glob("pembaruan-uji*"))  # the check's copy is gone

        # A version whose migration fails on the copy of the data is refused before any switch.
        release(keys, center_dir, "0.1.2", "Versi dengan migrasi rusak.", unfit, tmp_path)
        synced = Process(["sync", "--data", str(office_dir)], tmp_path / "sync.log").start()
        assert synced.wait() == 0, (tmp_path / "sync.log").read_text()
        assert "Pembaruan tersedia: versi 0.1.2" in admin.page()
        answer = admin.apply()
        assert "Versi 0.1.2 gagal diperiksa pada salinan data" in answer, answer[-3000:]
        assert admin.running("0.1.1") and not (office_dir / "versions" / "0.1.2").exists()

        # A version that passes the check but cannot serve is taken back, with the data before it.
        release(keys, center_dir, "0.1.3", "Versi yang tidak bisa berjalan.", bad, tmp_path)
        synced = Process(["sync", "--data", str(office_dir)], tmp_path / "sync-2.log").start()
        assert synced.wait() == 0, (tmp_path / "sync-2.log").read_text()
        assert "Pembaruan tersedia: versi 0.1.3" in admin.page()
        applied_and_taken_back(admin, office_dir)
        from app.updates.state import read_selection
        assert read_selection(office_dir)["version"] == "0.1.1"
        from tests.sync.test_end_to_end import statuses_of
        assert set(statuses_of(kec_app)) == set(numbers)
    finally:
        if office:
            office.stop()
        center.stop()
