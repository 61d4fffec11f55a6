"""The trusted program's walk of a candidate version (issue 69): the verdict on a release is never
the candidate's own word.

The candidate is a command of the candidate's own run.py, `check-server` (app/programs/office_commands.py):
on a COPY of an office's database it creates one throwaway account per role, serves on 127.0.0.1 and
writes a ready file ({"port", "version", "accounts": [{"role", "username", "password"}]}); given
`--lan-host`, it serves the LAN's TLS listener there too, as `serve` does, and the ready file names
its port and CA ("lan_port", "lan_ca"). Everything
else happens here, in the program already trusted (an office's running version or its launcher, the
regency laptop's installed one): the candidate is started as a process of its own group, signed in
through its real sign-in form over HTTP, "/" and the pages linked from it (two levels, a budget of
requests) are opened, and every answer's status is judged here. The release build walks the
candidate in its sandbox as a counter reaches the office PC (issue 88 finding 7): over the LAN
listener, TLS checked against the candidate's CA for the office's address, from a LAN address. A 5xx, a sign-in that does not lead
to a signed-in page, a role missing or no page at all is a failure; a candidate that never became
ready, ran out of time or broke the connection before any page answered is `interrupted` (a power
cut, a full disk, a slow PC: tried again, not the release's fault). What the candidate prints, writes
besides its port and accounts, or exits with decides nothing.

This module imports no capability of the office app: the laptop's release build uses it too."""
import json
import os
import re
import shutil
import signal
import subprocess
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path
from urllib.parse import urldefrag, urlsplit

from sync.bounded_answer import read_at_most

MAX_REQUESTS = 300
MAX_FAILED_LISTED = 20
MAX_PAGE_BYTES = 4 * 1024 * 1024  # a page read further is a page that never ends: what was read is judged
MAX_READY_BYTES = 64 * 1024
REQUEST_SECONDS = 60  # one page of a slow office PC on a migrated copy
READY_FILE = "siap.json"
LOG_FILE = "kandidat.log"
LOG_TAIL = 2000
SIGN_IN_PATH = "/masuk"
SIGNED_IN_MARK = 'action="/keluar"'  # the sign-out form: on every page of a signed-in account only
LINK = re.compile(r'\b(href|hx-get)="(/[^"]*)"')
CSRF = re.compile(r'name="csrf_token"[^>]*value="([^"]+)"')
# Pages the walk does not open, by path: leaving, static files, whole downloads (a backup, a USB batch).
SKIPPED_PATHS = re.compile(r"^/(static/|keluar$|admin/cadangan/[^/]+\.sqlite3$|sinkronisasi/ekspor/)")
NOT_ANSWERED = 0  # a page's "status" when it never answered (timed out, the connection broke)


@dataclass
class Verdict:
    """The walk's result: pages opened, pages failed [(url, status)], and why it was cut short, when
    it was (`interrupted`: no verdict on the release)."""
    pages: int = 0
    failed: list[tuple[str, int]] = field(default_factory=list)
    interrupted: str | None = None

    def fail(self, url: str, status: int) -> None:
        if all(url != seen for seen, _ in self.failed):  # one line per page, whichever role met it
            self.failed.append((url, status))

    @property
    def passed(self) -> bool:
        return self.pages > 0 and not self.failed and not self.interrupted

    def failed_urls(self) -> list[str]:
        return [url for url, _ in self.failed[:MAX_FAILED_LISTED]]


def pattern(url: str) -> str:
    """Links that differ only in their numbers are one page to the walk."""
    return re.sub(r"\d+", "#", url)


def links(page: str) -> list[str]:
    """Same-site links of a page (href and hx-get), in order, without the ones the walk does not open."""
    found = []
    for _, raw in LINK.findall(page):
        url = urldefrag(raw.replace("&amp;", "&"))[0]
        if url and not url.startswith("//") and not SKIPPED_PATHS.match(urlsplit(url).path):
            found.append(url)
    return found


