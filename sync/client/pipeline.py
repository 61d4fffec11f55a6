"""One persistent connection to the center with the packets pipelined on it (HTTP/1.1, RFC 9112 9.3).

The kecamatan writes packet after packet without waiting for their answers; the center answers
them in order on the same connection. So one TCP connection carries the whole upload, as a
single rsync stream would: the link never idles while the center commits a packet, TCP never
restarts slow start after an idle pause, and a loss is recovered inside one busy stream instead
of at the tail of a lone request. Each request is an ordinary signed request and each answer an
ordinary signed answer (CenterClient.signed_headers / verified), so the center needs nothing
special, and an answer that does not come is just a packet to send again (the center answers
"duplicate" for what it had already committed).

One thread sends and reads everything: `send` returns once the bytes are in the kernel's send buffer, which
keeps the link busy while the engine waits for the oldest answer. No other thread reads or writes
the socket: the stall watch only reads the kernel's view of it, and shuts it down to move.
A connection is given up after IDLE_SECONDS without progress either way (no byte taken into the
send buffer while writing, no byte of an answer while reading), never for being slow. A connection
given up is reset, not closed: see Pipeline.close. A connection stalled in TCP's retransmission
back-off is left for a fresh one as soon as one connects (sync/client/stall.py).
"""
import http.client
import os
import select
import socket
import ssl
import struct
import time
from collections import deque
from urllib.parse import urlsplit

import certifi

from sync import protocol
from sync.client import stall
from sync.client.in_flight import InFlightCap
from sync.client.link_down import LinkDown, MovedOn, unreachable


def linger_reset(os_name: str = os.name) -> bytes:
    """SO_LINGER on, 0 s: close() resets. struct linger is two ints on POSIX, two u_shorts on
    Windows (winsock2.h): each OS gets the layout its own headers declare."""
    return struct.pack("HH" if os_name == "nt" else "ii", 1, 0)


CONNECT_SECONDS = 5.0  # a fresh connection after an outage gets through within a SYN retry or two
# No byte either way for this long while answers are due: the link is down. Not less: after a
# short flap TCP resends on its backed-off timer (1, 3, 7, 15 s ... after the stall began), and
# a writer wakes only when a third of its buffer is free, so a 10 s flap can show 20-25 s
# without progress on a connection that recovers; given up, the packet cut mid-way went again.
IDLE_SECONDS = 40.0


class _Unclosable:
    """http.client closes the file it read an answer from; the next answers are in it too."""

    def __init__(self, stream):
        self._stream = stream

    def __getattr__(self, name):
        return getattr(self._stream, name)

    def close(self):
        pass


class _Answers:
    """What http.client.HTTPResponse wants of a socket: a file to read from (ours, shared)."""

    def __init__(self, stream):
        self._stream = stream

    def makefile(self, *args, **kwargs):
        return _Unclosable(self._stream)


def answer_from(stream, method: str = "POST") -> tuple[http.client.HTTPResponse, bytes]:
    """The next answer on a connection and its body, read from `stream`, the connection's one reader
    (`sock.makefile("rb")`): a reader made per answer, as http.client makes one, keeps whatever of a
    pipelined next answer it has read ahead, and that answer never comes."""
    response = http.client.HTTPResponse(_Answers(stream), method=method)
    response.begin()
    content = response.read(protocol.MAX_ANSWER_BYTES + 1)
    if len(content) > protocol.MAX_ANSWER_BYTES:  # a broken or hostile far end: the connection is done
        raise http.client.HTTPException(f"jawaban lebih dari {protocol.MAX_ANSWER_BYTES} bita")
    return response, content


