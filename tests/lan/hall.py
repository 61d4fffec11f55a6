"""The hall on the office's Wi-Fi (issue 90): visitors' devices holding connections to the LAN port that
never become a request. Used by tests/lan/test_lan_hall.py and bench/bench_lan_hall.py.

Each device is a source address on loopback (127.0.0.N: Linux and Windows route all of 127/8 to loopback)
and holds connections of these kinds:
- idle: connected, says nothing;
- slow: one byte (a plain request's "G", or a TLS record's first byte), then nothing;
- half: a whole ClientHello, then nothing (a handshake left half-way);
- shaken: a finished TLS handshake, then no request.
Every socket is non-blocking: `step()` moves each one on (its connect done, its bytes sent, its handshake
on) and says whether all are where they stay, so a test waits for the state, never for a time.
"""
import select
import socket
import ssl
from dataclasses import dataclass

KINDS = ("idle", "slow", "half", "shaken")


def _client_hello(context: ssl.SSLContext) -> bytes:
    """A real ClientHello, made by the standard library's client in memory (no socket)."""
    incoming, outgoing = ssl.MemoryBIO(), ssl.MemoryBIO()
    tls = context.wrap_bio(incoming, outgoing, server_hostname="kantor.local")
    try:
        tls.do_handshake()
    except ssl.SSLWantReadError:
        pass
    return outgoing.read()


def _any_server() -> ssl.SSLContext:
    """What a visitor's script is: a client that trusts anything (it never gets as far as a request)."""
    context = ssl.SSLContext(ssl.PROTOCOL_TLS_CLIENT)
    context.check_hostname = False
    context.verify_mode = ssl.CERT_NONE
    return context


@dataclass
class Held:
    kind: str
    source: str
    sock: socket.socket
    first: bytes = b""
    tls: ssl.SSLSocket | None = None
    done: bool = False


class Hall:
    def __init__(self, host: str, port: int):
        self.target = (host, port)
        self.held: list[Held] = []
        self.context = _any_server()

    def connect(self, source: str) -> socket.socket:
        sock = socket.socket(socket.AF_INET, socket.SOCK_STREAM)
        sock.bind((source, 0))
        sock.setblocking(False)
        sock.connect_ex(self.target)  # EINPROGRESS (or WSAEWOULDBLOCK): step() sees it done
        return sock

    def device(self, source: str, idle: int = 0, slow: int = 0, half: int = 0, shaken: int = 0) -> list[Held]:
        """One visitor's device at `source`, opening its connections (none waited for here)."""
        made = []
        for kind, count in (("idle", idle), ("slow", slow), ("half", half), ("shaken", shaken)):
            for n in range(count):
                first = {"slow": b"G" if n % 2 == 0 else b"\x16", "half": _client_hello(self.context)}.get(kind, b"")
                made.append(Held(kind, source, self.connect(source), first))
        self.held += made
        return made

    def step(self) -> bool:
        """Each connection moved on as far as it goes now; True when every one is where it stays."""
        for held in self.held:
            if held.done:
                continue
            if held.kind == "shaken":
                self._shake(held)
                continue
            _, writable, _ = select.select([], [held.sock], [], 0)
            if writable:
                if held.first:
                    held.sock.send(held.first)
                held.done = True
        return all(held.done for held in self.held)

    def _shake(self, held: Held) -> None:
        try:
            if held.tls is None:
                _, writable, _ = select.select([], [held.sock], [], 0)
                if not writable:
                    return
                held.tls = self.context.wrap_socket(held.sock, do_handshake_on_connect=False)
            held.tls.do_handshake()
            held.done = True
        except (ssl.SSLWantReadError, ssl.SSLWantWriteError):
            pass

    def answered(self) -> list[Held]:
        """The connections the office answered or closed: bytes or the end to read (the office's handshake
        messages to a half or shaken one are the handshake's, not an answer)."""
        return [held for held in self.held if _answered(held)]

    def keep_up(self) -> int:
        """Each connection the office let go (or answered) replaced by a new one of its kind from its device:
        a visitor's script that keeps the hall full. Returns how many were replaced."""
        gone = self.answered()
        for held in gone:
            (held.tls or held.sock).close()
            self.held.remove(held)
            self.device(held.source, **{held.kind: 1})
        self.step()
        return len(gone)

    def close(self) -> None:
        for held in self.held:
            (held.tls or held.sock).close()
        self.held = []


def _answered(held: Held) -> bool:
    if held.kind == "half":  # the office's own handshake flight is its due: only the end counts
        try:
            while held.sock.recv(65536):
                pass
            return True
        except (BlockingIOError, InterruptedError):
            return False
        except OSError:
            return True
    if held.tls is None:
        readable, _, _ = select.select([held.sock], [], [], 0)
        return bool(readable)
    try:
        held.tls.recv(1)
    except ssl.SSLWantReadError:
        return False
    except (OSError, ssl.SSLError):
        return True
    return True


def closed_by_the_office(sock: socket.socket) -> bool:
    """The office ended this connection (its end read, or a reset); False while it is open and silent."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, ConnectionAbortedError):
        return True
