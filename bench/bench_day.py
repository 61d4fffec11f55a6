"""A day in the office, compressed: the soak benchmark of issue 7.

Three counter clerks, an information officer and the admin work through real HTTP against the
real app on waitress (a subprocess, loopback only), each on their own `requests` session that
logs in and posts the real forms with the CSRF token read from the page. What they do follows
what main can do: the foundation (dashboard, accounts, holiday calendar, audit trail, a backup
during the day, the daily backup job) and, as soon as the routes exist, registration intake
with photos and name searches, complaints, kiosk surveys, and sync through the throttling proxy.

Reported: requests served, p50/p95/p99 latency per page kind, errors (goal none), the server's
peak RSS (VmHWM; goal < 150 MB), and at the end PRAGMA integrity_check with every acknowledged
write looked up in the database.

    python bench/bench_day.py                      # default: 120 actions per clerk
    python bench/bench_day.py --actions 300 --max-seconds 600
"""
import argparse
import io
import math
import random
import re
import signal
import socket
import subprocess
import sys
import tempfile
import threading
import time
from collections import defaultdict
from datetime import date, timedelta
from html.parser import HTMLParser
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
PASSWORD = "bench-kantor-2026"
STAFF = [("loket1", "petugas_loket"), ("loket2", "petugas_loket"), ("loket3", "petugas_loket"),
         ("info", "petugas_informasi"), ("kasi", "kasi_pelayanan"), ("camat", "camat"), ("admin", "admin")]


# --- Reading the pages a person would see -----------------------------------------------------

class FormReader(HTMLParser):
    """The csrf token, and the choices offered by each <select> and <datalist> of a page."""

    def __init__(self, html: str):
        super().__init__()
        self.csrf = None
        self.choices = defaultdict(list)   # select name / datalist id -> option values
        self.values = {}                   # input name -> its value as the page filled it
        self.radios = defaultdict(list)    # radio group name -> values
        self.checks = defaultdict(list)    # checkbox name -> values
        self._in = None
        self.feed(html)

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if tag == "input" and attrs.get("name") == "csrf_token" and self.csrf is None:
            self.csrf = attrs.get("value")
        elif tag == "input" and attrs.get("type") == "radio":
            self.radios[attrs.get("name")].append(attrs.get("value"))
        elif tag == "input" and attrs.get("type") == "checkbox" and attrs.get("name"):
            self.checks[attrs["name"]].append(attrs.get("value"))
        elif tag == "input" and attrs.get("name"):
            self.values.setdefault(attrs["name"], attrs.get("value") or "")
        elif tag == "select":
            self._in = attrs.get("name")
        elif tag == "datalist":
            self._in = attrs.get("id")
        elif tag == "option" and self._in:
            value = attrs.get("value")
            if value is None:
                self._pending = True
                return
            if value:
                self.choices[self._in].append(value)
        self._pending = False

    def handle_data(self, data):
        if getattr(self, "_pending", False) and self._in and data.strip():
            self.choices[self._in].append(data.strip())
            self._pending = False

    def handle_endtag(self, tag):
        if tag in ("select", "datalist"):
            self._in = None


class Recorder:
    """Every request's kind, latency and outcome; every write the server acknowledged."""

    def __init__(self):
        self.lock = threading.Lock()
        self.latency = defaultdict(list)
        self.errors = []
        self.acked = defaultdict(list)   # what -> keys the server said it saved

    def timed(self, session, kind, method, url, expect=(200,), **kwargs):
        started = time.perf_counter()
        try:
            response = session.request(method, url, timeout=60, allow_redirects=False, **kwargs)
        except requests.RequestException as problem:
            with self.lock:
                self.errors.append(f"{kind} {method} {url}: {problem!r}")
            return None
        elapsed = time.perf_counter() - started
        with self.lock:
            self.latency[kind].append(elapsed)
            if response.status_code not in expect:
                self.errors.append(f"{kind} {method} {url}: HTTP {response.status_code} {response.text[:200]!r}")
                return None
        return response

    def ack(self, what, key):
        with self.lock:
            self.acked[what].append(key)


# --- The server --------------------------------------------------------------------------------

def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def prepare_office(data: Path) -> None:
    """Accounts and office identity, made by the app's own code."""
    from app import create_app
    from app.auth.accounts import create_user
    from app.firstrun import seed_identity
    from app.frame import store
    app = create_app({"DATA_DIR": data})
    with app.app_context(), app.extensions["database"].connection_context():
        seed_identity("35.08.07")
        store.put("address", "Jl. Raya Yosowilangun No. 1, Lumajang 67382")
        for username, role in STAFF:
            create_user(username, f"Pegawai {username}", role, password=PASSWORD, must_change_password=False)


