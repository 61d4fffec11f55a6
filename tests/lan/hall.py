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

    python -m tests.lan.hall HOST PORT SOURCE...
        a program of its own (in a visitor's network namespace, tests/lan/test_lan_capture.py): each SOURCE
        address holds 10 idle, 2 slow, 2 half and 2 shaken connections; prints "ready" once all are made,
        then for each line read from stdin prints how many of them are open, let go and answered (JSON)
"""
import json
import select
import socket
import ssl
import sys
import time
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
                try:
                    if held.first:
                        held.sock.send(held.first)
                except OSError:  # refused or let go already: state() says so
                    pass
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
        except OSError:  # refused or let go: state() says so
            held.done = True

    def answered(self) -> list[Held]:
        """The connections the office answered or closed: bytes or the end to read (the office's handshake
        messages to a half or shaken one are the handshake's, not an answer)."""
        return [held for held in self.held if state(held) != "open"]

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


def state(held: Held) -> str:
    """"open" (nothing from the office), "closed" (let go: its end or a reset) or "answered" (bytes of a
    response). The office's own handshake messages to a half or shaken one are the handshake's, not an answer."""
    try:
        if held.tls is not None:
            return "answered" if held.tls.recv(1) else "closed"
        if held.kind == "half":
            while held.sock.recv(65536):
                pass
            return "closed"
        readable, _, _ = select.select([held.sock], [], [], 0)
        if not readable:
            return "open"
        return "answered" if held.sock.recv(1, socket.MSG_PEEK) else "closed"
    except (ssl.SSLWantReadError, BlockingIOError, InterruptedError):
        return "open"
    except OSError:
        return "closed"


def closed_by_the_office(sock: socket.socket) -> bool:
    """The office ended this connection (its end read, or a reset); False while it is open and silent."""
    readable, _, _ = select.select([sock], [], [], 0)
    if not readable:
        return False
    try:
        return sock.recv(1) == b""
    except (ConnectionResetError, ConnectionAbortedError):
        return True


if __name__ == "__main__":
    host, port, sources = sys.argv[1], int(sys.argv[2]), sys.argv[3:]
    hall = Hall(host, port)
    for source in sources:
        hall.device(source, idle=10, slow=2, half=2, shaken=2)
    deadline = time.monotonic() + 60  # the test's hang guard: its connections made within this
    while not hall.step():
        if time.monotonic() > deadline:
            raise SystemExit("the hall's connections were not all made")
        time.sleep(0.02)
    print("ready", flush=True)
    for _line in sys.stdin:
        states = [state(held) for held in hall.held]
        print(json.dumps({"held": len(hall.held), "idle": sum(held.kind == "idle" for held in hall.held),
                          **{name: states.count(name) for name in ("open", "closed", "answered")}}), flush=True)
