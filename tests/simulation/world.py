"""The world the simulation drives: a printing center, two counter PCs of Kecamatan Yosowilangun, one
PC of Kecamatan Kunir, desa laptops, each a real program on its own data folder.

Each program is reached the way a person or the scheduler reaches it:
- the center runs as a real server (`run.py center`, a subprocess, SIGKILL-able), on SQLite in its
  folder or, with LOKET_SIM_CENTER=postgres, on a PostgreSQL database of its own (`--database-url`,
  a copy of the template world's database, LOKET_TEST_PG_URL's server); every PC talks to it
  through one fault proxy (tests/support/linkproxy.py), whose address is what the PCs were
  enrolled with, so a pass can run on a good, faulty or cut link;
- the office and desa programs are their Flask apps in this process, driven through their HTTP
  forms with a test client per role (each its own data folder, its own encrypted database);
- backups and restores are `run.py backup` / `run.py restore` subprocesses (the office's
  documented commands; restore with the app stopped, as docs/operations.md says);
- a sync pass is `engine.sync_once(full=True)`, what `run.py sync --full` and the scheduler call;
  a pass SIGKILLed mid-flight is `run.py sync --full` itself, as its own process
  (machine.py, `kill_sync_pass`);
- the center's operator works in the center's own pages (an in-process app on the center's folder).

Every response is checked: a 5xx (or an exception a 500 page would hide) is recorded, and the
invariant `every_page_answers_below_500` reports it after the step.
"""
from __future__ import annotations

import atexit
import html
import io
import itertools
import json
import os
import shutil
import re
import subprocess
import sys
import tempfile
import traceback
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")

ROOT = Path(__file__).resolve().parents[2]

YOSOWILANGUN, KUNIR = "35.08.07", "35.08.06"
DESA = {YOSOWILANGUN: [("35.08.07.2001", "Darungan"), ("35.08.07.2002", "Kraton")],
        KUNIR: [("35.08.06.2001", "Jatimulyo"), ("35.08.06.2002", "Jatirejo")]}
STAFF_ROLES = ("admin", "petugas_loket", "petugas_informasi", "kasi_pelayanan", "camat")
CENTER_OPERATOR_PASSWORD = "operator-rahasia-1"
# The center's roles (sync/center/access.py) and the account the simulation signs in with for each.
CENTER_ACCOUNTS = {"operator": "operator", "admin": "admin-pusat", "pimpinan": "pimpinan-pusat"}


def _faults():
    from tests.support.linkproxy import Fault
    return ["drop_mid_body", "respond_5xx", "duplicate", "reset_after_commit", Fault("stall", seconds=0.3)]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def errors_of(response) -> str:
    """The messages a refused form shows (what the person reads), for a rule's failure message."""
    if response is None:
        return "500"
    found = re.findall(r'class="[^"]*(?:error|field-error|flash)[^"]*"[^>]*>([^<]+)', text(response))
    return f"{response.status_code}: " + " | ".join(m.strip() for m in found if m.strip())[:600]


def jpeg_photo(n: int) -> bytes:
    """Person n's portrait (tests/support/factory.py), a little different per person."""
    from tests.support.factory import photo_jpeg
    return photo_jpeg(colour=(30 + n % 40, 70, 190))


@dataclass
class Person:
    """Someone who comes to an office: distinctive personal values, so a page that shows one is found."""
    n: int
    kecamatan: str
    desa_code: str
    desa_name: str

    @property
    def nik(self) -> str:  # born 12-05-1990, a man: the NIK agrees with the birth date and sex
        return f"{self.kecamatan.replace('.', '')}120590{self.n % 10000:04d}"

    @property
    def kk(self) -> str:
        return f"{self.kecamatan.replace('.', '')}0101{100000 + self.n:06d}"

    @property
    def name(self) -> str:
        from tests.support.factory import person_name
        return person_name(self.n + 1000)

    @property
    def address(self) -> str:
        return f"Jalan Simulasi {self.n} Blok Q"

    @property
    def corrected_address(self) -> str:
        return f"Gang Koreksi {self.n} Blok Z"

    @property
    def phone(self) -> str:
        return f"0813-{7000 + self.n // 10000:04d}-{self.n % 10000:04d}"

    def form(self, **changes) -> dict:
        from tests.support.factory import applicant_form
        return applicant_form(**{"nik": self.nik, "kk_number": self.kk, "full_name": self.name, "address": self.address,
                                 "desa": self.desa_name, "phone": self.phone, **changes})

    def personal_values(self) -> dict:
        """Field -> values that must never be shown in clear to a role the privacy table denies."""
        return {"nik": (self.nik,), "kk_number": (self.kk,), "address": (self.address, self.corrected_address),
                "phone": (self.phone,)}


