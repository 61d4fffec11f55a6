"""The update's life as a state machine (issue 94, app/updates/lifecycle.py): starts, second starts on the
same port and on another, stops, power cuts while serving and across the switch, a full disk, a release
that fails its walk and the regency's "Coba lagi", in any order, under each launcher generation in the
field. Invariants after every step: no acknowledged save undone, and the page tells the truth (the version
this PC says runs is the one serving, the state the selection says is the one it is in, a going back's
words hold, a refused second start changed nothing).

In one process, on real files in the test's own folder: today's launcher is `launcher.serve` itself (the
launchers of d36a7707 and 0.3.0 to 0.3.6 are the same code; 0.3.0 on holds the folder's lock), the first
updatable's and 6ce2a857's are modelled from their code (the real ones run in test_field_launchers.py,
slow); the version started is today's code (older_launchers, answer_second_start, note_serving,
UntilVerdict), its `run.py serve` a thread that serves until stopped or cut. Given, not run: the walk's
verdict (each release says whether it fails), and the backup and restore, as plain SQLite copies
(the encrypted ones have their own tests)."""
import os
import threading
from contextlib import contextmanager
from pathlib import Path

import pytest
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import (RuleBasedStateMachine, initialize, invariant, precondition, rule,
                                 run_state_machine_as_test)

from app.updates import launcher, lifecycle, older_launchers, state, walk
from tests.updates.test_launcher import FAILED, PASSED, installed_version

INSTALLED = "0.2.0"  # the installed program's version: what serves with no selection
OTHER_PORT, PORT = 8081, 8080
EXAMPLES = int(os.environ.get("LOKET_LIFECYCLE_EXAMPLES", "15"))  # per launcher in the slow tier; more: a longer hunt
BUSY = 5  # serve_lock.BUSY: the one sentence "… sudah berjalan …; tidak mengubah apa pun"


class PowerCut(BaseException):
    """The PC loses power: the launcher and its child stop where they are (nothing after runs)."""


class Server:
    """One `run.py serve` on the folder once it listens: it serves until stopped, restarted or cut."""

    def __init__(self, version: str, port: int, gate=None):
        self.version, self.port, self.gate = version, port, gate
        self.ending = None  # "stop", "restart", "cut"
        self.told = threading.Event()


OFFICES: dict[Path, "Office"] = {}  # by data folder: the patched walk, backup and child find their office


