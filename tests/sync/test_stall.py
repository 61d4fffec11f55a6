"""A connection stalled in TCP's retransmission back-off is left for a fresh one (issue 32).

On the flapping link (down 10 s every 60 s) the outage cost about 15 s instead of 10: a segment
lost in it goes again on TCP's doubling timer, so the link idled for seconds after it was back
(docs/benchmarks.md as of 8fbf717, "How the link got here": flapping at 1.134x the floor). The kernel's view of
the connection (sync/client/stall.py) tells that stall from a busy center; a fresh connection that
connects shows the link is back, and the pass moves to it.
"""
import math
import select
import socket
import threading
import time
from pathlib import Path

import pytest

from sync.client import engine, pipeline, stall
from sync.client.transport import CenterClient
from tests.sync.invariants import assert_each_at_center_once, kecamatan_statuses
from tests.sync.test_pipeline import served_center  # noqa: F401  (fixture)
from tests.sync.harness import enrol_kecamatan, fill_kecamatan, kecamatan_app
from tests.support.waiting import wait_until


# --- the kernel's view ----------------------------------------------------------------------------

@pytest.mark.skipif(stall.state_reader() is not stall.linux_state, reason="Linux's TCP_INFO")
def test_linux_tells_bytes_acknowledged_nothing_in_flight_and_the_round_trip_on_a_live_connection():
    listener = socket.create_server(("127.0.0.1", 0))
    sender = socket.create_connection(listener.getsockname())
    receiver, _ = listener.accept()
    try:
        before = stall.linux_state(sender)
        sender.sendall(bytes(200_000))
        got = 0
        while got < 200_000:
            got += len(receiver.recv(65536))
        deadline = time.monotonic() + 5
        while (after := stall.linux_state(sender)).in_flight and time.monotonic() < deadline:
            time.sleep(0.01)
    finally:
        for s in (sender, receiver, listener):
            s.close()
    assert before.timeouts == 0 and after.timeouts == 0
    assert after.in_flight == 0
    assert after.acked - before.acked >= 200_000
    assert 0 < after.min_rtt_us < 100_000  # loopback: measured, well under 100 ms (sync/client/in_flight.py)
    assert stall.linux_state(sender) is None  # closed: the watch ends


def test_windows_tcp_info_is_laid_out_as_mstcpip_h_declares_it():
    """SIO_TCP_INFO's TCP_INFO_v0 on 64-bit Windows: ULONG is 32 bits there (c_ulong is 64 here)."""
    info = stall.TcpInfoV0
    offsets = {name: getattr(info, name).offset for name, _ in info._fields_}
    assert stall.ctypes.sizeof(info) == 88
    assert (offsets["Mss"], offsets["ConnectionTimeMs"], offsets["TimestampsEnabled"], offsets["RttUs"]) == (4, 8, 16, 20)
    assert (offsets["BytesInFlight"], offsets["BytesOut"], offsets["BytesIn"]) == (28, 48, 56)
    assert (offsets["BytesRetrans"], offsets["TimeoutEpisodes"], offsets["SynRetrans"]) == (68, 80, 84)
    raw = bytearray(88)
    raw[28:32] = (3000).to_bytes(4, "little")  # in flight
    raw[48:56] = (100_000).to_bytes(8, "little")  # out
    raw[68:72] = (1448).to_bytes(4, "little")  # sent again
    raw[80:84] = (2).to_bytes(4, "little")  # timeout episodes
    state = stall.windows_tcp_state(info.from_buffer_copy(bytes(raw)))
    assert state == stall.TcpState(in_flight=3000, acked=100_000 - 1448 - 3000, timeouts=2)


def test_each_os_gets_its_own_reader_and_one_without_any_gets_no_watch():
    assert stall.state_reader("nt", "win32") is stall.windows_state
    assert stall.state_reader("posix", "linux") is stall.linux_state
    assert stall.state_reader("posix", "darwin") is None
    with socket.socket() as sock:
        assert stall.windows_state(sock) is None  # not Windows (or before 1703): no state, no watch


