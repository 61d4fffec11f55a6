"""The pass's connection stuck in TCP's retransmission back-off, and a fresh connection to move to.

After a flap the link is back long before the connection notices. A segment lost in the outage is
sent again on TCP's doubling timer (RTO, 3 RTO, 7 RTO ... after the stall began), so a 10 s outage
can leave the link idle for several seconds more, whatever the application does on that connection
(issue 32: the flapping link's goal). The kernel tells when that is happening: bytes in flight,
none acknowledged for a while, and a retransmission timer that has fired since the last progress.
A busy center does not look like that: its kernel acknowledges what its program has not read yet,
and a full receive window leaves nothing in flight.

So while the connection is stalled that way, a fresh connection is tried every ATTEMPT_EVERY
seconds, each attempt given ATTEMPT_SECONDS (a round trip and more), so they overlap: the first SYN
sent after the link came back connects, a quarter of a second after it at most. Once one connects,
the path is back; if the old connection has still heard nothing, the pass moves
to the fresh one (pipeline.Pipeline.move_to): the center has kept each item that arrived whole, and
the manifest after the move finds them. The same readings keep the connection's send buffer to what
the link holds (sync/client/in_flight.py), so an outage finds little in flight. Where the OS says
nothing of its connections' state, there is no watch and the connection waits for TCP as before.
"""
import ctypes
import logging
import os
import queue
import socket
import struct
import sys
import threading
import time
from dataclasses import dataclass

from sync.client.in_flight import InFlightCap

log = logging.getLogger(__name__)

STALL_SECONDS = 2.0  # nothing acknowledged for this long, with a timer fired: look for a fresh connection
ATTEMPT_SECONDS = 1.0  # one connection attempt (a SYN lost in the outage is not waited on longer)
ATTEMPT_EVERY = 0.25  # a fresh attempt this often while the connection is stalled, beside the others
WATCH_EVERY = 0.25  # how often the connection's state is read


@dataclass(frozen=True)
class TcpState:
    """What the watch reads of a connection: how much is sent and not acknowledged (segments on
    Linux, bytes on Windows), the bytes acknowledged so far, a count that grows when a
    retransmission timer fires, and the least round trip seen (microseconds; 0: not known)."""
    in_flight: int
    acked: int
    timeouts: int
    min_rtt_us: int = 0


# --- the kernel's view, per OS -----------------------------------------------------------------

# struct tcp_info (linux/include/uapi/linux/tcp.h): tcpi_backoff at 4 (the retransmission timer's
# back-off exponent, 0 again once an ACK makes progress), tcpi_unacked at 24, tcpi_rtt at 68,
# tcpi_bytes_acked at 120 (Linux 4.2), tcpi_min_rtt at 148 (Linux 4.6).
_LINUX_TCP_INFO_BYTES = 152
_LINUX_WITH_BYTES_ACKED = 128


def linux_state(sock) -> TcpState | None:
    try:
        raw = sock.getsockopt(socket.IPPROTO_TCP, socket.TCP_INFO, _LINUX_TCP_INFO_BYTES)
    except (OSError, ValueError):
        return None
    if len(raw) < _LINUX_WITH_BYTES_ACKED:  # a kernel older than 4.2 has no tcpi_bytes_acked
        return None
    # Before Linux 4.6 there is no least round trip: the smoothed one stands in for it.
    min_rtt_us = struct.unpack_from("=I", raw, 148 if len(raw) >= _LINUX_TCP_INFO_BYTES else 68)[0]
    return TcpState(in_flight=struct.unpack_from("=I", raw, 24)[0], acked=struct.unpack_from("=Q", raw, 120)[0],
                    timeouts=raw[4], min_rtt_us=min_rtt_us)