def start_server(data: Path, port: int, threads: int | None = None, entry: Path = ROOT / "run.py",
                 env: dict | None = None, preexec_fn=None) -> subprocess.Popen:
    """`preexec_fn`: run in the child before the program (bench/slow_pc.py: into a CPU-limited cgroup)."""
    extra = ["--threads", str(threads)] if threads else []  # default: what `run.py serve` uses
    server = subprocess.Popen([sys.executable, str(entry), "serve", "--data", str(data),
                               "--port", str(port), *extra], cwd=ROOT, env=env, preexec_fn=preexec_fn,
                              stdout=subprocess.DEVNULL, stderr=open(data / "server.log", "w"))
    deadline = time.monotonic() + 120  # a loaded machine, or tracemalloc, makes the start slow
    while time.monotonic() < deadline and server.poll() is None:
        try:
            if requests.get(f"http://127.0.0.1:{port}/healthz", timeout=1).ok:
                return server
        except requests.RequestException:
            time.sleep(0.1)
    server.kill()
    raise SystemExit(f"server did not start; see {data / 'server.log'}")


class Center:
    """The printing center (run.py center) behind the throttling proxy, when sync is in the build."""

    def __init__(self, folder: Path):
        from tests.support.linkproxy import RURAL_LINK, LinkProxy
        from tests.sync import harness
        _, self.code = harness.prepare_center(folder)
        self.server = harness.CenterServer(folder).start()
        self.proxy = LinkProxy(("127.0.0.1", self.server.port), seed=7, **RURAL_LINK)
        self.proxy.start()

    def enrol(self, data: Path):
        done = subprocess.run([sys.executable, str(ROOT / "run.py"), "sync", "--data", str(data), "enrol",
                               "--center", self.proxy.url, "--code", self.code], cwd=ROOT,
                              capture_output=True, text=True, timeout=120)
        if done.returncode:
            raise SystemExit(f"enrolment failed: {done.stdout}{done.stderr}")

    def stop(self):
        self.proxy.close()
        self.server.stop()


def sync_available() -> bool:
    try:
        import sync.client.engine  # noqa: F401
        import tests.sync.harness  # noqa: F401
    except ImportError:
        return False
    return True


def memory_mb(pid: int, field: str = "VmHWM") -> float:
    """VmHWM: the server's peak resident memory so far; VmRSS: what it holds now."""
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith(field + ":"):
            return int(line.split()[1]) / 1024
    return float("nan")


def sample_rss(pid, samples, stop):
    """What the server holds over the day, to tell a leak (growing) from a burst (peak)."""
    while not stop.wait(0.5):
        try:
            samples.append(memory_mb(pid, "VmRSS"))
        except OSError:
            return


# --- People at work ------------------------------------------------------------------------------

class Person:
    def __init__(self, base, username, recorder, rng):
        self.base, self.username, self.rec, self.rng = base, username, recorder, rng
        self.session = requests.Session()

    def url(self, path):
        return self.base + path

    def get(self, kind, path, expect=(200,), **kwargs):
        return self.rec.timed(self.session, kind, "GET", self.url(path), expect, **kwargs)

    def post(self, kind, path, data, expect=(302,), **kwargs):
        return self.rec.timed(self.session, kind, "POST", self.url(path), expect, data=data, **kwargs)

    def form(self, kind, path):
        page = self.get(kind, path)
        return FormReader(page.text) if page is not None else None

    def login(self):
        form = self.form("login page", "/masuk")
        done = self.post("login", "/masuk", {"csrf_token": form.csrf, "username": self.username,
                                              "password": PASSWORD, "next": ""})
        if done is None or done.headers.get("Location", "").endswith("/masuk"):
            raise SystemExit(f"{self.username} could not log in")

    def exists(self, path) -> bool:
        """Has this capability landed (does the page answer this person)?"""
        return self.session.get(self.url(path), timeout=30, allow_redirects=False).status_code == 200