# Escape sequences (ESC [ ... letter, ESC ] ... BEL or ST, ESC and one more) and every other control
# character but a tab and a line break: a candidate's words must not clear the admin's screen.
CONTROL = re.compile(r"\x1b\[[0-?]*[ -/]*[@-~]|\x1b\][^\x07\x1b]*(?:\x07|\x1b\\)?|\x1b.?|[\x00-\x08\x0b-\x1f\x7f-\x9f]")


def printable(text: str) -> str:
    """A candidate's text (its output, a link it served) as it may reach the admin's terminal: a
    carriage return is a line break, control sequences are gone (issue 88 finding 6)."""
    return CONTROL.sub("", (text or "").replace("\r\n", "\n").replace("\r", "\n"))


def summary(verdict: Verdict) -> str:
    """The failing pages, as the admin and the release build read them."""
    listed = ", ".join(f"{url} ({f'HTTP {status}' if status else 'tidak menjawab'})"
                       for url, status in verdict.failed[:MAX_FAILED_LISTED])
    more = len(verdict.failed) - MAX_FAILED_LISTED
    return printable(listed) + (f" dan {more} lainnya" if more > 0 else "")


# --- the candidate as a process ------------------------------------------------------------------

def on_windows() -> bool:
    return os.name == "nt"


# Set in the candidate's environment: its stdin is a pipe only this walking program holds the other end of.
# However this program ends (a kill of its process group, a power cut of the launcher, Windows' End task),
# the system closes that end and the candidate reads the end of the file at once (office_commands.
# _stop_with_parent): the candidate, in a group of its own, never outlives its walker (issue 94, finding 6).
WALKER_PIPE_ENV = "LOKET_WALKER_PIPE"


def start(command: list[str], env: dict, work_dir: Path) -> subprocess.Popen:
    """The candidate in its own process group (Windows: its own console group), its output in a file
    of `work_dir` (a pipe nobody reads would stop it), its stdin the walker's lifeline (WALKER_PIPE_ENV)."""
    group = ({"creationflags": subprocess.CREATE_NEW_PROCESS_GROUP} if on_windows()
             else {"start_new_session": True})
    with open(Path(work_dir) / LOG_FILE, "wb") as log:
        # The pipe's end kept here is never inherited (subprocess makes it so on both systems): a serving
        # child the launcher starts later does not hold the candidate alive.
        return subprocess.Popen(command, env=dict(env, **{WALKER_PIPE_ENV: "stdin"}), cwd=str(work_dir),
                                stdin=subprocess.PIPE, stdout=log, stderr=subprocess.STDOUT, **group)


def stop(process: subprocess.Popen) -> None:
    """The candidate and everything it started, at once (a copy of the data is all it had)."""
    if on_windows():
        try:  # /T: the tree, the server's own children too
            subprocess.run(["taskkill", "/F", "/T", "/PID", str(process.pid)], stdout=subprocess.DEVNULL,
                           stderr=subprocess.DEVNULL, timeout=60)
        except (OSError, subprocess.TimeoutExpired):
            pass
    else:
        try:  # the group: what the candidate started goes too (its server stops at once on TERM)
            os.killpg(process.pid, signal.SIGTERM)
        except (ProcessLookupError, PermissionError):
            pass
    try:
        process.kill()  # the candidate itself, whatever it does with TERM
        process.wait(timeout=60)
    except (OSError, subprocess.TimeoutExpired):
        pass
    if process.stdin:
        process.stdin.close()  # the lifeline's end: a candidate that outlived the kill reads its end


def log_tail(work_dir: Path) -> str:
    """The end of what the candidate printed: for the log, never for the verdict."""
    try:
        with open(Path(work_dir) / LOG_FILE, "rb") as log:
            log.seek(max(0, log.seek(0, os.SEEK_END) - LOG_TAIL))
            return printable(log.read(LOG_TAIL).decode("utf-8", "replace"))
    except OSError:
        return ""


def _parsed(path: Path):
    """The ready file's JSON once it is whole; None until then (absent, half written, too long)."""
    try:
        with open(path, "rb") as ready:
            text = ready.read(MAX_READY_BYTES + 1)
        return json.loads(text) if len(text) <= MAX_READY_BYTES else None
    except (OSError, ValueError):
        return None


