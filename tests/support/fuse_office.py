"""The kecamatan app under clerks, with the power cut below its file system (issue 42, finding 8).

The office's data folder lives on the FUSE layer of tests/support/fuse_power_cut.py; the app is
`run.py serve` on it, its own process group. Four clerks work through the real forms over HTTP
(CSRF token and form token read from the page, as a browser sends them): two counter clerks
register applications with a photo and record complaints at the counter, the information officer
records calls, the Kasi follows complaints up ("ditindaklanjuti" with its text, most often the
newest, seconds after it was recorded) and closes some. Every 2xx/303 answer is an acknowledged
write, kept with what identifies it in the database.

A cycle: mount, start the app (a start that does not answer within a minute is a failed
restart), check everything acknowledged so far (through the app's key: each write there once,
no half transaction, `PRAGMA integrity_check` ok), send again the forms that got no answer at the
last cut (the clerk presses Simpan again: never stored twice), arm the cut, let the clerks work
until it falls, unmount (the layer puts the disk's state back). The cut falls at a random moment,
or at the Nth change, or inside a checkpoint: at a write-back to the main database file, at its
fsync (before or after it reached the disk), or at the WAL's new header after a checkpoint.

`run_office_cuts(cuts, ...)` returns a FuseReport. `synchronous="off"` is the control: the layer
must then lose acknowledged writes.
"""
from __future__ import annotations

import os
import random
import re
import shutil
import signal
import subprocess
import sys
import tempfile
import threading
import time
from dataclasses import dataclass, field
from pathlib import Path

import requests

from tests.support.fuse_power_cut import FuseCut
from tests.support.ports import free_port

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "listrik-padam-2026"
STAFF = [("loket1", "petugas_loket"), ("loket2", "petugas_loket"), ("info", "petugas_informasi"),
         ("kasi", "kasi_pelayanan")]
# The serve command, with synchronous overridden for the control (the office's own pragmas otherwise).
SERVE = ("import os, runpy, sys\n"
         "sys.path.insert(0, os.environ['STROOM_ROOT'])\n"
         "from app.frame import db\n"
         "mode = os.environ['STROOM_SYNCHRONOUS']\n"
         "db.PRAGMAS[:] = [(n, mode if n == 'synchronous' else v) for n, v in db.PRAGMAS]\n"
         "sys.argv = ['run.py', *sys.argv[1:]]\n"
         "runpy.run_path(os.path.join(os.environ['STROOM_ROOT'], 'run.py'), run_name='__main__')\n")


@dataclass
class FuseReport:
    cuts: int = 0
    in_checkpoint: int = 0  # cuts that fell while a checkpoint was writing the main file back or syncing it
    writes: int = 0  # acknowledged
    lost: int = 0
    half: int = 0
    corrupt: int = 0
    failed_restarts: int = 0
    resends: int = 0
    doubled: int = 0
    checkpoints: int = 0  # checkpoints the layer saw complete (the main file synced after writes)
    triggers: dict = field(default_factory=dict)
    problems: list[str] = field(default_factory=list)

    def line(self) -> str:
        return (f"cuts {self.cuts}  in checkpoints {self.in_checkpoint}  acknowledged {self.writes}  "
                f"lost {self.lost}  half-saved {self.half}  corrupt {self.corrupt}  "
                f"failed restarts {self.failed_restarts}  resends {self.resends} (stored twice {self.doubled})  "
                f"checkpoints seen {self.checkpoints}")


@dataclass
class Ack:
    kind: str  # application, complaint, followup
    key: tuple
    at: float
    cycle: int


# --- the office and its program ----------------------------------------------------------------------

def prepare_office(data: Path) -> None:
    """Identity, accounts and a category, by the app's own code, on the real disk (before the mount)."""
    from app import create_app
    from app.auth.accounts import create_user
    from app.firstrun import seed_identity
    app = create_app({"DATA_DIR": data})
    database = app.extensions["database"]
    with app.app_context(), database.connection_context():
        seed_identity("35.08.07")
        for username, role in STAFF:
            create_user(username, f"Pegawai {username}", role, password=PASSWORD, must_change_password=False)
    database.close_all()


