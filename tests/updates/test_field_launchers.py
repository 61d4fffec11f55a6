"""Today's release under the launcher of every version still in the field (issue 80, finding 1 and
"version skew as a tested contract", the launcher's half; docs/architecture.md, "The launcher's contract").

An office's launcher is its installed program: old code that starts every later release. Here each
field version's own tree (tests/support/field_versions.py) is the office's install folder, run as a
source install runs (`python run.py`, this test's Python and its packages): its program fills the
office, serves, and a clerk records complaints over HTTP the whole time. Its admin's "Pasang" is done
as that version's installer ends it (today's wheel installed with pip --target into DATA/versions/<v>,
the selection that installer writes, its server stopped), and its launcher starts today's version.
Before, the launcher of 2026-11-27 waited for the version's own "baik", today's never wrote it, and
after 15 minutes it was killed and the switch-time backup restored over two complaints whose receipts
citizens held. Now, under every launcher: the version is "baik" within that launcher's wait, serves,
is not taken back, and every complaint the clerk was told is saved is in the database.

Real processes and pip: in the full tier only (soak)."""
import json
import os
import random
import re
import shutil
import signal
import subprocess
import sys
import threading
import time
import warnings
from pathlib import Path

import pytest

from app.updates.state import read_selection, read_state, write_selection
from tests.support.field_versions import field_version_tree, filled_office
from tests.support.fuse_office import PASSWORD, Clerk, Office, Unanswered
from tests.support.ports import free_port
from tests.support.waiting import wait_until
from tests.sync.harness import started_center, wait_for
from tests.updates.test_wheel_contents import build_release_wheel, outside_env

pytestmark = pytest.mark.soak


@pytest.fixture
def center(tmp_path):
    """A running center on SQLite of the test's own: an office day publishes releases signed with its own keys,
    and a center shared by the module (tests/desa/test_relay's) keeps the first test's trusted root in its folder
    (the second refused release was refused at publish). Its start is seconds of a day's minutes."""
    server = started_center(tmp_path / "center")
    yield server
    server.stop()
# How long each launcher waits for the version it starts (read from its tree below), and the name of that
# constant; the contract: "baik" well within it.
WAITS = {"first-updatable": "HEALTHY_WITHIN_SECONDS", "before-renumber-step": "TRIAL_SECONDS",
         "previous-but-one": "TRIAL_SECONDS", "previous": "TRIAL_SECONDS", "landed-0.3.1": "TRIAL_SECONDS",
         "landed-0.3.2": "TRIAL_SECONDS", "landed-0.3.3": "TRIAL_SECONDS",
         "landed-0.3.4": "TRIAL_SECONDS", "landed-0.3.5": "TRIAL_SECONDS", "last-landed": "TRIAL_SECONDS"}
MOST_WE_WAIT = 400  # seconds: within "a few minutes", and below every launcher's wait but the first one's
SMALL_DISK_MB = 192
ROOMY_DISK_MB = 1024  # room for a release: its floor (half a GiB, app/updates/room.py) kept after it
RELEASE_BYTES = 335 * 1000 * 1000  # a release to download, before its install (issue 94)


@pytest.fixture(scope="module")
def todays_wheel(tmp_path_factory) -> Path:
    return build_release_wheel(tmp_path_factory.mktemp("heute"))


def todays_version(wheel: Path) -> str:
    return wheel.name.split("-")[1]


def installer_selection(field: str, data: Path, root: Path, version: str, backup: Path | None, server_pid: int) -> dict:
    """The selection each field version's installer (its app/updates/installing.py) writes when its admin
    presses "Pasang", before its server stops."""
    if field == "first-updatable":  # its installer made the backup while its server still served
        return {"version": version, "root": str(root), "state": "uji", "backup": str(backup), "previous": None,
                "previous_version": "0.2.0"}
    return {"version": version, "root": str(root), "state": "uji", "backup": None, "attempts": 0,
            "database": str(data / "loket.sqlite3"), "mode": "kecamatan", "server_pid": server_pid, "previous": None,
            "previous_version": "0.2.0"}


def launcher_wait(tree: Path, field: str) -> int:
    text = (tree / "app" / "updates" / "launcher.py").read_text()
    return int(re.search(rf"^{WAITS[field]} = (\d+)", text, re.M).group(1))


class Program:
    """`python run.py ...` of an install folder, in a process group of its own (its children with it)."""

    def __init__(self, tree: Path, args: list[str], log: Path, env: dict, cwd: Path):
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, str(tree / "run.py"), *args], cwd=cwd, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(30)
        self.log.close()