class Office:
    """The folder, its database of saves and the one thread of the running launcher."""

    def __init__(self, folder: Path, generation: lifecycle.Generation):
        folder.mkdir(parents=True)
        OFFICES[folder] = self
        self.data, self.generation = folder, generation
        self.database = folder / "loket.sqlite3"
        with keyed(self.database) as db:  # the office's own kind of file: keyed, its audit trail's saves
            db.execute('CREATE TABLE audit_event ("action" TEXT, "before" TEXT, "after" TEXT)')
            db.execute("CREATE TABLE migrasi (versi TEXT)")  # a release's own migrations, by version
        self.serving: Server | None = None
        self.settled = threading.Condition()
        self.thread: threading.Thread | None = None
        self.ended = threading.Event()  # the launcher's thread is over
        self.releases: dict[str, bool] = {}  # version -> fails its walk
        self.stops_after_migrating: set[str] = set()  # releases that migrate the live data, then stop before listening
        self.disk_full = False
        self.cut_after_writes: int | None = None  # the next start's power cut, after so many selection writes

    # --- the processes ----------------------------------------------------------------------------
    def start(self, port: int = PORT) -> None:
        """The launcher's start, in its own thread, until its server listens or it ends."""
        done = self.ended = threading.Event()

        def run():
            try:
                self.launch(port)
            except PowerCut:
                pass
            finally:
                with self.settled:
                    self.serving = None
                    done.set()
                    self.settled.notify_all()

        self.thread = threading.Thread(target=run, daemon=True)
        self.thread.start()
        with self.settled:
            assert self.settled.wait_for(lambda: done.is_set() or self.serving is not None, timeout=60)

    def end(self, how: str) -> None:
        """Stop (exit 0), restart (exit 75: its launcher starts the selected version) or cut the server."""
        server, done = self.serving, self.ended
        server.ending = how
        server.told.set()
        with self.settled:
            assert self.settled.wait_for(lambda: done.is_set() or self.serving not in (None, server), timeout=60)

    def serve(self, version: str, port: int, gate=None) -> int:
        """The server listens (its sign written before: note_serving) until told."""
        server = Server(version, port, gate)
        with self.settled:
            self.serving = server
            self.settled.notify_all()
        server.told.wait()
        with self.settled:
            self.serving = None
            self.settled.notify_all()
        if server.ending == "cut":
            raise PowerCut()
        return launcher.RESTART if server.ending == "restart" else 0

    def launch(self, port: int) -> None:
        argv = ["serve", "--port", str(port), "--mode", "kecamatan"]
        if self.generation.name == "first-updatable":
            first_updatable_launcher(self, port)
        elif self.generation.name == "before-renumber-step":
            waiting_launcher(self, port)
        else:  # 798c4b26's launcher: d36a7707, 0.3.0 to 0.3.6 and today's
            launcher.serve(self.data, argv, lambda: self.serve(INSTALLED, port))

    def child(self, selection: dict, port: int, on_listening=None) -> int:
        """Today's version's `run.py serve` as a launcher starts it (office_commands.cmd_serve, serve_here)."""
        version = selection["version"]
        os.environ[launcher.CHILD_ENV] = version  # one start at a time: the main thread waits for it
        try:
            if self.serving is not None:  # the folder's lock is held (the first server)
                launcher.answer_second_start(self.data, version, 1001, lambda: self.serving is not None)
                return BUSY
            older_launchers.restore_refused(self.data)
            if self.migrations() - {version}:
                return 2  # "Basis data ini dibuat oleh versi aplikasi yang lebih baru": run.py's DatabaseTooNew
            on_trial = older_launchers.trial(self.data)
            if on_trial:
                code = older_launchers.before_serving(self.data, on_trial, "kecamatan")
                if code is not None:
                    return code
            gate = None
            if on_trial and older_launchers.launcher_writes_verdict(on_trial):
                gate = older_launchers.UntilVerdict(self.save_here, self.data, version, every=0.01)
            if version in self.stops_after_migrating:  # test_install.build_wheel's "start"
                with keyed(self.database) as db:
                    db.execute("INSERT INTO migrasi VALUES (?)", (version,))
                return 9
            launcher.note_serving(self.data, version)
            if on_trial and not older_launchers.verdict_before_the_first_request(self.data, on_trial):
                return 1
        finally:
            os.environ.pop(launcher.CHILD_ENV, None)
        if on_listening:
            on_listening()
        return self.serve(version, port, gate)

    # --- the clerks -------------------------------------------------------------------------------
    def save_here(self, environ, start_response):
        with keyed(self.database) as db:
            db.execute('INSERT INTO audit_event VALUES (\'simpan\', NULL, ?)', (environ["nomor"],))
        start_response("200 OK", [])
        return [b"tersimpan"]

    def save(self, number: int) -> bool:
        """A clerk's save over the running server: True once acknowledged."""
        if self.disk_full:
            return False
        answer = []
        app = self.serving.gate or self.save_here
        app({"REQUEST_METHOD": "POST", "PATH_INFO": "/pengaduan/baru", "nomor": str(number)},
            lambda status, headers: answer.append(status))
        return answer == ["200 OK"]

    def saves(self) -> set[str]:
        with keyed(self.database) as db:
            return {row[0] for row in db.execute("SELECT \"after\" FROM audit_event WHERE \"after\" IS NOT NULL")}

    def migrations(self) -> set[str]:
        with keyed(self.database) as db:
            return {row[0] for row in db.execute("SELECT versi FROM migrasi")}

    def files(self) -> tuple:
        """What a refused second start must leave as it was."""
        return state.read_selection(self.data), state.read_state(self.data), sorted(self.saves())


# --- the older launchers, as their code runs (tests/support/field_versions.py) --------------------------

def first_updatable_launcher(office: Office, port: int) -> None:
    """882de731's serve(): deletes the sign at every start; writes "baik" once the child's sign names its pid
    and /masuk answers; takes back a child on "uji" that stops before that."""
    while True:
        selection = state.read_selection(office.data)
        if selection is None:
            office.serve(INSTALLED, port)
            return
        (state.versions_dir(office.data) / launcher.HEALTH_FILE).unlink(missing_ok=True)
        came_up = []

        def verdict():
            came_up.append(True)
            if selection.get("state") == "uji":
                state.write_selection(office.data, dict(selection, state="baik"))

        code = office.child(selection, port, on_listening=verdict)
        if code == launcher.RESTART:
            continue
        if selection.get("state") == "uji" and not came_up:
            first_updatable_take_back(office, selection, f"berhenti dengan kode {code} sebelum melayani")
            continue
        return