def _tls(session) -> ssl.SSLContext:
    """The certificate checks the requests session makes: its `verify`, or the CA bundle named in
    the environment (REQUESTS_CA_BUNDLE, CURL_CA_BUNDLE), or certifi's."""
    verify = getattr(session, "verify", True)
    if verify is True and getattr(session, "trust_env", True):
        verify = os.environ.get("REQUESTS_CA_BUNDLE") or os.environ.get("CURL_CA_BUNDLE") or True
    if verify is False:
        context = ssl.create_default_context()
        context.check_hostname, context.verify_mode = False, ssl.CERT_NONE
        return context
    path = verify if isinstance(verify, str) else certifi.where()
    return ssl.create_default_context(capath=path) if os.path.isdir(path) else ssl.create_default_context(cafile=path)


def open_socket(client, timeout: float):
    """A fresh connection to the center, ready for requests (TLS where the URL says https)."""
    url = urlsplit(client.base_url)
    port = url.port or (443 if url.scheme == "https" else 80)
    sock = socket.create_connection((url.hostname, port), timeout=timeout)
    try:
        sock.setsockopt(socket.IPPROTO_TCP, socket.TCP_NODELAY, 1)
        if url.scheme == "https":
            sock = _tls(client.session).wrap_socket(sock, server_hostname=url.hostname)
    except BaseException:
        sock.close()
        raise
    return sock


def interrupt(sock, os_name: str = os.name) -> None:
    """End the calls another thread is blocked in on `sock`. Linux wakes them on shutdown (a close
    would not wake a poll). Winsock documents that a call blocked on a socket another thread
    closes fails at once, and says nothing of shutdown; so on Windows the socket is also reset and
    closed (the waiting call then fails, and later ones on the closed socket fail at once)."""
    try:
        sock.shutdown(socket.SHUT_RDWR)
    except OSError:
        pass
    if os_name == "nt":
        try:
            sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_reset(os_name))
        except OSError:
            pass
        sock.close()


SPARE_SECONDS = 20.0  # a fresh connection the stall watch made is used within this, or closed


def take_spare(client):
    """The fresh connection the stall watch left for the pass, if it is still fresh."""
    spare, client.spare = client.spare, None
    if spare is None:
        return None
    sock, made_at = spare
    if time.monotonic() - made_at <= SPARE_SECONDS:
        return sock
    sock.close()
    return None


def discard_spare(client) -> None:
    spare, client.spare = client.spare, None
    if spare is not None:
        spare[0].close()


