"""Both ends really running: the center and the kecamatan as waitress subprocesses (SIGKILL-able),
plus in-process helpers that prepare their databases the way an admin would."""
import os
import re
import signal
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.ports import free_port
from tests.support.factory import kecamatan_row

ROOT = Path(__file__).resolve().parents[2]
KECAMATAN_CODE = "35.08.07"


class Process:
    """A `run.py` subprocess in its own process group, so SIGKILL takes all of it."""

    def __init__(self, args, log_path: Path, env: dict | None = None):
        self.args = [sys.executable, str(ROOT / "run.py"), *args]
        self.log_path = log_path
        self.env = env or {}  # added to this process's environment (e.g. a Windows-like console)
        self.proc = None

    def start(self):
        self.log = open(self.log_path, "ab")
        env = dict(os.environ, PYTHONUNBUFFERED="1", **self.env)
        self.proc = subprocess.Popen(self.args, cwd=ROOT, stdout=self.log, stderr=subprocess.STDOUT, env=env,
                                     start_new_session=True)
        return self

    def kill(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGKILL)
            self.proc.wait(10)

    def stop(self):
        if self.proc and self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(10)
            except subprocess.TimeoutExpired:
                self.kill()

    def wait(self, timeout=120) -> int:
        return self.proc.wait(timeout)


def wait_for(url: str, timeout: float = 30) -> None:
    deadline = time.time() + timeout
    while time.time() < deadline:
        try:
            if requests.get(url, timeout=2).status_code < 500:
                return
        except requests.RequestException:
            pass
        time.sleep(0.1)
    raise TimeoutError(f"{url} did not come up")


class ServedProgram:
    """A run.py server started as its own process (the subclass's start()); killed or stopped."""
    process = None
    port = None

    def _serve(self, args: list[str], log: Path, timeout: float) -> str:
        """Start `run.py *args` and wait for its own "berjalan di" line, printed once it listens on
        self.port (so what answers there is this program, not another test's); what it printed."""
        seen = log.stat().st_size if log.exists() else 0
        self.process = Process(args, log, env=self.env).start()
        deadline = time.time() + timeout
        while True:
            printed = log.read_bytes()[seen:].decode("utf-8", "replace")
            if f"berjalan di http://127.0.0.1:{self.port}/" in printed:
                return printed
            if self.process.proc.poll() is not None or time.time() > deadline:
                self.process.kill()
                raise RuntimeError(f"run.py {' '.join(args)} did not start:\n{printed[-3000:]}")
            time.sleep(0.1)

    def kill(self):
        self.process.kill()

    def stop(self):
        if self.process:
            self.process.stop()


class CenterServer(ServedProgram):
    def __init__(self, data_dir: Path, database_url: str | None = None, port: int | None = None,
                 threads: int | None = None, env: dict | None = None):
        self.data_dir, self.database_url, self.threads, self.env = data_dir, database_url, threads, env
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.process = None
        self.log_checked = 0  # how far check_log() read its log (a shared center's is read test by test)

    def start(self):
        args = ["center", "--data", str(self.data_dir), "--port", str(self.port)]
        if self.database_url:
            args += ["--database-url", self.database_url]
        if self.threads:
            args += ["--threads", str(self.threads)]
        self.data_dir.mkdir(parents=True, exist_ok=True)
        self._serve(args, self.data_dir / "server.log", timeout=60)
        return self

    def stop(self):
        """Stopped, and none of its writes or declared acts left without its trail (a real server only logs them)."""
        super().stop()
        self.check_log()

    def check_log(self):
        """None of the writes or declared acts it served since the last check left without its trail."""
        from sync.center.trail import ALARM
        log = self.data_dir / "server.log"
        if not log.exists():
            return
        with open(log, "rb") as file:
            file.seek(self.log_checked)
            printed = file.read()
        self.log_checked += len(printed)
        alarms = [line for line in printed.decode("utf-8", "replace").splitlines()
                  if ALARM in line or "tindakan tanpa catatan audit" in line]
        assert not alarms, "\n".join(alarms[:5])

    def running(self) -> bool:
        return bool(self.process and self.process.proc.poll() is None)