def first_updatable_take_back(office: Office, selection: dict, why: str) -> None:
    """882de731's take_back: its own restore refuses a backup of a newer database, that is, once a release
    served here (its selection has a previous one); then it selects the previous one and advises a restore
    by hand."""
    if not selection.get("previous"):
        launcher.take_back(office.data, selection, why)
        return
    state.write_selection(office.data, selection["previous"])
    failed = sorted(set(state.read_state(office.data).get("failed_versions", [])) | {selection["version"]})
    state.write_state(office.data, failed_versions=failed, rolled_back=(
        f"Versi {selection['version']} gagal berjalan ({why}). Komputer ini kembali sendiri ke versi "
        f"{selection['previous']['version']}; data TIDAK dipulihkan otomatis (Cadangan ini dari versi aplikasi yang "
        f"lebih baru daripada yang terpasang di komputer ini.); pulihkan cadangan {selection['backup']} dari halaman "
        "Cadangan Data. Laporkan ke admin kabupaten."))


def waiting_launcher(office: Office, port: int) -> None:
    """6ce2a857's serve(): makes the switch-time backup, raises attempts, waits for the version's own "baik";
    takes back a child that stops while its trial is open."""
    while True:
        selection = state.read_selection(office.data)
        if selection is None:
            office.serve(INSTALLED, port)
            return
        if selection.get("state") == "gagal":
            launcher.take_back(office.data, selection, selection.get("why") or "gagal berjalan")
            continue
        if selection.get("state") == "uji":
            if not selection.get("backup"):
                launcher.switch_backup(office.data, selection)
                continue
            attempts = int(selection.get("attempts") or 0)
            if attempts >= launcher.MAX_TRIAL_STARTS:
                launcher.fail(office.data, selection, f"tidak sampai melayani dalam {attempts} kali mulai")
                continue
            selection = dict(selection, attempts=attempts + 1)
            state.write_selection(office.data, selection)
        code = office.child(selection, port)
        if code == launcher.RESTART:
            continue
        after = state.read_selection(office.data)
        if after and after["version"] == selection["version"] and after.get("state") == "uji":
            launcher.fail(office.data, after, f"berhenti dengan kode {code}")
            continue
        return


# --- the machine -------------------------------------------------------------------------------------

