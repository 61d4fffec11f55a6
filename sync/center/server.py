"""The center's HTTP server: cheroot (CherryPy's WSGI server), where the offices keep waitress.

Waitress hands the app a request only once its whole body has arrived, so a packet cut by an
outage was lost whole. cheroot gives the app the body as it arrives (wsgi.input reads the
socket), which lets the center store a streamed packet's applications one by one (protocol 6,
sync/center/api.py). It is threaded, keeps connections alive between requests and answers
pipelined requests in order, and runs on Linux and Windows alike.
"""
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


class _Gateway(wsgi.Gateway_10):
    def start_response(self, status, headers, exc_info=None):
        if self.env.get(CLOSE_AFTER_ANSWER):
            self.req.close_connection = True
        return super().start_response(status, headers, exc_info)


def center_server(app, host: str, port: int, threads: int, max_body_bytes: int) -> wsgi.Server:
    """A cheroot server for the center app, not started (`.start()` blocks; `.prepare()` binds and
    `.serve()` runs, for a test's thread). `max_body_bytes`: larger bodies are refused before any
    byte of them is read."""
    server = wsgi.Server((host, port), app, numthreads=threads, timeout=TIMEOUT_SECONDS, request_queue_size=64)
    server.max_request_header_size, server.max_request_body_size = MAX_HEADER_BYTES, max_body_bytes
    server.ConnectionClass, server.gateway = _Connection, _Gateway
    return server
