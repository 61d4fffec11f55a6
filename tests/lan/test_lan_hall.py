"""Issue 90, finding 1: one visitor on the office's Wi-Fi froze every counter.

The finding: "The LAN listener peeks the first byte and shakes hands on cheroot's single accept thread (up to
3 s a connection, listen backlog 5): with 10 idle connections from the hall, a clerk's GET /masuk took 20.9 s
(0.01-0.09 s alone); with one idle connection opened per second, every clerk request took about 15 s for as
long as it went on." Here the hall holds 50 idle connections, slow ones, half handshakes and finished
handshakes that never ask anything, from five devices, each up to its limit; a device's next connection is
closed at once; and a clerk signs in and saves a registration over TLS while every one of the hall's
connections is still open and unanswered. The times beside a quiet run are bench/bench_lan_hall.py's.
"""
import re
import socket
import ssl
import threading

import pytest
import requests

from app.frame import office_tls
from tests.conftest import TEST_PASSWORD
from tests.lan.counter_pc import CSRF, signed_in
from tests.lan.hall import Hall, closed_by_the_office
from tests.support.factory import applicant_form, photo_jpeg
from tests.support.waiting import wait_until

DEVICES = [f"127.0.0.{n}" for n in range(11, 16)]  # five visitors' phones and laptops


@pytest.fixture
def lan(app, monkeypatch):
    """The LAN listener on loopback with two workers; the door's wait long enough that nothing in the hall is
    let go while the clerk works (letting go has its own test)."""
    monkeypatch.setattr(office_tls, "DOOR_SECONDS", 600)
    listener = office_tls.LanListener(app, "127.0.0.1", 0, threads=2)
    listener.bind()
    listener.start()
    yield listener
    listener.stop()


@pytest.fixture
def ca_file(lan, tmp_path) -> str:
    with lan.app.app_context(), lan.app.extensions["database"].connection_context():
        path = tmp_path / "kantor.pem"
        path.write_text(office_tls.office_ca()["cert"])
    return str(path)


@pytest.mark.slow  # 80 connections and a registration over TLS: a few seconds
def test_a_clerk_signs_in_and_saves_while_the_hall_holds_idle_slow_and_half_open_connections(lan, ca_file, users):
    hall = Hall("127.0.0.1", lan.port)
    try:
        limit = office_tls.DOOR_PER_ADDRESS
        for device in DEVICES:  # 10 idle, 2 slow, 2 half, 2 shaken from each: 16 a device, its limit
            hall.device(device, idle=10, slow=2, half=2, shaken=limit - 14)
        wait_until(hall.step, 60, "the hall's connections made, their bytes sent, the handshakes done")
        assert sum(held.kind == "idle" for held in hall.held) == 50
        wait_until(lambda: lan.door.holding() == {device: limit for device in DEVICES}, 30,
                   "the door holding each device's connections")
        for device in DEVICES:  # one more from a device: closed at once, its others kept
            extra = hall.connect(device)
            wait_until(lambda: closed_by_the_office(extra), 30, f"{device}'s connection over its limit closed")  # noqa: B023
            extra.close()

        base = f"https://127.0.0.1:{lan.port}"
        clerk = signed_in(base, ca_file, "petugas-loket", TEST_PASSWORD)
        form = applicant_form()
        token = CSRF.search(clerk.get(f"{base}/pendaftaran/baru", timeout=60).text).group(1)
        saved = clerk.post(f"{base}/pendaftaran/baru", data={**form, "csrf_token": token},
                           files={"photo": ("foto.jpg", photo_jpeg((300, 400)), "image/jpeg")},
                           allow_redirects=False, timeout=60)
        assert saved.status_code in (302, 303), re.findall(r'error[^>]*>([^<]{5,})<', saved.text)
        assert "/pendaftaran/" in saved.headers["Location"], saved.headers["Location"]
        assert form["nik"] in clerk.get(f"{base}/pendaftaran", timeout=60).text  # saved

        assert hall.answered() == []  # all 80 still open and unanswered while the clerk was served
        assert lan.door.holding() == {device: limit for device in DEVICES}
    finally:
        hall.close()


def test_a_device_over_its_limit_of_unfinished_connections_is_closed_at_once_and_others_come_in(lan, ca_file):
    hall = Hall("127.0.0.1", lan.port)
    try:
        hall.device("127.0.0.21", idle=office_tls.DOOR_PER_ADDRESS)
        wait_until(hall.step, 30, "the device's connections made")
        wait_until(lambda: lan.door.holding() == {"127.0.0.21": office_tls.DOOR_PER_ADDRESS}, 30, "them held")
        extra = hall.connect("127.0.0.21")
        wait_until(lambda: closed_by_the_office(extra), 30, "the connection over the limit closed")
        extra.close()
        another = hall.connect("127.0.0.22")  # another device is let in beside it
        wait_until(lambda: lan.door.holding().get("127.0.0.22") == 1, 30, "another device's connection held")
        another.close()
        answer = requests.get(f"https://127.0.0.1:{lan.port}/masuk", verify=ca_file, timeout=60)
        assert answer.status_code == 200 and 'name="password"' in answer.text
        assert hall.answered() == []
    finally:
        hall.close()


