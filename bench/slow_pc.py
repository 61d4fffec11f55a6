"""The office on a kecamatan's PC: a slow disk and a slow core (issues 64 and 73).

`run.py serve` and the sync passes (`--every` seconds after the last one ended, against a real center
behind the rural link) run in one CPU cgroup. A pass runs as in the office, a thread of the server: a
second counter clerk presses "Sinkronkan sekarang" and the progress box polls every second, as the page
does, until the pass has ended (`--passes process`: `run.py sync`, its own process, as bench_soak.py
--passes, the issue-64 way). They run in one CPU cgroup
limited to `--cores` of a core (cgroup v2 cpu.max, or v1 cpu.cfs_quota_us where the cpu controller is
on v1; the same CFS quota), with a busy program in the same group at the same priority (`--busy`: the
share of a core it asks for, 1 = always; an antivirus scan, a browser), so the office's half core is
shared as on a PC where the clerk runs something else. The group has the machine's default CPU weight,
like any other process (`--first`: the highest weight, as on a PC that runs nothing else: not the
headline).

The data folder first on the plain disk, then on the FUSE layer of tests/support/fuse_power_cut.py,
which makes every fsync / fdatasync / folder fsync take `--delays` milliseconds (a 5,400 rpm disk:
10-20 ms; one sync at a time) and tallies the syncs by path.

1. Syncs per acknowledged write: with no pass running, one clerk at a time does each action
   `--count-rounds` times; the syncs the layer saw during its POST and during the page the
   browser then follows are counted. The floor: SQLite in WAL mode with synchronous=FULL syncs the
   WAL once per commit, the page after it nothing; a new WAL (after a checkpoint restarted it)
   syncs its header once more; a checkpoint syncs the WAL and the database (both shared by all the
   commits since the last one).
2. Times, in one run: `--rounds` of each clerk action (the photo's check when the clerk chooses it, an
   htmx answer under the field while the clerk types; register with photo, each citizen's own picture,
   checklist, status move, handover, complaint, survey at the kiosk, recap submission and the Camat's
   approval) one after
   another while the passes run, on the plain disk and then on the layer at each delay; a clerk
   action is the POST and the page its redirect shows (what the clerk waits for after pressing
   Simpan). p50/p95/max, the server's CPU for it and the time it would take alone (CPU / cores +
   its syncs x the delay), errors, `uptime` beside, and how many actions over 300 ms fell while a
   pass ran. The layer's own cost (a FUSE round trip per file call, in its own process) is the
   layer at 0 ms less the plain disk, per action (medians); the summary gives each delay's p95 with
   it subtracted, what a real disk with that sync time would show.
3. The first page after a cold start: the server stopped, the page cache dropped
   (`echo 3 > /proc/sys/vm/drop_caches`, needs root), the server started in the cgroup on the
   slowest disk: seconds to /healthz, to the sign-in page (the first page), and to the dashboard
   after signing in; the server's CPU to each.

    python bench/slow_pc.py --rounds 20 --every 10           # plain disk, 0, 10, 20 ms; half a core, busy
    python bench/slow_pc.py --delays 20 --rounds 10 --profile /tmp/serve.prof
    python bench/slow_pc.py --cores 0 --busy 0               # no CPU limit, nothing beside (the peer)
    python bench/slow_pc.py --only cold --delays 20 --cold-starts 5   # the cold start alone
    python bench/slow_pc.py --rounds 20 --every 10 --passes process   # each pass its own process

`--profile FILE` runs the server under cProfile, by CPU time (written when it stops; it slows the
server: time without it). Recaps are approved one quarter each from 2000: rounds x delays +
count-rounds <= 100. Linux, root (cgroup, /dev/fuse, drop_caches). Goals: p95 of every clerk action <= 300 ms at 20 ms and half a core,
no write above its sync floor, the first page after a cold start <= 3 s, 0 errors.
"""
import argparse
import os
import random
import signal
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import date, timedelta
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_day  # noqa: E402
from bench.bench_day import Center, FormReader, Person, free_port, photo_jpeg, prepare_office, start_server  # noqa: E402
from bench.bench_soak import keep_syncing  # noqa: E402
from tests.support.fuse_power_cut import FuseCut, fuse_available  # noqa: E402

CGROUP = Path("/sys/fs/cgroup")
ACTIONS = ("photo check", "register with photo", "checklist", "status move", "handover", "complaint", "survey (kiosk)",
           "recap submit", "recap approval")


# --- the slow core -------------------------------------------------------------------------------