class UpdateLife(RuleBasedStateMachine):
    folder: Path  # set by the test, one per run
    generation: lifecycle.Generation  # the installed launcher, one per test
    counter = 0

    @initialize()
    def installed(self):
        UpdateLife.counter += 1
        self.office = Office(self.folder / f"kantor-{UpdateLife.counter}", self.generation)
        self.acknowledged: set[str] = set()
        self.number = 0
        self.office.start()

    def teardown(self):
        office = getattr(self, "office", None)
        if office and office.serving:
            office.end("cut")

    # --- rules ------------------------------------------------------------------------------------
    @precondition(lambda self: self.office.serving is None)
    @rule()
    def start(self):
        self.office.start()

    @precondition(lambda self: self.office.serving is None)
    @rule(writes=st.integers(min_value=1, max_value=6))
    def power_flickers_during_the_next_start(self, writes):
        self.office.cut_after_writes = writes
        try:
            self.office.start()
        finally:
            self.office.cut_after_writes = None

    @precondition(lambda self: self.office.serving is not None)
    @rule(clerks=st.integers(min_value=1, max_value=3))
    def clerks_save(self, clerks):
        for _ in range(clerks):
            self.number += 1
            if self.office.save(self.number):
                self.acknowledged.add(str(self.number))

    @precondition(lambda self: self.office.serving is not None)
    @rule()
    def stop(self):
        self.office.end("stop")

    @precondition(lambda self: self.office.serving is not None)
    @rule()
    def power_cut(self):
        self.office.end("cut")

    @precondition(lambda self: self.office.serving is not None)
    @rule(port=st.sampled_from([PORT, OTHER_PORT]))
    def second_start(self, port):
        """The autostart entry beside a double-click: a second `run.py serve` on the folder, same or other port."""
        office = self.office
        first = office.serving
        if state.read_selection(office.data) is None and not office.generation.holds_lock:
            return  # the installed old program serving itself: its own code, no release changes it
        before = office.files()
        if office.generation.holds_lock:
            code = BUSY  # serve_lock.hold in cmd_serve, before the launcher reads anything
        else:  # that launcher holds no lock: it runs, and its child (today's version) meets the folder's lock
            holder = office.thread
            office.thread = None
            office.serving = None
            try:
                code = self._second_launcher(port, first)
            finally:
                office.thread, office.serving = holder, first
        assert code == BUSY, "a second start serves beside the first"
        assert office.files() == before, "the second start said it changed nothing, and it did"

    def _second_launcher(self, port, first):
        """The older launcher's second process, in this thread: its child finds the first server's lock."""
        office = self.office
        result = []
        original_serve = office.serve

        def second_serve(version, port, gate=None):
            raise AssertionError(f"a second server of {version} came up beside the first")

        office.serve = second_serve
        child = office.child

        def busy_child(selection, port, on_listening=None):
            office.serving = first  # the first server still holds the folder
            try:
                code = child(selection, port, on_listening)
            finally:
                office.serving = None
            result.append(code)
            return code

        office.child = busy_child
        try:
            office.launch(port)
        finally:
            office.serve, office.child = original_serve, child
        return result[-1] if result else BUSY

    @precondition(lambda self: self.office.serving is not None and not self.office.disk_full)
    @rule(fails=st.booleans())
    def a_release_is_applied(self, fails):
        """The running version's update page (or the night) applies the release on offer: installing._apply's
        selection, then RESTART."""
        self._applied(fails)

    # Under 6ce2a857's launcher the version's own "baik" once came after its walk on a copy, before it migrated
    # the live data: that launcher kept a release that stopped at its start (issue 94; now written after).
    @precondition(lambda self: self.office.serving is not None and not self.office.disk_full)
    @rule()
    def a_release_that_stops_after_migrating_is_applied(self):
        self._applied(False, stops=True)

    def _applied(self, fails: bool, stops: bool = False) -> None:
        office = self.office
        offered = state.read_state(office.data).get("available")
        if offered and offered["version"] in office.releases:
            version = offered["version"]  # offered again after Coba lagi
        else:
            version = f"0.3.{len(office.releases)}"
        if state.read_selection(office.data) and state.read_selection(office.data)["version"] == version:
            return
        office.releases[version] = fails
        if stops:
            office.stops_after_migrating.add(version)
        root = state.versions_dir(office.data) / version
        if not root.is_dir():
            installed_version(root, version)
        current = state.read_selection(office.data)
        state.write_selection(office.data, {
            "version": version, "root": str(root), "state": "uji", "backup": None, "attempts": 0,
            "database": str(office.database), "mode": "kecamatan", "server_pid": os.getpid(),
            "previous": dict(current, state="baik") if current else None, "previous_version": INSTALLED,
            "offer": {"version": version}})
        state.write_state(office.data, available=None, installed=version, rolled_back=None, interrupted=None)
        serving = office.serving
        if serving.version == INSTALLED and state.read_selection(office.data)["previous"] is None:
            office.end("stop")  # the installed program exits RESTART: a new launcher starts (exec, restart_soon)
            office.start()
        else:
            office.end("restart")  # its launcher starts the selected version

    @rule()
    def the_disk_fills_or_frees(self):
        self.office.disk_full = not self.office.disk_full

    @rule()
    def the_regency_says_coba_lagi(self):
        failed = state.read_state(self.office.data).get("failed_versions") or []
        if failed:
            seen = state.read_state(self.office.data).get(state.RETRY_SEEN) or {}
            state.take_retries(self.office.data, {version: seen.get(version, 0) + 1 for version in failed})
            state.write_state(self.office.data, available={"version": failed[-1]})

    # --- invariants -------------------------------------------------------------------------------
    @invariant()
    def no_acknowledged_save_undone(self):
        missing = self.acknowledged - self.office.saves()
        assert not missing, f"saves acknowledged then undone: {sorted(missing, key=int)}"

    @invariant()
    def no_failed_release_leaves_its_migrations(self):
        selection = state.read_selection(self.office.data)
        left = self.office.migrations() - {selection["version"] if selection else INSTALLED}
        assert not left, f"the live data keeps the migrations of {sorted(left)}, which went back"

    @invariant()
    def the_page_tells_the_truth(self):
        office = self.office
        selection = state.read_selection(office.data)
        now = lifecycle.state_of(selection)
        assert now in lifecycle.STATES
        serving = office.serving
        if serving is not None:
            # the version the page and every report name (versions.current_version) is the one serving
            assert (selection["version"] if selection else INSTALLED) == serving.version
            if serving.gate is None or serving.gate.opened.is_set():  # it takes saves: no longer on trial
                assert now in (lifecycle.RUNNING, lifecycle.SERVES_ITSELF), now
        kept = state.read_state(office.data)
        for key in ("rolled_back", "interrupted"):
            version = kept.get(f"{key}_version") or (kept.get(key) and _version_named(kept[key]))
            if version and kept.get(key) and version in office.releases:
                assert not (selection and selection["version"] == version), f"{key} said, yet {version} selected"
        if kept.get("rolled_back_version") and kept.get("rolled_back"):
            assert kept["rolled_back_version"] in kept.get("failed_versions", []), "said never offered again"
            assert (kept.get("available") or {}).get("version") != kept["rolled_back_version"]