@dataclass
class Seen:
    """What went wrong while the step ran (read by the invariants after it)."""
    server_errors: list = field(default_factory=list)  # (office, role, method, path, status, detail)


class Office:
    """One PC running the office program (kecamatan counter or desa laptop) on its own data folder."""

    def __init__(self, world: "World", name: str, data_dir: Path, kecamatan: str, mode: str = "kecamatan",
                 first: bool = True):
        self.world, self.name, self.data_dir, self.kecamatan, self.mode = world, name, data_dir, kecamatan, mode
        self.app = None
        self.clients: dict[str, object] = {}
        self.ever_held: set[str] = set()  # registration numbers this PC's database ever held
        self.people: dict[int, Person] = {}  # person n -> person, for people registered here
        self.desa_code = ""  # a desa PC: its desa
        self.running = False
        self.lineage: set[str] = set()  # PCs whose backup this one was restored from
        self.dead = False  # off (broken, replaced): its data stays, nobody works on it
        self.refusal = ""  # a desa laptop whose enrolment the center refused: what its page said
        self.replaced_by = None
        self.generation = 0  # a new one at every start (tests/simulation/invariants.py: state_stamp)
        self.requests_last_pass = 0  # requests the proxy read in this PC's last in-process pass (kill_sync_pass)
        self._watcher = None  # (file identity, a read-only connection that only reads data_version)
        self.start(first=first)

    @property
    def is_desa(self) -> bool:
        return self.mode == "desa"

    # --- the program ---------------------------------------------------------------------------

    def start(self, first: bool = False) -> None:
        from app import create_app
        from tests.conftest import CsrfClient
        config = {"DATA_DIR": self.data_dir, "SECRET_KEY": f"sim-{self.name}", "TESTING": True}
        if self.is_desa:
            config["MODE"] = "desa"
        self.app = create_app(config)
        self.app.test_client_class = CsrfClient
        self.clients = {}
        self.running = True
        self.generation = next(_generations)
        if first:
            with self.bound():
                from app.firstrun import ensure_admin, seed_identity
                ensure_admin()
                if not self.is_desa:
                    seed_identity(self.kecamatan)

    def stop(self) -> None:
        """The program ends (its connections closed), as before a restore."""
        self._close_watcher()  # an open handle would keep the -wal beside a file a restore replaces
        if self.app is not None:
            db = self.app.extensions["database"]
            if hasattr(db, "close_all"):
                db.close_all()
            else:
                db.close()
        self.app, self.clients, self.running = None, {}, False

    @contextmanager
    def bound(self):
        """Models reach one database at a time (a process runs one office): point them at this PC's."""
        from app.frame.db import database
        db = self.app.extensions["database"]
        database.initialize(db)
        with self.app.app_context(), db.connection_context():
            yield db

    # --- people at the keyboard ----------------------------------------------------------------

    def user(self, role: str, username: str | None = None):
        """The account for `role` (made once; accounts made through the admin page are found by name)."""
        from app.auth.accounts import create_user
        from app.auth.models import User
        username = username or ("admin" if role == "admin" else f"sim-{role.replace('_', '-')}")
        found = User.get_or_none(User.username == username)
        if found is None:
            found, _ = create_user(username, f"Pegawai {role}", role, password="rahasia-kantor-1",
                                   must_change_password=False)
        elif found.must_change_password:
            found.must_change_password = False
            found.save()
        return found

    def client(self, role: str, username: str | None = None):
        from tests.conftest import sign_in_as
        key = username or role
        if key not in self.clients:
            with self.bound():
                client = self.app.test_client()
                sign_in_as(client, self.user(role, username))
            self.clients[key] = client
        return self.clients[key]

    def request(self, role: str, method: str, path: str, username: str | None = None, **kwargs):
        client = self.client(role, username)
        with self.bound():
            try:
                response = client.open(path, method=method, **kwargs)
            except Exception:  # TESTING propagates what a 500 page would hide
                self.world.seen.server_errors.append((self.name, role, method, path, 500,
                                                      traceback.format_exc(limit=-4)))
                return None
        if response.status_code >= 500:
            self.world.seen.server_errors.append((self.name, role, method, path, response.status_code,
                                                  text(response)[:300]))
            return None
        return response

    def get(self, role, path, **kwargs):
        return self.request(role, "GET", path, **kwargs)

    def public(self, method: str, path: str, **kwargs):
        """A visitor at the kiosk (no account): the kiosk's own browser session."""
        if "_publik" not in self.clients:
            self.clients["_publik"] = self.app.test_client()
        client = self.clients["_publik"]
        with self.bound():
            try:
                response = client.open(path, method=method, **kwargs)
            except Exception:
                self.world.seen.server_errors.append((self.name, "publik", method, path, 500,
                                                      traceback.format_exc(limit=-4)))
                return None
        if response.status_code >= 500:
            self.world.seen.server_errors.append((self.name, "publik", method, path, response.status_code,
                                                  text(response)[:300]))
            return None
        return response

    def post(self, role, path, data=None, **kwargs):
        return self.request(role, "POST", path, data=data or {}, **kwargs)

    # --- the sync pass ---------------------------------------------------------------------------

    def sync(self):
        from sync.client import engine
        first = self.world.link_requests
        with self.bound():
            report = engine.sync_once(full=True)
        self.requests_last_pass = self.world.link_requests - first
        return report

    def enrolled(self) -> bool:
        from sync.client import engine
        with self.bound():
            return engine.current_link() is not None

    # --- reading the database (for the invariants) ------------------------------------------------

    def read(self, fn):
        with self.bound():
            return fn()

    def state_stamp(self) -> tuple | None:
        """Equal to an earlier stamp only if nothing was committed to this PC's database in between
        (the invariants skip a check whose inputs did not change: tests/simulation/invariants.py).

        SQLite's `PRAGMA data_version` changes on a connection once any other connection's commit
        is visible to it (this process's or another's); this watcher never writes, so every commit
        counts. The file's identity (a restore or an encryption replaces it) and the program's start
        (a new app, new caches) are part of the stamp; None while the program is off."""
        if not self.running or self.app is None:
            return None
        path = self.app.extensions["database"].database
        status = os.stat(path)
        identity = (path, status.st_dev, status.st_ino)
        if self._watcher is not None and self._watcher[0] != identity:
            self._close_watcher()
        if self._watcher is None:
            from app.frame.db import connect
            self._watcher = (identity, connect(path, readonly=True), next(_generations))
        _, connection, opened = self._watcher
        version = list(connection.execute("PRAGMA data_version"))[0][0]  # read to the end: no open statement
        return self.generation, opened, identity, version

    def _close_watcher(self) -> None:
        if self._watcher is not None:
            self._watcher[1].close()
            self._watcher = None


