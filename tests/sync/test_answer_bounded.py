"""A far end that answers without end (issue 60, "bounded at every read"): the office reads no more of an
answer than protocol.MAX_ANSWER_BYTES, through the session (call_alone: the probe, the update files)
and on the pass's pipelined connection, and calls it a broken link instead of filling its memory."""
import http.server
import threading

import pytest

from sync import protocol
from sync.client.link_down import LinkDown
from sync.client.transport import CenterClient

FLOOD_BYTES = 200 * 1024 * 1024
CHUNK = b"x" * (1024 * 1024)


class Flood(http.server.BaseHTTPRequestHandler):
    """Answers every request with 200 MiB, counting what it could write before the office stopped reading."""
    protocol_version = "HTTP/1.1"
    sent = 0

    def _flood(self):
        length = int(self.headers.get("Content-Length") or 0)
        self.rfile.read(length)
        self.send_response(200)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(FLOOD_BYTES))
        self.end_headers()
        try:
            for _ in range(FLOOD_BYTES // len(CHUNK)):
                self.wfile.write(CHUNK)
                type(self).sent += len(CHUNK)
        except OSError:
            pass  # the office hung up: what the test wants

    do_GET = do_POST = _flood

    def log_message(self, *args):
        pass


@pytest.fixture
def flood():
    Flood.sent = 0
    server = http.server.ThreadingHTTPServer(("127.0.0.1", 0), Flood)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


def test_an_endless_answer_to_a_lone_request_is_a_broken_link_read_only_to_the_limit(flood):
    client = CenterClient(flood, "kunci", "rahasia" * 8)
    with pytest.raises(LinkDown):
        client.call_alone("GET", protocol.API_PREFIX + "/probe")
    # What the server managed to write is what the office's socket buffers took beyond its limit.
    assert Flood.sent < protocol.MAX_ANSWER_BYTES + 32 * 1024 * 1024 < FLOOD_BYTES


def test_an_endless_answer_on_the_pass_connection_is_a_broken_link_read_only_to_the_limit(flood):
    from sync.client import pipeline
    client = CenterClient(flood, "kunci", "rahasia" * 8)
    line = pipeline.Pipeline(client)
    try:
        line.send("POST", protocol.API_PREFIX + "/manifest", b"{}", protocol.JSON_CONTENT_TYPE)
        with pytest.raises(LinkDown):
            line.receive()
    finally:
        line.close()
    assert Flood.sent < protocol.MAX_ANSWER_BYTES + 32 * 1024 * 1024 < FLOOD_BYTES