def photo_jpeg(rng) -> bytes:
    """A photo as the office's phone or webcam gives it: 1200x1600 JPEG of about 0.5 MB, a face-like
    oval on a plain red background, with sensor noise so it compresses like a real picture."""
    from PIL import Image, ImageDraw
    image = Image.new("RGB", (1200, 1600), (190, 30, 35))
    draw = ImageDraw.Draw(image)
    skin = (rng.randint(150, 210), rng.randint(110, 160), rng.randint(80, 120))
    draw.ellipse((380, 300, 820, 900), fill=skin)
    draw.rectangle((250, 950, 950, 1600), fill=(rng.randint(0, 80),) * 3)
    noise = Image.effect_noise((1200, 1600), 12 + rng.random() * 4).convert("RGB")
    image = Image.blend(image, noise, 0.3)
    out = io.BytesIO()
    image.save(out, "JPEG", quality=95)
    return out.getvalue()


PHOTOS = []  # a few made once: making a photo is the visitor's work, not the server's
FIRST = ["Siti", "Agus", "Dewi", "Budi", "Sri", "Eko", "Nur", "Ahmad", "Rina", "Joko", "Wahyu", "Yuli"]
LAST = ["Rahayu", "Santoso", "Wulandari", "Prasetyo", "Hidayat", "Lestari", "Susanto", "Handayani",
        "Kurniawan", "Purnomo", "Setiawati", "Saputra"]


