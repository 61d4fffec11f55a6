"""LinkProxy: the link model and each injected fault behave as documented."""

import socket
import threading
import time
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import pytest
import requests

from tests.support.linkproxy import Fault, FaultPlan, LinkProxy


class RecordingServer(ThreadingHTTPServer):
    """A tiny HTTP server that records what it received, body included."""

    daemon_threads = True

    def __init__(self):
        super().__init__(("127.0.0.1", 0), RecordingHandler)
        self.seen = []  # dicts: method, path, expected, body (bytes received)
        self.changed = threading.Condition()

    def record(self, entry):
        with self.changed:
            self.seen.append(entry)
            self.changed.notify_all()

    def wait_for(self, count, timeout=3.0):
        """Wait until `count` requests were recorded (they may arrive after the client gave up)."""
        with self.changed:
            self.changed.wait_for(lambda: len(self.seen) >= count, timeout)
        return self.seen

    def handle_error(self, request, client_address):
        pass  # broken connections are what these tests are about


class RecordingHandler(BaseHTTPRequestHandler):
    protocol_version = "HTTP/1.1"

    def log_message(self, *args):
        pass

    def do_GET(self):
        size = int(self.path.rsplit("/", 1)[-1]) if self.path.startswith("/bytes/") else 2
        self.server.record({"method": "GET", "path": self.path, "expected": 0, "body": b""})
        self.reply(b"x" * size)

    def do_POST(self):
        entry = {"method": "POST", "path": self.path, "expected": None, "body": b""}
        try:
            if self.headers.get("Transfer-Encoding") == "chunked":
                entry["body"] = self.read_chunked()
                entry["expected"] = len(entry["body"])
            else:
                entry["expected"] = int(self.headers["Content-Length"])
                entry["body"] = self.read_length(entry["expected"])
        finally:
            self.server.record(entry)
        self.reply(f"reply {len(self.server.seen)}".encode())

    def read_length(self, length):
        body = b""
        while len(body) < length:
            data = self.rfile.read(length - len(body))
            if not data:
                break
            body += data
        return body

    def read_chunked(self):
        body = b""
        while size := int(self.rfile.readline().split(b";")[0], 16):
            body += self.rfile.read(size)
            self.rfile.readline()
        self.rfile.readline()
        return body

    def reply(self, body):
        self.send_response(200)
        self.send_header("Content-Length", str(len(body)))
        self.end_headers()
        self.wfile.write(body)


@pytest.fixture
def server():
    srv = RecordingServer()
    thread = threading.Thread(target=srv.serve_forever, args=(0.05,), daemon=True)
    thread.start()
    yield srv
    srv.shutdown()
    srv.server_close()
    thread.join()


@pytest.fixture
def target(server):
    return server.server_address


def timed(call):
    start = time.monotonic()
    result = call()
    return result, time.monotonic() - start


def outcome(url):
    """'ok' or the name of the error a client sees."""
    try:
        return str(requests.get(url, timeout=5).status_code)
    except requests.RequestException as exc:
        return type(exc).__name__


# --- Raw relay and link model -----------------------------------------------------


def test_relays_and_counts_bytes_both_ways(target):
    with LinkProxy(target) as proxy:
        reply = requests.get(f"{proxy.url}/bytes/10000", timeout=5)
        assert reply.content == b"x" * 10000
        assert 10000 < proxy.bytes_down < 11000
        assert 50 < proxy.bytes_up < 500
        assert proxy.connections == 1


def test_raw_relay_keeps_connections_alive(target):
    with LinkProxy(target) as proxy, requests.Session() as session:
        for _ in range(3):
            assert session.get(f"{proxy.url}/bytes/10", timeout=5).ok
        assert proxy.connections == 1