@contextmanager
def keyed(path, key_of=None):
    """An apsw connection to `path` keyed as the office's database (`key_of`: the database whose key, for its
    backup copy)."""
    import apsw
    from app.frame.db import apply_pragmas, database_key, live_key_pragmas
    connection = apply_pragmas(apsw.Connection(str(path)), live_key_pragmas(database_key(key_of or path)))
    connection.execute("PRAGMA synchronous = OFF")  # a power cut here stops processes; the OS keeps its cache
    try:
        yield connection
    finally:
        connection.close()


def _version_named(text: str) -> str | None:
    words = str(text).split()
    return words[words.index("versi") + 1].rstrip(".,") if "versi" in words else None


@pytest.fixture
def in_process(monkeypatch, tmp_path):
    """The walk's verdict by release, the backup and restore as SQLite copies, the power cut after a
    selection write, today's version's `run.py serve` as the launcher's child."""

    def verdict(data_dir, selection):
        return FAILED if OFFICES[Path(data_dir)].releases.get(selection["version"]) else PASSED

    def own_walk(program, data_dir, database, mode, seconds, env, version):
        return FAILED if OFFICES[Path(data_dir)].releases.get(version) else PASSED

    def backup(database, target):
        if OFFICES[Path(database).parent].disk_full:
            raise OSError(28, "No space left on device")
        Path(target).parent.mkdir(parents=True, exist_ok=True)
        with keyed(database) as source, keyed(target, key_of=database) as copy:
            with copy.backup("main", source, "main") as step:
                step.step(-1)
        return Path(target)

    def restore(data_dir, selection):
        with keyed(selection["backup"], key_of=selection["database"]) as source, keyed(selection["database"]) as live:
            with live.backup("main", source, "main") as step:
                step.step(-1)
        return None

    written = state.write_selection

    def write_selection(data_dir, selection):
        written(data_dir, selection)
        office = OFFICES.get(Path(data_dir))
        if office and office.cut_after_writes is not None:
            office.cut_after_writes -= 1
            if office.cut_after_writes <= 0:
                office.cut_after_writes = None
                raise PowerCut()

    def child(data_dir, selection, argv):
        return OFFICES[Path(data_dir)].child(selection, int(argv[argv.index("--port") + 1]))

    from app.backups import engine
    monkeypatch.setattr(launcher, "trial_walk", verdict)
    monkeypatch.setattr(walk, "walk_version", own_walk)
    monkeypatch.setattr(engine, "backup_database", backup)
    monkeypatch.setattr(launcher, "_restore", restore)
    monkeypatch.setattr(launcher, "_run_child", child)
    for module in (launcher, older_launchers, state):
        monkeypatch.setattr(module, "write_selection", write_selection)
    monkeypatch.setattr(launcher, "TRIAL_SECONDS", 1)  # a second start's wait for a first start's mark
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    UpdateLife.folder = tmp_path
    yield
    OFFICES.clear()


RUNS = [pytest.param(generation, 3, 12, id=f"{generation.name}-kecil") for generation in lifecycle.GENERATIONS] + [
    pytest.param(generation, EXAMPLES, 25, id=generation.name, marks=pytest.mark.slow)
    for generation in lifecycle.GENERATIONS]


@pytest.mark.parametrize("generation, examples, steps", RUNS)
def test_the_update_lifecycle_keeps_every_save_and_tells_the_truth(in_process, generation, examples, steps):
    """A few short runs per launcher in the fast tier (about a second each), the long hunt in the slow one."""
    UpdateLife.generation = generation
    run_state_machine_as_test(UpdateLife, settings=settings(
        max_examples=examples, stateful_step_count=steps, deadline=None, derandomize=True,
        suppress_health_check=list(HealthCheck)))


