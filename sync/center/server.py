"""The center's HTTP server: cheroot (CherryPy's WSGI server), where the offices keep waitress.

Waitress hands the app a request only once its whole body has arrived, so a packet cut by an
outage was lost whole. cheroot gives the app the body as it arrives (wsgi.input reads the
socket), which lets the center store a streamed packet's applications one by one (protocol 6,
sync/center/api.py). It is threaded, keeps connections alive between requests and answers
pipelined requests in order, and runs on Linux and Windows alike.
"""
import functools
import math
import random
import select
import socket

from cheroot import server as cheroot_server
from cheroot import wsgi

# Seconds without a byte before a connection (idle between requests, or stalled mid-body) is
# dropped: the kecamatan gives up a connection after 40 s without progress (sync/client/pipeline.py).
TIMEOUT_SECONDS = 60
MAX_HEADER_BYTES = 64 * 1024


class _WithoutServerHeader(list):
    """cheroot adds `Server: Cheroot/x.y` to every answer unless the app set one: each answer's
    head crosses the rural link, so it is left out (as waitress's `ident=""` did)."""

    def append(self, header):
        if header[0].lower() != b"server":
            super().append(header)


class _Request(cheroot_server.HTTPRequest):
    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.outheaders = _WithoutServerHeader()  # the WSGI gateway appends the app's headers to it


class _Connection(cheroot_server.HTTPConnection):
    RequestHandlerClass = _Request


# Set in the WSGI environ by a view whose request body will not be read to its end (a streamed
# packet cut by the link): the connection is closed after the answer instead of reading the rest,
# which on a dead link would hold the thread for another TIMEOUT_SECONDS.
CLOSE_AFTER_ANSWER = "loket.close_after_answer"


# In the WSGI environ: a function of a byte count that tells whether that many bytes of the request's body
# have arrived and wait to be read (cheroot's buffer, then the socket's), so a streamed packet stores
# what has arrived before it waits for more (sync/center/api.py).
BYTES_WAITING = "loket.bytes_waiting"


def bytes_waiting(connection, wanted: int) -> int:
    """How many of the next `wanted` bytes on `connection` (a cheroot HTTPConnection) have arrived, without
    reading them: peeked at, never waited for. 0 when the socket cannot be peeked at (TLS in cheroot)."""
    reader = connection.rfile  # cheroot's buffered reader (Python's own _pyio.BufferedReader)
    buffered = max(len(getattr(reader, "_read_buf", b"")) - getattr(reader, "_read_pos", 0), 0)
    if wanted <= buffered:
        return buffered
    try:
        if not select.select([connection.socket], [], [], 0)[0]:
            return buffered  # nothing more yet
        return buffered + len(connection.socket.recv(wanted - buffered, socket.MSG_PEEK))
    except (OSError, ValueError):  # reset or closed (the read that follows says so), or TLS (no peeking)
        return 0


class _Gateway(wsgi.Gateway_10):
    def get_environ(self):
        environ = super().get_environ()
        environ[BYTES_WAITING] = functools.partial(bytes_waiting, self.req.conn)
        return environ

    def start_response(self, status, headers, exc_info=None):
        if self.env.get(CLOSE_AFTER_ANSWER):
            self.req.close_connection = True
        return super().start_response(status, headers, exc_info)


# A pass begins with the signed probe (sync/client/transport.py): that is where a center with more
# connections waiting for a thread than this (per thread) tells the kecamatan to come back later,
# so the passes already going keep the threads and no packet crosses the link to be refused.
BUSY_WAITING_PER_THREAD = 2
PROBE_PATH = "/api/v1/probe"
# Seconds each waiting connection is taken to hold a thread for (a pass's packets, one after the
# other), for the Retry-After of a busy answer.
SECONDS_PER_WAITING = 2
BUSY_ANSWER = (b'{"error": "busy", "message": "pusat sedang sibuk melayani kecamatan lain; '
               b'sinkronisasi dicoba lagi otomatis"}')


class BusyGate:
    """In front of the center app: a probe that finds more than `limit` connections waiting for a
    thread is answered 503 "busy" with a Retry-After (seconds, spread by jitter so the refused
    passes do not all come back at once), before any database work."""

    def __init__(self, app, server, limit: int, threads: int):
        self.app, self.server, self.limit, self.threads = app, server, limit, threads

    def waiting(self) -> int:
        return self.server.requests.qsize

    def __call__(self, environ, start_response):
        waiting = self.waiting() if environ.get("PATH_INFO") == PROBE_PATH else 0
        if waiting <= self.limit:
            return self.app(environ, start_response)
        seconds = retry_after(waiting, self.threads)
        environ[CLOSE_AFTER_ANSWER] = True
        start_response("503 Service Unavailable", [("Content-Type", "application/json"),
                                                   ("Content-Length", str(len(BUSY_ANSWER))),
                                                   ("Retry-After", str(seconds)), ("Cache-Control", "no-store")])
        return [BUSY_ANSWER]


def retry_after(waiting: int, threads: int, rng=random) -> int:
    """Whole seconds to come back in: the queue's rough drain time, times 1 to 2 (jitter), 2..120."""
    return min(120, max(2, math.ceil(waiting / max(threads, 1) * SECONDS_PER_WAITING * rng.uniform(1, 2))))


def center_server(app, host: str, port: int, threads: int, max_body_bytes: int,
                  busy_after: int | None = None) -> wsgi.Server:
    """A cheroot server for the center app, not started (`.start()` blocks; `.prepare()` binds and
    `.serve()` runs, for a test's thread). `max_body_bytes`: larger bodies are refused before any
    byte of them is read. `busy_after`: connections waiting for a thread beyond which a new pass
    is told to come back later (BusyGate; default BUSY_WAITING_PER_THREAD per thread)."""
    server = wsgi.Server((host, port), app, numthreads=threads, timeout=TIMEOUT_SECONDS, request_queue_size=256)
    server.max_request_header_size, server.max_request_body_size = MAX_HEADER_BYTES, max_body_bytes
    server.ConnectionClass, server.gateway = _Connection, _Gateway
    # cheroot keeps at most 10 idle keep-alive connections by default and answers the rest with
    # "Connection: close": a kecamatan that had pipelined its next packets on such a connection
    # saw them cut (a broken pipe) whenever ten or more kecamatan synced at once. Idle
    # connections cost no thread (they wait in cheroot's selector) and time out after
    # TIMEOUT_SECONDS; the busy answer bounds how many passes are let in.
    server.keep_alive_conn_limit = None
    server.wsgi_app = BusyGate(app, server, BUSY_WAITING_PER_THREAD * threads if busy_after is None else busy_after,
                               threads)
    return server