def test_download_bandwidth_limits_transfer_time(target):
    # 64 KB at 1 Mbit/s is 0.52 s on the wire.
    with LinkProxy(target, bandwidth_bps=1_000_000) as proxy:
        reply, elapsed = timed(lambda: requests.get(f"{proxy.url}/bytes/65536", timeout=10))
    assert len(reply.content) == 65536
    assert 0.5 <= elapsed < 1.5


def test_connections_share_the_bandwidth(target):
    # Two 32 KB downloads at once over 1 Mbit/s take as long as one of 64 KB.
    with LinkProxy(target, bandwidth_bps=1_000_000) as proxy:
        threads = [
            threading.Thread(target=requests.get, args=(f"{proxy.url}/bytes/32768",), kwargs={"timeout": 10})
            for _ in range(2)
        ]
        start = time.monotonic()
        for thread in threads:
            thread.start()
        for thread in threads:
            thread.join()
        elapsed = time.monotonic() - start
        assert proxy.bytes_down > 65536
    assert elapsed >= 0.5


def test_upload_bandwidth_limits_transfer_time(target, server):
    # 32 KB at 512 kbit/s up is 0.5 s; the download direction is left fast.
    with LinkProxy(target, bandwidth_bps=(512_000, None)) as proxy:
        _, elapsed = timed(lambda: requests.post(f"{proxy.url}/up", data=b"u" * 32768, timeout=10))
    assert server.seen[0]["body"] == b"u" * 32768
    assert elapsed >= 0.5


def test_round_trip_time_is_added_to_handshake_and_exchange(target):
    with LinkProxy(target, rtt_ms=200) as proxy:
        _, with_handshake = timed(lambda: requests.get(f"{proxy.url}/bytes/10", timeout=5))
    with LinkProxy(target, rtt_ms=200, handshake_rtt=False) as proxy:
        _, without_handshake = timed(lambda: requests.get(f"{proxy.url}/bytes/10", timeout=5))
    assert with_handshake >= 0.4
    assert without_handshake >= 0.2


def test_failure_rate_resets_connections_repeatably_for_a_seed(target):
    def run(seed):
        with LinkProxy(target, failure_rate=0.5, faults=[], seed=seed) as proxy:
            results = [outcome(f"{proxy.url}/bytes/100") for _ in range(12)]
            return results, proxy.resets

    first, resets = run(seed=7)
    again, _ = run(seed=7)
    assert first == again
    assert resets == 12 - first.count("200") and 0 < resets < 12


def test_failure_rate_cuts_raw_connections_mid_transfer(target):
    with LinkProxy(target, failure_rate=1.0, failure_window=20_000) as proxy:
        with pytest.raises(requests.RequestException):
            requests.get(f"{proxy.url}/bytes/50000", timeout=5)
        assert proxy.resets == 1
        assert proxy.bytes_down < 20_000


def test_link_down_refuses_new_connections(target):
    with LinkProxy(target) as proxy:
        proxy.link_up = False
        assert outcome(proxy.url) == "ConnectionError"
        proxy.link_up = True
        assert outcome(proxy.url) == "200"
        assert proxy.resets == 1


# --- Fault injection -----------------------------------------------------------------


def test_respond_5xx_answers_without_forwarding(target, server):
    with LinkProxy(target, faults=["respond_5xx"]) as proxy:
        reply = requests.post(f"{proxy.url}/upload", data=b"p" * 1000, timeout=5)
        assert reply.status_code == 503
        assert proxy.faults == {"respond_5xx": 1}
    assert server.seen == []


def test_drop_mid_body_leaves_the_server_with_part_of_the_body(target, server):
    with LinkProxy(target, faults=[Fault("drop_mid_body", fraction=0.25)]) as proxy:
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{proxy.url}/upload", data=b"d" * 100_000, timeout=5)
    [entry] = server.wait_for(1)
    assert entry["expected"] == 100_000
    assert len(entry["body"]) == 25_000