_generations = itertools.count(1)  # program starts and watchers, unique in this process


# --- the center's database: SQLite in its folder, or PostgreSQL (LOKET_SIM_CENTER=postgres) ----------------

NO_PG = "LOKET_TEST_PG_URL is not set; run `bash scripts/test.sh` for the PostgreSQL variant"
_pg_names = itertools.count(1)


def center_kind() -> str:
    """`sqlite` (the default) or `postgres`: LOKET_SIM_CENTER (bench/office_year.py --center)."""
    kind = os.environ.get("LOKET_SIM_CENTER", "sqlite").strip().lower() or "sqlite"
    if kind in ("pg", "postgresql"):
        kind = "postgres"
    if kind not in ("sqlite", "postgres"):
        raise ValueError(f"LOKET_SIM_CENTER={kind!r}: sqlite or postgres")
    if kind == "postgres" and not os.environ.get("LOKET_TEST_PG_URL"):
        raise RuntimeError(NO_PG)
    return kind


def _pg_url(database: str) -> str:
    """LOKET_TEST_PG_URL with another database name (the same server and user)."""
    base = os.environ["LOKET_TEST_PG_URL"]
    return base.rsplit("/", 1)[0] + "/" + database


def _pg_admin(statement: str) -> None:
    """CREATE or DROP DATABASE, on LOKET_TEST_PG_URL's own database (autocommit: not in a transaction)."""
    import psycopg
    with psycopg.connect(os.environ["LOKET_TEST_PG_URL"], autocommit=True) as connection:
        connection.execute(statement)