class TcpInfoV0(ctypes.Structure):
    """TCP_INFO_v0 (mstcpip.h, Windows 10 1703 and later), as SIO_TCP_INFO fills it. ULONG is 32
    bits on Windows, so the fields are declared by width, not as c_ulong."""
    _fields_ = [("State", ctypes.c_int32), ("Mss", ctypes.c_uint32), ("ConnectionTimeMs", ctypes.c_uint64),
                ("TimestampsEnabled", ctypes.c_ubyte), ("RttUs", ctypes.c_uint32), ("MinRttUs", ctypes.c_uint32),
                ("BytesInFlight", ctypes.c_uint32), ("Cwnd", ctypes.c_uint32), ("SndWnd", ctypes.c_uint32),
                ("RcvWnd", ctypes.c_uint32), ("RcvBuf", ctypes.c_uint32), ("BytesOut", ctypes.c_uint64),
                ("BytesIn", ctypes.c_uint64), ("BytesReordered", ctypes.c_uint32), ("BytesRetrans", ctypes.c_uint32),
                ("FastRetrans", ctypes.c_uint32), ("DupAcksIn", ctypes.c_uint32), ("TimeoutEpisodes", ctypes.c_uint32),
                ("SynRetrans", ctypes.c_ubyte)]


SIO_TCP_INFO = 0xD8000027  # _WSAIORW(IOC_VENDOR, 39)


def windows_tcp_state(info: TcpInfoV0) -> TcpState:
    """Acknowledged bytes: what went out, less what went out again and what is still in flight. If
    BytesOut leaves the resends out, this falls while TCP resends; the watch counts only a rise as
    progress, so either reading works."""
    return TcpState(in_flight=info.BytesInFlight,
                    acked=max(info.BytesOut - info.BytesRetrans - info.BytesInFlight, 0),
                    timeouts=info.TimeoutEpisodes, min_rtt_us=info.MinRttUs)


_wsa_ioctl = None


def windows_state(sock) -> TcpState | None:
    global _wsa_ioctl
    try:
        if _wsa_ioctl is None:
            from ctypes import wintypes
            function = ctypes.WinDLL("ws2_32").WSAIoctl
            function.argtypes = [ctypes.c_size_t, wintypes.DWORD, ctypes.c_void_p, wintypes.DWORD, ctypes.c_void_p,
                                 wintypes.DWORD, ctypes.POINTER(wintypes.DWORD), ctypes.c_void_p, ctypes.c_void_p]
            function.restype = ctypes.c_int
            _wsa_ioctl = function
        version, info, returned = ctypes.c_uint32(0), TcpInfoV0(), ctypes.c_uint32(0)
        failed = _wsa_ioctl(sock.fileno(), SIO_TCP_INFO, ctypes.byref(version), ctypes.sizeof(version),
                            ctypes.byref(info), ctypes.sizeof(info), ctypes.byref(returned), None, None)
    except (OSError, AttributeError, ValueError):  # no ws2_32 (not Windows), a closed socket
        return None
    if failed or returned.value < ctypes.sizeof(info):  # before Windows 10 1703: no SIO_TCP_INFO
        return None
    return windows_tcp_state(info)


def state_reader(os_name: str = os.name, platform: str = sys.platform):
    """The function that reads a connection's TcpState on this OS, or None where there is none."""
    if os_name == "nt":
        return windows_state
    if platform.startswith("linux") and hasattr(socket, "TCP_INFO"):
        return linux_state
    return None


read_state = state_reader()


# --- the watch ------------------------------------------------------------------------------------

