"""Power cuts through an update, with clerks saving throughout (issue 60, findings 5 and 6).

A real center publishes signed releases (wheels of this tree, one version each); the kecamatan's
data folder lives on the FUSE layer of tests/support/fuse_power_cut.py, so pip's files, the
backups, the selection and the database all go through it; `run.py serve` runs on it as the
autostart starts it, its own process group. Four clerks save through the forms the whole time
(tests/support/fuse_office.py: every 2xx/303 is an acknowledged write, kept with its key); the
admin presses "Sinkronkan sekarang" to bring a release and "Pasang pembaruan sekarang" to apply it.

Each release is a journey: download (the pass fetches it), install (pip), pre-check (the new
version on a copy of the data), switch (the selection, its backup, the restart), first start (the
new version on trial, until its verdict), came up (its first ten seconds serving after the verdict:
finding 5's moment) and, for a release with a planted defect that only the launched program meets,
going back. A cut aims at one phase: once that phase is seen (the data
folder's files and the processes of the program's group say which), the power goes off at a
random moment within the phase's usual length. The phase the cut fell in is what was seen at
that moment. Then the machine starts again: the disk is put back to what it kept, `run.py serve`
starts, and the PC must answer, settle on a version (not on trial), take a new registration,
and hold every write it acknowledged. The journey then goes on from where the PC is.

`UpdateCuts(work).run(cuts)` returns an UpdateReport (per phase: cuts, PCs starting on a working
version, acknowledged writes lost). Used by tests/updates/test_update_power_cuts.py and
bench/update_power_cuts.py.
"""
from __future__ import annotations

import json
import os
import random
import re
import shutil
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.built_once import wheel_at as built_wheel_at
from tests.support.fuse_office import (PASSWORD, Clerk, FuseReport, Office, _field, _photo, check, kill_group,
                                       start_program)
from tests.support.fuse_power_cut import FuseCut
from tests.support.ports import free_port

# fuse_office's four clerks, named with letters only (a person's name in a registration carries it)
STAFF = [("loketsatu", "petugas_loket"), ("loketdua", "petugas_loket"), ("info", "petugas_informasi"),
         ("kasi", "kasi_pelayanan")]
PHASES = ("download", "install", "pre-check", "switch", "first start", "came up", "going back")
CAME_UP_SECONDS = 10  # "came up": the first seconds after the new version's verdict (finding 5's moment)
ADMIN, ADMIN_PASSWORD = "kepala", "kepala-listrik-2026"
FIRST = (0, 4, 0)  # the first release's version (above this tree's 0.3.x); each next one raises the last number
# How long each phase usually lasts (seconds), until the run has seen it: a cut falls at a random
# moment within it.
GUESSES = {"download": 3.0, "install": 3.0, "pre-check": 15.0, "switch": 4.0, "first start": 10.0,
           "came up": CAME_UP_SECONDS, "going back": 3.0}
# A page every signed-in role opens, broken only in the launched program (the walk on the live
# program meets it, the pre-check before the switch does not): the PC must go back.
DEFECT_FILE = "app/registration/views.py"
DEFECT_AT = "def register():\n"
DEFECT = ("def register():\n"
          "    import os as _os\n"
          "    if _os.environ.get('LOKET_LAUNCHED_VERSION'):\n"
          "        raise RuntimeError('cacat yang ditanam: hanya pada program yang berjalan')\n")


# --- releases ----------------------------------------------------------------------------------------

def base_wheel(work: Path) -> Path:
    """This tree's wheel, built as the release steps build it (tests/updates/test_wheel_contents.py)."""
    from tests.updates.test_wheel_contents import build_release_wheel
    return build_release_wheel(work)


def wheel_at(base: Path, version: str, folder: Path, defect: bool = False) -> Path:
    """`base` as `version`; `defect` plants DEFECT (tests/support/built_once.wheel_at)."""
    def planted(data: bytes) -> bytes:
        assert DEFECT_AT.encode() in data, "the defect's place moved: DEFECT_AT"
        return data.replace(DEFECT_AT.encode(), DEFECT.encode(), 1)
    return built_wheel_at(base, version, folder, {DEFECT_FILE: planted} if defect else {})


