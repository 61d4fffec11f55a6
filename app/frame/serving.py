"""The office's HTTP server: waitress with limits set for an office, and a clear answer at the limit.

waitress stops accepting at `connection_limit` open connections, so the next browser waits in
the system's queue, silently, until one closes: with browsers keeping idle connections open for
`channel_timeout` (120 s by default) one of 100 parallel requests waited 139.5 s (issue 33). Here
idle connections are let go sooner, the limit is sized for an office, and a connection over the
limit is accepted and answered at once with a short Indonesian 503 ("try again in a moment"),
never left waiting.
"""
import queue
import socket
import threading
import time
from datetime import date

from waitress.server import BaseWSGIServer, create_server

# An office: ~10 PCs and the kiosk, a browser opens up to 6 connections to one server; the desa
# PCs and the phones scanning a receipt's QR come on top. Each open connection costs a socket only.
CONNECTION_LIMIT = 200
CHANNEL_TIMEOUT = 30  # seconds an idle kept-alive connection is held (waitress: 120)
RETRY_SECONDS = 5

BUSY_PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8"><title>Server sedang penuh</title>
<meta http-equiv="refresh" content="{retry}"></head><body><h1>Server kantor sedang penuh</h1>
<p>Terlalu banyak sambungan ke server kantor saat ini. Halaman ini akan dimuat ulang sendiri dalam
{retry} detik; bila tidak, tekan muat ulang. Tidak ada data yang hilang: bila Anda baru mengirim
formulir, formulir itu belum diterima, kirim lagi.</p></body></html>"""


def port_busy_message(host: str, port: int, program: str = "Loket Kecamatan") -> str:
    """What `run.py serve` and `run.py center` print, alone, when their port is taken."""
    return (f"Port {port} di {host} sudah dipakai program lain (mungkin {program} sudah berjalan); "
            f"buka alamatnya di peramban, atau jalankan dengan --port {port + 1}.")


def busy_answer() -> bytes:
    body = BUSY_PAGE.format(retry=RETRY_SECONDS).encode("utf-8")
    head = (f"HTTP/1.1 503 Service Unavailable\r\nContent-Type: text/html; charset=utf-8\r\n"
            f"Retry-After: {RETRY_SECONDS}\r\nCache-Control: no-store\r\nConnection: close\r\n"
            f"Content-Length: {len(body)}\r\n\r\n")
    return head.encode("ascii") + body


class Doorman:
    """A few threads that answer the connections over the limit, so the server's loop never waits
    on them; past `WAITING` of them at once, the next are closed without a word (a flood)."""
    WAITING = 256
    THREADS = 4
    PATIENCE = 0.3  # seconds for the request to arrive, and for the browser to read the answer

    def __init__(self):
        self.queue: queue.Queue = queue.Queue(self.WAITING)
        for number in range(self.THREADS):
            threading.Thread(target=self._run, name=f"loket-doorman-{number}", daemon=True).start()

    def take(self, connection) -> None:
        try:
            self.queue.put_nowait(connection)
        except queue.Full:
            connection.close()

    def _run(self) -> None:
        while True:
            connection = self.queue.get()
            try:
                connection.settimeout(self.PATIENCE)
                try:  # the request, read first: closing on unread bytes would reset the answer away
                    connection.recv(65536)
                except OSError:
                    pass
                connection.sendall(busy_answer())
                connection.shutdown(socket.SHUT_WR)
                connection.recv(1024)  # let the browser read it and close first
            except OSError:
                pass
            finally:
                connection.close()


class AnswersAtTheLimit:
    """Mixed into waitress's listening server: keep accepting, and past the limit answer 503."""

    def readable(self):
        super().readable()  # waitress's upkeep (idle channels closed) and its log of the limit
        return self.accepting

    def handle_accept(self):
        if len(self._map) < self.adj.connection_limit:
            return super().handle_accept()
        try:
            accepted = self.accept()
        except OSError:
            return
        if accepted is not None:
            self.doorman.take(accepted[0])


def create_office_server(app, connection_limit: int = CONNECTION_LIMIT, channel_timeout: int = CHANNEL_TIMEOUT,
                         **options):
    """waitress's create_server with the office's limits; every listening socket answers at the limit."""
    server = create_server(app, connection_limit=connection_limit, channel_timeout=channel_timeout, **options)
    for listener in [server, *getattr(server, "map", {}).values()]:
        if isinstance(listener, BaseWSGIServer) and not isinstance(listener, AnswersAtTheLimit):
            listener.__class__ = type(f"Office{type(listener).__name__}", (AnswersAtTheLimit, type(listener)), {})
            listener.doorman = Doorman()
    return server