def test_when_the_door_is_full_the_device_holding_most_gives_way_oldest_first(lan):
    lan.door.total = 20  # DOOR_TOTAL is 400: the same rule at a size a test opens quickly
    hall = Hall("127.0.0.1", lan.port)
    try:
        first = hall.device("127.0.0.41", idle=office_tls.DOOR_PER_ADDRESS)
        wait_until(hall.step, 30, "the first device's connections made")
        wait_until(lambda: lan.door.holding() == {"127.0.0.41": 16}, 30, "them held")
        second = hall.device("127.0.0.42", idle=8)
        wait_until(hall.step, 30, "the second device's connections made")
        wait_until(lambda: lan.door.holding() == {"127.0.0.41": 12, "127.0.0.42": 8}, 30,
                   "the first device's oldest four let go")
        let_go = hall.answered()
        assert [id(held) for held in let_go] == [id(held) for held in first[:4]]  # opened first, let go first
        assert not any(held in let_go for held in second)
    finally:
        hall.close()


@pytest.mark.slow  # waits DOOR_SECONDS (set to 1 s) by design
def test_a_connection_that_never_finishes_its_handshake_or_request_is_let_go(app, monkeypatch):
    monkeypatch.setattr(office_tls, "DOOR_SECONDS", 1)
    listener = office_tls.LanListener(app, "127.0.0.1", 0, threads=2)
    listener.bind()
    listener.start()
    hall = Hall("127.0.0.1", listener.port)
    try:
        hall.device("127.0.0.31", idle=1, slow=2, half=1, shaken=1)
        wait_until(hall.step, 30, "the device's connections made")
        wait_until(lambda: len(hall.answered()) == 5, 60, "each let go after the door's wait")
        assert listener.door.holding() == {}
    finally:
        hall.close()
        listener.stop()


def test_a_connection_that_trips_the_door_is_dropped_alone_and_the_next_is_served(lan, ca_file):
    served = lan.door.context_of
    tripped = []

    def broken_once():
        if not tripped:
            tripped.append(True)
            raise RuntimeError("a surprise in one handshake")
        return served()
    lan.door.context_of = broken_once
    with socket.create_connection(("127.0.0.1", lan.port), timeout=30) as first:
        first.send(b"\x16\x03\x01")
        wait_until(lambda: closed_by_the_office(first), 30, "the tripping connection dropped")
    answer = requests.get(f"https://127.0.0.1:{lan.port}/masuk", verify=ca_file, timeout=60)
    assert tripped and answer.status_code == 200 and lan.door.thread.is_alive()
    assert lan.door.holding() == {}


def test_plain_http_sent_a_byte_at_a_time_still_gets_the_trust_page(lan):
    with socket.create_connection(("127.0.0.1", lan.port), timeout=30) as sock:
        for byte in b"GET /masuk HTTP/1.1\r\nHost: kantor\r\n\r\n":
            sock.send(bytes([byte]))
        page = b""
        while b"</html>" not in page:
            chunk = sock.recv(65536)
            assert chunk, page[:300]
            page += chunk
    assert b"Sambungan ke kantor belum aman" in page


def test_the_listen_backlog_is_the_listeners_own_not_cheroots_five(lan):
    assert lan.server.request_queue_size >= 128


class Trickle:
    """A visitor's TLS connection that sends a whole request head, then its body a byte at a time for as long
    as the office reads it (each byte sent when the previous one went: no clock in the test's assertion)."""

    def __init__(self, port: int, source: str, ca_file: str):
        context = ssl.create_default_context(cafile=ca_file)
        self.tls = context.wrap_socket(socket.create_connection(("127.0.0.1", port), timeout=30,
                                                                source_address=(source, 0)),
                                       server_hostname="127.0.0.1")
        self.tls.sendall(b"POST /masuk HTTP/1.1\r\nHost: 127.0.0.1\r\nContent-Type: application/x-www-form-urlencoded"
                         b"\r\nContent-Length: 100000\r\n\r\nusername=")
        self.sent, self.ended, self.answer = 0, threading.Event(), b""
        self.thread = threading.Thread(target=self._run, daemon=True)
        self.thread.start()

    def _run(self):
        try:
            while not self.ended.wait(0.2) and self.sent < 99000:
                self.tls.sendall(b"a")
                self.sent += 1
        except OSError:  # the office closed it
            pass
        try:  # what the office said, if anything: never a 500
            self.answer = self.tls.recv(200)
        except OSError:
            pass
        self.ended.set()

    def close(self):
        self.ended.set()
        self.thread.join(5)
        self.tls.close()


def test_a_visitor_trickling_a_request_body_does_not_hold_the_workers(lan, ca_file, monkeypatch):
    """Issue 90 (left after finding 1): past the door, a worker read a request's body as slowly as it came, so a
    visitor sending a head and then a byte now and then held a worker for as long as it liked; with both of the
    listener's workers so held, a clerk's page waited for them. Reading a request now has its time (READ_SECONDS
    plus READ_RATE): the trickles are cut, and the clerk is served while they are still trickling."""
    monkeypatch.setattr(office_tls, "READ_SECONDS", 2)
    trickles = [Trickle(lan.port, source, ca_file) for source in ("127.0.0.21", "127.0.0.22", "127.0.0.23")]
    try:
        wait_until(lambda: all(t.sent >= 3 for t in trickles), 30, "the bodies trickling into the workers")
        page = requests.get(f"https://127.0.0.1:{lan.port}/masuk", verify=ca_file, timeout=60)
        assert page.status_code == 200 and 'name="password"' in page.text
        wait_until(lambda: all(t.ended.is_set() for t in trickles), 60, "each trickle closed by the office")
        assert all(t.sent < 1000 for t in trickles)
        assert [t.answer[:12] for t in trickles if t.answer[:12] not in (b"", b"HTTP/1.1 400")] == []
    finally:
        for trickle in trickles:
            trickle.close()