class SlowCore:
    """A CPU cgroup for the office's processes, limited to a share of one core by the CFS quota."""

    # microseconds: a short period, so a request cannot run a burst at full speed on one period's quota
    # (100 ms by default): closer to a core that is slower all the time
    PERIOD = 10_000

    def __init__(self, name: str, first: bool = False):
        """`first`: its processes run before the machine's others (the highest CPU weight), as on an office
        PC that runs nothing else; the quota still caps them."""
        controllers = CGROUP / "cgroup.controllers"
        if controllers.exists() and "cpu" in controllers.read_text().split():
            self.kind, self.path = "cgroup v2 cpu.max", CGROUP / name
            (CGROUP / "cgroup.subtree_control").write_text("+cpu")
        elif (CGROUP / "cpu" / "cpu.cfs_quota_us").exists():
            self.kind, self.path = "cgroup v1 cpu.cfs_quota_us (cpu controller on v1)", CGROUP / "cpu" / name
        else:
            raise SystemExit("no writable cpu cgroup here (cgroup v2 without cpu, no v1 cpu): cannot limit the core")
        self.path.mkdir(exist_ok=True)
        if first:
            weight = ("cpu.weight", "10000") if self.kind.startswith("cgroup v2") else ("cpu.shares", "262144")
            (self.path / weight[0]).write_text(weight[1])

    def limit(self, cores: float) -> None:
        """`cores` of one core (0: no limit)."""
        quota = int(cores * self.PERIOD) if cores else -1
        if self.kind.startswith("cgroup v2"):
            (self.path / "cpu.max").write_text(f"{quota if quota > 0 else 'max'} {self.PERIOD}")
        else:
            (self.path / "cpu.cfs_period_us").write_text(str(self.PERIOD))
            (self.path / "cpu.cfs_quota_us").write_text(str(quota))

    def enter(self, pid: int | None = None) -> None:
        """A child's preexec_fn: the process (or `pid`) joins the cgroup before the program runs."""
        (self.path / "cgroup.procs").write_text(str(pid or os.getpid()))

    def passing(self, beside: set[int]) -> list[tuple[float, float]]:
        """[(since, now)] while a process other than the server and the busy program (`beside`) is in the
        group (a pass of its own process), else []."""
        others = [pid for pid in (self.path / "cgroup.procs").read_text().split() if int(pid) not in beside]
        started = [os.stat(f"/proc/{pid}").st_mtime for pid in others if os.path.exists(f"/proc/{pid}")]
        if not started:
            return []
        return [(time.monotonic() - (time.time() - min(started)), time.monotonic())]

    def throttled(self) -> float:
        """Seconds the group has been held back by its quota so far."""
        stat = dict(line.split() for line in (self.path / "cpu.stat").read_text().splitlines() if line.strip())
        return int(stat.get("throttled_usec", 0)) / 1e6 + int(stat.get("throttled_time", 0)) / 1e9

    def close(self) -> None:
        parent = self.path.parent / "cgroup.procs"
        for pid in (self.path / "cgroup.procs").read_text().split():
            try:
                parent.write_text(pid)
            except OSError:
                pass
        try:
            self.path.rmdir()
        except OSError:
            pass


# A program beside the office in its cgroup, at its priority: it asks for `share` of a core, in slices of
# 10 ms (the quota's period), spinning then sleeping.
BUSY = """
import sys, time
share = float(sys.argv[1])
while True:
    began = time.perf_counter()
    while time.perf_counter() - began < 0.01 * share:
        pass
    if share < 1:
        time.sleep(0.01 * (1 - share))
"""


def start_busy(core: "SlowCore", share: float) -> subprocess.Popen | None:
    """The busy program in the office's cgroup, at the server's priority (no nice of its own)."""
    if share <= 0:
        return None
    return subprocess.Popen([sys.executable, "-c", BUSY, str(share)], preexec_fn=core.enter)


def cpu_seconds(pid: int) -> float:
    """CPU time the process's threads have run so far (/proc/PID/task/*/schedstat, nanoseconds)."""
    total = 0
    for task in Path(f"/proc/{pid}/task").iterdir():
        try:
            total += int((task / "schedstat").read_text().split()[0])
        except (OSError, ValueError, IndexError):
            pass
    return total / 1e9


def load() -> str:
    return subprocess.run(["uptime"], capture_output=True, text=True).stdout.strip().split("load average:")[-1].strip()


# --- the office ----------------------------------------------------------------------------------

def shipped_applications(data: Path, count: int) -> list[int]:
    """`count` applications whose cards are on their way to the office (a clerk marks each ready, then hands
    it over), made by the app's code."""
    from app.frame.db import database
    from app.registration.models import Application
    from app.registration.status import ApplicationStatus as S, transition
    from tests.sync import harness
    app = harness.kecamatan_app(data)
    numbers = harness.fill_kecamatan(app, count, first=500)
    with app.app_context(), app.extensions["database"].connection_context():
        ids = []
        for number in numbers:
            application = Application.get(Application.registration_number == number)
            with database.atomic():
                for step in (S.SENT, S.RECEIVED_BY_CENTER, S.PRINTED, S.SHIPPED):
                    transition(application, step, note="bench")
            ids.append(application.id)
    app.extensions["database"].close_all()
    return ids