class PacedClerk(Clerk):
    """A clerk of tests/support/fuse_office.py at a person's pace (a save every second or so: the
    update's own work gets the machine too), whose registrations stay valid over a long run: the
    NIK's birth date moves with the serial, so no two are alike for years of serials."""

    def act(self) -> None:
        if not self.office.stop.wait(self.rng.uniform(0.3, 1.2)):
            super().act()

    def register(self) -> None:
        html = self.page("/pendaftaran/baru")
        serial = self.office.next_serial()
        letters = "".join("ABCDEFGHIJ"[int(d)] for d in str(serial))
        name = f"Warga Listrik {letters} {self.username.upper()}"
        day, month, year = 1 + serial % 28, 1 + serial // 28 % 12, 1950 + serial // 336 % 50
        form = {"csrf_token": _field(html, "csrf_token"), "form_token": _field(html, "form_token"),
                "nik": f"350807{day:02d}{month:02d}{year % 100:02d}{serial % 9000 + 1:04d}",
                "kk_number": f"3508070101{serial % 90 + 10}{serial % 9999 + 1:04d}", "full_name": name,
                "birth_place": "Lumajang", "birth_date": f"{year}-{month:02d}-{day:02d}", "sex": "L",
                "address": f"Dusun Krajan No. {serial % 200 + 1}", "rt": "002", "rw": "001", "desa": "Darungan",
                "religion": "Islam", "marital_status": "Kawin", "occupation": "Petani/Pekebun",
                "phone": f"0812{serial:08d}", "reason": "rusak", "biometric_done": "1", "notes": "", "mismatch_reason": ""}
        self.post("application", "/pendaftaran/baru", form, (name,),
                  files={"photo": ("foto.jpg", self.photo, "image/jpeg")}, ok=(302,))


# --- what the PC shows -----------------------------------------------------------------------------------

def _json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


def group_commands(pgid: int) -> list[str]:
    """The command lines of the processes in a process group (the program and what it started), and of
    their children in a group of their own (the candidate a walk starts, sync/release/candidate_walk.py)."""
    found, members, others = [], set(), []
    for entry in os.listdir("/proc"):
        if not entry.isdigit():
            continue
        try:
            stat = Path(f"/proc/{entry}/stat").read_text().rsplit(")", 1)[1].split()
            if stat[0] == "Z":
                continue
            command = Path(f"/proc/{entry}/cmdline").read_bytes().replace(b"\0", b" ").decode("utf-8", "replace")
        except (OSError, ValueError, IndexError):
            continue
        if int(stat[2]) == pgid:
            members.add(int(entry))
            found.append(command)
        else:
            others.append((int(stat[1]), command))
    return found + [command for parent, command in others if parent in members]


@dataclass
class Seen:
    """One look at the PC: its files (read on the backing folder: the layer's counts stay the
    program's) and its processes."""
    selection: dict | None
    state: dict
    commands: list[str]

    def child_of(self, version: str) -> bool:
        return any(f"/versions/{version}/run.py {what}" in command for command in self.commands
                   for what in ("serve", "check-server"))


def look(backing: Path, pgid: int | None) -> Seen:
    return Seen(_json(backing / "versions" / "terpilih.json"), _json(backing / "pembaruan" / "status.json") or {},
                group_commands(pgid) if pgid else [])