def clerk_records_complaints(clerk: Clerk, stop: threading.Event) -> None:
    """The clerk keeps at it: a request the stopping or starting program does not answer (or answers
    "wait", 503) is not acknowledged, and the clerk tries again a moment later."""
    while not stop.is_set():
        try:
            clerk.record_complaint("meja_informasi")
        except Unanswered:
            time.sleep(0.3)
        except Exception as problem:  # noqa: BLE001 - a page that did not look as expected: next one
            clerk.last_problem = repr(problem)
            time.sleep(0.3)


def complaints_kept(data: Path, tokens: list[str]) -> list[str]:
    """The acknowledged complaints' form tokens missing from the database."""
    from app.frame.db import connect
    connection = connect(data / "loket.sqlite3", readonly=True)
    try:
        return [token for token in tokens
                if connection.execute("SELECT count(*) FROM complaint WHERE submission_token = ?", (token,)).fetchone()[0] != 1]
    finally:
        connection.close()


def installed_as_in_the_field(tree: Path) -> str:
    """The field version's own distribution beside its code, as pip leaves it in the office's install: its
    `run.py` from the command line then names its own version (importlib.metadata), not this checkout's."""
    version = re.search(r'^version = "([^"]+)"', (tree / "pyproject.toml").read_text(), re.M).group(1)
    info = tree / f"loket_kecamatan-{version}.dist-info"
    info.mkdir()
    (info / "METADATA").write_text(f"Metadata-Version: 2.1\nName: loket-kecamatan\nVersion: {version}\n")
    return version


@pytest.fixture
def small_disk(tmp_path):
    """The office's data folder on a disk smaller than a release (about 335 MB to download plus its install,
    issue 94 finding 2) that still holds the office, its switch-time backup and today's version: a tmpfs,
    mounted as root (tests/updates/test_room_on_a_small_disk.py); where it cannot be, a plain folder."""
    folder = tmp_path / "data"
    folder.mkdir()
    mounted = subprocess.run(["mount", "-t", "tmpfs", "-o", f"size={SMALL_DISK_MB}m,mode=0700", "tmpfs", str(folder)],
                             capture_output=True).returncode == 0
    if not mounted:
        warnings.warn("the office's data folder is not on a small disk here: cannot mount a tmpfs", stacklevel=1)
    yield folder
    if mounted:
        subprocess.run(["umount", "-l", str(folder)], check=False)


class InstalledProgram:
    """Field version `field`'s tree as an office's install folder (`folder`, made here), its own distribution beside
    its code, and `python run.py ...` of it from a folder elsewhere, as Task Scheduler or its admin runs it."""

    def __init__(self, field: str, folder: Path, env: dict, elsewhere: Path):
        self.field, self.env, self.elsewhere = field, env, elsewhere
        self.tree = field_version_tree(field, folder)
        self.installed = installed_as_in_the_field(self.tree)

    def run(self, *args) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(self.tree / "run.py"), *args], cwd=self.elsewhere, env=self.env,
                              capture_output=True, text=True, timeout=300)

    def fill(self, data: Path) -> None:
        filled = self.run("demo", "--data", str(data), "--password", PASSWORD)
        assert filled.returncode == 0, filled.stderr[-2000:]