class OfficeServer(ServedProgram):
    """`python run.py serve [--mode desa]` on a fresh data folder, as the README starts it: the address
    and the one-time admin password are read from what it prints (into a log file, so a long run
    never fills a pipe and blocks the server)."""

    def __init__(self, data_dir: Path, mode: str = "kecamatan", port: int | None = None, env: dict | None = None):
        self.data_dir, self.mode, self.env = data_dir, mode, env
        self.port = port or free_port()
        self.url = f"http://127.0.0.1:{self.port}"
        self.password = None  # the one-time admin password of the first start
        self.process = None

    def start(self, timeout: float = 90):
        self.data_dir.mkdir(parents=True, exist_ok=True)
        log = self.data_dir.parent / f"{self.data_dir.name}-server.log"
        # The kecamatan as the README starts it (`run.py`, no subcommand); the desa laptop with its mode.
        mode = ["serve", "--mode", "desa"] if self.mode == "desa" else []
        printed = self._serve([*mode, "--data", str(self.data_dir), "--port", str(self.port)], log, timeout)
        found = re.search(r"kata sandi\s*:\s*(\S+)", printed)
        if found:
            self.password = found.group(1)
        return self


def prepare_center(data_dir: Path, database_url: str | None = None, kecamatan_code=KECAMATAN_CODE,
                   kecamatan_name="Yosowilangun", strict: bool = False):
    """Create the center database with one kecamatan and an operator; returns the app (`strict`: a test's,
    an act without its line refused) and the enrolment code."""
    from sync.center.app import create_center_app
    data_dir.mkdir(parents=True, exist_ok=True)
    # Without a URL, the center's own place (LOKET_CENTER_DATABASE_URL, as its server and `run.py release` read it)
    app = create_center_app({"DATA_DIR": data_dir, "TESTING": strict,
                             **({"DATABASE_URL": database_url} if database_url else {})})
    return app, first_rows(app, kecamatan_code, kecamatan_name)


def first_rows(app, kecamatan_code=KECAMATAN_CODE, kecamatan_name="Yosowilangun") -> str:
    """The kecamatan and the operator of prepare_center in the center's database; the enrolment code."""
    from sync.center import keys
    from sync.center.accounts import create_operator
    from sync.center.models import Kecamatan
    db = app.extensions["center_database"]
    with db.connection_context():
        kecamatan = (Kecamatan.get_or_none(Kecamatan.code == kecamatan_code)
                     or kecamatan_row(kecamatan_code, kecamatan_name))
        code = keys.new_enrolment_code(kecamatan)
        create_operator("operator", "Operator Uji", "operator", password="operator-rahasia-1",
                        must_change_password=False)
    return code


def schema_mark(app):
    """Which database `app`'s center holds: on PostgreSQL the database's own oid, another after a test made
    it anew (tests/support/center_postgres: a copy of the template, whose tables keep the template's oids)
    under a running center, or None when that drop cut the app's connection."""
    from sync.center.db import is_postgres
    db = app.extensions["center_database"]
    if not is_postgres(db):
        return "sqlite"  # its own file in the center's folder
    try:
        with db.connection_context():
            return db.execute_sql("SELECT oid FROM pg_database WHERE datname = current_database()").fetchone()[0]
    except Exception:  # noqa: BLE001 - a connection the drop cut (psycopg's OperationalError, through peewee)
        return None


def emptied(app) -> None:
    """The center database of `app` as a new one is once migrated: every row of every table gone, the
    schema's level kept, ids from 1 again; the trail-gap notes in its folder gone too."""
    from sync.center import sealed, trail
    from sync.center.db import center_database, is_postgres
    from app.frame.audit import GAPS_FILE
    db = app.extensions["center_database"]
    # The models' proxy and the sealing of personal data are the process's: pointed at this center again,
    # as create_center_app does (another test's center may have taken them).
    center_database.initialize(db)
    sealed.configure(sealed.load_server_key(app.config["DATA_DIR"]), seal_personal=is_postgres(db))
    with db.connection_context():
        tables = [name for name in db.get_tables() if name != "schema_migration"]
        with trail.no_ones_act("a test's center emptied for the next test"), db.atomic():
            if is_postgres(db):
                db.execute_sql("TRUNCATE %s RESTART IDENTITY CASCADE" % ", ".join(f'"{name}"' for name in tables))
            else:
                db.execute_sql("PRAGMA defer_foreign_keys = ON")  # rows of each other: checked at the commit
                for name in tables:
                    db.execute_sql(f'DELETE FROM "{name}"')
    (Path(app.config["DATA_DIR"]) / GAPS_FILE).unlink(missing_ok=True)


def started_center(folder: Path, kind: str = "sqlite") -> CenterServer:
    """A running center of its own in `folder` (strict audit), on SQLite or the test PostgreSQL made anew, with
    prepare_center's kecamatan, operator and enrolment code."""
    from tests.sync.helpers import center_database_url
    url = center_database_url(kind)
    app, code = prepare_center(folder, url, strict=True)
    server = CenterServer(folder, database_url=url).start()
    server.enrolment_code, server.app, server.schema_mark = code, app, schema_mark(app)
    return server