@dataclass
class Journey:
    """One release on its way to the PC."""
    version: str
    defect: bool
    backing: Path
    pass_pressed: float = 0.0  # when the admin pressed "Sinkronkan sekarang" on this program's run
    applying: threading.Thread | None = None
    child_seen: bool = False  # the new version's server was seen on this program's run
    up_at: float | None = None  # when its verdict ("baik") was first seen
    answers: list[str] = field(default_factory=list)  # the apply button's answers (a refusal says why)

    def phase(self, seen: Seen) -> str:
        """Which phase of this release the PC is in; "waiting" between phases, "kept" or "refused"
        at its end."""
        version, selection = self.version, seen.selection or {}
        if selection.get("version") == version:  # the launcher's states (app/updates/launcher.py)
            if seen.child_of(version):
                self.child_seen = True
            if selection.get("state") == "baik":
                self.up_at = self.up_at or time.monotonic()
                return "came up" if time.monotonic() - self.up_at < CAME_UP_SECONDS else "kept"
            if selection.get("state") == "gagal":
                return "going back"
            if seen.child_of(version):
                return "first start"
            return "going back" if self.child_seen else "switch"
        if version in seen.state.get("failed_versions", []):
            return "refused"
        if any(" check-server " in command for command in seen.commands):  # the running program walks it
            return "pre-check"
        if any(" pip install " in command for command in seen.commands):
            return "install"
        if self.applying and self.applying.is_alive():  # the folder takes the version's name once installed
            return "pre-check" if (self.backing / "versions" / version).exists() else "install"
        if (seen.state.get("available") or {}).get("version") == version:
            return "waiting"
        if version in (seen.state.get("refused") or "") or any(version in answer and "gagal" in answer
                                                             for answer in self.answers):
            return "refused"
        return "download" if self.pass_pressed else "waiting"


# --- the figures ---------------------------------------------------------------------------------------

@dataclass
class PhaseFigures:
    cuts: int = 0
    working: int = 0  # the PC started, settled on a version and took a new registration within the bound
    lost: int = 0  # acknowledged writes missing at the check after this cut
    blamed: int = 0  # a release without defect taken back after the cut
    on_new: int = 0
    on_old: int = 0
    slowest: float = 0.0  # seconds from the start to settled


@dataclass
class UpdateReport:
    phases: dict = field(default_factory=lambda: {phase: PhaseFigures() for phase in PHASES})
    releases: int = 0
    kept: int = 0  # releases that ended kept on the PC
    stuck: int = 0  # releases the PC could not apply after a cut (refused three times, a pass between)
    taken_back: int = 0  # releases with the defect that ended taken back (or refused)
    writes: int = 0  # acknowledged
    resends: int = 0
    office: FuseReport = field(default_factory=FuseReport)  # lost, half-saved, corrupt, stored twice
    problems: list[str] = field(default_factory=list)

    @property
    def cuts(self) -> int:
        return sum(figures.cuts for figures in self.phases.values())

    def lines(self) -> list[str]:
        out = [f"{'phase':<12} {'cuts':>5} {'working':>8} {'lost':>5} {'blamed':>7} {'new':>4} {'old':>4} "
               f"{'slowest s':>10}"]
        for phase, f in self.phases.items():
            out.append(f"{phase:<12} {f.cuts:>5} {f.working:>8} {f.lost:>5} {f.blamed:>7} {f.on_new:>4} "
                       f"{f.on_old:>4} {f.slowest:>10.1f}")
        out.append(f"cuts {self.cuts}; releases {self.releases} (kept {self.kept}, with the defect taken back "
                   f"{self.taken_back}, stuck {self.stuck}); acknowledged writes {self.writes}, lost {self.office.lost}, "
                   f"half-saved {self.office.half}, corrupt {self.office.corrupt}, stored twice "
                   f"{self.office.doubled}, resent {self.resends}")
        return out


class Stop(Exception):
    """The run cannot go on (a PC that does not start again): the report says why."""


# --- the run ----------------------------------------------------------------------------------------------