class FieldOffice:
    """An office whose install folder is field version `field`'s tree: its program filled the office and
    serves it, a clerk records complaints over HTTP the whole time, and its admin's "Pasang" ends as that
    version's installer ends it, with the wheel given; its launcher then starts that version."""

    def __init__(self, field: str, tmp_path: Path, data: Path | None = None):
        self.field, self.tmp = field, tmp_path
        self.env, self.elsewhere, self.data = outside_env(), tmp_path / "di-tempat-lain", data or tmp_path / "data"
        self.elsewhere.mkdir()
        self.program = InstalledProgram(field, tmp_path / "loket", self.env, self.elsewhere)  # its install folder
        self.tree, self.installed, self.run = self.program.tree, self.program.installed, self.program.run
        filled_office(field, self.data, self.program.fill)  # that version's demo, made once a day and copied
        port = free_port()
        self.url = f"http://127.0.0.1:{port}"
        self.serve = ["serve", "--data", str(self.data), "--port", str(port)]
        self.old = Program(self.tree, self.serve, tmp_path / "versi-lama.log", self.env, self.elsewhere)
        self.launcher = None
        self.office, self.stop_clerk = Office(random.Random(80)), threading.Event()
        self.office.base = self.url
        self.clerk = Clerk(self.office, "loket1", "petugas_loket", b"")
        self.sign_ins = 0  # the clerk signs in again only when a page sends it to /masuk (Clerk.page)
        signs_in = self.clerk.login

        def counted_sign_in():
            self.sign_ins += 1
            signs_in()
        self.clerk.login = counted_sign_in
        self.working = threading.Thread(target=clerk_records_complaints, args=(self.clerk, self.stop_clerk), daemon=True)
        wait_for(self.url + "/masuk", timeout=120)
        self.working.start()
        self.saves(3, "complaints saved on the field version")

    def saves(self, more: int, what: str, seconds: float = 120) -> None:
        saved = len(self.office.acks)
        wait_until(lambda: len(self.office.acks) >= saved + more, seconds=seconds, what=what)

    def switch_to(self, wheel: Path, version: str) -> None:
        """The field version's "Pasang", to its end; then its launcher starts."""
        self.backup = None
        if self.field == "first-updatable":  # its installer's backup, while the clerk still saves
            self.backup = self.data / "backups" / "sebelum-pembaruan-lama.sqlite3"
            made = self.run("backup", "--data", str(self.data), "--to", str(self.backup))
            assert made.returncode == 0, made.stderr[-2000:]
            self.saves(2, "saves after that backup")
        root = self.data / "versions" / version
        installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--no-compile",
                                    "-q", "--target", str(root), str(wheel)], env=self.env, capture_output=True,
                                   text=True, timeout=600)
        assert installed.returncode == 0, installed.stderr[-2000:]
        write_selection(self.data, installer_selection(self.field, self.data, root, version, self.backup,
                                                       self.old.proc.pid))
        self.old.stop()  # the field version's server stops for the switch; its launcher starts next
        self.started = time.monotonic()
        self.launcher = Program(self.tree, self.serve, self.tmp / "peluncur.log", self.env, self.elsewhere)

    def stop_and_start(self) -> None:
        """The office's program stopped (the launcher's process group, as Windows ends it at log-off) and
        started again; the clerk saves on."""
        self.launcher.stop()
        self.launcher = Program(self.tree, self.serve, self.tmp / "peluncur.log", self.env, self.elsewhere)
        wait_for(self.url + "/masuk", timeout=300)
        self.saves(2, "complaints saved after a stop and start", seconds=180)

    def said(self) -> str:
        return (self.tmp / "peluncur.log").read_text(errors="replace")[-4000:]

    def close(self) -> None:
        self.stop_clerk.set()
        if self.working.is_alive():
            self.working.join(60)
        if self.launcher:
            self.launcher.stop()
        self.old.stop()

    def lost(self) -> list[str]:
        tokens = [ack.key[0] for ack in self.office.acks if ack.kind == "complaint"]
        assert len(tokens) >= 5, getattr(self.clerk, "last_problem", "")
        return complaints_kept(self.data, tokens)


def the_running_version_reports(office: "FieldOffice", center, version: str) -> None:
    """A second clerk presses Sinkronkan sekarang on the version the launcher serves (its own pass sends its
    report: at least every 20 hours in the field, app/updates/fleet_report.RESEND), until the center holds it."""
    from sync.center.models import FleetLatest
    from tests.desa.test_f107_kecamatan_key import center_side
    from tests.support.fuse_office import _field
    clerk = Clerk(office.office, "loket2", "petugas_loket", b"")
    clerk.login()
    pressed = clerk.session.post(office.url + "/sinkronisasi/mulai", allow_redirects=False, timeout=30,
                                 data={"csrf_token": _field(clerk.page("/sinkronisasi"), "csrf_token")})
    assert pressed.status_code == 303, pressed.text[-2000:]

    def reported() -> bool:
        latest = center_side(center, lambda: [json.loads(row.report).get("version") for row in FleetLatest.select()
                                              if row.report])
        return latest == [version]
    wait_until(reported, seconds=180, every=1, what=f"{version}'s own report at the center")


def a_pass_from_the_command_line(office: "FieldOffice", center, program: InstalledProgram | None = None) -> tuple | None:
    """Task Scheduler's `run.py sync` (README) runs the office's installed program (or `program`, a kin's:
    kin_programs_pass), the field version's code, on the folder today's version serves: it passes (or, the first
    updatable one, refuses the newer database in one true sentence and changes nothing), and the office serves on.
    The version the center names for this PC right after it, on Kesehatan Komputer and in its count of PCs behind
    the newest release; None when it refused."""
    from sync.center import updates
    from sync.center.fleet import fleet_rows
    from tests.desa.test_f107_kecamatan_key import center_side
    program = program or office.program
    passed = program.run("sync", "--data", str(office.data))
    said = passed.stdout + passed.stderr
    if program.field == "first-updatable":
        assert passed.returncode == 2 and "dibuat oleh versi aplikasi yang lebih baru" in said, said[-3000:]
        assert "data tidak diubah" in said, said[-3000:]
        return None
    assert passed.returncode == 0 and "gagal 0" in said, said[-3000:]
    [row] = center_side(center, fleet_rows)
    return row.version, center_side(center, lambda: updates.running_versions([row.key])[row.key.id])


def kin_launchers_of(field: str) -> list[str]:
    """The field launchers TAKES_BACK_AS takes for `field`'s: no office day of their own (issue 93)."""
    return sorted(kin for kin, like in TAKES_BACK_AS.items() if like == field)