# The sign-in page first: after a start it is the first page a clerk opens.
FIRST_PAGES = ("auth/login.html", "base.html", "core/dashboard.html")


def page_templates(app) -> list[str]:
    """Every page template of the program, the first pages a clerk opens first: the shared ones and those
    in the folder of one of its capabilities (templates/<package>/ for app.<package>); another program's
    pages need filters this one never registers (issue 83: a desa PC's warm-up stopped at the recap's)."""
    folders = {capability.split(".")[1] for capability in app.extensions["program"].capabilities}
    names = [n for n in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html"))
             if "/" not in n or n.split("/", 1)[0] in folders]
    return [*[n for n in FIRST_PAGES if n in names], *[n for n in names if n not in FIRST_PAGES]]


def _give_way(app) -> None:
    """Wait while a request of `app` is in flight (the count request_cycle keeps): start work that can
    wait never takes the slow core from the first clerk's page."""
    from app.frame.request_cycle import REQUESTS_IN_FLIGHT
    in_flight = app.extensions.get(REQUESTS_IN_FLIGHT)
    if in_flight is not None:
        in_flight.wait_idle(None)


def warm_up(app, templates: list[str] | None = None) -> threading.Thread:
    """What the first page after a start paid (issue 32: 0.7-1.2 s measured, 3.1 s profiled on a loaded
    PC): the templates compiled (0.8 s for the dashboard's three; default: page_templates, the sign-in
    page's first), a database connection opened and keyed, and the calendar package's country tables
    (1.9 s of imports on the first working-day count), done in a thread beside the server, so the
    first clerk meets a warm process. It runs once the server is listening and waits, before each step,
    while a request is in flight (issue 73: its ~0.5 s of CPU, a cold start's largest part, had made
    the sign-in page wait on a quarter of a core)."""
    def run():
        try:
            names = page_templates(app) if templates is None else templates
            first = [name for name in names if name in FIRST_PAGES]
            for name in first:
                _give_way(app)
                app.jinja_env.get_template(name)
            database = app.extensions.get("database")
            if database is not None:
                _give_way(app)
                with database.connection_context():  # kept in the pool: the first request takes it warm
                    database.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
            from app.frame.working_days import national_holidays
            this_year = date.today().year
            for year in (this_year, this_year - 1, this_year + 1):
                _give_way(app)
                national_holidays(year)
            for name in names:
                if name not in first:
                    _give_way(app)
                    app.jinja_env.get_template(name)
        except Exception:  # a page computes what is missing itself
            app.logger.exception("warm-up stopped")
    thread = threading.Thread(target=run, name="loket-warm-up", daemon=True)
    thread.start()
    return thread


QUIET_SECONDS = 2.0  # no request for this long after the first answer: the clerk's first pages are done
JOBS_AT_THE_LATEST = 60.0  # seconds after the start, when no one opens a page


def after_the_first_pages(app, then, quiet: float = QUIET_SECONDS, latest: float = JOBS_AT_THE_LATEST) -> threading.Thread:
    """Run `then` in a thread once the server has answered its first request and then had `quiet`
    seconds without one, or `latest` seconds after now if that comes first. `run.py serve` starts its
    background jobs so (the daily backup, the keys' hourly check, the update and the sync probe): on
    a slow PC they took the core from the first page after a start (issue 73). Nothing that
    protects the data waits here: the migrations, the keys and the recovery from a cut ran in
    create_app, before the server listened; the backup is a day's, made a minute later."""
    answered = threading.Event()
    last_answer = [time.monotonic()]

    @app.teardown_request
    def note_answer(_error=None):
        last_answer[0] = time.monotonic()
        answered.set()

    def run():
        deadline = time.monotonic() + latest
        if answered.wait(latest):
            from app.frame.request_cycle import REQUESTS_IN_FLIGHT
            in_flight = app.extensions.get(REQUESTS_IN_FLIGHT)
            while (left := deadline - time.monotonic()) > 0:
                if in_flight is not None and not in_flight.wait_idle(left):
                    break
                still = quiet - (time.monotonic() - last_answer[0])
                if still <= 0:
                    break
                time.sleep(min(still, max(deadline - time.monotonic(), 0)))
        try:
            then()
        except Exception:  # logged; the server goes on serving
            app.logger.exception("the background jobs did not start")
    thread = threading.Thread(target=run, name="loket-after-first-pages", daemon=True)
    thread.start()
    return thread