class Desk:
    """The office's people, one action at a time; each action's time and the syncs it caused."""

    def __init__(self, base: str, layer: FuseCut | None, handovers: list[int], server_pid: int):
        self.base, self.layer, self.handovers, self.server_pid = base, layer, list(handovers), server_pid
        rng = random.Random(64)
        self.clerk, self.info, self.camat = (Person(base, name, None, rng) for name in ("loket1", "info", "camat"))
        self.kiosk = Person(base, "kios", None, rng)
        for person in (self.clerk, self.info, self.camat):
            self.login(person)
        self.serial = 0
        self.last_application = None
        self.quarter = (2000, 1)  # recaps are approved quarter by quarter from here (the first the app takes)
        self.counting = False
        self.times = {action: [] for action in ACTIONS}
        self.cpu = {action: [] for action in ACTIONS}  # the server's CPU seconds per action
        self.spans: list[tuple[float, float]] = []  # (start, end) of each timed action, time.monotonic()
        self.syncs = {action: [] for action in ACTIONS}  # (POST syncs, follow-up page syncs, {path: n})
        self.errors: list[str] = []

    def login(self, person):
        page = person.session.get(self.base + "/masuk", timeout=60)
        done = person.session.post(self.base + "/masuk", data={
            "csrf_token": FormReader(page.text).csrf, "username": person.username,
            "password": bench_day.PASSWORD, "next": ""}, timeout=60, allow_redirects=False)
        if "/masuk" in done.headers.get("Location", "/masuk"):
            raise SystemExit(f"{person.username} could not sign in")

    def form(self, person, path) -> FormReader:
        page = person.session.get(self.base + path, timeout=60)
        if page.status_code != 200:
            raise RuntimeError(f"GET {path}: HTTP {page.status_code}")
        return FormReader(page.text)

    def _syncs(self) -> dict:
        """Syncs by path so far, with the WAL's restarts (a header written) and checkpoint write-backs."""
        if not self.counting:
            return {}
        status = self.layer.status()
        counts = status["counts"]
        return status["syncs"] | {"(WAL restarted)": counts.get("wal_header", 0),
                                  "(checkpoint writes)": counts.get("db_write", 0)}

    def act(self, action: str, person, path: str, data: dict, files=None, expect=(302, 303),
            follow: bool = True) -> str | None:
        """POST the form, then the page its redirect shows; the redirect's target, or None on an error.
        follow=False: an htmx fragment answered in place (no page after it)."""
        before = self._syncs()
        cpu = cpu_seconds(self.server_pid)
        started = time.perf_counter()
        try:
            response = person.session.post(self.base + path, data=data, files=files, timeout=120,
                                           allow_redirects=False)
            middle = self._syncs()
            location = response.headers.get("Location", "")
            if response.status_code not in expect or "/masuk" in location:
                self.errors.append(f"{action}: HTTP {response.status_code} {response.text[:200]!r}")
                return None
            shown = response if not follow else person.session.get(self.base + location if location.startswith("/") else location, timeout=120)
            if shown.status_code != 200:
                self.errors.append(f"{action}: the page after it, HTTP {shown.status_code}")
                return None
        except requests.RequestException as problem:
            self.errors.append(f"{action}: {problem!r}")
            return None
        elapsed = time.perf_counter() - started
        self.cpu[action].append(cpu_seconds(self.server_pid) - cpu)
        if self.counting:
            after = self._syncs()
            post = {path: middle.get(path, 0) - before.get(path, 0) for path in middle}
            post = {path: n for path, n in post.items() if n}
            page = sum(n - middle.get(path, 0) for path, n in after.items() if not path.startswith("("))
            self.syncs[action].append((sum(n for path, n in post.items() if not path.startswith("(")), page, post))
        else:
            self.times[action].append(elapsed)
            self.spans.append((time.monotonic() - elapsed, time.monotonic()))
        return location

    # the actions
    def register_and_check(self):
        form = self.form(self.clerk, "/pendaftaran/baru")
        self.serial += 1
        serial = self.serial
        birth = date(1970, 1, 1) + timedelta(days=serial * 37 % (365 * 30))
        name = "Warga Lambat " + "".join("ABCDEFGHIJ"[int(d)] for d in str(serial))
        data = {"csrf_token": form.csrf, "nik": f"350807{birth.day:02d}{birth:%m%y}{serial % 9999 + 1:04d}",
                "kk_number": f"3508070101{serial % 90 + 10}{serial % 9999 + 1:04d}", "full_name": name,
                "birth_place": "Lumajang", "birth_date": birth.isoformat(), "sex": "L",
                "address": f"Dusun Krajan No. {serial % 200 + 1}", "rt": "002", "rw": "001",
                "desa": (form.choices["desa-list"] or ["Yosowilangun Lor"])[0], "religion": "Islam",
                "marital_status": "Kawin", "occupation": "Petani/Pekebun", "phone": f"0812{serial:08d}",
                "reason": (form.choices["reason-list"] or ["Rusak"])[0], "biometric_done": "1",
                "form_token": form.values.get("form_token", "")}
        # Each citizen's own photo: the same picture never reaches the server twice (it keeps the photos it
        # checked by their digest), and the browser checks it when the clerk chooses it, before Simpan.
        photo = own_photo(bench_day.PHOTOS[serial % len(bench_day.PHOTOS)], serial)
        self.act("photo check", self.clerk, "/pendaftaran/periksa-foto",
                 {"csrf_token": form.csrf, "birth_date": birth.isoformat()},
                 files={"photo": ("foto.jpg", photo, "image/jpeg")}, expect=(200,), follow=False)
        detail = self.act("register with photo", self.clerk, "/pendaftaran/baru", data,
                          files={"photo": ("foto.jpg", photo, "image/jpeg")}, expect=(302,))
        if detail is None:
            return
        detail = detail.replace(self.base, "")
        checklist = self.form(self.clerk, detail)
        self.act("checklist", self.clerk, f"{detail}/persyaratan",
                 {"csrf_token": checklist.csrf, "syarat": checklist.checks.get("syarat", [])})

    def handover(self):
        if not self.handovers:
            self.errors.append("handover: no card on its way left")
            return
        number = self.handovers.pop()
        form = self.form(self.clerk, f"/pendaftaran/{number}")
        if self.act("status move", self.clerk, f"/pendaftaran/{number}/status",
                    {"csrf_token": form.csrf, "to_status": "siap_diambil", "note": ""}) is None:
            return
        form = self.form(self.clerk, f"/pendaftaran/{number}")
        self.act("handover", self.clerk, f"/pendaftaran/{number}/serah",
                 {"csrf_token": form.csrf, "collector": "pemohon", "name": "", "relation": "", "id_number": "",
                  "note": ""})

    def complaint(self):
        form = self.form(self.info, "/pengaduan/catat")
        self.serial += 1
        self.act("complaint", self.info, "/pengaduan/catat", {
            "csrf_token": form.csrf, "form_token": form.values.get("form_token", ""), "desk_answer_id": "",
            "channel": "telepon", "received_at": form.values.get("received_at", ""),
            "category_id": (form.choices["category_id"] or [""])[0], "step": "baru",
            "text": f"Penelepon {self.serial} menanyakan antrean KTP-el yang lama."})

    def survey(self):
        form = self.form(self.kiosk, "/survei?pengunjung=baru")  # the screen back at its start: the next visitor
        data = {"csrf_token": form.csrf, "submission_key": form.values.get("submission_key", ""),
                "comment": f"Survei nomor {self.serial}"}
        for name, values in form.radios.items():
            data[name] = values[-1]
        self.act("survey (kiosk)", self.kiosk, "/survei", data, expect=(303,))

    def recap(self):
        year, number = self.quarter
        self.quarter = (year + number // 4, number % 4 + 1)
        page = f"/rekap/{year}/{number}"
        form = self.form(self.info, page)
        if self.act("recap submit", self.info, f"{page}/draf", {
                "csrf_token": form.csrf, "promises": "Menambah kursi ruang tunggu.", "ajukan": "1",
                "narrative": "Pengaduan triwulan ini sebagian besar tentang antrean."}, expect=(303,)) is None:
            return
        form = self.form(self.camat, page)
        self.act("recap approval", self.camat, f"{page}/setujui", {"csrf_token": form.csrf, "remark": ""},
                 expect=(303,))

    def round(self):
        self.register_and_check()
        self.handover()
        self.complaint()
        self.survey()
        self.recap()


def own_photo(jpeg: bytes, serial: int) -> bytes:
    """The picture with a JPEG comment naming the citizen (FF FE, after the start marker): other bytes, the
    same decoding work."""
    text = f"warga {serial}".encode()
    return jpeg[:2] + b"\xff\xfe" + (len(text) + 2).to_bytes(2, "big") + text + jpeg[2:]


def keep_pressing_sync(base: str, every: float, stop: threading.Event, passes: list, running: list) -> None:
    """The office's way: a counter clerk presses "Sinkronkan sekarang" `every` seconds after the last pass
    ended, and the pass runs in the server; its progress box is asked every second, as the page's htmx does,
    until it no longer says a pass runs. Each pass: (0 or 1 for a failure, seconds, what it said, start), as
    keep_syncing's; `running` holds the start of the pass in progress."""
    clerk = Person(base, "loket2", None, random.Random(73))
    page = clerk.session.get(base + "/masuk", timeout=60)
    clerk.session.post(base + "/masuk", data={"csrf_token": FormReader(page.text).csrf, "username": "loket2",
                                              "password": bench_day.PASSWORD, "next": ""}, timeout=60)
    try:
        while not stop.wait(every):
            form = FormReader(clerk.session.get(base + "/sinkronisasi", timeout=120).text)
            began = time.monotonic()
            running[:] = [began]
            said = clerk.session.post(base + "/sinkronisasi/mulai", data={"csrf_token": form.csrf},
                                      headers={"HX-Request": "true"}, timeout=120).text
            while "Sedang sinkron" in said and not stop.wait(1.0):
                said = clerk.session.get(base + "/sinkronisasi/progres", headers={"HX-Request": "true"},
                                         timeout=120).text
            ended = time.monotonic()
            running[:] = []
            # a pass still running when the phase ends is cut short, not failed
            failed = "flash-success" not in said and "Sedang sinkron" not in said
            passes.append((1 if failed else 0, ended - began, said[:2000], began))
    except requests.RequestException as problem:  # the server stopped under it: the phase has ended
        running[:] = []
        passes.append((1, 0.0, repr(problem), time.monotonic()))
    finally:
        clerk.session.close()


def percentile(values, q):
    return bench_day.percentile(values, q) if values else float("nan")


# --- the runs ------------------------------------------------------------------------------------

def count_syncs(desk: Desk, rounds: int) -> dict:
    desk.counting = True
    for _ in range(rounds):
        desk.round()
    desk.counting = False
    print(f"\n## Syncs per acknowledged write ({rounds} of each, one at a time, no pass running)")
    print("floor: 1 (the commit's WAL sync; WAL mode, synchronous=FULL); a restarted WAL's header +1 and a "
          "checkpoint's WAL + database syncs fall on whichever commit meets them")
    print(f"{'action':22} {'median':>6} {'min':>4} {'max':>4} {'page after':>10}  where (all rounds)")
    for action in ACTIONS:
        seen = desk.syncs[action]
        if not seen:
            print(f"{action:22} (none)")
            continue
        posts = [n for n, _, _ in seen]
        where = {}
        for _, _, paths in seen:
            for path, n in paths.items():
                where[path] = where.get(path, 0) + n
        print(f"{action:22} {statistics.median(posts):6.1f} {min(posts):4d} {max(posts):4d} "
              f"{sum(p for _, p, _ in seen):10d}  {where}")
    # syncs a clerk waits for: the write's, and the page after it (a view's audit row)
    return {action: statistics.median(n + page for n, page, _ in desk.syncs[action]) for action in ACTIONS
            if desk.syncs[action]}


def time_actions(desk: Desk, rounds: int, label: str, cores: float, delay: float, floors: dict,
                 core: SlowCore, passes: list, running_now) -> dict:
    """p50/p95/max of each action; beside them the server's CPU per action and the time the action would
    take alone on its share of a core: CPU / cores + its syncs x the delay. `running_now()`: [(since, now)]
    while a pass runs."""
    desk.times = {action: [] for action in ACTIONS}
    desk.cpu = {action: [] for action in ACTIONS}
    desk.spans = []
    errors_before = len(desk.errors)
    began_load = load()
    started = time.monotonic()
    throttled = core.throttled()
    for _ in range(rounds):
        desk.round()
    throttled = core.throttled() - throttled
    figures = {action: (percentile(v, 50), percentile(v, 95), max(v, default=float("nan")), len(v))
               for action, v in desk.times.items()}
    print(f"\n## {label}: {rounds} rounds in {time.monotonic() - started:.0f} s (the group held back by its "
          f"quota {throttled:.1f} s); load average before {began_load}, after {load()}")
    print(f"{'action':22} {'n':>3} {'p50 ms':>8} {'p95 ms':>8} {'max ms':>8} {'CPU ms':>7} {'alone ms':>8}")
    for action, (p50, p95, top, n) in figures.items():
        cpu = statistics.median(desk.cpu[action]) if desk.cpu[action] else float("nan")
        alone = cpu / (cores or 1) + floors.get(action, 0) * delay
        print(f"{action:22} {n:3d} {p50 * 1000:8.0f} {p95 * 1000:8.0f} {top * 1000:8.0f} {cpu * 1000:7.0f} "
              f"{alone * 1000:8.0f}")
    ran = [(p[3], p[3] + p[1]) for p in passes] + running_now()  # ended, and running now
    slow = [(a, b) for a, b in desk.spans if b - a > 0.3]
    beside = sum(1 for a, b in slow if any(start < b and a < end for start, end in ran))
    print(f"actions over 300 ms: {len(slow)} of {len(desk.spans)}, {beside} of them while a sync pass ran; "
          f"a pass ran {sum(end - max(start, started) for start, end in ran if end > started):.0f} s "
          f"of these {time.monotonic() - started:.0f} s")
    print(f"errors: {len(desk.errors) - errors_before}")
    for error in desk.errors[errors_before:][:10]:
        print(f"  {error}")
    return figures


def stop_server(server: subprocess.Popen) -> None:
    """SIGINT, as Ctrl+C at the office; killed when it has not ended within 120 s (said so)."""
    server.send_signal(signal.SIGINT)
    try:
        server.wait(120)
    except subprocess.TimeoutExpired:
        print("(the server did not stop within 120 s of SIGINT: killed)")
        server.kill()
        server.wait()


def first_page(mount: Path, core: SlowCore, env: dict, drop: bool) -> tuple:
    """Start the server (cold page cache if `drop`), then sign in: seconds to /healthz, the sign-in page,
    the dashboard; how the cache was dropped; the server's CPU seconds at /healthz and at the dashboard."""
    port = free_port()
    base = f"http://127.0.0.1:{port}"
    how = "page cache kept"
    if drop:
        os.sync()
        try:
            Path("/proc/sys/vm/drop_caches").write_text("3")
            how = "page cache dropped (echo 3 > /proc/sys/vm/drop_caches)"
        except OSError as problem:
            how = f"page cache NOT dropped ({problem})"
    began = time.perf_counter()
    server = subprocess.Popen([sys.executable, str(ROOT / "run.py"), "serve", "--data", str(mount), "--port", str(port)],
                              cwd=ROOT, env=env, preexec_fn=core.enter, stdout=subprocess.DEVNULL,
                              stderr=open(mount / "server-cold.log", "w"))
    session = requests.Session()
    while True:
        try:
            if session.get(base + "/healthz", timeout=2).ok:
                break
        except requests.RequestException:
            time.sleep(0.01)
        if server.poll() is not None or time.perf_counter() - began > 120:
            raise SystemExit("the server did not start (server-cold.log)")
    up = time.perf_counter() - began
    cpu_up = cpu_seconds(server.pid)
    page = session.get(base + "/masuk", timeout=60)
    signin = time.perf_counter() - began
    session.post(base + "/masuk", data={"csrf_token": FormReader(page.text).csrf, "username": "loket1",
                                        "password": bench_day.PASSWORD, "next": ""}, timeout=60)
    dashboard = time.perf_counter() - began
    cpu_dashboard = cpu_seconds(server.pid)
    session.close()
    stop_server(server)
    return up, signin, dashboard, how, cpu_up, cpu_dashboard


def cold_starts(mount: Path, core: SlowCore, options, delay: float) -> bool:
    """`--cold-starts` first pages after a cold start on the layer at `delay`, their medians; True when the
    sign-in page's is within 3 s (the dashboard waits for the person too, and for the password's hash)."""
    starts = [first_page(mount, core, dict(os.environ, PYTHONUNBUFFERED="1"), drop=True)
              for _ in range(options.cold_starts)] or [(0, 0, 0, "not measured", 0, 0)]
    print(f"\n## First page after a cold start ({delay * 1000:.0f} ms per sync, "
          f"{options.cores or 'no limit of'} core; {starts[0][3]}; load {load()})")
    for label, index in (("to /healthz", 0), ("to the sign-in page", 1), ("to the dashboard, signed in", 2),
                         ("server CPU to /healthz", 4), ("server CPU to the dashboard", 5)):
        print(f"  {label:30} median {statistics.median(s[index] for s in starts):5.2f} s  "
              f"(each: {', '.join(f'{s[index]:.2f}' for s in starts)})")
    alone = statistics.median(s[5] for s in starts) / (options.cores or 1)
    print(f"  on its own {options.cores or 1} core (CPU / cores): the dashboard at {alone:.2f} s, and the "
          "sign-in's password hash is most of the last step (a 32 MB scrypt, on purpose)")
    return statistics.median(s[1] for s in starts) <= 3


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--delays", default="0,10,20", help="milliseconds per sync on the layer, one phase each "
                        "after the plain disk's (default 0,10,20; 0 gives the layer's own cost)")
    parser.add_argument("--cores", type=float, default=0.5, help="CPU limit of server and passes (0: none)")
    parser.add_argument("--busy", type=float, default=1.0,
                        help="share of a core the busy program beside the office asks for (0: none; default 1)")
    parser.add_argument("--rounds", type=int, default=20, help="rounds of every action per phase")
    parser.add_argument("--count-rounds", type=int, default=6, help="rounds counted for syncs (no pass running)")
    parser.add_argument("--every", type=float, default=30, help="seconds between sync passes (default 30)")
    parser.add_argument("--cold-starts", type=int, default=3, help="cold starts measured (their median)")
    parser.add_argument("--first", action="store_true",
                        help="the office's group first (the highest CPU weight): not the headline")
    parser.add_argument("--profile", type=Path, help="run the server under cProfile, written here")
    parser.add_argument("--passes", choices=("server", "process"), default="server",
                        help="a pass as a thread of the server, pressed by a clerk (default, as in the office), "
                        "or `run.py sync` in its own process")
    parser.add_argument("--only", choices=("cold",), help="cold: only the first page after a cold start (an office "
                        "folder with its accounts, on the layer at the last delay, the busy program beside)")
    options = parser.parse_args(argv)
    # started in the background (`nohup ... &`) SIGINT is ignored, and so in every child: the server's
    # Ctrl+C would not stop it. Handled here, each program started runs with SIGINT's default again
    signal.signal(signal.SIGINT, signal.default_int_handler)
    delays = [float(d) / 1000 for d in options.delays.split(",")]
    if reason := fuse_available():
        raise SystemExit(f"no FUSE here: {reason}")
    core = SlowCore(f"loket-slow-pc-{os.getpid()}", first=options.first)
    core.limit(options.cores)
    # the disk layer and the clerks' browsers (this process), without a quota: what they stand for (the
    # kernel, the clerks' PCs) is not the office PC's half core
    beside = SlowCore(f"loket-slow-pc-{os.getpid()}-beside", first=options.first)
    beside.limit(0)
    beside.enter()
    print(f"# The office on a slow PC: {options.cores or 'no limit of'} core ({core.kind}), "
          f"{'the highest CPU weight' if options.first else 'the default CPU weight'}, a busy program beside "
          f"asking {options.busy:g} core in the same group; the plain disk, then syncs of {options.delays} ms "
          f"(FUSE layer); sync passes every {options.every:.0f} s "
          f"({'in the server, pressed by a clerk' if options.passes == 'server' else 'each its own process'}); commit "
          f"{subprocess.run(['git', 'rev-parse', '--short', 'HEAD'], cwd=ROOT, capture_output=True, text=True).stdout.strip()}")
    work = Path(tempfile.mkdtemp(prefix="loket-slow-pc-"))
    # An installed office PC has its modules compiled (.pyc): kept here, outside the working tree
    os.environ.pop("PYTHONDONTWRITEBYTECODE", None)
    os.environ["PYTHONPYCACHEPREFIX"] = str(work / "pycache")
    backing, mount = work / "disk", work / "kantor"
    layer = server = center = busy = None
    stop = threading.Event()
    passes: list = []
    env = dict(os.environ, PYTHONUNBUFFERED="1")
    entry = ROOT / "run.py"
    if options.profile:
        env["SLOW_PC_PROFILE"] = str(options.profile)
        entry = Path(__file__).resolve()

    def serve(folder: Path, before: Desk | None) -> tuple[subprocess.Popen, Desk]:
        """The server on `folder`, and the clerks carrying on where `before` stopped (numbers, quarters)."""
        port = free_port()
        started = start_server(folder, port, entry=entry, env=env, preexec_fn=core.enter)
        desk = Desk(f"http://127.0.0.1:{port}", layer, before.handovers if before else handovers, started.pid)
        if before:
            desk.serial, desk.quarter, desk.errors = before.serial, before.quarter, before.errors
        return started, desk

    def stop_serving(desk: Desk) -> None:
        for person in (desk.clerk, desk.info, desk.camat, desk.kiosk):
            person.session.close()  # no kept-alive connection for the server to wait on
        stop_server(server)

    running: list = []  # the start of the pass in progress in the server

    def beside_passes(folder: Path, desk: Desk) -> tuple[threading.Event, threading.Thread]:
        stopping = threading.Event()
        if options.passes == "server":
            syncing = threading.Thread(target=keep_pressing_sync, daemon=True,
                                       args=(desk.base, options.every, stopping, passes, running))
        else:
            syncing = threading.Thread(target=keep_syncing, args=(folder, options.every, stopping, passes, core.enter),
                                       daemon=True)
        syncing.start()
        return stopping, syncing

    def running_now() -> list[tuple[float, float]]:
        if options.passes == "server":
            return [(since, time.monotonic()) for since in running[:1]]
        return core.passing({desk.server_pid, busy.pid if busy else 0})

    try:
        prepare_office(backing)
        if options.only == "cold":
            busy = start_busy(core, options.busy)
            layer = FuseCut(backing, mount, log=work / "layer.log", sync_delay=delays[-1]).start()
            beside.enter(layer.process.pid)
            first_page(mount, core, dict(os.environ, PYTHONUNBUFFERED="1"), drop=False)  # .pyc files written, not counted
            ok = cold_starts(mount, core, options, delays[-1])
            print("RESULT:", "ok" if ok else "NOT OK")
            return 0 if ok else 1
        handovers = shipped_applications(backing, options.rounds * (len(delays) + 1) + options.count_rounds + 1)
        bench_day.PHOTOS[:] = [photo_jpeg(random.Random(n)) for n in range(4)]
        center = Center(work / "pusat")
        center.enrol(backing)
        # the office's first pass (every record and photo so far) before the day, as a synced office starts it;
        # the passes beside the clerks then carry the day's records
        subprocess.run([sys.executable, str(ROOT / "run.py"), "sync", "--data", str(backing)], cwd=ROOT,
                       capture_output=True, timeout=1800)
        busy = start_busy(core, options.busy)
        summary = {}
        # the plain disk: the same folder, no layer
        server, desk = serve(backing, None)
        desk.round()  # its first pages (templates compiled, pages cached), as the layer's first are the counted ones
        stop, syncing = beside_passes(backing, desk)
        summary["plain"] = time_actions(desk, options.rounds, f"plain disk, {options.cores or 'no limit of'} core, "
                                        "sync passes beside", options.cores, 0, {}, core, passes, running_now)
        stop.set()
        syncing.join()
        stop_serving(desk)
        layer = FuseCut(backing, mount, log=work / "layer.log", sync_delay=delays[-1]).start()
        beside.enter(layer.process.pid)
        server, desk = serve(mount, desk)
        floors = count_syncs(desk, options.count_rounds)
        stop, syncing = beside_passes(mount, desk)
        for delay in delays:
            layer.slow_disk(delay)
            summary[delay] = time_actions(desk, options.rounds, f"{delay * 1000:.0f} ms per sync, "
                                          f"{options.cores or 'no limit of'} core, sync passes beside",
                                          options.cores, delay, floors, core, passes, running_now)
        stop.set()
        syncing.join()
        failed = [p for p in passes if p[0]]
        print(f"\nsync passes beside: {len(passes)}, {len(failed)} failed, longest {max((p[1] for p in passes), default=0):.1f} s"
              + (f"; a failure said: {failed[0][2][-300:]}" if failed else ""))
        stop_serving(desk)
        server = None
        ok = summarize(summary, floors, delays, options.cores) and not desk.errors
        layer.slow_disk(delays[-1])
        ok = cold_starts(mount, core, options, delays[-1]) and ok
        print(f"errors {len(desk.errors)}" + "".join(f"\n  {error}" for error in desk.errors[:10]))
        print("RESULT:", "ok" if ok else "NOT OK")
        return 0 if ok else 1
    finally:
        stop.set()
        if busy is not None:
            busy.kill()
            busy.wait()
        if server is not None and server.poll() is None:
            server.send_signal(signal.SIGINT)
            try:
                server.wait(60)
            except subprocess.TimeoutExpired:
                server.kill()
        if center:
            center.stop()
        if layer is not None:
            try:
                layer.unmount()
            except Exception:  # noqa: BLE001 - a broken layer still lets go of its mount
                layer.kill()
        core.close()
        beside.close()
        if os.environ.get("SLOW_PC_KEEP") != "1":
            import shutil
            shutil.rmtree(work, ignore_errors=True)