def kin_programs_pass(office: "FieldOffice", center, version: str) -> dict[str, InstalledProgram]:
    """What an office day under a kin launcher (TAKES_BACK_AS) runs that is not launcher code, its installed
    program's own Task Scheduler pass, run in the day of the launcher it is taken for (same center, the folder
    today's version serves, on the disk smaller than a release): each kin's tree, installed as in the field, passes
    as a_pass_from_the_command_line asserts; the center saw it sign (its request names the kin's own version) and
    still names the version that runs; the clerk saves on. Returns the kins' programs, for kin_programs_enrol."""
    from sync.center.fleet import fleet_rows
    from tests.desa.test_f107_kecamatan_key import center_side
    programs = {}
    for kin in kin_launchers_of(office.field):
        program = programs[kin] = InstalledProgram(kin, office.tmp / f"loket-{kin}", office.env, office.elsewhere)
        named = a_pass_from_the_command_line(office, center, program)
        assert named == (version, version), (kin, named)
        [row] = center_side(center, fleet_rows)
        assert row.key.app_version == program.installed, (kin, row.key.app_version)  # the kin's pass signed
        office.saves(2, f"complaints saved after {kin}'s pass from the command line")
    return programs


def kin_programs_enrol(office: "FieldOffice", center, programs: dict[str, InstalledProgram]) -> None:
    """The rest of a kin's day that is not launcher code: its `run.py sync enrol` with today's center, a one-time
    code each, on a new office folder of its own (a PC more of the kecamatan: run after the day's last look at the
    center's one PC)."""
    from sync.center.models import DeviceKey
    from tests.desa.test_f107_kecamatan_key import center_side, enrolment_code
    from tests.sync.harness import KECAMATAN_CODE
    for kin, program in programs.items():
        code = enrolment_code(center, KECAMATAN_CODE, "Yosowilangun")
        enrolled = program.run("sync", "enrol", "--center", center.url, "--code", code, "--kecamatan", KECAMATAN_CODE,
                               "--data", str(office.tmp / f"data-{kin}"))
        said = enrolled.stdout + enrolled.stderr
        key = re.search(rf"Terdaftar di {re.escape(center.url)} sebagai (\S+)\.$", enrolled.stdout, re.M)
        assert enrolled.returncode == 0 and key, (kin, said[-2000:])
        assert center_side(center, lambda: DeviceKey.select().where(DeviceKey.key_id == key.group(1)).count()) == 1, kin


def started_twice_it_changes_nothing(office: "FieldOffice", version: str) -> None:
    """Issue 94, finding 1: under 0.2.0's launcher (d36a7707) a second start (the autostart entry and a
    double-click on the icon) read today's version's "folder busy" exit as a failed release, restored the
    switch-time backup under the running office (185 applications and 186 complaints gone) and deleted the
    version; on another port a second 0.2.0 server came up on the folder. Now, on the same port and on
    another: the second start says the one true sentence and ends, the running office keeps every save and
    its version, and the clerk goes on saving."""
    for port in (int(office.url.rsplit(":", 1)[1]), free_port()):
        log = office.tmp / f"mulai-kedua-{port}.log"
        second = Program(office.tree, ["serve", "--data", str(office.data), "--port", str(port)], log, office.env,
                         office.elsewhere)
        try:
            second.proc.wait(300)  # a hang guard: a second server that came up never ends
        finally:
            second.stop()
        said = log.read_text(errors="replace")
        assert "sudah berjalan untuk folder data" in said and "kembali sendiri" not in said, said[-3000:]
        assert second.proc.returncode != 0, said[-3000:]
        assert not read_state(office.data).get("rolled_back"), office.said()
        selection = read_selection(office.data)
        assert selection["version"] == version and selection["state"] == "baik", selection
        assert office.launcher.proc.poll() is None, office.said()  # the first server serves on
        office.saves(2, f"complaints saved after a second start on port {port}")


# The regency's two releases after today's, each above it: the first passes today's installer's walk on a copy and
# fails the launcher's (or, under a launcher that walks nothing, the version's own) walk after the switch, its
# register page answering 500 only in the launched program (test_install.build_wheel's "live"); the second is good.
REFUSED, RETRIED = "0.9.1", "0.9.2"
KABUPATEN, KABUPATEN_PASSWORD = "kabupaten", "admin-rahasia-12"
# Launchers whose switch, walk, going back and start of a version are, function for function, another field
# launcher's (tests/updates/test_field_launcher_kinship.py holds it): the refused release and the release after its
# Coba lagi (four walks of the demo office, some 4-5 minutes on a loaded test machine) run under that one only.
TAKES_BACK_AS = {"landed-0.3.3": "last-landed", "landed-0.3.4": "last-landed", "landed-0.3.5": "last-landed"}