class Clerk(Person):
    """Counter clerk: intake with photo, look-ups by part of a name, the register."""

    def setup(self):
        self.can_register = self.exists("/pendaftaran/baru")
        self.can_sync = self.exists("/sinkronisasi")
        self.serial = 0

    def act(self):
        roll = self.rng.random()
        if self.can_sync and roll < 0.03:
            self.sync_now()
        elif self.can_register and roll < 0.35:
            self.register()
        elif self.can_register and roll < 0.7:
            name = self.rng.choice(FIRST + LAST)[: self.rng.randint(3, 5)]
            self.get("search", f"/pendaftaran?q={name}")
        elif self.can_register and roll < 0.8:
            self.get("register list", "/pendaftaran")
        else:
            self.get("dashboard", "/")

    def register(self):
        form = self.form("intake form", "/pendaftaran/baru")
        if form is None:
            return
        self.serial += 1
        sex = self.rng.choice("LP")
        birth = date(1960, 1, 1) + timedelta(days=self.rng.randrange(365 * 45))
        day = birth.day + (40 if sex == "P" else 0)
        nik = f"350807{day:02d}{birth:%m%y}{self.rng.randrange(1, 9999):04d}"
        name = f"{self.rng.choice(FIRST)} {self.rng.choice(LAST)} {self.username.upper()} {self.serial}"
        name = re.sub(r"\d+", lambda m: "ABCDEFGHIJ"[int(m.group()) % 10] * (1 + int(m.group()) // 10), name)
        data = {"csrf_token": form.csrf, "nik": nik, "kk_number": f"3508070101{self.rng.randrange(10, 100)}{self.rng.randrange(1, 10000):04d}",
                "full_name": name, "birth_place": "Lumajang", "birth_date": birth.isoformat(), "sex": sex,
                "address": f"Dusun Krajan No. {self.rng.randint(1, 200)}", "rt": f"{self.rng.randint(1, 20):03d}",
                "rw": f"{self.rng.randint(1, 8):03d}", "desa": self.rng.choice(form.choices["desa-list"] or ["Yosowilangun Lor"]),
                "religion": self.rng.choice(form.choices["religion"] or ["Islam"]),
                "marital_status": self.rng.choice(form.choices["marital_status"] or ["Kawin"]),
                "occupation": "Petani/Pekebun", "phone": f"08{self.rng.randrange(10**9, 10**10)}",
                "reason": self.rng.choice(form.choices["reason-list"] or ["Rusak"]), "biometric_done": "1"}
        photo = self.rng.choice(PHOTOS)
        saved = self.post("intake save (photo)", "/pendaftaran/baru", data,
                          files={"photo": ("foto.jpg", photo, "image/jpeg")})
        if saved is not None:
            self.rec.ack("application", name)
            detail = saved.headers["Location"].replace(self.base, "")
            page = self.get("application detail", detail)
            if page is not None and self.rng.random() < 0.8:  # most files are complete at once
                checklist = FormReader(page.text)
                if checklist.checks.get("syarat") and self.post("checklist (complete)", f"{detail}/persyaratan", {
                        "csrf_token": checklist.csrf, "syarat": checklist.checks["syarat"]}, expect=(302, 303)):
                    self.rec.ack("complete", name)

    def sync_now(self):
        page = self.form("sync page", "/sinkronisasi")
        if page is not None:
            self.post("sync now (htmx)", "/sinkronisasi/mulai", {"csrf_token": page.csrf},
                      expect=(200, 409), headers={"HX-Request": "true"})


class InformationOfficer(Person):
    """Records hotline calls and desk visits in the complaint book, searches it, answers from it."""

    def setup(self):
        self.has_complaints = self.exists("/pengaduan/")
        self.serial = 0

    def act(self):
        roll = self.rng.random()
        if self.has_complaints and roll < 0.4:
            self.record_call()
        elif self.has_complaints and roll < 0.7:
            word = self.rng.choice(["antre", "ktp", "toilet", "kursi", "lama", "akta"])
            self.get("complaint book search", f"/pengaduan/?q={word}")
        elif self.has_complaints and roll < 0.8:
            self.get("desk info search", "/pengaduan/info-meja?q=ktp")
        else:
            self.get("dashboard", "/")

    def record_call(self):
        form = self.form("complaint form", "/pengaduan/catat")
        if form is None:
            return
        self.serial += 1
        text = (f"Penelepon {self.serial} menanyakan antrean KTP-el yang lama "
                f"({self.rng.choice(['pagi', 'siang'])}, hari ke-{self.serial}).")
        step = self.rng.choice(["baru", "diteruskan"])
        saved = self.post("complaint save", "/pengaduan/catat", {
            "csrf_token": form.csrf, "form_token": form.values.get("form_token", ""), "desk_answer_id": "",
            "channel": "telepon", "received_at": form.values.get("received_at", ""),
            "category_id": (form.choices["category_id"] or [""])[0], "text": text, "step": step},
            expect=(302, 303))
        if saved is not None:
            self.rec.ack("complaint", text)


class KioskVisitor(Person):
    """Visitors at the kiosk tablet, one after another (one network address, as in the office)."""

    def setup(self):
        self.has_kiosk = self.exists("/pengaduan/kios")
        self.has_survey = self.exists("/survei")
        self.complaints, self.surveys, self.numbers = 0, 0, []

    def login(self):
        pass  # nobody logs in at the kiosk

    def act(self):
        # A real kiosk takes a handful of complaints a day and more surveys; the flood limits
        # (6 complaints, 30 surveys per 10 minutes from one address) are sized for that.
        if self.has_kiosk and self.complaints < 5 and self.rng.random() < 0.2:
            self.complain()
        elif self.has_kiosk and self.numbers and self.rng.random() < 0.3:
            self.get("kiosk status", f"/pengaduan/status?nomor={self.rng.choice(self.numbers)}")
        elif self.has_survey and self.surveys < 25:
            self.survey()
        elif self.has_kiosk:
            self.get("kiosk form", "/pengaduan/kios")

    def complain(self):
        form = self.form("kiosk form", "/pengaduan/kios")
        self.complaints += 1
        text = f"Pengunjung kios ke-{self.complaints}: ruang tunggu penuh, mohon tambah kursi."
        saved = self.post("kiosk complaint", "/pengaduan/kios", {
            "csrf_token": form.csrf, "form_token": form.values.get("form_token", ""),
            "category_id": (form.choices["category_id"] or [""])[0], "text": text}, expect=(303,))
        if saved is not None:
            self.rec.ack("complaint", text)
            number = saved.headers["Location"].rstrip("/").rsplit("/", 1)[-1]
            self.numbers.append(number)

    def survey(self):
        form = self.form("survey form", "/survei")
        self.surveys += 1
        comment = f"Survei kios nomor {self.surveys}"
        data = {"csrf_token": form.csrf, "submission_key": form.values.get("submission_key", ""), "comment": comment}
        for name, values in form.radios.items():
            data[name] = self.rng.choice(values[2:] or values)
        if self.post("survey submit", "/survei", data, expect=(303,)) is not None:
            self.rec.ack("survey", comment)


class Admin(Person):
    """The admin's day: accounts, a holiday correction, the audit trail, a backup at noon."""

    def setup(self):
        self.made = 0

    def act(self):
        roll = self.rng.random()
        if roll < 0.3:
            self.get("audit trail (htmx filter)", "/audit?entitas=pengguna",
                     headers={"HX-Request": "true", "HX-Target": "audit-rows"})
        elif roll < 0.4:  # a new colleague now and then: each one-time password is a 32 MB scrypt hash
            form = self.form("account form", "/admin/pengguna/baru")
            self.made += 1
            username = f"staf{self.made:03d}"
            if self.post("account create", "/admin/pengguna/baru", {
                    "csrf_token": form.csrf, "username": username, "full_name": f"Staf {self.made}",
                    "role": "petugas_loket", "nip": ""}, expect=(200,)) is not None:
                self.rec.ack("user", username)
        elif roll < 0.55:
            form = self.form("holiday calendar", "/admin/hari-libur")
            day = date(2027, 1, 1) + timedelta(days=self.made * 7 + self.rng.randrange(7))
            self.made += 1
            if self.post("holiday save", "/admin/hari-libur", {
                    "csrf_token": form.csrf, "day": day.isoformat(), "kind": "tutup",
                    "name": "Kerja bakti kantor"}, expect=(302, 422)) is not None:
                self.rec.ack("office_day", day.isoformat())
        else:
            self.get("users list", "/admin/pengguna")

    def backup(self):
        form = self.form("backups page", "/admin/cadangan")
        if self.post("backup now", "/admin/cadangan", {"csrf_token": form.csrf}) is not None:
            self.rec.ack("backup", "manual")


def work(person, actions, deadline, stop, noon=None):
    person.login()
    person.setup()
    for number in range(actions):
        if time.monotonic() > deadline or stop.is_set():
            break
        if noon is not None and number == actions // 2:
            noon()
        person.act()


# --- The day ---------------------------------------------------------------------------------------

def integrity(data: Path, rec: Recorder) -> tuple[str, dict]:
    from app.backups.engine import open_backup
    from app.frame.db import connect
    con = connect(data / "loket.sqlite3", readonly=True)
    check = con.execute("PRAGMA integrity_check").fetchone()[0]
    missing = {}
    lookups = {"user": "SELECT 1 FROM user WHERE username = ?",
               "office_day": "SELECT 1 FROM office_day WHERE day = ?",
               "application": "SELECT 1 FROM application WHERE full_name = ?",
               "complaint": "SELECT 1 FROM complaint WHERE text = ?",
               "complete": "SELECT 1 FROM application WHERE full_name = ? AND status != 'diterima'",
               "survey": "SELECT 1 FROM survey_response WHERE comment = ?"}
    for what, keys in rec.acked.items():
        if what == "backup":
            found = sorted((data / "backups").glob("manual-*.sqlite3"))
            bad = [str(p) for p in found if open_backup(p, data)[0].execute("PRAGMA integrity_check").fetchone()[0] != "ok"]
            if not found or bad:
                missing[what] = bad or ["no manual backup file"]
            continue
        gone = [k for k in keys if con.execute(lookups[what], (k,)).fetchone() is None]
        if gone:
            missing[what] = gone
    return check, missing


def sync_report(data: Path, rec: Recorder) -> str:
    """How many complete files reached the center by the end of the day."""
    from app.frame.db import connect
    con = connect(data / "loket.sqlite3", readonly=True)
    counts = dict(con.execute("SELECT status, COUNT(*) FROM application GROUP BY status").fetchall())
    at_center = sum(n for status, n in counts.items() if status not in ("diterima", "dikembalikan", "lengkap"))
    return (f"{at_center} of {len(rec.acked.get('complete', []))} complete applications at the center "
            f"(statuses: {counts})")


def percentile(values, q):
    """The nearest-rank percentile: the ceil(q% x n)-th smallest (p95 of 20: the slowest but one). It was
    round(q% x n + 0.5), which Python rounds half to even: at a whole q% x n (95 % of 20) it gave the rank
    above, so every p95 of 20 printed before 2026-11-28 was the slowest of them."""
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, max(0, math.ceil(q / 100 * len(ordered) - 1e-9) - 1))]


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--actions", type=int, default=120, help="actions per person (default 120)")
    parser.add_argument("--max-seconds", type=float, default=300, help="stop the day after this long")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--threads", type=int, default=None, help="waitress threads (default: run.py's)")
    options = parser.parse_args(argv)

    with tempfile.TemporaryDirectory(prefix="loket-day-") as folder:
        data = Path(folder)
        kecamatan = data / "kecamatan"
        prepare_office(kecamatan)
        PHOTOS[:] = [photo_jpeg(random.Random(n)) for n in range(4)]
        center = Center(data / "center") if sync_available() else None
        if center:
            center.enrol(kecamatan)
        data = kecamatan
        port = free_port()
        server = start_server(data, port, options.threads)
        base = f"http://127.0.0.1:{port}"
        rec = Recorder()
        rng = random.Random(options.seed)
        admin = Admin(base, "admin", rec, random.Random(rng.random()))
        people = [Clerk(base, f"loket{n}", rec, random.Random(rng.random())) for n in (1, 2, 3)]
        people += [InformationOfficer(base, "info", rec, random.Random(rng.random())),
                   KioskVisitor(base, "kios", rec, random.Random(rng.random()))]
        stop = threading.Event()
        rss_samples = [memory_mb(server.pid, "VmRSS")]
        sampler = threading.Thread(target=sample_rss, args=(server.pid, rss_samples, stop), daemon=True)
        sampler.start()
        deadline = time.monotonic() + options.max_seconds
        started = time.perf_counter()
        threads = [threading.Thread(target=work, args=(p, options.actions, deadline, stop)) for p in people]
        threads.append(threading.Thread(target=work, args=(admin, max(10, options.actions // 4), deadline, stop,
                                                           admin.backup)))
        for t in threads:
            t.start()
        for t in threads:
            t.join()
        if center:  # end of the day: passes until every complete file is at the center (bounded)
            from app.frame.db import connect
            for _ in range(4):
                people[0].sync_now()
                for _ in range(240):
                    if "Sedang sinkron" not in people[0].session.get(base + "/sinkronisasi/progres", timeout=30).text:
                        break
                    time.sleep(0.5)
                con = connect(data / "loket.sqlite3", readonly=True)
                waiting = con.execute("SELECT COUNT(*) FROM application WHERE status = 'lengkap'").fetchone()[0]
                con.close()
                if not waiting:
                    break
        wall = time.perf_counter() - started
        capabilities = {"registration": people[0].can_register, "complaints": people[3].has_complaints,
                        "kiosk": people[4].has_kiosk, "survey": people[4].has_survey, "sync": bool(center)}
        rss = memory_mb(server.pid)
        anon, file_backed = memory_mb(server.pid, "RssAnon"), memory_mb(server.pid, "RssFile")
        stop.set()
        rss_samples.append(memory_mb(server.pid, "VmRSS"))
        server.send_signal(signal.SIGINT)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if center:
            center.stop()
        check, missing = integrity(data, rec)
        synced = sync_report(data, rec) if center else None
        log = (data / "server.log").read_text(errors="replace")
        server_errors = log[log.find("Traceback"):][-3000:] if "Traceback" in log else ""

    served = sum(len(v) for v in rec.latency.values())
    print(f"# A day in the office: {len(people) - 1} staff, the kiosk and the admin, {options.actions} actions each, seed {options.seed}")
    print(f"capabilities exercised: {', '.join(k for k, v in capabilities.items() if v) or 'foundation only'}")
    print(f"requests served: {served} in {wall:.1f} s ({served / wall:.1f}/s)")
    print(f"{'page kind':34} {'n':>5} {'p50 ms':>8} {'p95 ms':>8} {'p99 ms':>8}")
    for kind in sorted(rec.latency):
        values = rec.latency[kind]
        print(f"{kind:34} {len(values):5d} {percentile(values, 50) * 1000:8.1f} "
              f"{percentile(values, 95) * 1000:8.1f} {percentile(values, 99) * 1000:8.1f}")
    print(f"errors: {len(rec.errors)}")
    for error in rec.errors[:20]:
        print(f"  {error}")
    if server_errors:
        print("server log (last traceback):\n" + server_errors)
    print(f"server peak RSS (VmHWM): {rss:.1f} MB (goal < 150 MB); RSS at start {rss_samples[0]:.1f} MB, "
          f"quarter-day marks {' / '.join(f'{rss_samples[len(rss_samples) * q // 4 - (q == 4)]:.0f}' for q in (1, 2, 3, 4))} MB"
          f" (at the end {anon:.0f} MB heap + {file_backed:.0f} MB mapped files)")
    print("acknowledged writes: " + ", ".join(f"{k} {len(v)}" for k, v in sorted(rec.acked.items())))
    print(f"integrity_check: {check}; acknowledged writes missing: {missing or 'none'}")
    if synced:
        print(f"sync through the rural link ({'256 kbit/s, 400 ms RTT, 5% resets'}): {synced}")
    ok = not rec.errors and check == "ok" and not missing and rss < 150
    print("RESULT:", "ok" if ok else "NOT OK")
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
