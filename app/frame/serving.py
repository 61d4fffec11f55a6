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


FIRST_PAGES = ("base.html", "core/dashboard.html", "auth/login.html")


def page_templates(app, skip: tuple[str, ...] = ("center/",)) -> list[str]:
    """Every page template of the program, the first pages a clerk opens first."""
    names = [n for n in app.jinja_env.list_templates(filter_func=lambda name: name.endswith(".html"))
             if not n.startswith(skip)]
    return [*[n for n in FIRST_PAGES if n in names], *[n for n in names if n not in FIRST_PAGES]]


def warm_up(app, templates: list[str] | None = None) -> threading.Thread:
    """What the first page after a start paid (issue 32: 0.7-1.2 s measured, 3.1 s profiled on a loaded
    PC): the calendar package's country tables (1.9 s of imports on the first working-day count),
    the templates compiled (0.8 s for the dashboard's three; default: page_templates) and a
    database connection opened and keyed, done in a thread beside the server starting, so the first
    clerk meets a warm process."""
    def run():
        try:
            from app.frame.working_days import national_holidays
            this_year = date.today().year
            for year in (this_year, this_year - 1, this_year + 1):
                national_holidays(year)
            database = app.extensions.get("database")
            if database is not None:
                with database.connection_context():  # kept in the pool: the first request takes it warm
                    database.execute_sql("SELECT count(*) FROM sqlite_master").fetchone()
            for name in page_templates(app) if templates is None else templates:
                app.jinja_env.get_template(name)
        except Exception:  # a page computes what is missing itself
            app.logger.exception("warm-up stopped")
    thread = threading.Thread(target=run, name="loket-warm-up", daemon=True)
    thread.start()
    return thread