def test_stall_holds_the_request_then_closes(target, server):
    with LinkProxy(target, faults=[Fault("stall", seconds=0.3)]) as proxy:
        start = time.monotonic()
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{proxy.url}/upload", data=b"s", timeout=5)
        assert time.monotonic() - start >= 0.3
    assert server.seen == []


def test_stall_longer_than_the_client_timeout_times_out(target):
    with LinkProxy(target, faults=[Fault("stall", seconds=30)]) as proxy:
        with pytest.raises(requests.Timeout):
            requests.get(proxy.url, timeout=0.3)
    # close() above returned despite the stalled connection


def test_duplicate_reaches_the_server_twice_and_returns_the_first_reply(target, server):
    with LinkProxy(target, faults=["duplicate"]) as proxy:
        reply = requests.post(f"{proxy.url}/upload", data=b"twice", timeout=5)
    assert reply.text == "reply 1"
    assert [e["body"] for e in server.seen] == [b"twice", b"twice"]


def test_reset_after_commit_server_has_everything_client_gets_error(target, server):
    with LinkProxy(target, faults=["reset_after_commit"]) as proxy:
        with pytest.raises(requests.ConnectionError):
            requests.post(f"{proxy.url}/upload", data=b"c" * 50_000, timeout=5)
    [entry] = server.wait_for(1)
    assert entry["body"] == b"c" * 50_000


def test_list_schedule_applies_per_request_then_passes(target):
    with LinkProxy(target, faults=[None, "respond_5xx"]) as proxy:
        assert [outcome(proxy.url) for _ in range(3)] == ["200", "503", "200"]
        assert proxy.requests == 3


def test_callable_schedule_sees_the_request(target, server):
    def only_uploads(request):
        return "respond_5xx" if request.method == "POST" and request.target == "/upload" else None

    with LinkProxy(target, faults=only_uploads) as proxy:
        assert requests.get(proxy.url, timeout=5).status_code == 200
        assert requests.post(f"{proxy.url}/upload", data=b"x", timeout=5).status_code == 503
        assert requests.post(f"{proxy.url}/other", data=b"x", timeout=5).status_code == 200


def test_chunked_request_bodies_pass_through(target, server):
    with LinkProxy(target, faults=[]) as proxy:
        reply = requests.post(f"{proxy.url}/upload", data=iter([b"ab", b"cd"]), timeout=5)
    assert reply.ok
    assert server.seen[0]["body"] == b"abcd"


def test_fault_plan_injects_a_share_of_requests_repeatably(target):
    def run():
        plan = FaultPlan(rate=0.5, kinds=["respond_5xx", "reset_after_commit"], seed=3)
        with LinkProxy(target, faults=plan) as proxy:
            results = [outcome(proxy.url) for _ in range(20)]
        return plan, proxy, results

    plan, proxy, results = run()
    assert plan.requests_seen == 20
    assert plan.injected == proxy.faults
    assert results.count("503") == plan.injected["respond_5xx"] > 0
    assert results.count("ConnectionError") == plan.injected["reset_after_commit"] > 0
    assert run()[2] == results


# --- Safety --------------------------------------------------------------------------


def test_listens_on_loopback_only_and_refuses_other_targets(target):
    with LinkProxy(target) as proxy:
        assert proxy.address[0] == "127.0.0.1"
        assert proxy.url.startswith("http://127.0.0.1:")
    with pytest.raises(ValueError):
        LinkProxy(("192.0.2.1", 80))


def test_close_stops_its_thread_and_port_even_with_open_connections(target):
    proxy = LinkProxy(target, rtt_ms=100)
    with proxy, requests.Session() as session:
        session.get(proxy.url, timeout=5)
        port = proxy.port
        idle = socket.create_connection(proxy.address)  # left open on purpose
    idle.close()
    assert not [t for t in threading.enumerate() if t.name == "LinkProxy"]
    with pytest.raises(ConnectionRefusedError):
        socket.create_connection(("127.0.0.1", port), timeout=1)