class UpdateCuts:
    """A center, an office on the layer, clerks and an admin; `run(cuts)` or `run(plan=[phase, ...])`."""

    def __init__(self, work: Path | None = None, seed: int = 1, bound: float = 300.0, say=None):
        self.rng = random.Random(seed)
        self.work = Path(tempfile.mkdtemp(prefix="stroom-update-", dir=work))
        self.backing, self.mount = self.work / "disk", self.work / "kantor"
        self.bound = bound
        self.say = say or (lambda line: None)
        self.report = UpdateReport()
        self.office = Office(self.rng)
        self.checked: set[int] = set()
        self.guesses = dict(GUESSES)
        self.download_changes = 40  # the pass's changes in the update folder, as last seen
        self.layer = self.program = self.center = None
        self.journey: Journey | None = None
        self.versions = iter(f"{FIRST[0]}.{FIRST[1]}.{n}" for n in range(FIRST[2], 10_000))
        self.admin = requests.Session()
        self.clerk_threads: list[threading.Thread] = []
        self.clerks_stop = threading.Event()

    # setting up
    def setup(self) -> None:
        import run
        from tests.sync.harness import CenterServer, prepare_center
        os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
        self.base = base_wheel(self.work)
        self.center_dir, self.keys = self.work / "center", self.work / "flashdisk" / "kunci-rilis"
        _, code = prepare_center(self.center_dir)
        assert run.main(["release", "keys", "--keys", str(self.keys), "--root", str(self.work / "flashdisk-root")]) == 0
        assert run.main(["release", "install-online-key", "--data", str(self.center_dir), "--keys",
                         str(self.keys)]) == 0
        self.center = CenterServer(self.center_dir).start()
        self.backing.mkdir()
        _prepare_office(self.backing, self.center.url, code, self.keys)
        self.clerks = [PacedClerk(self.office, username, role, _photo()) for username, role in STAFF]

    # the machine
    def power_on(self) -> float:
        """Mount the disk and start `run.py serve` as the autostart does; returns when it started."""
        self.layer = FuseCut(self.backing, self.mount, log=self.work / "layer.log").start()
        port = free_port()
        self.office.base = f"http://127.0.0.1:{port}"
        self.program = start_program(self.mount, port, self.work / "program.log", None)
        self.layer.arm(self.program.pid, None)
        if self.journey:
            self.journey.pass_pressed, self.journey.child_seen, self.journey.applying = 0.0, False, None
        return time.monotonic()

    def power_off(self) -> dict:
        """The cut: the layer kills the program's group from inside its next call; the disk goes back."""
        status = self.layer.cut()
        kill_group(self.program)
        self._clerks_off()
        result = self.layer.unmount()
        self.layer = None
        return dict(result, status=status)

    def _clerks_on(self) -> None:
        self.office.stop.clear()
        self.clerks_stop.clear()

        def work(clerk):
            while not self.clerks_stop.is_set():
                clerk.run()  # returns at an unanswered request (a restart) or when told to stop
                self.clerks_stop.wait(0.3)

        self.clerk_threads = [threading.Thread(target=work, args=(clerk,), daemon=True) for clerk in self.clerks]
        for thread in self.clerk_threads:
            thread.start()

    def _clerks_off(self) -> None:
        self.clerks_stop.set()
        self.office.stop.set()
        for thread in self.clerk_threads:
            thread.join(60)
        self.clerk_threads = []

    # the admin
    def _admin_page(self, path: str) -> str:
        base = self.office.base
        answer = self.admin.get(base + path, timeout=30)
        if "/masuk" in answer.url or 'name="password"' in answer.text:
            login = self.admin.get(base + "/masuk", timeout=30).text
            self.admin.post(base + "/masuk", timeout=30, data={"csrf_token": _field(login, "csrf_token"),
                                                              "username": ADMIN, "password": ADMIN_PASSWORD})
            answer = self.admin.get(base + path, timeout=30)
        return answer.text

    def _press(self, path: str, form_page: str, timeout: float = 60) -> str:
        page = self._admin_page(form_page)
        return self.admin.post(self.office.base + path, data={"csrf_token": _field(page, "csrf_token")},
                               timeout=timeout).text

    def press_sync(self) -> None:
        try:
            self._press("/sinkronisasi/mulai", "/sinkronisasi")
            self.journey.pass_pressed = time.monotonic()
        except requests.RequestException:
            pass

    def press_apply(self) -> None:
        journey = self.journey

        def apply():
            try:
                journey.answers.append(self._press("/admin/pembaruan/pasang", "/admin/pembaruan", timeout=900))
            except requests.RequestException as problem:
                journey.answers.append(f"no answer: {problem}")

        journey.applying = threading.Thread(target=apply, daemon=True)
        journey.applying.start()

    # releases
    def publish(self, defect: bool) -> None:
        from tests.updates.helpers import release
        version = next(self.versions)
        folder = self.work / f"wheels-{version}"
        wheel_at(self.base, version, folder, defect)
        notes = "Versi uji dengan cacat di daftar pendaftaran." if defect else "Versi uji: perbaikan kecil."
        release(self.keys, self.center_dir, version, notes, folder, self.work)
        shutil.rmtree(folder)
        self.journey = Journey(version, defect, self.backing)
        self.report.releases += 1
        self.say(f"release {version}{' (defect)' if defect else ''}")

    def drive(self, seen: Seen, phase: str) -> None:
        """The admin's next step on the current release, if one is due."""
        journey, now = self.journey, time.monotonic()
        if phase == "waiting" and (seen.state.get("available") or {}).get("version") == journey.version:
            if journey.applying and journey.applying.is_alive():
                return
            refused = [answer for answer in journey.answers if "flash-error" in answer]
            if len(refused) >= 3:  # a pass did not mend it either: the release is stuck here
                self.report.stuck += 1
                self.report.problems.append(f"release {journey.version} stuck after cut {self.report.cuts}: "
                                            f"{_said(journey, self.backing)}")
                self.say(f"release {journey.version} stuck: {_said(journey, self.backing)}")
                self.publish(defect=journey.defect)  # a newer one: the center's metadata changes
            elif refused and now - journey.pass_pressed > 60:
                self.press_sync()  # a press refused: the next pass may fetch again what a cut lost
            elif not refused or now - journey.pass_pressed > 15:
                self.press_apply()
        elif phase in ("waiting", "download") and now - journey.pass_pressed > 45:
            self.press_sync()  # a pass that ended without the release (or never ran) is pressed again

    def journey_ended(self, phase: str) -> bool:
        journey = self.journey
        if phase == "kept":
            self.report.kept += 1
            if journey.defect:
                self.report.problems.append(f"release {journey.version} with the defect kept")
        elif phase == "refused":
            self.report.taken_back += 1
            if not journey.defect:
                self.report.problems.append(f"release {journey.version} (no defect) not kept: "
                                            f"{_said(journey, self.backing)}")
        else:
            return False
        self.say(f"release {self.journey.version}: {phase}")
        return True

    # one cut
    def cut_in(self, target: str) -> None:
        """Drive the journeys until `target` is seen, then cut at a random moment within it."""
        cut_at, entered, started, armed = None, {}, time.monotonic(), False
        while True:
            if self.program.poll() is not None:
                if armed and self.layer.status()["dead"]:
                    break  # the layer cut at the armed change
                raise Stop(f"the program stopped by itself (code {self.program.returncode}) in the middle of "
                           f"release {self.journey.version}; program.log")
            seen = look(self.backing, self.program.pid)
            phase = self.journey.phase(seen)
            now = time.monotonic()
            for name in list(entered):  # a phase left without a cut: its length teaches the next guess
                if name != phase:
                    self.guesses[name] = 0.7 * self.guesses[name] + 0.3 * (now - entered.pop(name))
            if phase in PHASES:
                entered.setdefault(phase, now)
            if phase in ("kept", "refused") and self.journey_ended(phase):
                self.publish(defect=target == "going back" or self.rng.random() < 0.2)
                continue
            if phase == target and cut_at is None:
                if target == "download" and self.rng.random() < 0.7:
                    # at one of the pass's changes in the update folder (the metadata, the wheel, status.json)
                    self.layer.arm(self.program.pid, {"kind": "change", "within": "/pembaruan/",
                                                      "nth": self.rng.randint(1, self.download_changes)})
                    armed, cut_at = True, float("inf")
                else:
                    cut_at = now + self.rng.uniform(0, self.guesses[target])
            if armed and phase != "download" and cut_at == float("inf"):  # fewer changes than aimed at: now
                self.download_changes = max(4, self.layer.status()["counts"].get("change in /pembaruan/", 0))
                self.layer.arm(self.program.pid, None)
                cut_at = now
            if cut_at is not None and now >= cut_at:
                break
            if cut_at is None and target == "going back" and not self.journey.defect and phase in (
                    "waiting", "download") and not self.journey.pass_pressed:
                self.publish(defect=True)  # a release without the defect never goes back: the next one has it
                continue
            if now - started > 900:
                raise Stop(f"no {target} seen in 15 minutes (release {self.journey.version}, at {phase})")
            self.drive(seen, phase)
            time.sleep(0.05)
        fell_in = self.journey.phase(look(self.backing, self.program.pid))
        if armed and self.layer.status()["dead"]:
            fell_in = "download"
        fell_in = fell_in if fell_in in PHASES else target  # the phase ended between the look and the cut
        result = self.power_off()
        figures = self.report.phases[fell_in]
        figures.cuts += 1
        self.say(f"cut {self.report.cuts}: {fell_in} of {self.journey.version} (aimed at {target}); "
                 f"{result['status']['cut'].get('where', '?')}")
        self.restart_and_check(figures)

    def restart_and_check(self, figures: PhaseFigures) -> None:
        """The PC starts again: it must answer, settle (not on trial), take a registration, and hold
        every acknowledged write."""
        version, defect = self.journey.version, self.journey.defect
        began = self.power_on()
        deadline = began + self.bound
        settled = None
        while time.monotonic() < deadline and self.program.poll() is None:
            seen = look(self.backing, self.program.pid)
            phase = self.journey.phase(seen)
            if phase in ("waiting", "download", "came up", "kept", "refused") and _answers(self.office.base):
                settled = seen
                break
            time.sleep(0.2)
        if settled is None:
            why = (f"the program exited with code {self.program.returncode}" if self.program.poll() is not None
                   else f"not settled within {self.bound:.0f} s")
            self.report.problems.append(f"cut {self.report.cuts}: the PC did not start on a working version: {why}")
            raise Stop(self.report.problems[-1])
        figures.slowest = max(figures.slowest, time.monotonic() - began)
        selection = settled.selection or {}
        on_new = selection.get("version") == version and selection.get("state") == "baik"
        figures.on_new += on_new
        figures.on_old += not on_new
        if not defect and version in settled.state.get("failed_versions", []):
            figures.blamed += 1
            self.report.problems.append(f"cut {self.report.cuts}: release {version} (no defect) taken back: "
                                        f"{settled.state.get('rolled_back')}")
        lost_before = self.report.office.lost
        self.report.office.cuts = self.report.cuts
        check(self.mount / "loket.sqlite3", self.office.acks, self.checked, self.report.office)
        figures.lost += self.report.office.lost - lost_before
        self.resend()
        registered = self.registered_again()
        if registered:
            figures.working += 1
        else:
            self.report.problems.append(f"cut {self.report.cuts}: no registration saved after the restart")
        self.report.writes = len(self.office.acks)
        self.say(f"    settled on {selection.get('version') or 'the installed program'} "
                 f"({selection.get('state') or '-'}) in {time.monotonic() - began:.0f} s; lost "
                 f"{self.report.office.lost - lost_before}; a registration {'saved' if registered else 'NOT saved'}; "
                 f"acknowledged {self.report.writes}")
        if self.report.cuts % 10 == 0:
            for line in self.report.lines():
                self.say("    " + line)

    def resend(self) -> None:
        """The clerks press Simpan again on every form the cut left unanswered (never stored twice)."""
        again, self.office.unanswered = self.office.unanswered, []
        for clerk, kind, path, form, files, key in again:
            try:
                clerk.post(kind, path, form, key, files=files, ok=(302, 303))
                self.report.resends += 1
            except Exception:  # noqa: BLE001 - unanswered again: sent at the next restart
                pass

    def registered_again(self) -> bool:
        """The clerks at work again; a registration saved within two minutes."""
        cycle = self.office.cycle = self.office.cycle + 1
        self._clerks_on()
        deadline = time.monotonic() + 120
        while time.monotonic() < deadline:
            if any(ack.cycle == cycle and ack.kind == "application" for ack in self.office.acks):
                return True
            time.sleep(0.1)
        return False

    def run(self, cuts: int = 0, plan: list[str] | None = None) -> UpdateReport:
        plan = list(plan or [self.rng.choice(PHASES) for _ in range(cuts)])
        try:
            self.setup()
            self.power_on()
            if not _up(self.program, self.office.base, self.bound):
                raise Stop("the office did not start before any cut")
            self._clerks_on()
            self.publish(defect=plan[0] == "going back")
            for target in plan:
                self.cut_in(target)
            self.final_check()
        except Stop as stop:
            if str(stop) not in self.report.problems:
                self.report.problems.append(str(stop))
        except KeyboardInterrupt:  # the figures so far still count
            self.report.problems.append(f"interrupted after {self.report.cuts} cuts")
        finally:
            self.close()
        return self.report

    def final_check(self) -> None:
        self._clerks_off()
        check(self.mount / "loket.sqlite3", self.office.acks, self.checked, self.report.office)
        self.report.writes = len(self.office.acks)

    def close(self) -> None:
        self._clerks_off()
        if self.program is not None:
            kill_group(self.program)
        if self.layer is not None:  # a run interrupted mid-call may find the layer's answers out of step
            closing = threading.Thread(target=self.layer.unmount, daemon=True)
            closing.start()
            closing.join(60)
            if closing.is_alive():
                self.layer.kill()
        if self.center is not None:
            self.center.stop()
        if self.report.problems and os.environ.get("STROOM_KEEP") == "1":
            self.report.problems.append(f"kept: {self.work}")
        else:
            shutil.rmtree(self.work, ignore_errors=True)