def _port(value) -> bool:
    return type(value) is int and 0 < value < 65536


def _as_contracted(value, lan: bool = False) -> bool:
    """The ready file says a port and accounts as the contract has them (`lan`: and its LAN listener's
    port and CA)."""
    if not isinstance(value, dict) or not _port(value.get("port")):
        return False
    if lan and not (_port(value.get("lan_port")) and isinstance(value.get("lan_ca"), str)):
        return False
    accounts = value.get("accounts")
    return isinstance(accounts, list) and all(
        isinstance(one, dict) and all(isinstance(one.get(key), str) for key in ("role", "username", "password"))
        for one in accounts)


def wait_ready(process: subprocess.Popen, ready_file: Path, deadline: float, lan: bool = False) -> dict | str | Verdict:
    """The ready file's content; why the candidate never became ready (a str: interrupted); or, for a
    whole file that is not what the contract says (`lan`: with its LAN listener), the candidate's
    failure (a Verdict)."""
    while True:
        # Read once and judge that reading: a file read absent, then read again once the candidate had
        # written it, was judged "not as contracted" and the good release refused for good (a CI run).
        ready = _parsed(ready_file)
        if ready is not None:
            if _as_contracted(ready, lan):
                return ready
            return Verdict(failed=[("(berkas siap versi baru tidak sesuai: port" + (", port LAN dan sertifikatnya"
                                    if lan else "") + " dan akun pemeriksa)", NOT_ANSWERED)])
        code = process.poll()
        if code is not None:
            return f"versi baru berhenti (kode {code}) sebelum siap diperiksa"
        if time.monotonic() > deadline:
            return "versi baru belum siap diperiksa dalam batas waktunya"
        time.sleep(0.2)


def walk_candidate(command: list[str], env: dict, work_dir: Path, seconds: float, roles=(),
                   version: str | None = None, max_requests: int = MAX_REQUESTS, through: Path | None = None) -> Verdict:
    """Start `command` (a candidate's `run.py check-server ... --ready-file work_dir/siap.json`), walk
    it over HTTP, stop it with its whole tree; the verdict is this function's own. `roles`: those the
    trusted program knows for the candidate's program, each must have its account; `version`: the one
    the candidate must say it is. `seconds` bounds the whole check. `through`: the unix socket of the
    relay of a candidate in its sandbox (sync/release/candidate_sandbox.py), the only way to its LAN listener: the walk
    then comes as a counter's browser does (`command` serves with --lan-host candidate_sandbox.OFFICE_ADDRESS)."""
    deadline = time.monotonic() + seconds
    work_dir = Path(work_dir)
    (work_dir / READY_FILE).unlink(missing_ok=True)
    try:
        process = start(command, env, work_dir)
    except OSError as problem:  # the program could not be started at all (a full disk, a missing file)
        return Verdict(interrupted=f"versi baru tidak dapat dijalankan ({type(problem).__name__}: {problem})")
    try:
        ready = wait_ready(process, work_dir / READY_FILE, deadline, lan=through is not None)
        if isinstance(ready, str):
            return Verdict(interrupted=ready)
        if isinstance(ready, Verdict):
            return ready
        if through is None:
            return _walk(ready, roles, version, deadline, max_requests, _Door(f"http://127.0.0.1:{ready['port']}"))
        from sync.release.candidate_sandbox import OFFICE_ADDRESS, Bridge
        try:
            bridge = Bridge(through)
        except OSError as problem:  # a link or a file in the relay socket's place: the candidate's doing
            return Verdict(failed=[(f"(soket versi baru tidak dapat dipakai: {type(problem).__name__})", NOT_ANSWERED)])
        trusted = Path(tempfile.mkdtemp(prefix="loket-ca-"))  # the walker's own folder: none of the candidate's
        try:
            (trusted / "ca-kandidat.pem").write_text(ready["lan_ca"], "ascii", errors="replace")
            door = _Door(f"https://127.0.0.1:{bridge.port}", f"{OFFICE_ADDRESS}:{ready['lan_port']}",
                         trusted / "ca-kandidat.pem")
            return _walk(ready, roles, version, deadline, max_requests, door)
        finally:
            bridge.close()
            shutil.rmtree(trusted, ignore_errors=True)
    finally:
        stop(process)