# --- the watch's rule -------------------------------------------------------------------------

class Clock:
    def __init__(self):
        self.now = 100.0

    def __call__(self):
        return self.now


def watch_over(states, clock, connect=None, moves=None):
    reads = iter(states)
    return stall.StallWatch(object(), connect or (lambda seconds: object()),
                            (moves if moves is not None else []).append,
                            read=lambda sock: next(reads), clock=clock, every=0)


def test_nothing_acknowledged_with_a_timer_fired_is_a_stall():
    clock = Clock()
    watch = watch_over([], clock)
    assert not watch.stalled(stall.TcpState(in_flight=10, acked=5000, timeouts=0))
    clock.now += 1.0
    assert not watch.stalled(stall.TcpState(in_flight=10, acked=5000, timeouts=1))  # too soon
    clock.now += 1.5
    assert watch.stalled(stall.TcpState(in_flight=10, acked=5000, timeouts=1))


def test_a_busy_center_is_not_a_stall():
    """Its kernel acknowledges what its program has not read; a full window leaves nothing in flight."""
    clock = Clock()
    watch = watch_over([], clock)
    for step in range(60):
        clock.now += 1
        assert not watch.stalled(stall.TcpState(in_flight=0, acked=5000, timeouts=step))


def test_no_progress_before_any_timer_fired_is_not_a_stall():
    """TCP has not backed off yet: its own retransmission comes within a round trip or two."""
    clock = Clock()
    watch = watch_over([], clock)
    watch.stalled(stall.TcpState(in_flight=10, acked=5000, timeouts=0))
    clock.now += 30
    assert not watch.stalled(stall.TcpState(in_flight=10, acked=5000, timeouts=0))


def test_the_watch_tries_until_a_fresh_connection_connects_then_moves():
    clock, attempts, moves = Clock(), [], []

    def connect(seconds):
        attempts.append(seconds)
        clock.now += seconds
        if len(attempts) < 3:
            raise OSError("the link is still down")
        return "fresh"
    stalled = stall.TcpState(in_flight=10, acked=5000, timeouts=1)
    watch = watch_over([stalled] * 3, clock, connect, moves)
    watch.progressed(stall.TcpState(in_flight=10, acked=5000, timeouts=0))
    assert watch.move_when_fresh_connects()
    assert attempts == [stall.ATTEMPT_SECONDS] * 3 and moves == ["fresh"]


def test_a_connection_that_recovers_while_the_fresh_one_connects_is_kept():
    clock, moves, closed = Clock(), [], []

    class Fresh:
        def close(self):
            closed.append(self)
    watch = watch_over([stall.TcpState(in_flight=10, acked=9000, timeouts=0)], clock, lambda s: Fresh(), moves)
    watch.progressed(stall.TcpState(in_flight=10, acked=5000, timeouts=0))
    assert not watch.move_when_fresh_connects()
    assert moves == [] and len(closed) == 1


def test_attempts_overlap_so_the_first_syn_after_the_outage_connects():
    """An attempt whose SYN the outage took waits out its time; the next one, started a tenth of a
    second later, connects as soon as the link is back. Those that connect after the move are closed."""
    outage_over, calls, closed, ran_out = threading.Event(), [], [], []

    class Fresh:
        def close(self):
            closed.append(self)

    def connect(seconds):
        calls.append(seconds)
        if len(calls) <= 2:  # sent in the outage: no answer within its time (the test ends it after the move)
            if not outage_over.wait(seconds):
                ran_out.append(seconds)
            raise OSError("timed out")
        time.sleep(0.05)  # the handshake's round trip
        return Fresh()
    moves = []
    stalled = stall.TcpState(in_flight=10, acked=5000, timeouts=1)
    watch = stall.StallWatch(object(), connect, moves.append, read=lambda sock: stalled, every=0,
                             attempt_seconds=30.0, attempt_every=0.1)
    watch.progressed(stall.TcpState(in_flight=10, acked=5000, timeouts=0))
    assert watch.move_when_fresh_connects()
    # Moved while both lost attempts were still waiting out their 30 s: one at a time (or a new one
    # only when the last gave up) would have let them run out first.
    assert len(moves) == 1 and ran_out == []
    outage_over.set()
    wait_until(lambda: not any(thread.name == "fresh-connection" for thread in threading.enumerate()),
               what="every connection attempt to end")
    assert moves[0] not in closed and len(closed) == len(calls) - 3  # every other that connected