class Pipeline:
    """Signed requests written back to back on one connection; answers read back in order."""

    depth = 3  # packets written ahead of the oldest unanswered one

    def __init__(self, client, connect_seconds: float = CONNECT_SECONDS, idle_seconds: float = IDLE_SECONDS,
                 read_state=None):
        self.client = client
        url = urlsplit(client.base_url)
        self.host, self.prefix = url.netloc, url.path.rstrip("/")
        try:
            sock = take_spare(client) or open_socket(client, connect_seconds)
            sock.settimeout(idle_seconds)
        except (OSError, ValueError) as problem:
            client.counters.failures += 1
            raise unreachable(problem) from None
        self.sock = sock
        self.answers = sock.makefile("rb")
        self.waiting = deque()  # the ticket (signed_headers) of each request written, oldest first
        self.broken = False
        self.closing = False  # an answer said the center closes the connection after it
        self.answered = 0  # answers read whole on it
        self.moved = False  # the stall watch moved the pass to a fresh connection (move_to)
        read_state = read_state or stall.read_state
        self.watch = stall.StallWatch(sock, lambda seconds: open_socket(client, seconds), self.move_to, read_state,
                                      cap=self.in_flight_cap()).start() if read_state else None

    def in_flight_cap(self) -> InFlightCap:
        """A fresh connection starts with the send buffer the last one ended with: the link is the
        same, and slow start would otherwise fill the link's queue before the first measurement."""
        cap = InFlightCap(on_set=self.set_send_buffer)
        if self.client.send_buffer:
            cap.set(self.client.send_buffer)
        return cap

    def set_send_buffer(self, size: int) -> None:
        try:
            self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, size)
            self.client.send_buffer = size
        except OSError:  # closed meanwhile: the watch's next reading ends it
            pass

    def move_to(self, fresh) -> None:
        """The stall watch's move (under its lock): the fresh connection waits for the pass's next
        step (take_spare), and this one is shut down, so the call waiting on it ends with MovedOn."""
        self.moved = True
        self.client.counters.moves += 1
        self.client.spare = (fresh, time.monotonic())
        interrupt(self.sock)

    def _failed(self, problem: Exception) -> LinkDown:
        self.broken = True
        if self.moved:
            return MovedOn()
        self.client.counters.failures += 1
        return unreachable(problem)

    def send(self, method: str, path: str, body: bytes, content_type: str, nonce: str | None = None) -> tuple:
        """Write one signed request; returns its place in `waiting` (the engine reads the answers
        of the requests it wrote ahead of packets when they are the oldest)."""
        headers, ticket = self.client.signed_headers(method, path, body, content_type, nonce)
        lines = [f"{method} {self.prefix}{path} HTTP/1.1", f"Host: {self.host}"]
        if body or method != "GET":  # a GET without a body says nothing of its length (RFC 9110 8.6)
            lines.append(f"Content-Length: {len(body)}")
        lines += [f"{name}: {value}" for name, value in headers.items()]
        try:
            self._write(("\r\n".join(lines) + "\r\n\r\n").encode("latin-1") + body)
        except OSError as problem:
            raise self._failed(problem) from None
        self.waiting.append(ticket)
        return ticket

    def _write(self, data: bytes) -> None:
        """sendall, but the idle time bounds each step of progress, not the whole packet: on a slow
        or lossy link a packet may take longer than that to drain into a small send buffer."""
        view = memoryview(data)
        while view:
            taken = self.sock.send(view)
            self.client.handed(taken)  # the clerk's bar moves as the link drains, not once a packet
            view = view[taken:]

    def receive(self) -> bytes:
        """The oldest request's verified answer; LinkDown when it does not come whole (the
        connection is then useless: every request still waiting must be sent again)."""
        ticket = self.waiting.popleft()
        try:
            response, content = answer_from(self.answers)
        except (OSError, http.client.HTTPException) as problem:
            raise self._failed(problem) from None
        self.closing = self.closing or response.will_close
        self.answered += 1
        return self.client.verified(ticket, response.status, response.headers, content)

    def reusable(self) -> bool:
        """Can the pass's next request go on this connection? Not when it broke, the center said it
        closes it, or it has closed it meanwhile (with nothing due, anything to read is its end)."""
        if self.broken or self.closing:
            return False
        try:
            readable, _, _ = select.select([self.sock], [], [], 0)
        except (OSError, ValueError):
            return False
        return not readable or bool(self.waiting)

    def close(self) -> None:
        """A connection given up with requests unanswered is reset (SO_LINGER 0), not closed: a
        plain close leaves the kernel delivering every byte still in its send buffer (up to `depth`
        packets) once the link is back, the center commits those packets, and the engine is already
        sending them again on a fresh connection: each such packet crossed the link twice and took
        the link's time from the fresh connection. A reset drops them here and tells the center to
        drop the part it holds."""
        if self.watch is not None:
            self.watch.stop()
        if self.broken or self.waiting:
            try:
                self.sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, linger_reset())
            except OSError:
                pass
        for closable in (self.answers, self.sock):
            try:
                closable.close()
            except OSError:
                pass


class OneAtATime:
    """The same interface, one request at a time through the client's session (no pipelining)."""

    depth = 1
    closing = False  # each request is on its own through the session: no connection to be closed after it
    answered = 0  # each request on its own: none carried before the upload's own

    def __init__(self, client):
        self.client = client
        self.waiting = deque()

    def send(self, method: str, path: str, body: bytes, content_type: str, nonce: str | None = None) -> tuple:
        request = (method, path, body, content_type, nonce)
        self.waiting.append(request)
        return request

    def receive(self) -> bytes:
        return self.client.call_alone(*self.waiting.popleft())

    def reusable(self) -> bool:
        return True

    def close(self) -> None:
        self.waiting.clear()