def summarize(summary: dict, floors: dict, delays: list[float], cores: float) -> bool:
    """One table: each action's syncs (its write and the page after it), its p50/p95 on the plain disk, the
    layer's own cost (the layer at 0 ms less the plain disk, medians), and each delay's p95 with that cost
    subtracted. True when every action's p95 at the slowest delay, less the layer's cost, is within 300 ms."""
    plain = summary["plain"]
    zero = summary.get(0.0)
    cost = {action: max(0.0, zero[action][0] - plain[action][0]) if zero else 0.0 for action in ACTIONS}
    slow = [d for d in delays if d]
    print(f"\n## Summary ({cores or 'no limit of'} core, a busy program beside; ms; the layer's cost is its "
          "0 ms median less the plain disk's" + ("" if zero else ": not measured (no 0 ms phase)") + ")")
    print(f"{'action':22} {'syncs':>5} {'plain p50/p95':>14} {'layer':>6} "
          + " ".join(f"{f'{d * 1000:.0f} ms p95 (-layer)':>20}" for d in slow))
    worst = (None, 0.0)
    for action in ACTIONS:
        p50, p95 = plain[action][0], plain[action][1]
        cells = []
        for delay in slow:
            raw = summary[delay][action][1]
            cells.append(f"{raw * 1000:8.0f} ({(raw - cost[action]) * 1000:4.0f})")
            if delay == slow[-1] and raw - cost[action] > worst[1]:
                worst = (action, raw - cost[action])
        print(f"{action:22} {floors.get(action, float('nan')):5.1f} {p50 * 1000:6.0f}/{p95 * 1000:<7.0f} "
              f"{cost[action] * 1000:6.0f} " + " ".join(f"{cell:>20}" for cell in cells))
    if slow:
        print(f"slowest p95 at {slow[-1] * 1000:.0f} ms less the layer's cost: {worst[0]} {worst[1] * 1000:.0f} ms "
              "(goal 300)")
    return worst[1] <= 0.3