def newest_of_each_kind() -> set[str]:
    """The field launchers the refused release and its Coba lagi run under in every run of the suite: the newest
    launcher of each kind app/updates/lifecycle.GENERATIONS declares (what it holds, walks, writes and takes
    back): the first updatable, 6ce2a857's, 0.2.0's and the last landed one. The others of a kind (0.3.0 to 0.3.5)
    met the phase when it came (issue 94, 2026-11-29: all passed); run each with LOKET_EVERY_LAUNCHER=1. Issue
    93: the phase is four walks of the demo office, some 4-6 minutes a launcher on a loaded test machine."""
    from app.updates.lifecycle import GENERATIONS
    kinds = {(g.holds_lock, g.walks, g.verdict, g.backup_by_launcher, g.takes_back): g.name
             for g in GENERATIONS if g.name != "today"}  # later generations overwrite earlier ones of their kind
    return set(kinds.values())


def refused_and_retried_under(field: str) -> bool:
    if os.environ.get("LOKET_EVERY_LAUNCHER") == "1":
        return field not in TAKES_BACK_AS
    return field in newest_of_each_kind()
CSRF = re.compile(r'name="csrf_token" value="([^"]+)"')


class OfficeAdmin:
    """The office's admin in a browser, signed in once: a page that sends it back to /masuk fails the test (the
    switch, the going back and the second release keep every session)."""

    def __init__(self, url: str):
        import requests
        self.url, self.session = url, requests.Session()
        login = self.session.get(url + "/masuk", timeout=30).text
        signed = self.session.post(url + "/masuk", timeout=30, data={"csrf_token": CSRF.search(login).group(1),
                                                                     "username": "admin", "password": PASSWORD})
        assert signed.status_code == 200 and "Keluar" in signed.text, signed.text[-2000:]

    def page(self) -> str:
        """Pembaruan Aplikasi, or "" while the program does not answer (a switch, a going back)."""
        import requests
        try:
            answer = self.session.get(self.url + "/admin/pembaruan", timeout=30, allow_redirects=False)
        except requests.RequestException:
            return ""
        if answer.status_code >= 500:
            return ""
        assert answer.status_code == 200, f"the admin was sent to {answer.headers.get('Location')}"
        return answer.text

    def press(self, action: str, **fields) -> str:
        page = self.page()
        answer = self.session.post(self.url + action, timeout=900, data={"csrf_token": CSRF.search(page).group(1),
                                                                         **fields})
        assert answer.status_code == 200 and "/masuk" not in answer.url, (answer.status_code, answer.text[-2000:])
        return answer.text

    def running(self, version: str) -> bool:
        return f"Versi yang berjalan: <strong>{version}</strong>" in self.page()


def sync_pressed(office: "FieldOffice", clerk: Clerk) -> None:
    """A clerk presses Sinkronkan sekarang (the pass runs in the background)."""
    from tests.support.fuse_office import _field
    pressed = clerk.session.post(office.url + "/sinkronisasi/mulai", allow_redirects=False, timeout=30,
                                 data={"csrf_token": _field(clerk.page("/sinkronisasi"), "csrf_token")})
    assert pressed.status_code == 303, pressed.text[-2000:]


def after_a_pass(office: "FieldOffice", clerk: Clerk, admin: OfficeAdmin, words: str) -> str:
    """The office's update page once it says `words`, after the clerk's Sinkronkan sekarang (a release the center
    published reaches the office with its next pass)."""
    pressed_at, seen = [None], [""]

    def learnt():
        page = seen[0] = admin.page()
        if words in page:
            return page
        if pressed_at[0] is None or time.monotonic() - pressed_at[0] > 20:  # again: a pass may have been running
            sync_pressed(office, clerk)
            pressed_at[0] = time.monotonic()
        return None
    try:
        return wait_until(learnt, seconds=180, every=1, what=f"{words!r} on the office's update page")
    except AssertionError as timed_out:
        said = re.findall(r'class="flash[^"]*"[^>]*>(.*?)</p>', seen[0], re.S)
        raise AssertionError(f"{timed_out}; the page says: {said}; {seen[0][-3000:]}") from None


def the_regency(center, tmp: Path) -> Path:
    """The regency's release keys (the admin's stick), the center's online key, and its admin: the office day's
    center, running, takes them as a regency's center does before its first release. Returns the key folder."""
    import run
    from sync.center.accounts import create_operator
    from tests.desa.test_f107_kecamatan_key import center_side
    keys = tmp / "flashdisk-admin" / "kunci-rilis"
    assert run.main(["release", "keys", "--keys", str(keys), "--root", str(tmp / "flashdisk-root" / "kunci-root")]) == 0
    assert run.main(["release", "install-online-key", "--data", str(center.data_dir), "--keys", str(keys)]) == 0
    center_side(center, lambda: create_operator(KABUPATEN, "Admin Kabupaten", "admin", password=KABUPATEN_PASSWORD,
                                                must_change_password=False))
    return keys


