"""The clerk's progress bar moves with the bytes the connection takes, and never goes back (issue 73).

On the rural link a packet of 2 MB took about a minute, and the bar moved only when its answer came.
Here: a real center on this machine with a small send buffer, so the pipelined connection takes a
packet in many sends as a slow link does; the body a request hands to requests, counted as urllib3
reads it into a real socket; and a packet sent again after a break, which counts its bytes again.
The emulated rural link itself: tests/sync/test_progress_bytes_rural.py.
"""
import hashlib
import socket
import threading
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

import requests

from sync.client import engine, pipeline
from sync.client.progress_bytes import CountingBody
from sync.client.transport import manifest_request
from tests.sync.harness import CenterServer, enrol_kecamatan, fill_kecamatan, kecamatan_app, prepare_center

SEND_BUFFER = 4096  # Linux doubles it and keeps a floor: a few KB taken at a time, as a slow link's sender


class _WatchedSocket:
    """The pipeline's socket, noting the bar after each send() the kernel took."""

    def __init__(self, sock, seen):
        self._sock, self._seen = sock, seen

    def send(self, data):
        taken = self._sock.send(data)
        self._seen(taken)
        return taken

    def __getattr__(self, name):
        return getattr(self._sock, name)


def test_the_bar_moves_while_a_packet_is_written_and_never_goes_back(tmp_path, monkeypatch):
    center_app, code = prepare_center(tmp_path / "center")
    server = CenterServer(tmp_path / "center").start()
    try:
        kec_app = kecamatan_app(tmp_path / "kecamatan")
        fill_kecamatan(kec_app, 12)
        enrol_kecamatan(kec_app, server.url, code)
        progress, shown = engine.Progress(), []
        real_init = pipeline.Pipeline.__init__

        def init(pipe, *args, **kwargs):
            real_init(pipe, *args, **kwargs)
            pipe.sock.setsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF, SEND_BUFFER)
            pipe.sock = _WatchedSocket(pipe.sock, lambda taken: shown.append((progress.percent(), progress.done)))
        monkeypatch.setattr(pipeline.Pipeline, "__init__", init)
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            report = engine.sync_once(full=True, progress=progress)
    finally:
        server.stop()
    assert report.error == "" and report.sent == 12
    before_any_answer = [percent for percent, done in shown if done == 0]
    # One packet of twelve photographs: the bar moved many times before its answer came ...
    assert len(set(before_any_answer)) >= 5 and before_any_answer[-1] >= 50
    percents = [percent for percent, _ in shown]
    assert percents == sorted(percents)  # ... and never back
    assert max(percents) < 100 and progress.percent() == 100  # full only once the pass has ended


def test_a_request_through_requests_counts_its_body_as_it_goes(tmp_path):
    """The path without pipelining (an HTTP proxy in the environment): a manifest through the session."""
    center_app, code = prepare_center(tmp_path / "center")
    server = CenterServer(tmp_path / "center").start()
    try:
        kec_app = kecamatan_app(tmp_path / "kecamatan")
        enrol_kecamatan(kec_app, server.url, code)
        items = [{"id": f"350807-01-{n:06d}", "version": 1, "hash": hashlib.sha256(b"%d" % n).hexdigest(), "size": 1000}
                 for n in range(3000)]  # ~100 KB deflated: more than one of urllib3's 16 KB blocks
        method, path, body, content_type, _ = manifest_request(items)
        counted = []
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            client = engine.client_for(engine.current_link())
            client.on_handed = counted.append
            answer = client.call_alone(method, path, body, content_type)
    finally:
        server.stop()
    assert answer and sum(counted) == len(body) and len(counted) > 1


def test_a_request_body_is_counted_as_urllib3_reads_it_into_the_socket():
    received = []

    class Reader(BaseHTTPRequestHandler):
        def do_POST(self):
            received.append(self.rfile.read(int(self.headers["Content-Length"])))
            self.send_response(204)
            self.end_headers()

        def log_message(self, *args):
            pass

    server = ThreadingHTTPServer(("127.0.0.1", 0), Reader)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    body, counted = bytes(range(256)) * 1000, []
    try:
        answer = requests.post(f"http://127.0.0.1:{server.server_port}/", data=CountingBody(body, counted.append),
                               timeout=10)
    finally:
        server.shutdown()
        server.server_close()
    assert answer.status_code == 204 and received == [body]  # sent whole, with its length
    assert sum(counted) == len(body) and len(counted) > 5  # in blocks, each counted as it went
    assert max(counted) <= 64 * 1024


def test_a_packet_sent_again_counts_its_bytes_again_and_the_bar_stays_where_it_was():
    progress = engine.Progress(running=True, phase="kirim", started_at=1.0, total=10)
    progress.sent.start(10_000)  # ten items of 1,000 stored bytes
    progress.sent.packet(5_000, 4_000, again=False)  # half of them, recompressed to 4,000 bytes
    progress.sent.took(4_000)
    assert progress.percent() == 50  # 4,000 of 4,000 + 5,000 x 0.8 expected
    progress.sent.packet(5_000, 4_000, again=True)  # the connection broke before the answer: it goes again
    progress.sent.took(1_000)
    assert progress.percent() == 50  # 5,000 of 12,000 now: not back to 41
    progress.sent.took(3_000)
    assert progress.percent() == 66
    progress.sent.packet(5_000, 4_000, again=False)
    progress.sent.took(4_000)
    assert progress.percent() == 99  # every byte handed over; the answers still to come
    progress.running, progress.done = False, 10
    assert progress.percent() == 100
    progress.running, progress.started_at, progress.done, progress.phase = True, 2.0, 0, "mulai"
    assert progress.percent() == 0  # the next pass starts from nothing