def profiled_serve() -> None:
    """`slow_pc.py serve ...` with SLOW_PC_PROFILE: run.py serve with cProfile on its start and on each
    request (waitress answers in its own threads, which one profiler in the main thread does not see),
    timed by the thread's CPU clock (on a shared machine the wall clock is mostly waiting for a core);
    all of it written at SIGINT."""
    import cProfile
    import pstats
    import runpy
    import flask
    lock = threading.Lock()
    total = pstats.Stats()
    original = flask.Flask.wsgi_app

    def wsgi_app(self, environ, start_response):
        profile = cProfile.Profile(time.thread_time)
        profile.enable()
        try:
            return original(self, environ, start_response)
        finally:
            profile.disable()
            with lock:
                total.add(profile)

    flask.Flask.wsgi_app = wsgi_app
    start = cProfile.Profile(time.thread_time)
    sys.argv = [str(ROOT / "run.py"), *sys.argv[1:]]
    start.enable()
    try:
        runpy.run_path(str(ROOT / "run.py"), run_name="__main__")
    except (KeyboardInterrupt, SystemExit):
        pass
    finally:
        start.disable()
        with lock:
            total.add(start)
            total.dump_stats(os.environ["SLOW_PC_PROFILE"])


if __name__ == "__main__":
    if len(sys.argv) > 1 and sys.argv[1] == "serve" and os.environ.get("SLOW_PC_PROFILE"):
        profiled_serve()
    else:
        sys.exit(main())