def applied_from_the_regency(office: "FieldOffice", center, version: str, notes: str,
                             wheels: Path) -> tuple[OfficeAdmin, Clerk, Path]:
    """The office trusts the regency's root (its admin types the sheet's fingerprint); `version` (the wheel folder
    `wheels`) is published, learnt by the version that serves and applied with its admin's Pasang, whose answer
    says it passed the walk on a copy. Returns the admin, a second clerk (loket2, signed in) and the regency's keys."""
    from sync.release import key_signing
    from tests.updates.helpers import release, sheet_form
    work = office.tmp / "kabupaten"
    keys = the_regency(center, work)
    admin, clerk = OfficeAdmin(office.url), Clerk(office.office, "loket2", "petugas_loket", b"")
    clerk.login()
    trusted = admin.press("/admin/pembaruan/kunci-root", **sheet_form(key_signing.key_folder_fingerprint(keys), PASSWORD))
    assert "flash-success" in trusted, trusted[-3000:]
    release(keys, center.data_dir, version, notes, wheels, work)
    if os.path.ismount(office.data):  # the disk smaller than a release: it waits for room, and says so
        after_a_pass(office, clerk, admin, f"Pembaruan versi {version} belum diunduh karena ruang disk kurang")
        grown = subprocess.run(["mount", "-o", f"remount,size={ROOMY_DISK_MB}m", str(office.data)], capture_output=True)
        assert grown.returncode == 0, grown.stderr  # the admin made room (here: the disk grew)
    after_a_pass(office, clerk, admin, f"Pembaruan tersedia: versi {version}")
    answer = admin.press("/admin/pembaruan/pasang")
    assert f"Versi {version} terpasang dan diperiksa pada salinan data" in answer, answer[-3000:]
    return admin, clerk, keys


def refused_then_retried(office: "FieldOffice", center, version: str) -> str:
    """Issue 94's "a refused release and its Coba lagi", under the field launcher that serves today's version: the
    office trusts the regency's root (its admin types the sheet's fingerprint); REFUSED is published, learnt, and
    applied with Pasang; the launcher takes it back after the switch, every save kept, the clerk and the admin
    still signed in, and the page says so in words that hold; its report reaches the center, whose Rilis
    Pembaruan page names the office and offers Coba lagi; the regency's admin presses it and publishes RETRIED;
    the office's next pass takes the mark and RETRIED, which runs. Returns the version that runs."""
    from sync.center import updates
    from sync.center.fleet import fleet_rows
    from tests.desa.test_f107_kecamatan_key import center_side
    from tests.sync.test_end_to_end import signed_in
    from tests.updates.helpers import release
    from tests.updates.test_install import build_wheel
    work = office.tmp / "kabupaten"
    admin, clerk, keys = applied_from_the_regency(office, center, REFUSED, "Rilis yang rusak sesudah berganti versi.",
                                                  build_wheel(REFUSED, work, broken="live"))

    def taken_back() -> bool:
        assert office.launcher.proc.poll() is None, office.said()
        selection = read_selection(office.data) or {}
        return (REFUSED in read_state(office.data).get("failed_versions", []) and selection.get("version") == version
                and selection.get("state") == "baik")
    wait_until(taken_back, seconds=MOST_WE_WAIT, every=0.5, what=f"{REFUSED} taken back under the {office.field} launcher")
    wait_until(lambda: admin.running(version), seconds=180, every=0.5, what=f"{version} serving again")
    office.saves(2, f"complaints saved after {REFUSED} was taken back", seconds=180)
    page = admin.page()
    assert f"Versi {REFUSED} gagal berjalan" in page and f"kembali sendiri ke versi {version}" in page, page[-4000:]
    assert "semua yang sudah tersimpan sebelumnya tetap ada" in page or "data tidak berubah" in page, page[-4000:]
    assert f"Pembaruan tersedia: versi {REFUSED}" not in page
    assert not (office.data / "versions" / REFUSED).exists()

    # The center learns it from the office's next pass, and its admin presses Coba lagi as the page does it.
    regency = signed_in(center.url, KABUPATEN, KABUPATEN_PASSWORD, "/masuk")

    def listed() -> str | None:
        page = regency.get(center.url + "/admin/rilis", timeout=30).text
        if "Coba lagi (terbitkan ulang)</button>" in page:
            return page
        sync_pressed(office, clerk)
        return None
    releases = wait_until(listed, seconds=180, every=5, what=f"{REFUSED} went back, on the center's Rilis Pembaruan")
    assert "Ditolak atau dikembalikan oleh: <a href=\"/armada/" in releases, releases[-4000:]
    marked = regency.post(center.url + "/admin/rilis/coba-lagi", timeout=30,
                          data={"csrf_token": CSRF.search(releases).group(1), "versi": REFUSED})
    assert marked.status_code == 200 and f"Rilis {REFUSED} ditawarkan lagi" in marked.text, marked.text[-3000:]
    release(keys, center.data_dir, RETRIED, "Rilis perbaikan.", build_wheel(RETRIED, work), work)
    page = after_a_pass(office, clerk, admin, f"Pembaruan tersedia: versi {RETRIED}")
    assert f"Kabupaten menawarkan lagi rilis {REFUSED}" in page and f"Versi {REFUSED} gagal berjalan" not in page
    answer = admin.press("/admin/pembaruan/pasang")
    assert f"Versi {RETRIED} terpasang dan diperiksa pada salinan data" in answer, answer[-3000:]

    def runs() -> bool:
        assert office.launcher.proc.poll() is None, office.said()
        assert not read_state(office.data).get("rolled_back"), office.said()
        selection = read_selection(office.data) or {}
        return selection.get("version") == RETRIED and selection.get("state") == "baik"
    wait_until(runs, seconds=MOST_WE_WAIT, every=0.5, what=f"{RETRIED} 'baik' under the {office.field} launcher")
    wait_until(lambda: admin.running(RETRIED), seconds=180, every=0.5, what=f"{RETRIED} serving")
    office.saves(3, f"complaints saved on {RETRIED}", seconds=180)
    assert json.loads((office.data / "versions" / "sehat.json").read_text("utf-8"))["version"] == RETRIED
    the_running_version_reports(office, center, RETRIED)
    [row] = center_side(center, fleet_rows)
    assert (row.version, center_side(center, lambda: updates.running_versions([row.key])[row.key.id])) == \
        (RETRIED, RETRIED)
    return RETRIED