# --- a whole pass through a connection that goes dark -----------------------------------------

class DarkRelay:
    """A TCP relay to the center whose first connection goes dark after `after` bytes upward: it
    neither reads nor forwards any more, as a connection whose segments a flap took (here the
    kernel still acknowledges, so the test tells the watch what the kernel would: `state`).
    The next connections relay normally. Counts the dark connection reset by the kecamatan."""

    def __init__(self, center_port: int, after: int):
        self.listener = socket.create_server(("127.0.0.1", 0))
        self.port, self.center_port, self.after = self.listener.getsockname()[1], center_port, after
        self.dark_ports, self.connections, self.reset_while_dark = {}, 0, 0
        threading.Thread(target=self.serve, daemon=True).start()

    def serve(self):
        while True:
            try:
                kecamatan, address = self.listener.accept()
            except OSError:
                return
            self.connections += 1
            threading.Thread(target=self.relay, args=(kecamatan, address[1], self.connections == 1), daemon=True).start()

    def relay(self, kecamatan, port, goes_dark):
        center = socket.create_connection(("127.0.0.1", self.center_port))
        up = 0
        try:
            while True:
                readable, _, _ = select.select([kecamatan, center], [], [], 0.1)
                for source in readable:
                    data = source.recv(16384)
                    if not data:
                        return
                    (center if source is kecamatan else kecamatan).sendall(data)
                    up += len(data) if source is kecamatan else 0
                if goes_dark and up >= self.after:
                    self.dark_ports[port] = time.monotonic()
                    while not kecamatan.getsockopt(socket.SOL_SOCKET, socket.SO_ERROR):
                        time.sleep(0.05)
                    self.reset_while_dark += 1
                    return
        except OSError:
            return
        finally:
            kecamatan.close()
            center.close()

    def state(self, sock):
        """What Linux would say of the kecamatan's connection: stalled while dark, else moving."""
        try:
            port = sock.getsockname()[1]
        except OSError:
            return None
        if port in self.dark_ports:  # TCP's timer fires at 1, 3, 7 ... s: its back-off exponent grows
            dark_for = time.monotonic() - self.dark_ports[port]
            return stall.TcpState(in_flight=12, acked=0, timeouts=int(math.log2(1 + dark_for)))
        return stall.TcpState(in_flight=0, acked=0, timeouts=0)

    def close(self):
        self.listener.close()


def test_a_pass_moves_off_a_stalled_connection_and_everything_arrives_once(tmp_path, served_center, monkeypatch):
    """The move is no failure: the packets after it are still written ahead of their answers (a
    connection that broke without answers would make the pass careful, one request at a time)."""
    center_app, code, server = served_center
    relay = DarkRelay(server.port, after=60_000)
    monkeypatch.setattr(stall, "read_state", relay.state)
    ahead_after_move = []
    real_send = pipeline.Pipeline.send

    def send(pipe, method, path, body, content_type, nonce=None):
        if path.endswith("/packets") and pipe.client.counters.moves:
            ahead_after_move.append(sum(1 for ticket in pipe.waiting if ticket is not None))
        return real_send(pipe, method, path, body, content_type, nonce)
    monkeypatch.setattr(pipeline.Pipeline, "send", send)
    try:
        kec_app = kecamatan_app(tmp_path / "kecamatan")
        numbers = fill_kecamatan(kec_app, 30, photo_size=(240, 320))
        enrol_kecamatan(kec_app, server.url, code, link_url=f"http://127.0.0.1:{relay.port}")
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            link = engine.current_link()
            client = CenterClient(link.center_url, link.key_id, link.secret)
            report = engine.sync_once(client, full=True, packet_bytes=24 * 1024)
        deadline = time.monotonic() + 5
        while not relay.reset_while_dark and time.monotonic() < deadline:
            time.sleep(0.05)
    finally:
        relay.close()
    assert relay.dark_ports, "the first connection went dark mid-upload"
    assert client.counters.moves == 1 and client.counters.failures == 0
    assert relay.reset_while_dark == 1  # the dark connection was reset, so the center drops its half
    assert report.error == "" and report.sent + report.already == 30
    assert set(kecamatan_statuses(kec_app).values()) == {"diterima_pusat"}
    assert_each_at_center_once(center_app, numbers)
    assert client.spare is None  # nothing left open after the pass
    assert len(ahead_after_move) >= 3 and max(ahead_after_move) >= 1