def new_pg_database(template: str | None = None) -> str:
    """A fresh database (empty, or a copy of `template`, which nobody may be connected to): its URL."""
    import time
    import psycopg
    name = f"{os.environ['LOKET_TEST_PG_URL'].rsplit('/', 1)[1]}_sim_{os.getpid()}_{next(_pg_names)}"
    for attempt in range(50):
        try:
            _pg_admin(f'CREATE DATABASE "{name}"' + (f' TEMPLATE "{template}"' if template else ""))
            return _pg_url(name)
        except psycopg.errors.ObjectInUse:  # the template's last center process is still leaving
            time.sleep(0.1)
    raise RuntimeError(f"template database {template} stays in use")


def drop_pg_database(url: str | None) -> None:
    if url:
        try:
            _pg_admin(f'DROP DATABASE IF EXISTS "{url.rsplit("/", 1)[1]}" WITH (FORCE)')
        except Exception:  # the server is gone (the end of scripts/test.sh): nothing to drop
            pass


def _close_center_pool(app) -> None:
    db = app.extensions["center_database"]
    db.close_all() if hasattr(db, "close_all") else db.close()


class World:
    """Everything the simulation runs, under one folder.

    Made from a template (`World.template()`: the same programs, set up and enrolled once per test
    process, then stopped): each example copies the folders, starts the center on its copy and
    points the PCs' links at its own proxy. The next example's center boots while this one runs."""

    def __init__(self, root: Path | None = None, template: Path | None = None):
        from tests.support.linkproxy import LinkProxy
        if template is not None:
            root, self.center = _take_spare_center(template)
        self.root = root
        self.seen = Seen()
        self.people_made = 0
        self.people: dict[int, Person] = {}
        self.backups: list[tuple[str, Path]] = []  # (office name, file)
        self.fault_mode = "good"  # good | faulty | cut
        self.faults_injected = 0
        self.kills = 0
        self.office_kills = 0
        self.checks_of_backups = 0
        self.offices: dict[str, Office] = {}
        if template is None:
            from tests.sync.harness import CenterServer, prepare_center
            self.center_database_url = new_pg_database() if center_kind() == "postgres" else None
            self.center_app, _ = prepare_center(root / "center", database_url=self.center_database_url,
                                                kecamatan_code=YOSOWILANGUN)
            with self.center_bound():
                from sync.center.access import ADMIN
                from sync.center.accounts import create_operator
                create_operator("admin-pusat", "Admin Pusat", ADMIN, password=CENTER_OPERATOR_PASSWORD,
                                must_change_password=False)
                from sync.center.access import PIMPINAN
                create_operator("pimpinan-pusat", "Pimpinan Kabupaten", PIMPINAN,
                                password=CENTER_OPERATOR_PASSWORD, must_change_password=False)
                from sync.center.models import Kecamatan
                from tests.support.factory import kecamatan_row
                Kecamatan.get_or_none(Kecamatan.code == KUNIR) or kecamatan_row(KUNIR, "Kunir")
            self.center = CenterServer(root / "center", database_url=self.center_database_url).start()
        else:
            from sync.center.app import create_center_app
            self.center_database_url = self.center.database_url
            self.center_app = create_center_app({"DATA_DIR": root / "center", "DATABASE_URL": self.center_database_url})
        import random
        import threading
        self._fault_random = random.Random(0)
        self.link_requests = 0  # requests the proxy has read, over the world's life
        self.uploads_begun = 0  # of them, application packets (POST /api/v1/packets)
        self._request_watch: tuple[int, threading.Event] | None = None
        global FAULTS
        FAULTS = _faults()
        self.proxy = LinkProxy(("127.0.0.1", self.center.port), faults=self._schedule, seed=0)
        self.proxy.start()
        self._center_sessions: dict[str, tuple] = {}  # username -> (browser session, CSRF token)
        self._center_watcher = None  # (file identity, connection, serial): center_stamp
        if template is not None:
            for spec in json.loads((template / "world.json").read_text()):
                shutil.copytree(template / spec["name"], root / spec["name"])
                office = Office(self, spec["name"], root / spec["name"], spec["kecamatan"], spec["mode"], first=False)
                office.desa_code = spec["desa_code"]
                self.offices[office.name] = office
                with office.bound(), office.app.extensions["database"].atomic():
                    from sync.client.models import SyncLink
                    SyncLink.update(center_url=self.center_url).execute()  # enrolled with this world's address

    def save_as_template(self) -> Path:
        """Stop every program and keep the folders as the template of later worlds."""
        specs = [{"name": o.name, "kecamatan": o.kecamatan, "mode": o.mode, "desa_code": o.desa_code}
                 for o in self.offices.values()]
        self.close(keep_database=True)
        if self.center_database_url:  # each world's center database is a copy of this one (CREATE DATABASE ... TEMPLATE)
            (self.root / "center-database.txt").write_text(self.center_database_url)
            atexit.register(drop_pg_database, self.center_database_url)
        (self.root / "world.json").write_text(json.dumps(specs))
        for log in self.root.glob("*.log"):
            log.unlink()
        return self.root

    # --- the link --------------------------------------------------------------------------------

    def _schedule(self, request):
        self.link_requests += 1  # in the proxy's thread: a request's head has arrived
        if request.target.startswith("/api/v1/packets"):
            self.uploads_begun += 1
        watch = self._request_watch
        if watch is not None and self.link_requests >= watch[0]:
            watch[1].set()
        if self.fault_mode == "cut":
            self.faults_injected += 1
            return "respond_5xx" if self._fault_random.random() < 0.5 else "drop_mid_body"
        if self.fault_mode == "faulty" and self._fault_random.random() < 0.3:
            self.faults_injected += 1
            return self._fault_random.choice(FAULTS)
        return None

    def when_requests_reach(self, count: int):
        """An event set once the proxy has read `count` requests (link_requests) in all."""
        import threading
        event = threading.Event()
        self._request_watch = (count, event)
        if self.link_requests >= count:
            event.set()
        return event

    def stop_watching_requests(self) -> None:
        self._request_watch = None

    @property
    def center_url(self) -> str:
        return self.proxy.url

    def kill_center(self) -> None:
        from tests.sync.harness import CenterServer
        self.center.kill()
        self.kills += 1
        self.center = CenterServer(self.root / "center", database_url=self.center_database_url,
                                   port=self.center.port).start()

    def close(self, keep_database: bool = False) -> None:
        for office in self.offices.values():
            office.stop()
        if self._center_watcher is not None:
            self._center_watcher[1].close()
            self._center_watcher = None
        self.proxy.close()
        self.center.stop()
        _close_center_pool(self.center_app)
        if not keep_database:
            drop_pg_database(self.center_database_url)

    def center_stamp(self) -> tuple | None:
        """Equal to an earlier stamp only if nothing was committed to the center's database in
        between: `PRAGMA data_version` on a read-only connection of the harness (the center's server
        is another process, its commits count; a killed and restarted center too). On PostgreSQL the
        server's WAL insert position: every commit moves it (so does other WAL, which only means a
        check is not skipped)."""
        if self.center_database_url:
            with self.center_bound() as db:
                return "postgres", list(db.execute_sql("SELECT pg_current_wal_insert_lsn()").fetchall())[0][0]
        path = getattr(self.center_app.extensions["center_database"], "database", None)
        if not path or not os.path.exists(path):
            return None
        status = os.stat(path)
        identity = (path, status.st_dev, status.st_ino)
        if self._center_watcher is not None and self._center_watcher[0] != identity:
            self._center_watcher[1].close()
            self._center_watcher = None
        if self._center_watcher is None:
            from app.frame.db import connect
            self._center_watcher = (identity, connect(path, readonly=True), next(_generations))
        _, connection, opened = self._center_watcher
        return opened, identity, list(connection.execute("PRAGMA data_version"))[0][0]

    # --- the center's side -----------------------------------------------------------------------

    @contextmanager
    def center_bound(self):
        """The center's models on this world's center database (one proxy per process, like the
        offices' models: another center app opened in this process would have taken it)."""
        from sync.center.db import center_database
        db = self.center_app.extensions["center_database"]
        center_database.initialize(db)
        with self.center_app.app_context(), db.connection_context():
            yield db

    def enrolment_code(self, kecamatan: str) -> str:
        """The center's admin makes a one-time enrolment code for a kecamatan PC."""
        from sync.center import keys
        from sync.center.models import Kecamatan
        with self.center_bound():
            return keys.new_enrolment_code(Kecamatan.get(Kecamatan.code == kecamatan))

    def center_request(self, method: str, path: str, data=None, content_type=None, as_admin=False,
                       role: str | None = None, **kwargs):
        """The center's operator (or, `as_admin`, its admin; or any center `role`: operator, admin,
        pimpinan) in a browser: a form sent to the center's own server (the process the offices sync
        with, SIGKILLed with it), signed in once, with the page's CSRF token."""
        import requests
        url = self.center.url + path
        form, files = {}, []
        for key, value in (data or {}).items():
            for item in (value if isinstance(value, list) else [value]):
                if isinstance(item, tuple):
                    files.append((key, (item[1], item[0].read(), "application/octet-stream")))
                else:
                    form.setdefault(key, []).append(item)
        who = CENTER_ACCOUNTS[role or ("admin" if as_admin else "operator")]
        for attempt in range(2):
            try:
                if who not in self._center_sessions:
                    self._center_sign_in(who)
                session, token = self._center_sessions[who]
                if method != "GET":
                    form["csrf_token"] = [token]
                answer = session.request(method, url, data=form, files=files or None, timeout=120,
                                                      allow_redirects=False)
            except requests.RequestException:
                self.seen.server_errors.append(("pusat", who, method, path, 500, traceback.format_exc(limit=-2)))
                return None
            if answer.status_code in (302, 303) and "/masuk" in answer.headers.get("Location", "") or \
                    answer.status_code == 400 and "CSRF" in answer.text:
                self._center_sessions.pop(who, None)  # the session or its token ran out: sign in again
                continue
            break
        response = _Answer(answer)
        if response.status_code >= 500:
            self.seen.server_errors.append(("pusat", who, method, path, response.status_code,
                                            text(response)[:300]))
            return None
        return response

    def _center_sign_in(self, username: str):
        import requests
        session = requests.Session()
        page = session.get(self.center.url + "/masuk", timeout=60).text
        token = re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1)
        answer = session.post(self.center.url + "/masuk", allow_redirects=False, timeout=60, data={
            "username": username, "password": CENTER_OPERATOR_PASSWORD, "csrf_token": token})
        assert answer.status_code in (302, 303), answer.status_code
        page = session.get(self.center.url + "/akun/kata-sandi", timeout=60).text
        self._center_sessions[username] = (session, re.search(r'name="csrf_token"[^>]*value="([^"]+)"', page).group(1))

    # --- offices -----------------------------------------------------------------------------------

    def new_person(self, kecamatan: str, desa_index: int = 0) -> Person:
        self.people_made += 1
        code, name = DESA[kecamatan][desa_index % len(DESA[kecamatan])]
        person = self.people[self.people_made] = Person(self.people_made, kecamatan, code, name)
        return person

    def add_kecamatan_pc(self, name: str, kecamatan: str, enrol: bool = True) -> Office:
        office = Office(self, name, self.root / name, kecamatan)
        self.offices[name] = office
        if enrol:
            self.enrol_kecamatan_pc(office)
        return office

    def enrol_kecamatan_pc(self, office: Office):
        """The admin types the center's address and a one-time code on Sinkronisasi."""
        response = office.post("admin", "/sinkronisasi/daftar",
                               {"center_url": self.center_url, "code": self.enrolment_code(office.kecamatan)})
        return response

    def add_desa_pc(self, name: str, kecamatan_pc: Office, desa_index: int = 0) -> Office | None:
        """A desa laptop enrolled by a code from its kecamatan's admin, with one desa operator."""
        desa_code, _ = DESA[kecamatan_pc.kecamatan][desa_index]
        desa = Office(self, name, self.root / name, kecamatan_pc.kecamatan, mode="desa")
        desa.desa_code = desa_code
        self.offices[name] = desa
        answer = self.enrol_desa_pc(desa, kecamatan_pc)
        if answer is None or answer.status_code not in (302, 303):
            # The center refused the code (a counter PC another one replaced, or holding a revoked key, made
            # it before it heard so): the laptop says why and waits for a new code; nobody works on it here.
            desa.refusal = text(answer) if answer is not None else ""
            desa.stop()
            desa.dead = True
        return desa

    def enrol_desa_pc(self, desa: Office, kecamatan_pc: Office):
        page = kecamatan_pc.post("admin", "/admin/operator-desa/kode-komputer", {"desa": desa.desa_code})
        if page is None or page.status_code != 200:
            return None
        code = re.search(r'<code class="enrolment-code">([^<]+)</code>', page.get_data(as_text=True)).group(1)
        answer = desa.post("admin", "/admin/komputer-desa", {"kode": code, "center_url": ""})
        if answer is not None and answer.status_code in (302, 303):
            made = desa.post("admin", "/admin/operator-desa/baru",
                             {"username": f"op-{desa.name.lower()}", "full_name": f"Kaur {desa.name}", "desa": [desa.desa_code]})
            assert made is not None, "500"  # made now, or kept from before a re-enrolment: bound to its desa
            from app.auth.models import User
            from app.desa.models import UserDesa
            bound = desa.read(lambda: UserDesa.select().join(User).where(
                (User.username == f"op-{desa.name.lower()}") & (UserDesa.desa_code == desa.desa_code)).count())
            assert bound == 1, text(made)[:500]
        return answer

    # --- run.py commands ---------------------------------------------------------------------------

    def run_command(self, *args: str) -> subprocess.CompletedProcess:
        """`python run.py ARGS`: in this process by default (its `main`, the same code, without a
        second Python starting), as its own process with LOKET_SIM_COMMANDS=process."""
        if os.environ.get("LOKET_SIM_COMMANDS") == "process":
            env = dict(os.environ, PYTHONUNBUFFERED="1")
            return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], cwd=ROOT, env=env,
                                  capture_output=True, text=True, timeout=300)
        import contextlib
        import importlib.util
        spec = importlib.util.spec_from_file_location("loket_run", ROOT / "run.py")
        run = importlib.util.module_from_spec(spec)
        spec.loader.exec_module(run)
        out, err = io.StringIO(), io.StringIO()
        with contextlib.redirect_stdout(out), contextlib.redirect_stderr(err):
            code = run.main(list(args))
        return subprocess.CompletedProcess(["run.py", *args], code, out.getvalue(), err.getvalue())

    def backup(self, office: Office) -> Path | None:
        target = self.root / "stick" / f"{office.name}-{len(self.backups) + 1}.sqlite3"
        target.parent.mkdir(exist_ok=True)
        done = self.run_command("backup", "--data", str(office.data_dir), "--to", str(target))
        if done.returncode != 0:
            return None
        self.backups.append((office.name, target))
        return target

    def recovery_key(self, office: Office) -> str:
        """The key on the paper in the office safe (printed from Cadangan Data at setup)."""
        from app.frame.keystore import KeyStore
        return KeyStore(office.data_dir).recovery_key(create=True)

    def restore(self, office: Office, backup: Path, recovery_key: str | None = None) -> subprocess.CompletedProcess:
        office.stop()
        args = ["restore", "--data", str(office.data_dir), "--from", str(backup)]
        if recovery_key:
            args += ["--kunci-pemulihan", recovery_key]
        done = self.run_command(*args)
        office.start()
        return done

    def backup_differences(self, office: Office, backup: Path) -> list[str]:
        """Restore `backup` on a spare PC (as on a new PC, with the paper key) and compare every table
        with `office`'s live database: what differs, by table (empty when the backup is whole)."""
        self.checks_of_backups += 1
        spare = Office(self, f"{office.name}-uji", self.root / "uji-pulih" / str(self.checks_of_backups),
                       office.kecamatan, mode=office.mode)
        try:
            done = self.restore(spare, backup, self.recovery_key(office))
            if done.returncode != 0:
                return [f"{office.name}: cadangan {backup.name} tidak dapat dipulihkan: {done.stderr[-300:]}"]
            live, restored = office.read(_table_rows), spare.read(_table_rows)
        finally:
            spare.stop()
            shutil.rmtree(spare.data_dir, ignore_errors=True)
        problems = []
        for table in sorted(set(live) | set(restored)):
            if table in NOT_IN_A_BACKUP or table.startswith(NOT_IN_A_BACKUP_PREFIXES):
                continue
            mine, theirs = live.get(table), restored.get(table)
            if mine != theirs:
                missing = len(set(mine or ()) - set(theirs or ()))
                extra = len(set(theirs or ()) - set(mine or ()))
                problems.append(f"{office.name}: tabel {table} setelah pulih dari {backup.name} berbeda dari data "
                                f"hidup ({missing} baris hilang, {extra} baris lain)")
        return problems

    def restore_on_new_pc(self, name: str, source: Office, backup: Path) -> Office:
        """The old PC died: a new PC is installed, started once, and the backup restored with the paper key."""
        key = self.recovery_key(source)
        office = Office(self, name, self.root / name, source.kecamatan)
        self.offices[name] = office
        self.restore(office, backup, key)
        return office