# The office days are most of this file's twenty minutes: the landed 0.3.x launchers' half runs from a file of its
# own (test_field_launchers_landed.py), so that the full tier's two workers, a file each, share them.
# The two halves (a file and an xdist worker each), balanced by time: two launchers of newest_of_each_kind each.
# TAKES_BACK_AS's launchers have no day (issue 93: 100-140 s each): the kinship test proves their launcher code,
# and their installed program's pass and enrolment run in the day of the launcher they are taken for.
OLDER_LAUNCHERS = ("first-updatable", "previous-but-one", "previous", "landed-0.3.1")
LANDED_LAUNCHERS = ("before-renumber-step", "landed-0.3.2", "last-landed")


@pytest.mark.parametrize("field", OLDER_LAUNCHERS)
def test_todays_release_under_a_field_launcher_keeps_every_save_and_is_not_taken_back(field, tmp_path, todays_wheel,
                                                                                     small_disk, center):  # noqa: F811
    office_day(field, tmp_path, todays_wheel, small_disk, center)


def office_day(field, tmp_path, todays_wheel, small_disk, center):  # noqa: F811
    """Issue 94's office day under each launcher in the field, on the install and filled office this file pays
    for once: the data folder on a disk smaller than a release (small_disk), the PC enrolled by its installed
    program; the update with a clerk saving over HTTP, "baik" within that launcher's wait; a second start on the
    same port and on another (no second server, one true sentence, nothing changed); a stop and start; Task
    Scheduler's `run.py sync`, which runs the installed program's code on the folder today's version serves; a
    second start again; then the regency's next release, refused after its switch and taken back, its Coba lagi
    and the release after it, which runs (refused_then_retried; under refused_and_retried_under's launchers).
    Every acknowledged complaint is in the database once, the clerk signed in once, and the center names the
    version that runs, its own report sent before by its clerk's Sinkronkan sekarang.

    What runs where: the installed tree's `run.py demo` (the filled office), its server before the update, `sync
    enrol` and the pass from the command line are its program's code; its `run.py serve` after the switch, the
    second starts and the stop and start are its launcher's (LAUNCHER_MODULES); today's version migrates, walks,
    serves the clerks and sends its own pass and report. TAKES_BACK_AS's launchers (landed 0.3.3 to 0.3.5) have no
    day: their launcher code is the last landed one's (tests/updates/test_field_launcher_kinship.py), and their
    programs' pass and enrolment run in its day (kin_programs_pass, kin_programs_enrol); their demo and server before
    the update are each version serving itself, met when it landed.

    Proven per launcher elsewhere, not repeated here: a release refused before its switch is today's code's pass
    and walk on a copy, the launcher not involved (tests/updates/test_retry_release.py, real center and office);
    a release going back under the field launchers with the installed program as the one before it, below. A
    release offered to a PC on a small disk is met here by today's version's pass, under each launcher; met by an
    installed 0.2.0, 0.3.0 or 0.3.1 program's own pass (no room check: app/updates/room.py came in 0.3.2), that
    pass fetches nothing while the version that runs waits for room (tests/updates/test_room_old_programs_pass.py)."""
    version = todays_version(todays_wheel)
    office = FieldOffice(field, tmp_path, small_disk)
    try:
        enrolled = office.run("sync", "enrol", "--center", center.url, "--code", center.enrolment_code,
                              "--data", str(office.data))
        assert enrolled.returncode == 0, (enrolled.stdout + enrolled.stderr)[-2000:]
        if os.path.ismount(small_disk):
            assert shutil.disk_usage(small_disk).total < RELEASE_BYTES
        office.switch_to(todays_wheel, version)

        def verdict():
            selection = read_selection(office.data) or {}
            assert not read_state(office.data).get("rolled_back"), office.said()
            assert office.launcher.proc.poll() is None, office.said()
            return selection.get("version") == version and selection.get("state") == "baik"

        wait_until(verdict, seconds=MOST_WE_WAIT, every=0.5, what=f"today's version 'baik' under the {field} launcher")
        assert time.monotonic() - office.started < launcher_wait(office.tree, field)  # within that launcher's wait
        office.saves(3, "complaints saved on today's version", seconds=180)
        serving = json.loads((office.data / "versions" / "sehat.json").read_text("utf-8"))
        assert serving["version"] == version
        started_twice_it_changes_nothing(office, version)
        office.stop_and_start()
        the_running_version_reports(office, center, version)
        named = a_pass_from_the_command_line(office, center)
        office.saves(2, "complaints saved after the pass from the command line")
        phase = time.monotonic()
        kins = kin_programs_pass(office, center, version)
        if kins:
            print(f"{len(kins)} kin programs' passes in the {field} day: {time.monotonic() - phase:.0f} s")  # -rP
        started_twice_it_changes_nothing(office, version)
        runs = version
        if refused_and_retried_under(field):
            phase = time.monotonic()
            runs = refused_then_retried(office, center, version)
            print(f"refused and retried under the {field} launcher: {time.monotonic() - phase:.0f} s")  # -rP
        phase = time.monotonic()
        kin_programs_enrol(office, center, kins)
        if kins:
            print(f"{len(kins)} kin programs' enrolments in the {field} day: {time.monotonic() - phase:.0f} s")  # -rP
    finally:
        office.close()
    kept, selection = read_state(office.data), read_selection(office.data)
    assert not kept.get("rolled_back") and not {version, runs} & set(kept.get("failed_versions", []))
    assert selection["version"] == runs and selection["state"] == "baik"
    if field == "first-updatable":  # the version made the switch-time backup itself, with no server running
        from app.updates.older_launchers import BACKUP_MARK
        assert selection.get(BACKUP_MARK) and Path(selection["backup"]) != office.backup
    assert office.lost() == []
    assert office.sign_ins == 1  # signed in once, on the field version: never sent back to /masuk since
    # Issue 94, finding 5: the installed program's pass made the center name that program (0.2.0's, which sends
    # no report, and the key's header under every later launcher) while today's version served.
    assert named in (None, (version, version)), (field, named)