class SharedCenters:
    """The running centers of a test module, one per database ("sqlite", "postgresql"), handed to each test
    emptied (emptied(): no test sees another's rows) with prepare_center's kecamatan, operator and a new
    enrolment code: the migrations and the process start paid once per module. give_back() reads the log
    the center wrote during the test (CenterServer.check_log: an alarm fails that test); a center the test
    stopped or killed, or whose PostgreSQL database another test reset, is dropped and the next test gets a
    new one."""

    def __init__(self, folders):
        self.folders, self.servers = folders, {}  # folders(): a new folder for a center (tmp_path_factory)

    def take(self, kind: str = "sqlite") -> CenterServer:
        server = self.servers.get(kind)
        if server and schema_mark(server.app) != server.schema_mark:
            self.drop(kind)
        elif server:
            emptied(server.app)
            server.enrolment_code = first_rows(server.app)
            return server
        server = self.servers[kind] = started_center(self.folders() / "center", kind)
        return server

    def give_back(self, server: CenterServer) -> None:
        if server.running():
            server.check_log()
        else:
            self.drop(next(kind for kind, held in self.servers.items() if held is server))

    def drop(self, kind: str) -> None:
        server = self.servers.pop(kind)
        try:
            server.stop()
        finally:
            server.app.extensions["center_database"].close_all()

    def stop(self) -> None:
        for kind in list(self.servers):
            self.drop(kind)


def kecamatan_app(data_dir: Path, public_status: bool = False, strict: bool = False):
    """The transport's tests count applications on the wire: the public status records (issue 28,
    tests/sync/test_public_status.py, test_client.py) ride along only when asked. `strict`: a test's
    office, a write or an act without its line refused (else only logged, as at an office)."""
    from app import create_app
    return create_app({"DATA_DIR": data_dir, "SECRET_KEY": "kecamatan-test", "PUBLIC_STATUS": public_status,
                       "TESTING": strict})


def fill_kecamatan(kec_app, count: int, photo_size=(240, 320), first: int | None = None,
                   kecamatan_code: str = KECAMATAN_CODE) -> list[str]:
    """`count` complete applications with photos, each made complete through `transition`.

    Person n gets name, NIK and photo from n (the NIK first issued in this kecamatan, so two
    kecamatan never share a person); `first` picks other people than the default. The applicants
    live in the kecamatan's first desa (the center refuses a desa of another one)."""
    from app.frame.dates import utc_now
    from app.frame.db import database
    from app.registration.models import Application
    from app.registration.status import ApplicationStatus as S, transition
    from app.frame import regions, store
    from app.frame import numbering
    from app.registration.records import current_prefix
    from tests.support.factory import application_photo_row, application_row, noisy_photo_jpeg, person_name, person_nik
    if "service_days" not in store.DEFAULTS:  # declared by the registration views once they are wired in
        store.register_defaults(service_days=12)
    numbers = []
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        with database.atomic():
            store.put("kecamatan_code", kecamatan_code)
            store.put("kecamatan_name", regions.region_name(kecamatan_code) or "Yosowilangun")
        desa_code = regions.desa_of(kecamatan_code)[0].code
        start = first if first is not None else Application.select().count() + 1
        outer = database.atomic()  # one commit for the whole batch; each application is a savepoint
        outer.__enter__()
        for n in range(start, start + count):
            photo = noisy_photo_jpeg(n, photo_size)
            now = utc_now()
            with database.atomic():
                application = application_row(
                    n, now, S.RECEIVED.value, registration_number=numbering.next_number(current_prefix()),
                    nik=person_nik(n, kecamatan_code.replace(".", "")), full_name=person_name(n),
                    address="Dusun Krajan", desa_code=desa_code)
                application_photo_row(application, photo, photo_size, now)
                transition(application, S.COMPLETE, note="lengkap")
            numbers.append(application.registration_number)
        outer.__exit__(None, None, None)
    return numbers


def enrol_kecamatan(kec_app, center_url: str, code: str, link_url: str | None = None,
                    kecamatan_code: str = KECAMATAN_CODE, as_the_page_does: bool = False):
    """Enrol against the center; `link_url` (a proxy in front of it) is what later syncs use.
    `as_the_page_does`: the sync page's whole enrolment (the center's clock checked, its signed probe,
    what capabilities fetch once enrolled), so a bench's passes are those of a PC enrolled from it."""
    from app.frame.db import database
    from sync.client import enrolment
    from sync.client.models import SyncLink
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        if as_the_page_does:
            from app.sync_page.enrolment import enrol_this_pc
            made = enrol_this_pc(center_url, code, kecamatan_code, "01")
        else:
            made = enrolment.enrol(center_url, kecamatan_code, code, "01")
        if link_url:
            with database.atomic():
                SyncLink.update(center_url=link_url).where(SyncLink.id == made.id).execute()