class StallWatch:
    """Watches one connection from a thread of its own. `read(sock)` is the OS's reader
    (read_state); `connect(timeout)` makes a fresh connection (or raises OSError); `move(fresh)`
    hands it over and ends the old one (under the watch's lock, so never after stop()). Each reading
    also keeps the send buffer to what the link holds (`cap`). The watch ends with the move, at
    stop(), or when the state cannot be read any more (the connection is closed)."""

    def __init__(self, sock, connect, move, read, stall_seconds: float = STALL_SECONDS,
                 attempt_seconds: float = ATTEMPT_SECONDS, attempt_every: float = ATTEMPT_EVERY,
                 every: float = WATCH_EVERY, clock=time.monotonic, cap: InFlightCap | None = None):
        self.sock, self.connect, self.move = sock, connect, move
        self.read = read
        self.stall_seconds, self.attempt_seconds, self.attempt_every = stall_seconds, attempt_seconds, attempt_every
        self.every, self.clock = every, clock
        self.cap = cap
        self.stopped = threading.Event()
        self.lock = threading.Lock()
        self.best_acked, self.progress_at, self.timeouts_then = -1, clock(), 0

    def start(self) -> "StallWatch":
        threading.Thread(target=self.run, name="stall-watch", daemon=True).start()
        return self

    def stop(self) -> None:
        with self.lock:
            self.stopped.set()

    def run(self) -> None:
        try:
            while not self.stopped.wait(self.every):
                state = self.read(self.sock)
                if state is None or self.stopped.is_set():
                    return
                if self.cap is not None:
                    self.cap.observe(state.acked, state.min_rtt_us / 1e6, self.clock())
                if self.stalled(state) and self.move_when_fresh_connects():
                    return
        except Exception:  # a watch that fails leaves the connection to TCP, as without one
            log.exception("stall watch stopped")

    def progressed(self, state: TcpState) -> bool:
        """Note progress (bytes acknowledged, or nothing in flight); True when there was some."""
        if state.acked > self.best_acked or state.in_flight == 0:
            self.best_acked = max(self.best_acked, state.acked)
            self.progress_at, self.timeouts_then = self.clock(), state.timeouts
            return True
        return False

    def stalled(self, state: TcpState) -> bool:
        if self.progressed(state):
            return False
        return self.clock() - self.progress_at >= self.stall_seconds and state.timeouts > self.timeouts_then

    def move_when_fresh_connects(self) -> bool:
        """Fresh connection attempts, a new one every `attempt_every` beside those still trying,
        until one connects (then the move, True) or the old connection makes progress or closes
        (False). Whatever connects after that is closed."""
        attempts = _Attempts(self.connect, self.attempt_seconds)
        try:
            while not self.stopped.is_set():
                attempts.start_one()
                fresh = attempts.connected(self.attempt_every)
                state = self.read(self.sock)
                if state is None or self.progressed(state):  # closed, or TCP got through on its own meanwhile
                    _close(fresh)
                    return False
                if fresh is not None:
                    with self.lock:
                        if self.stopped.is_set():
                            _close(fresh)
                            return True
                        log.info("connection stalled in TCP back-off; moving to a fresh connection")
                        self.move(fresh)
                        return True
            return False
        finally:
            attempts.abandon()


class _Attempts:
    """Connection attempts running side by side, each in a thread of its own."""

    def __init__(self, connect, seconds: float):
        self.connect, self.seconds = connect, seconds
        self.results = queue.Queue()
        self.lock = threading.Lock()
        self.abandoned = False

    def start_one(self) -> None:
        threading.Thread(target=self.attempt, name="fresh-connection", daemon=True).start()

    def attempt(self) -> None:
        try:
            sock = self.connect(self.seconds)
        except OSError:
            return
        with self.lock:
            if not self.abandoned:
                self.results.put(sock)
                return
        _close(sock)

    def connected(self, wait: float):
        """The first connection that connected within `wait` seconds, or None."""
        try:
            return self.results.get(timeout=wait) if wait > 0 else self.results.get_nowait()
        except queue.Empty:
            return None

    def abandon(self) -> None:
        """No more are wanted: those that connected are closed, and those that will."""
        with self.lock:
            self.abandoned = True
        while (sock := self.connected(0)) is not None:
            _close(sock)


def _close(sock) -> None:
    if sock is not None:
        try:
            sock.close()
        except OSError:
            pass