def start_program(data: Path, port: int, log: Path, synchronous: str | None) -> subprocess.Popen:
    args = ["serve", "--data", str(data), "--port", str(port), "--threads", "8"]
    if synchronous:
        command = [sys.executable, "-c", SERVE, *args]
    else:
        command = [sys.executable, str(ROOT / "run.py"), *args]
    env = dict(os.environ, STROOM_ROOT=str(ROOT), STROOM_SYNCHRONOUS=synchronous or "",
               PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring", PYTHONUNBUFFERED="1")
    return subprocess.Popen(command, cwd=ROOT, env=env, stdout=open(log, "ab"), stderr=subprocess.STDOUT,
                            start_new_session=True)  # its own group: the cut kills all of it


def wait_up(program: subprocess.Popen, base: str, seconds: float = 60) -> bool:
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline and program.poll() is None:
        try:
            if requests.get(base + "/healthz", timeout=2).ok:
                return True
        except requests.RequestException:
            pass
        time.sleep(0.05)
    return False


def kill_group(program: subprocess.Popen) -> None:
    if program.poll() is None:
        try:
            os.killpg(program.pid, signal.SIGKILL)
        except ProcessLookupError:
            pass
    program.wait(30)


# --- the clerks ------------------------------------------------------------------------------------

def _field(html: str, name: str) -> str:
    found = re.search(rf'name="{name}"[^>]*value="([^"]*)"', html) or \
        re.search(rf'value="([^"]*)"[^>]*name="{name}"', html)
    return found.group(1) if found else ""


def _first_option(html: str, select: str) -> str:
    part = html.split(f'name="{select}"', 1)[-1]
    found = re.search(r'<option value="([^"]+)"', part)
    return found.group(1) if found else ""


class Unanswered(Exception):
    """The request got no answer (the program died under it)."""


class Office:
    """What every clerk shares: the address, the acknowledged writes, forms left unanswered."""

    def __init__(self, rng: random.Random):
        self.base = ""
        self.rng = rng
        self.lock = threading.Lock()
        self.acks: list[Ack] = []
        self.unanswered: list[tuple] = []  # (clerk, kind, path, form, files, key): sent again after the restart
        self.complaints: list[int] = []  # acknowledged complaint ids, newest last
        self.stop = threading.Event()
        self.cycle = 0
        self.serial = 0

    def next_serial(self) -> int:
        with self.lock:
            self.serial += 1
            return self.serial

    def ack(self, kind: str, key: tuple) -> None:
        with self.lock:
            self.acks.append(Ack(kind, key, time.time(), self.cycle))


class Clerk:
    def __init__(self, office: Office, username: str, role: str, photo: bytes):
        self.office, self.username, self.role, self.photo = office, username, role, photo
        self.session = requests.Session()
        self.rng = random.Random(office.rng.random())

    # requests
    def _send(self, method, path, **kwargs) -> requests.Response:
        try:
            response = self.session.request(method, self.office.base + path, timeout=30, allow_redirects=False,
                                            **kwargs)
        except requests.RequestException as problem:
            raise Unanswered(str(problem)) from None
        if response.status_code >= 500:
            raise Unanswered(f"HTTP {response.status_code}")  # the dying program's error: no answer to the clerk
        return response

    def page(self, path) -> str:
        response = self._send("GET", path)
        if response.status_code in (302, 303) and "/masuk" in response.headers.get("Location", ""):
            self.login()
            response = self._send("GET", path)
        return response.text

    def login(self) -> None:
        html = self._send("GET", "/masuk").text
        self._send("POST", "/masuk", data={"csrf_token": _field(html, "csrf_token"), "username": self.username,
                                           "password": PASSWORD, "next": ""})

    def post(self, kind, path, form, key, files=None, ok=(302, 303)) -> requests.Response | None:
        """Send a form; an answer in `ok` is an acknowledged write (kept with `key`)."""
        try:
            response = self._send("POST", path, data=form, files=files)
        except Unanswered:
            with self.office.lock:
                self.office.unanswered.append((self, kind, path, form, files, key))
            raise
        if response.status_code in ok and "/masuk" not in response.headers.get("Location", ""):
            self.office.ack(kind, key)
            return response
        return None

    # work
    def run(self) -> None:
        while not self.office.stop.is_set():
            try:
                self.act()
            except Unanswered:
                return  # the power is off: the clerk's screen is dark
            except Exception as problem:  # noqa: BLE001 - a page that did not look as expected: next one
                if self.office.stop.is_set():
                    return
                time.sleep(0.05)
                self.last_problem = repr(problem)

    def act(self) -> None:
        roll = self.rng.random()
        if self.role == "petugas_loket":
            if roll < 0.45:
                self.register()
            elif roll < 0.75:
                self.record_complaint("meja_informasi")
            else:
                self.page("/pendaftaran")
        elif self.role == "petugas_informasi":
            if roll < 0.7:
                self.record_complaint("telepon")
            else:
                self.page("/pengaduan/")
        else:
            self.follow_up()

    def register(self) -> None:
        html = self.page("/pendaftaran/baru")
        serial = self.office.next_serial()
        letters = "".join("ABCDEFGHIJ"[int(d)] for d in str(serial))
        name = f"Warga Listrik {letters} {self.username.upper()}"
        form = {"csrf_token": _field(html, "csrf_token"), "form_token": _field(html, "form_token"),
                "nik": f"350807120590{serial % 9999 + 1:04d}", "kk_number": f"3508070101{serial % 90 + 10}{serial % 9999 + 1:04d}",
                "full_name": name, "birth_place": "Lumajang", "birth_date": "1990-05-12", "sex": "L",
                "address": f"Dusun Krajan No. {serial % 200 + 1}", "rt": "002", "rw": "001", "desa": "Darungan",
                "religion": "Islam", "marital_status": "Kawin", "occupation": "Petani/Pekebun",
                "phone": f"0812{serial:08d}", "reason": "rusak", "biometric_done": "1", "notes": "", "mismatch_reason": ""}
        self.post("application", "/pendaftaran/baru", form, (name,),
                  files={"photo": ("foto.jpg", self.photo, "image/jpeg")}, ok=(302,))

    def record_complaint(self, channel: str) -> None:
        html = self.page("/pengaduan/catat")
        serial = self.office.next_serial()
        token = _field(html, "form_token")
        text = f"Antrean KTP-el lama sekali, laporan nomor {serial} dari {self.username}."
        response = self.post("complaint", "/pengaduan/catat", {
            "csrf_token": _field(html, "csrf_token"), "form_token": token, "desk_answer_id": "", "channel": channel,
            "received_at": _field(html, "received_at"), "category_id": _first_option(html, "category_id"),
            "text": text, "step": "baru"}, (token,), ok=(303,))
        if response is not None:
            found = re.search(r"/pengaduan/(\d+)/", response.headers.get("Location", ""))
            if found:
                with self.office.lock:
                    self.office.complaints.append(int(found.group(1)))

    def follow_up(self) -> None:
        with self.office.lock:
            open_ones = list(self.office.complaints)
        if not open_ones:
            time.sleep(0.1)
            return
        # most often the newest: the finding's follow-up came a second after its complaint
        complaint = open_ones[-1] if self.rng.random() < 0.7 else self.rng.choice(open_ones)
        html = self.page(f"/pengaduan/{complaint}")
        status = "selesai" if "Ditindaklanjuti" in html and self.rng.random() < 0.3 else "ditindaklanjuti"
        serial = self.office.next_serial()
        note = f"Tindak lanjut {serial}"
        form = {"csrf_token": _field(html, "csrf_token"), "version_read": _field(html, "version_read"),
                "to_status": status, "tindak_lanjut": f"Petugas menambah loket antrean ({serial}).",
                "other_office": "", "note": note}
        response = self.post("followup", f"/pengaduan/{complaint}/status", form, (complaint, status, note),
                             ok=(303,))
        if response is not None and status == "selesai":
            with self.office.lock:
                if complaint in self.office.complaints:
                    self.office.complaints.remove(complaint)


# --- the check after a restart -----------------------------------------------------------------------

def check(path: Path, acks: list[Ack], checked: set, report: FuseReport) -> None:
    """Every acknowledged write there exactly once, no half transaction, integrity_check ok."""
    from app.frame.db import connect
    import apsw
    try:
        connection = connect(path, readonly=True)
    except apsw.Error as problem:
        report.corrupt += 1
        report.problems.append(f"cut {report.cuts}: will not open: {problem}")
        return
    try:
        verdict = connection.execute("PRAGMA integrity_check").fetchall()
        if verdict != [("ok",)]:
            report.corrupt += 1
            report.problems.append(f"cut {report.cuts}: integrity_check {verdict[:3]}")
        queries = {"application": "SELECT count(*) FROM application WHERE full_name = ?",
                   "complaint": "SELECT count(*) FROM complaint WHERE submission_token = ?",
                   "followup": "SELECT count(*) FROM complaint_event WHERE complaint_id = ? AND to_status = ? "
                               "AND note = ?"}
        for number, ack in enumerate(acks):
            if number in checked:
                continue
            count = connection.execute(queries[ack.kind], ack.key).fetchall()[0][0]
            if count == 0:
                report.lost += 1
                checked.add(number)
                report.problems.append(f"cut {report.cuts}: lost {ack.kind} {ack.key}, acknowledged in cycle "
                                       f"{ack.cycle} at {ack.at:.3f}")
            elif count > 1:
                report.doubled += 1
                checked.add(number)
                report.problems.append(f"cut {report.cuts}: {ack.kind} {ack.key} stored {count} times")
        # half transactions: a complaint without its first timeline entry, a status change without its audit line
        lonely = connection.execute("SELECT count(*) FROM complaint c WHERE NOT EXISTS "
                                    "(SELECT 1 FROM complaint_event e WHERE e.complaint_id = c.id)").fetchall()[0][0]
        moves = connection.execute("SELECT count(*) FROM complaint_event WHERE from_status IS NOT NULL").fetchall()[0][0]
        audited = connection.execute("SELECT count(*) FROM audit_event WHERE action = 'ubah_status' "
                                     "AND entity = 'pengaduan'").fetchall()[0][0]
        # and a complaint whose status is not its timeline's last step (the follow-up written, the row not)
        astray = connection.execute(
            "SELECT count(*) FROM complaint c WHERE c.status != (SELECT e.to_status FROM complaint_event e "
            "WHERE e.complaint_id = c.id ORDER BY e.at DESC, e.id DESC LIMIT 1)").fetchall()[0][0]
        # and an application without the view of the page its registration leads to (one commit, issue 73)
        unviewed = connection.execute(
            "SELECT count(*) FROM application a WHERE NOT EXISTS (SELECT 1 FROM audit_event e WHERE e.action = "
            "'lihat' AND e.entity = 'permohonan_ktp' AND e.entity_id = CAST(a.id AS TEXT))").fetchall()[0][0]
        if lonely or moves != audited or astray or unviewed:
            report.half += 1
            report.problems.append(f"cut {report.cuts}: half saved: {lonely} complaints without their entry, "
                                   f"{moves} moves and {audited} audit lines, {astray} statuses not their "
                                   f"timeline's last, {unviewed} applications without their page's view")
    except apsw.Error as problem:
        report.corrupt += 1
        report.problems.append(f"cut {report.cuts}: unreadable: {problem}")
    finally:
        connection.close()


# --- the cuts ------------------------------------------------------------------------------------------

TRIGGERS = [  # (weight, name, trigger or None for a moment in time)
    (30, "moment", None),
    (20, "nth change", lambda rng: {"kind": "change", "nth": rng.randint(1, 2500)}),
    (15, "checkpoint write-back", lambda rng: {"kind": "db_write", "nth": rng.randint(1, 60)}),
    (10, "checkpoint fsync", lambda rng: {"kind": "db_fsync", "nth": 1}),
    (8, "after checkpoint fsync", lambda rng: {"kind": "db_fsync", "nth": 1, "after": True}),
    (9, "WAL restarted", lambda rng: {"kind": "wal_header", "nth": 1, "after": True}),
    (8, "WAL fsync", lambda rng: {"kind": "wal_fsync", "nth": rng.randint(1, 30)}),
    # the finding's lost write: a follow-up answered 303 a second after its complaint, then the cut
    (10, "after a follow-up's answer", lambda rng: {"kind": "answer", "of": "followup", "nth": rng.randint(1, 4),
                                                    "delay": rng.uniform(0, 1.5)}),
]


def _choose(rng: random.Random, triggers):
    total = sum(weight for weight, _, _ in triggers)
    roll = rng.uniform(0, total)
    for weight, name, make in triggers:
        roll -= weight
        if roll <= 0:
            return name, make(rng) if make else None
    return triggers[0][1], None


def _photo() -> bytes:
    import io
    from PIL import Image
    out = io.BytesIO()
    noise = Image.effect_noise((600, 800), 30).convert("RGB")
    Image.blend(Image.new("RGB", (600, 800), (190, 30, 35)), noise, 0.3).save(out, "JPEG", quality=92)
    return out.getvalue()


def _after_cut(layer, program, threads, name, report, office, say) -> None:
    """The program is dead (killed by the layer at the cut); the disk goes back to what it kept."""
    kill_group(program)
    office.stop.set()
    for thread in threads:
        thread.join(60)
    result = layer.unmount()
    report.cuts += 1
    report.triggers[name] = report.triggers.get(name, 0) + 1
    report.checkpoints += result.get("checkpoints", 0)
    if result["cut"].get("in_checkpoint"):
        report.in_checkpoint += 1
    if say:
        say(f"cut {report.cuts}: {name}, {result['cut'].get('where')}"
            f"{' (checkpoint)' if result['cut'].get('in_checkpoint') else ''}; "
            f"acknowledged {len(office.acks)}, lost {report.lost}")


def run_office_cuts(cuts: int, seed: int = 1, folder: Path | None = None, synchronous: str | None = None,
                    max_cycle_seconds: float = 12.0, moment_seconds=(0.3, 8.0), start_cuts: float = 0.1,
                    triggers=None, say=None) -> FuseReport:
    """`cuts` cuts; `start_cuts` of them (a share) while the program starts again, the others while
    the clerks work: at a moment `moment_seconds` in, or at a trigger of `triggers` (default
    TRIGGERS), else after `max_cycle_seconds`."""
    triggers = triggers or TRIGGERS
    rng = random.Random(seed)
    report = FuseReport()
    work = Path(tempfile.mkdtemp(prefix="stroom-fuse-", dir=folder))
    backing, mount = work / "disk", work / "kantor"
    backing.mkdir()
    prepare_office(backing)
    database = mount / "loket.sqlite3"
    office = Office(rng)
    photo = _photo()
    checked: set[int] = set()
    clerks = [Clerk(office, username, role, photo) for username, role in STAFF]  # signed in across restarts
    layer = program = None
    try:
        while True:
            times = {"begin": time.monotonic()}
            layer = FuseCut(backing, mount, log=work / "layer.log").start()
            times["mounted"] = time.monotonic()
            port = free_port()
            office.base = f"http://127.0.0.1:{port}"
            program = start_program(mount, port, work / "program.log", synchronous)
            # Some cuts fall while the program starts again (WAL recovery, the start's checkpoint).
            during_start = office.cycle > 0 and report.cuts < cuts and rng.random() < start_cuts
            if during_start:  # at a change, or inside the checkpoint the start makes
                layer.arm(program.pid, rng.choice([{"kind": "change", "nth": rng.randint(1, 120)},
                                                   {"kind": "db_write", "nth": rng.randint(1, 12)}]))
            up = wait_up(program, office.base)
            if during_start:
                if layer.status()["dead"]:
                    _after_cut(layer, program, [], "during the restart", report, office, say)
                    continue
                layer.arm(program.pid, None)
            if not up:
                report.failed_restarts += 1
                report.problems.append(f"cut {report.cuts}: the program did not come back (program.log)")
                break
            times["up"] = time.monotonic()
            check(database, office.acks, checked, report)
            times["checked"] = time.monotonic()
            report.writes = len(office.acks)
            if report.cuts >= cuts:
                break
            office.cycle += 1
            office.stop.clear()
            resend, office.unanswered = office.unanswered, []
            for clerk, kind, path, form, files, key in resend:  # the clerk presses Simpan again, same form
                try:
                    clerk.post(kind, path, form, key, files=files, ok=(302, 303))
                    report.resends += 1
                except Unanswered:
                    pass
            name, trigger = _choose(rng, triggers)
            answer = trigger if trigger and trigger["kind"] == "answer" else None  # watched here, not by the layer
            layer.arm(program.pid, None if answer else trigger)
            answers_before = sum(1 for ack in office.acks if answer and ack.kind == answer["of"])
            threads = [threading.Thread(target=clerk.run, daemon=True) for clerk in clerks]
            for thread in threads:
                thread.start()
            moment = time.monotonic() + (rng.uniform(*moment_seconds) if trigger is None else max_cycle_seconds)
            while time.monotonic() < moment and program.poll() is None:
                if answer and sum(1 for ack in office.acks if ack.kind == answer["of"]) - answers_before >= answer["nth"]:
                    time.sleep(answer["delay"])
                    break
                time.sleep(0.02)
            status = layer.cut() if program.poll() is None else layer.status()
            if trigger is not None and not answer and status["cut"].get("where") == "now":
                name = "moment (trigger not met)"
            times["cut"] = time.monotonic()
            _after_cut(layer, program, threads, name, report, office, say)
            times["unmounted"] = time.monotonic()
            if say:
                marks = list(times.items())
                say("    " + "  ".join(f"{b[0]} {b[1] - a[1]:.1f}" for a, b in zip(marks, marks[1:])))
    finally:
        office.stop.set()
        if program is not None:
            kill_group(program)
        if layer is not None:
            if layer.process and layer.process.poll() is None:
                try:
                    layer.unmount()
                except Exception:  # noqa: BLE001 - a broken layer still lets go of its mount
                    layer.kill()
        if not report.problems or os.environ.get("STROOM_KEEP") != "1":
            shutil.rmtree(work, ignore_errors=True)
        else:
            report.problems.append(f"kept: {work}")
    return report