def test_without_a_view_of_the_kernel_a_pipeline_still_works(tmp_path, served_center, monkeypatch):
    """Where the OS says nothing (or SIO_TCP_INFO fails), the connection goes on without a watch."""
    center_app, code, server = served_center
    for reader in (None, stall.windows_state):
        monkeypatch.setattr(stall, "read_state", reader)
        pipe = pipeline.Pipeline(CenterClient(server.url, "k", "rahasia"))
        try:
            assert (pipe.watch is None) == (reader is None)
            pipe.send("GET", "/api/v1/probe", b"", "application/json")
            with pytest.raises(engine.LinkDown):  # an unknown key: the center's answer is not signed for us
                pipe.receive()
        finally:
            pipe.close()


def test_a_move_is_not_counted_among_the_link_s_failures(monkeypatch):
    """A request cut by a move goes again at once on the fresh connection; three failures of the
    link in a row end a pass, moves do not count (each needs a fresh connection that connected)."""
    from sync.client.link_down import MovedOn
    outcomes = [MovedOn()] * 4 + ["answer"]
    monkeypatch.setattr(engine.time, "sleep", lambda seconds: pytest.fail("a move waited"))

    def call():
        outcome = outcomes.pop(0)
        if isinstance(outcome, Exception):
            raise outcome
        return outcome
    assert engine.with_retries(call) == "answer"


def blocked_on(thread_id, sock) -> bool:
    """The thread sits in a system call on `sock` (Linux: /proc/self/task/<id>/syscall names the call
    and its arguments while the thread is blocked in it; the first argument is the socket's fd)."""
    try:
        call = Path(f"/proc/self/task/{thread_id[0]}/syscall").read_text().split()
    except (IndexError, OSError):
        return False
    return len(call) > 1 and call[0] not in ("running", "-1") and int(call[1], 16) == sock.fileno()


@pytest.mark.skipif(not Path("/proc/self/task").is_dir(), reason="Linux's /proc tells when the read is blocked")
@pytest.mark.parametrize("os_name", ["posix", "nt"])
def test_a_move_wakes_the_call_blocked_on_the_old_connection(os_name):
    """Linux wakes a blocked call on shutdown; on Windows the old socket is also closed, since
    Winsock documents that a call blocked on a socket another thread closes fails at once."""
    listener = socket.create_server(("127.0.0.1", 0))
    sock = socket.create_connection(listener.getsockname())
    peer, _ = listener.accept()
    outcome, reader_id = [], []

    def blocked_read():
        reader_id.append(threading.get_native_id())
        try:
            outcome.append(sock.recv(10))
        except OSError as problem:
            outcome.append(problem)
    reader = threading.Thread(target=blocked_read)
    reader.start()
    wait_until(lambda: blocked_on(reader_id, sock), what="the read to block on the socket")
    pipeline.interrupt(sock, os_name)
    reader.join(5)
    try:
        assert not reader.is_alive()  # woken, not left waiting for the idle time
        assert outcome == [b""] or isinstance(outcome[0], OSError)
        assert (sock.fileno() == -1) == (os_name == "nt")
    finally:
        for s in (sock, peer, listener):
            s.close()