def _said(journey: Journey, backing: Path) -> str:
    """What the PC last said about a release: the apply button's answer, else the update page's state."""
    for answer in reversed(journey.answers):
        for message in re.findall(r'<p class="flash[^"]*">(.*?)</p>', answer, re.S):
            return " ".join(message.split())[:300]
        if answer.startswith("no answer"):
            return answer[:300]
    state = _json(backing / "pembaruan" / "status.json") or {}
    return str({key: state.get(key) for key in ("refused", "rolled_back")})[:300]


def _answers(base: str) -> bool:
    try:
        return requests.get(base + "/masuk", timeout=10).status_code < 500
    except requests.RequestException:
        return False


def _up(program, base: str, seconds: float) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and program.poll() is None:
        if _answers(base):
            return True
        time.sleep(0.1)
    return False


def _prepare_office(data: Path, center_url: str, code: str, keys: Path) -> None:
    """Identity, the clerks' and the admin's accounts, enrolled at the center, the regency's root
    fingerprint typed by the admin; by the app's own code, on the real disk before the first mount."""
    from sync.release import key_signing
    from tests.updates.helpers import confirm_root
    from app import create_app
    from app.auth.accounts import create_user
    from app.firstrun import seed_identity
    from tests.sync.harness import enrol_kecamatan
    app = create_app({"DATA_DIR": data})
    database = app.extensions["database"]
    with app.app_context(), database.connection_context():
        seed_identity("35.08.07")
        for username, role in STAFF:
            create_user(username, f"Pegawai {username}", role, password=PASSWORD, must_change_password=False)
        create_user(ADMIN, "Admin Kantor", "admin", password=ADMIN_PASSWORD, must_change_password=False)
    enrol_kecamatan(app, center_url, code)
    confirm_root(app, data, key_signing.key_folder_fingerprint(keys))
    database.close_all()