# The issue's day, in the machine's own rules: the update with clerks saving, a second start on the same port
# and on another, a stop and start, a power cut, a full disk at the switch, a release that fails its walk and
# its Coba lagi.
OFFICE_DAY = [("a_release_is_applied", {"fails": False}), ("clerks_save", {"clerks": 2}),
              ("second_start", {"port": PORT}), ("clerks_save", {"clerks": 1}), ("second_start", {"port": OTHER_PORT}),
              ("stop", {}), ("start", {}), ("clerks_save", {"clerks": 2}), ("second_start", {"port": PORT}),
              ("power_cut", {}), ("start", {}), ("clerks_save", {"clerks": 1}),
              ("the_disk_fills_or_frees", {}), ("a_release_is_applied", {"fails": False}),
              ("the_disk_fills_or_frees", {}), ("clerks_save", {"clerks": 1}),
              ("a_release_is_applied", {"fails": True}), ("clerks_save", {"clerks": 1}),
              ("the_regency_says_coba_lagi", {}), ("a_release_is_applied", {"fails": False}),
              ("clerks_save", {"clerks": 2}), ("second_start", {"port": OTHER_PORT}), ("stop", {}), ("start", {}),
              ("clerks_save", {"clerks": 1})]


@pytest.mark.parametrize("generation", lifecycle.GENERATIONS, ids=lambda generation: generation.name)
def test_the_office_day_of_issue_94_under_each_launcher(in_process, generation):
    UpdateLife.generation = generation
    machine = UpdateLife()
    try:
        machine.installed()
        for name, arguments in OFFICE_DAY:
            if name in ("stop", "power_cut", "second_start", "clerks_save", "a_release_is_applied"):
                assert machine.office.serving is not None, f"nothing serves before {name}"
            getattr(machine, name)(**arguments)
            machine.no_acknowledged_save_undone()
            machine.the_page_tells_the_truth()
        kept = state.read_state(machine.office.data)
        assert str(machine.number) in machine.acknowledged  # the office serves and saves at the day's end
        assert kept.get("failed_versions") == []  # the failed release taken again after Coba lagi
        assert state.read_selection(machine.office.data)["state"] == "baik"
    finally:
        machine.teardown()


@pytest.mark.parametrize("generation", lifecycle.GENERATIONS, ids=lambda generation: generation.name)
def test_a_release_that_stops_after_migrating_goes_back_to_the_one_before_with_every_save(in_process, generation):
    """Issue 94: the office on a release takes the next, which migrates the live data and stops before it listens.
    Under the first updatable launcher, whose own restore refused the backup of a newer database, the release
    before was left on data it would not start on, and the page advised a restore by hand that undoes saves;
    under 6ce2a857's, the version's "baik" written before it migrated kept the release, which stopped at every start."""
    UpdateLife.generation = generation
    machine = UpdateLife()
    try:
        machine.installed()
        for name, arguments in [("a_release_is_applied", {"fails": False}), ("clerks_save", {"clerks": 2}),
                                ("a_release_that_stops_after_migrating_is_applied", {}), ("clerks_save", {"clerks": 2}),
                                ("stop", {}), ("start", {}), ("clerks_save", {"clerks": 1})]:
            assert (machine.office.serving is None) == (name == "start"), f"before {name}"
            if name == "clerks_save" and machine.office.serving.gate:  # that launcher's "baik" opens it (its watcher)
                assert machine.office.serving.gate.opened.wait(10)
            getattr(machine, name)(**arguments)
            machine.no_acknowledged_save_undone()
            machine.no_failed_release_leaves_its_migrations()
            machine.the_page_tells_the_truth()
        kept = state.read_state(machine.office.data)
        assert kept["failed_versions"] == ["0.3.1"] and state.read_selection(machine.office.data)["version"] == "0.3.0"
        assert "data dikembalikan ke saat berganti versi" in kept["rolled_back"] and "TIDAK" not in kept["rolled_back"]
        assert len(machine.acknowledged) == 5
    finally:
        machine.teardown()


def test_every_state_meets_a_start_and_a_second_start_and_restores_only_before_any_request():
    """The table is whole: each state a start can find has its row for a start and for a second start (which
    changes nothing), and the switch-time backup is restored only from a state whose version has taken
    no request (never from RUNNING, the state in which clerks save)."""
    for name in lifecycle.STATES:
        assert lifecycle.step(name, lifecycle.START)
        assert lifecycle.step(name, lifecycle.SECOND_START).next == name
    assert lifecycle.RESTORES == {lifecycle.ON_TRIAL, lifecycle.FIRST_START, lifecycle.GOING_BACK}
    with pytest.raises(LookupError):
        lifecycle.step(lifecycle.RUNNING, lifecycle.WALK_FAILED)