# --- the walk over HTTP --------------------------------------------------------------------------

class _Broken(Exception):
    """The candidate stopped answering in the middle of the walk; `transient`: out of time (a slow or
    busy PC), not a page's fault; `certificate`: its TLS was refused (a counter's browser refuses it
    too), the candidate's fault even before any page."""

    def __init__(self, message: str, transient: bool, certificate: bool = False):
        super().__init__(message)
        self.transient, self.certificate = transient, certificate


@dataclass
class _Door:
    """Where the walk's requests go (`base`) and, when it comes as a counter does, the office PC's
    address and LAN port it asks for (`host`: the Host header and the name the certificate must
    carry) and the candidate's CA the counters trust (`ca`, a file of the walker's)."""
    base: str
    host: str = ""
    ca: Path | None = None

    @property
    def origin(self) -> str:
        """What a browser names as the page's origin (its Referer on the sign-in form)."""
        return f"https://{self.host}" if self.host else self.base

    def netlocs(self) -> tuple[str, ...]:
        return ("", urlsplit(self.base).netloc, self.host)

    def session(self):
        import requests
        session = requests.Session()
        session.trust_env = False  # no proxy of the PC's between the walk and the candidate
        if self.host:
            session.headers["Host"] = self.host
            session.verify = str(self.ca)
            session.mount("https://", _counter_adapter(self.host.rsplit(":", 1)[0]))
        return session


def _counter_adapter(name: str):
    """requests' adapter whose TLS connections check the certificate for `name` (the office PC's
    address, as a counter's browser types it), wherever the connection goes (the bridge)."""
    from requests.adapters import HTTPAdapter

    class AsCounter(HTTPAdapter):
        def init_poolmanager(self, *args, **kwargs):
            super().init_poolmanager(*args, server_hostname=name, **kwargs)
    return AsCounter()


@dataclass
class _Walker:
    """One throwaway account's session, the pages it opens first, the links it found on them."""
    session: object
    role: str
    first: list[str] = field(default_factory=list)
    later: list[str] = field(default_factory=list)
    seen: set = field(default_factory=set)


def _walk(ready: dict, roles, version, deadline: float, max_requests: int, door: _Door) -> Verdict:
    verdict = Verdict()
    if version is not None and ready.get("version") != version:
        verdict.fail(f"(versi yang berjalan: {str(ready.get('version'))[:64]}, bukan {version})", NOT_ANSWERED)
    missing = sorted(set(roles) - {account["role"] for account in ready["accounts"]})
    for role in missing:
        verdict.fail(f"(akun pemeriksa peran {role} tidak ada)", NOT_ANSWERED)
    walkers = []
    try:
        for account in ready["accounts"]:
            walker = _Walker(door.session(), account["role"])
            home = _sign_in(walker, door, account, verdict, deadline)
            if home is not None:
                walker.first = [url for url in links(home) if pattern(url) != pattern("/")]
                walker.seen = {pattern("/"), *map(pattern, walker.first)}
                walkers.append(walker)
        for walker in walkers:
            for url in walker.first:
                if verdict.pages >= max_requests:
                    break
                for link in links(_open(walker.session, door, url, verdict, deadline) or ""):
                    if pattern(link) not in walker.seen:
                        walker.seen.add(pattern(link))
                        walker.later.append(link)
        # The second level, one link of each account in turn, so a small budget still reaches every role.
        while verdict.pages < max_requests and any(walker.later for walker in walkers):
            for walker in walkers:
                if walker.later and verdict.pages < max_requests:
                    _open(walker.session, door, walker.later.pop(0), verdict, deadline)
    except _Broken as problem:
        if problem.transient or verdict.pages == 0 and not problem.certificate:  # out of time, or no page yet
            return Verdict(pages=verdict.pages, interrupted=str(problem))
        verdict.fail(str(problem)[:300], NOT_ANSWERED)  # a page that broke the server's connection
    finally:
        for walker in walkers:
            walker.session.close()
    if verdict.pages == 0 and not verdict.failed:
        verdict.fail("(tidak ada halaman terbuka)", NOT_ANSWERED)
    return verdict