@pytest.mark.parametrize("field, broken", [("before-renumber-step", "live"), ("before-renumber-step", "start"),
                                           ("first-updatable", "start"),
                                           ("first-updatable", "live")])
def test_a_release_that_fails_under_a_field_launcher_goes_back_with_every_save(field, broken, tmp_path):
    """Going back: under 2026-11-27's launcher the version's own walk meets a register page answering 500
    in the launched program and exits 4 before serving, or the version migrates the live data and stops
    before it serves (its "baik", once written after the walk, kept it: every start ran it again, issue 94);
    under the first updatable one the version migrates
    the live data and stops before it listens, or (issue 94, finding 4: that launcher walks nothing and kept
    it) its own walk meets the register's 500 and it stops before it listens. Either launcher restores a backup: the one the version's
    contract made sure holds every save (the first updatable's installer made its own while the clerk
    still saved: restored, the last complaints were gone)."""
    from tests.updates.test_install import build_wheel
    wheel = next(build_wheel("0.3.9", tmp_path / "roda", broken=broken).glob("*.whl"))
    office = FieldOffice(field, tmp_path)
    try:
        office.switch_to(wheel, "0.3.9")
        wait_until(lambda: read_state(office.data).get("rolled_back") and read_selection(office.data) is None,
                   seconds=MOST_WE_WAIT, every=0.5, what=f"0.3.9 taken back by the {field} launcher")
        wait_for(office.url + "/masuk", timeout=120)  # the field version serves again
        office.saves(2, "complaints saved on the field version again")
    finally:
        office.close()
    assert "0.3.9" in read_state(office.data)["failed_versions"]
    assert office.lost() == []