class _Answer:
    """A requests response read like a test client's (status_code, headers, data, get_data)."""

    def __init__(self, answer):
        self.status_code, self.headers, self.data = answer.status_code, answer.headers, answer.content

    def get_data(self, as_text=False):
        return self.data.decode("utf-8", "replace") if as_text else self.data


# Tables a restore rightly makes different from the live database it was copied from: the trail of the
# backup and the restore themselves, the installation's identity (the restoring PC's own), and caches.
NOT_IN_A_BACKUP = {"installation", "tally_zone"}
NOT_IN_A_BACKUP_PREFIXES = ("sqlite_",)
# The audit trail is compared without the records of the backup and the restore themselves.
AUDIT_OF_THE_RESTORE = ("cadangan", "kunci_pemulihan")


def _table_rows() -> dict[str, list[str]]:
    """Every table of the bound database: name -> its rows (as text, sorted)."""
    from app.frame.db import database
    tables = [name for name, in database.execute_sql(
        "SELECT name FROM sqlite_master WHERE type = 'table' AND sql NOT LIKE 'CREATE VIRTUAL%' ORDER BY name")]
    where = {"audit_event": f'WHERE "entity" NOT IN ({", ".join(repr(e) for e in AUDIT_OF_THE_RESTORE)})'}
    return {table: sorted(repr(row) for row in database.execute_sql(
        f'SELECT * FROM "{table}" {where.get(table, "")}').fetchall()) for table in tables}