def _sign_in(walker: _Walker, door: _Door, account: dict, verdict: Verdict, deadline: float) -> str | None:
    """The real sign-in form, as a browser sends it (its Referer too: over TLS the form is refused
    without); "/" as the account sees it then, or None (failed)."""
    where = f"{SIGN_IN_PATH} ({account['role']})"
    form = _get(walker.session, door.base + SIGN_IN_PATH, verdict, deadline)
    if form.status != 200:
        verdict.fail(where, form.status)
        return None
    token = CSRF.search(form.text)
    answer = _request(walker.session, "POST", door.base + SIGN_IN_PATH, verdict, deadline, data={
        "csrf_token": token.group(1) if token else "", "username": account["username"],
        "password": account["password"], "next": ""}, headers={"Referer": door.origin + SIGN_IN_PATH})
    if answer.status >= 400 or urlsplit(answer.location).path == SIGN_IN_PATH:
        verdict.fail(where, answer.status if answer.status >= 400 else 401)
        return None
    home = _open(walker.session, door, "/", verdict, deadline)
    if home is None or SIGNED_IN_MARK not in home:
        if home is not None:
            verdict.fail(where, 401)  # "/" answered, but not to a signed-in account
        return None
    return home


@dataclass
class _Answer:
    status: int
    text: str = ""
    location: str = ""
    html: bool = False


def _request(session, method: str, url: str, verdict: Verdict, deadline: float, **options) -> _Answer:
    """One request, its answer read up to MAX_PAGE_BYTES; counted as a page."""
    import requests
    left = deadline - time.monotonic()
    if left <= 0:
        raise _Broken("waktu pemeriksaan habis", transient=True)
    verdict.pages += 1
    try:
        with session.request(method, url, allow_redirects=False, stream=True,
                             timeout=(min(10, left), min(REQUEST_SECONDS, left)), **options) as answer:
            body = read_at_most(answer, MAX_PAGE_BYTES, stop=lambda: time.monotonic() > deadline)
            text = body[:MAX_PAGE_BYTES].decode(answer.encoding or "utf-8", "replace")
            return _Answer(answer.status_code, text, answer.headers.get("Location", ""),
                           answer.headers.get("Content-Type", "").startswith("text/html"))
    except requests.RequestException as problem:
        verdict.pages -= 1
        if isinstance(problem, requests.exceptions.SSLError):
            raise _Broken(f"{urlsplit(url).path} (sertifikat TLS kantor ditolak, seperti di PC loket)", transient=False,
                          certificate=True) from None
        raise _Broken(f"{urlsplit(url).path} tidak menjawab ({type(problem).__name__})",
                      transient=isinstance(problem, requests.Timeout)) from None


def _get(session, url: str, verdict: Verdict, deadline: float) -> _Answer:
    return _request(session, "GET", url, verdict, deadline)


def _open(session, door: _Door, url: str, verdict: Verdict, deadline: float) -> str | None:
    """One GET (an htmx fragment's address too: asked plainly, it answers its page); a redirect within
    the site is followed once. Returns the page's HTML, None for anything else."""
    answer = _get(session, door.base + url, verdict, deadline)
    target = urlsplit(answer.location)
    if 300 <= answer.status < 400 and target.netloc in door.netlocs() and target.path.startswith("/"):
        url = target._replace(scheme="", netloc="").geturl()
        answer = _get(session, door.base + url, verdict, deadline)
    if answer.status >= 500:
        verdict.fail(url, answer.status)
        return None
    return answer.text if answer.html and answer.status < 400 else None