# --- the center of the next example boots while this one runs -------------------------------------------

_spare = None  # (root, CenterServer whose process is starting)


def _start_center_copy(template: Path):
    from tests.sync.harness import CenterServer, Process
    root = Path(tempfile.mkdtemp(prefix="tahun-kantor-"))
    shutil.copytree(template / "center", root / "center")
    marker = template / "center-database.txt"
    url = new_pg_database(template=marker.read_text().rsplit("/", 1)[1]) if marker.exists() else None
    server = CenterServer(root / "center", database_url=url)
    args = ["center", "--data", str(root / "center"), "--port", str(server.port)]
    server.process = Process(args + (["--database-url", url] if url else []), root / "center" / "server.log").start()
    return root, server


def _take_spare_center(template: Path):
    """This example's folder and center (started while the last example ran), and a new spare."""
    global _spare
    from tests.sync.harness import wait_for
    if _spare is None or _spare[2] != template:
        _drop_spare()
        _spare = (*_start_center_copy(template), template)
    root, server, _ = _spare
    _spare = (*_start_center_copy(template), template)
    # A state, not a time: the center up, however long two loaded test passes make its start (a CI run
    # waited past 60 s once); a center that died says why.
    try:
        wait_for(server.url + "/api/openapi.json", timeout=300)
    except TimeoutError:
        died = server.process.proc.poll()
        raise TimeoutError(f"center not up (exit code {died}): {server.process.log_path.read_text()[-2000:]}") from None
    return root, server


@atexit.register
def _drop_spare():
    global _spare
    if _spare is not None:
        _spare[1].kill()
        drop_pg_database(_spare[1].database_url)
        shutil.rmtree(_spare[0], ignore_errors=True)
        _spare = None
