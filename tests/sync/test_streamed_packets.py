"""Protocol 6: a packet read by the center as it arrives (issue 16, bytes after a long outage).

Found on the long-outage link (docs/benchmarks.md as of 8fbf717, issue 16, s21/s22): the packet in flight when
the link died was lost whole, because the center's server handed the app a request only once its
whole body had arrived; up to ~128 KB went again. Now each application is stored as soon as its
photo and its MAC have arrived and check out, so a cut packet leaves its whole items stored, and
the kecamatan's manifest finds them before it sends the rest. Each item's MAC is bound to the
signed head (the request's nonce), its place and every byte before it: a forged, swapped,
foreign or replayed item is refused and stores nothing.
"""
import json
import socket
import struct
import time

import pytest

from sync import jpeg_transit, protocol
from sync.center.models import ReceivedApplication
from sync.client import engine, pipeline
from sync.client.transport import CenterClient
from tests.sync.helpers import call, packet_item
from tests.support.factory import numbered_photo_jpeg
from tests.sync.invariants import assert_each_at_center_once, kecamatan_statuses, packet_numbers
from tests.sync.test_pipeline import COUNT, served_center  # noqa: F401  (fixture)
from tests.sync.harness import enrol_kecamatan, fill_kecamatan, kecamatan_app

PACKETS = "/api/v1/packets"


def sealed_packet(items, secret: str, nonce: str, recompress: bool = True) -> bytes:
    """The kecamatan's own LKP5 encoder (sync/client/engine.py) over (header, JPEG) pairs; the
    second photo travels Lepton-recompressed, so the shared heads section is exercised too."""
    wire = []
    for index, (header, photo) in enumerate(items):
        packed = jpeg_transit.compress(photo, "lepton-hz") if index == 1 and recompress else None
        wire.append((dict(header, photo_codec="lepton-hz"), packed) if packed else (header, photo))
    return engine._encode(wire, (secret, nonce))


def streamed_call(client, key, body: bytes, nonce: str, content_length: int | None = None):
    """A packet request through the Flask test client, signed as the kecamatan signs it."""
    signer = CenterClient("http://pusat.invalid", key[0], key[1])
    headers, _ = signer.signed_headers("POST", PACKETS, body, protocol.PACKET_CONTENT_TYPE, nonce)
    environ = {"CONTENT_LENGTH": str(len(body) if content_length is None else content_length)}
    return client.post(PACKETS, data=body, headers=headers, environ_overrides=environ)


def item_ends(body: bytes, secret: str, nonce: str) -> list[int]:
    """The offset in `body` just after each item's tag."""
    import io
    packet = protocol.StreamedPacket(io.BytesIO(body).read, len(body), secret, nonce).open()
    offset = len(body) - sum(h["photo_size"] + protocol.ITEM_TAG_BYTES for h in packet.headers)
    ends = []
    for header in packet.headers:
        offset += header["photo_size"] + protocol.ITEM_TAG_BYTES
        ends.append(offset)
    return ends


def stored_numbers() -> set:
    return {row.registration_number for row in ReceivedApplication.select()}


def numbers(items) -> list:
    return [header["id"] for header, _ in items]


def test_a_whole_streamed_packet_is_stored_and_answered_in_order(center_app, enrolled):
    _, key = enrolled
    items = [packet_item(n) for n in range(1, 5)]
    nonce = protocol.new_nonce()
    response = streamed_call(center_app.test_client(), key, sealed_packet(items, key[1], nonce), nonce)
    assert response.status_code == 200, response.data
    answer = response.data
    if response.mimetype == protocol.JSON_DEFLATE:
        answer = protocol.inflate(answer, 1 << 20)
    assert [r["result"] for r in json.loads(answer)["results"]] == ["stored"] * 4
    assert stored_numbers() == set(numbers(items))
    stored = ReceivedApplication.get(ReceivedApplication.registration_number == items[1][0]["id"])
    assert stored.content_hash == items[1][0]["hash"]  # the original JPEG, though it came recompressed


def test_the_probe_announces_protocol_7_and_takes_6(center_app, enrolled):
    answer = json.loads(call(center_app.test_client(), enrolled[1], "GET", "/api/v1/probe").data)
    assert (answer["protocol"], answer["min_protocol"]) == (7, 6)


@pytest.mark.parametrize("tamper", ["tag", "photo", "heads"])
def test_an_altered_item_is_refused_and_it_and_what_follows_are_not_stored(center_app, enrolled, tamper):
    _, key = enrolled
    items = [packet_item(n) for n in range(1, 5)]
    nonce = protocol.new_nonce()
    body = bytearray(sealed_packet(items, key[1], nonce))
    ends = item_ends(bytes(body), key[1], nonce)
    where = {"tag": ends[2] - 1,  # the last byte of item 3's tag
             "photo": ends[1] + 200,  # inside item 3's photo
             "heads": 12}[tamper]  # inside the deflated headers: item 1's tag covers them
    body[where] ^= 0x01
    response = streamed_call(center_app.test_client(), key, bytes(body), nonce)
    assert response.status_code == 400
    kept = {"tag": 2, "photo": 2, "heads": 0}[tamper]
    assert stored_numbers() == set(numbers(items)[:kept])


def test_swapped_items_are_refused_and_nothing_is_stored(center_app, enrolled):
    _, key = enrolled
    photos = {}
    for seed in range(1, 60):  # two different photos of one size: the swap keeps every length
        photos.setdefault(len(numbered_photo_jpeg(seed)), []).append(numbered_photo_jpeg(seed))
    pair = next(same for same in photos.values() if len(same) >= 2)
    items = [packet_item(n, photo=photo) for n, photo in zip((1, 2), pair)]
    assert items[0][1] != items[1][1]
    nonce = protocol.new_nonce()
    body = sealed_packet(items, key[1], nonce, recompress=False)
    ends = item_ends(body, key[1], nonce)
    start = ends[0] - (ends[1] - ends[0])
    first, second = body[start:ends[0]], body[ends[0]:ends[1]]
    swapped = body[:start] + second + first
    assert len(swapped) == len(body) and swapped != body
    response = streamed_call(center_app.test_client(), key, swapped, nonce)
    assert response.status_code == 400
    assert stored_numbers() == set()


def test_an_item_from_another_request_is_refused(center_app, enrolled):
    """The body of one signed packet under the head of another: its tags are bound to the other
    request's nonce, so not even the first item is stored."""
    _, key = enrolled
    items = [packet_item(n) for n in range(1, 4)]
    theirs, ours = protocol.new_nonce(), protocol.new_nonce()
    response = streamed_call(center_app.test_client(), key, sealed_packet(items, key[1], theirs), ours)
    assert response.status_code == 400
    assert stored_numbers() == set()


def test_a_replayed_streamed_request_is_refused_before_its_body_is_read(center_app, enrolled):
    _, key = enrolled
    items = [packet_item(n) for n in range(1, 3)]
    nonce = protocol.new_nonce()
    body = sealed_packet(items, key[1], nonce)
    signer = CenterClient("http://pusat.invalid", key[0], key[1])
    headers, _ = signer.signed_headers("POST", PACKETS, body, protocol.PACKET_CONTENT_TYPE, nonce)
    client = center_app.test_client()
    assert client.post(PACKETS, data=body, headers=headers).status_code == 200
    again = client.post(PACKETS, data=body, headers=headers)
    assert again.status_code == 401 and stored_numbers() == set(numbers(items))


def test_a_packet_signed_over_its_body_or_sent_as_another_type_is_refused(center_app, enrolled):
    """The signature over the head alone is taken for the packet type only, whose items carry
    their MACs: a packet signed the way of the older protocol versions (over its body) is refused,
    and so is a packet under another content type; nothing is stored."""
    _, key = enrolled
    client = center_app.test_client()
    nonce = protocol.new_nonce()
    body = sealed_packet([packet_item(1)], key[1], nonce)
    signer = CenterClient("http://pusat.invalid", key[0], key[1])
    over_body, _ = signer.signed_headers("POST", PACKETS, body, "application/octet-stream", nonce)
    over_body["Content-Type"] = protocol.PACKET_CONTENT_TYPE
    assert client.post(PACKETS, data=body, headers=over_body).status_code == 401
    other_type, _ = signer.signed_headers("POST", PACKETS, body, "application/octet-stream")
    assert client.post(PACKETS, data=body, headers=other_type).status_code == 400
    assert stored_numbers() == set()


@pytest.mark.parametrize("case", ["trailing bytes", "short length", "wrong magic", "headers do not inflate",
                                  "headers not a list", "empty body", "photo size not a number",
                                  "a cut body"])
def test_a_malformed_streamed_packet_is_a_400_never_a_500(center_app, enrolled, case):
    _, key = enrolled
    items = [packet_item(n) for n in range(1, 4)]
    nonce = protocol.new_nonce()
    body = sealed_packet(items, key[1], nonce)
    ends = item_ends(body, key[1], nonce)
    length = None
    if case == "trailing bytes":
        body += b"\0" * 5
    elif case == "short length":
        length = ends[0]  # the head says the first item only, the headers say three
    elif case == "wrong magic":
        body = b"LKP4" + body[4:]
    elif case == "headers do not inflate":
        body = body[:8] + b"\xff" * 8 + body[16:]
    elif case in ("headers not a list", "photo size not a number"):
        value = {"not": "a list"} if case == "headers not a list" else [{"photo_size": "12", "record": {}}]
        deflater = zlib_with_dictionary()
        packed = deflater.compress(protocol.canonical_json(value)) + deflater.flush()
        body = b"LKP5" + struct.pack(">I", len(packed)) + packed + struct.pack(">I", 0) + b"\0" * 24
    elif case == "empty body":
        body = b""
    elif case == "a cut body":  # the head promises more than arrives: what is whole is kept
        length = len(body)
        body = body[:ends[1] + 100]
    response = streamed_call(center_app.test_client(), key, body, nonce, content_length=length)
    assert response.status_code == 400
    assert stored_numbers() == (set(numbers(items)[:2]) if case == "a cut body" else set())


def zlib_with_dictionary():
    import zlib
    return zlib.compressobj(9, zdict=protocol.HEADER_DICTIONARY)


# --- a real center on its real server, a real socket cut mid-packet --------------------------


def _center_numbers(center_app) -> set:
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        return stored_numbers()


def test_a_packet_cut_after_n_whole_items_leaves_exactly_those_stored(tmp_path, served_center):
    """A raw socket writes the signed head, the first two items whole and half of the third, waits
    until the center has stored what arrived whole, then resets the connection (as a link that
    dies does, seen from the center once TCP gives up)."""
    center_app, code, server = served_center
    kec_app = kecamatan_app(tmp_path / "kecamatan")
    fill_kecamatan(kec_app, 4, photo_size=(120, 160))
    enrol_kecamatan(kec_app, server.url, code)
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        client = engine.client_for(engine.current_link())
        assert client.negotiate() == protocol.PROTOCOL_VERSION
        from sync.client.models import OutboxItem
        batch = list(OutboxItem.select().order_by(OutboxItem.id))
        entries = engine.packet_entries(batch)
        wire = engine._in_transit(entries, ["lepton-hz"] * len(batch), [item.photo_sha256 for item in batch])
        nonce = protocol.new_nonce()
        body = engine._encode(wire, (client.secret, nonce))
        headers, _ = client.signed_headers("POST", PACKETS, body, protocol.PACKET_CONTENT_TYPE, nonce)
    ends = item_ends(body, client.secret, nonce)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = (f"POST {PACKETS} HTTP/1.1\r\nHost: pusat\r\nContent-Length: {len(body)}\r\n{head}\r\n").encode()
    sock = socket.create_connection(("127.0.0.1", server.port))
    sock.sendall(request + body[:ends[1] + (ends[2] - ends[1]) // 2])
    sent = [entry[0]["record"]["registration_number"] for entry in entries]
    deadline = time.time() + 30
    while _center_numbers(center_app) != set(sent[:2]) and time.time() < deadline:
        time.sleep(0.1)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_LINGER, pipeline.linger_reset())
    sock.close()
    # The center has given up on the body once it logs the packet's end: nothing after that stores.
    deadline = time.time() + 30
    while "streamed packet ended after 2 items" not in (server.data_dir / "server.log").read_text() \
            and time.time() < deadline:
        time.sleep(0.05)
    assert "streamed packet ended after 2 items" in (server.data_dir / "server.log").read_text()
    assert _center_numbers(center_app) == set(sent[:2])  # the two whole ones, not the half one


def test_after_a_packet_cut_mid_body_only_the_items_that_did_not_arrive_go_again(tmp_path, served_center,
                                                                                  monkeypatch):
    """The whole pass through a link that drops the first packet 70 % of the way in: the items that
    arrived whole before the drop are stored, the manifest offered after the break finds them,
    and only the rest cross the link again."""
    from tests.support import linkproxy
    center_app, code, server = served_center
    cut = {"done": False}

    def drop_first_packet(request):
        if request.target.endswith("/packets") and not cut["done"]:
            cut["done"] = True
            return linkproxy.Fault("drop_mid_body", fraction=0.7)
        if request.target.endswith("/manifest") and cut["done"]:
            # On a real link the manifest comes after the outage, long after the center has read
            # what arrived; here it could overtake the center's reading of the cut packet. (The
            # manifest a pass offers before its first packet has no cut to wait for: waiting there
            # only ran the deadline out, 20 s a run.)
            deadline = time.time() + 20
            while "streamed packet ended" not in (server.data_dir / "server.log").read_text() and time.time() < deadline:
                time.sleep(0.05)
        return None
    proxy = linkproxy.LinkProxy(("127.0.0.1", server.port), faults=drop_first_packet)
    proxy.start()
    packets = []
    real_send = pipeline.Pipeline.send

    def send(pipe, method, path, body, content_type, nonce=None):
        # With faults the proxy lets the first request of each connection through and closes it:
        # the packets that reach the center are those written first on their connection (on the
        # first connection the probe goes first, and the packet written behind it goes again).
        if path.endswith("/packets") and not pipe.waiting:
            packets.append(packet_numbers(body, pipe.client.secret, nonce))
        return real_send(pipe, method, path, body, content_type, nonce)
    monkeypatch.setattr(pipeline.Pipeline, "send", send)
    try:
        kec_app = kecamatan_app(tmp_path / "kecamatan")
        all_numbers = fill_kecamatan(kec_app, COUNT, photo_size=(60, 80))
        enrol_kecamatan(kec_app, server.url, code, link_url=proxy.url)
        with kec_app.app_context(), kec_app.extensions["database"].connection_context():
            report = engine.sync_once(full=True, packet_bytes=24 * 1024)
    finally:
        proxy.close()
    assert cut["done"]
    first = packets[0]
    assert len(first) >= 4
    sent = [number for packet in packets for number in packet]
    kept = [number for number in first if sent.count(number) == 1]
    assert len(kept) >= 2  # whole items of the cut packet stayed at the center ...
    assert sent.count(first[-1]) == 2  # ... the one cut in half went again
    assert report.error == "" and report.failed == 0 and report.already >= len(kept)
    assert report.sent + report.already == COUNT
    assert set(kecamatan_statuses(kec_app).values()) == {"diterima_pusat"}
    assert_each_at_center_once(center_app, all_numbers)


@pytest.mark.parametrize("served_center", ["sqlite"], indirect=True)
def test_a_refused_streamed_request_is_answered_from_its_head_and_its_body_not_waited_for(served_center):
    """A stranger's streamed packet (a signature that does not check out) declaring 1 MB and
    sending 100 bytes: the center refuses it from the head and closes the connection, instead of
    holding one of its threads to read a body that may come slowly or never."""
    _, _, server = served_center
    sock = socket.create_connection(("127.0.0.1", server.port), timeout=30)
    head = (f"POST {PACKETS} HTTP/1.1\r\nHost: pusat\r\nContent-Type: {protocol.PACKET_CONTENT_TYPE}\r\n"
            f"Content-Length: 1000000\r\n{protocol.AUTH_HEADER}: k1.{int(time.time())}.{protocol.new_nonce()}.AAAA"
            "\r\n\r\n").encode()
    sock.sendall(head + protocol.PACKET_MAGIC + bytes(96))
    answer = b""
    while True:  # the whole answer, then the end of the connection (recv gives b"")
        chunk = sock.recv(65536)
        if not chunk:
            break
        answer += chunk
    sock.close()
    assert answer.startswith(b"HTTP/1.1 401"), answer[:200]


# --- what has arrived together is restored together (issue 45) ---------------------------------


@pytest.fixture
def order_of_work(monkeypatch):
    """Each application's restore ("restore") and store ("store") in the order the center does them."""
    from sync.center import records
    done = []
    restore, store = records.restore_packet_item, records.store_restored

    def restoring(*args, **kwargs):
        done.append("restore")
        return restore(*args, **kwargs)

    def storing(*args, **kwargs):
        done.append("store")
        return store(*args, **kwargs)
    monkeypatch.setattr(records, "restore_packet_item", restoring)
    monkeypatch.setattr(records, "store_restored", storing)
    return done


@pytest.fixture
def cheroot_center(center_app):
    """The center app on its real cheroot server in a thread of this process: its port."""
    import threading
    from sync.center.server import center_server
    server = center_server(center_app, "127.0.0.1", 0, 2, 8 * 1024 * 1024)
    server.prepare()
    threading.Thread(target=server.serve, daemon=True).start()
    yield server.bind_addr[1]
    server.stop()


def packet_request(key, items) -> tuple[bytes, bytes, list[int]]:
    """(the signed request's head, its packet body, where each item ends in the body)."""
    nonce = protocol.new_nonce()
    body = sealed_packet(items, key[1], nonce)
    signer = CenterClient("http://pusat.invalid", key[0], key[1])
    headers, _ = signer.signed_headers("POST", PACKETS, body, protocol.PACKET_CONTENT_TYPE, nonce)
    head = "".join(f"{name}: {value}\r\n" for name, value in headers.items())
    request = f"POST {PACKETS} HTTP/1.1\r\nHost: pusat\r\nContent-Length: {len(body)}\r\n{head}\r\n".encode()
    return request, body, item_ends(body, key[1], nonce)


def packet_answer(sock) -> list[str]:
    import http.client
    response = http.client.HTTPResponse(sock)
    response.begin()
    answer = response.read()
    assert response.status == 200, answer
    if response.getheader("Content-Type", "").startswith(protocol.JSON_DEFLATE):
        answer = protocol.inflate(answer, 1 << 20)
    return [result["result"] for result in json.loads(answer)["results"]]


def send_at_once(port: int, key, items) -> list[str]:
    """The packet of `items` written whole in one go on a new connection: its results."""
    request, body, _ = packet_request(key, items)
    with socket.create_connection(("127.0.0.1", port), timeout=30) as sock:
        sock.sendall(request + body)
        return packet_answer(sock)


@pytest.mark.parametrize("center_app", ["sqlite"], indirect=True)
def test_applications_that_arrived_together_are_restored_together_then_stored_in_order(
        center_app, enrolled, cheroot_center, order_of_work):
    """Found by the night's CPU account: the record's rules and the store ran 2-3x slower right after
    each photo's restore. A packet whose items are all here is restored first, then stored."""
    items = [packet_item(n) for n in range(1, 5)]
    assert send_at_once(cheroot_center, enrolled[1], items) == ["stored"] * 4
    assert order_of_work == ["restore"] * 4 + ["store"] * 4
    assert stored_numbers() == set(numbers(items))


@pytest.mark.parametrize("center_app", ["sqlite"], indirect=True)
def test_what_has_arrived_is_stored_before_the_center_waits_for_more(center_app, enrolled, cheroot_center,
                                                                    order_of_work):
    """Two items whole and a third begun: the two are stored while the third is still on its way (a
    link that dies now loses nothing that arrived), then the rest, arrived together, likewise."""
    _, key = enrolled
    items = [packet_item(n) for n in range(1, 5)]
    request, body, ends = packet_request(key, items)
    with socket.create_connection(("127.0.0.1", cheroot_center), timeout=30) as sock:
        sock.sendall(request + body[:ends[1] + 10])
        deadline = time.time() + 20
        while stored_numbers() != set(numbers(items)[:2]) and time.time() < deadline:
            time.sleep(0.02)
        assert stored_numbers() == set(numbers(items)[:2])
        assert order_of_work == ["restore", "restore", "store", "store"]
        sock.sendall(body[ends[1] + 10:])
        assert packet_answer(sock) == ["stored"] * 4
    assert order_of_work == ["restore", "restore", "store", "store"] * 2


@pytest.mark.parametrize("center_app", ["sqlite"], indirect=True)
def test_a_center_that_cannot_tell_what_has_arrived_stores_each_as_it_comes(center_app, enrolled, cheroot_center,
                                                                           order_of_work, monkeypatch):
    """A socket that cannot be peeked at (cheroot's own TLS) tells nothing: the center then stores each
    application before it reads the next, as it did before."""
    from sync.center import server
    monkeypatch.setattr(server, "bytes_waiting", lambda connection, wanted: 0)
    assert send_at_once(cheroot_center, enrolled[1], [packet_item(n) for n in range(1, 4)]) == ["stored"] * 3
    assert order_of_work == ["restore", "store"] * 3


class _Connection:
    """What bytes_waiting reads of a cheroot connection: its buffered reader and its socket."""

    def __init__(self, sock, buffered: bytes = b""):
        self.socket, self.rfile = sock, type("Reader", (), {"_read_buf": buffered, "_read_pos": 0})()


def test_bytes_waiting_peeks_at_what_has_arrived_and_never_waits_or_takes_it():
    from sync.center.server import bytes_waiting
    here, there = socket.socketpair()
    with here, there:
        here.settimeout(60)  # as cheroot's: a read would wait for a minute
        started = time.monotonic()
        assert bytes_waiting(_Connection(here), 1000) == 0
        assert time.monotonic() - started < 1
        there.sendall(b"x" * 700)
        deadline = time.time() + 5
        while bytes_waiting(_Connection(here), 1000) < 700 and time.time() < deadline:
            time.sleep(0.01)
        assert bytes_waiting(_Connection(here), 1000) == 700
        assert bytes_waiting(_Connection(here, buffered=b"y" * 400), 1000) == 1000  # 400 read ahead + 600 peeked
        assert bytes_waiting(_Connection(here, buffered=b"y" * 400), 300) == 400
        assert here.recv(1000) == b"x" * 700  # nothing was taken
        there.close()
        assert bytes_waiting(_Connection(here), 1000) == 0  # the peer gone: the read that follows says so


def test_applications_stored_together_get_the_outcomes_they_get_one_by_one(center_db, enrolled):
    """records.store_packet_items against store_packet_item: a good one, one damaged on the way
    (retry), one the rules refuse, one held already (duplicate), one held with other content
    (conflict), in order, and the same rows."""
    from sync.center import records
    kecamatan, _ = enrolled
    good, damaged, refused, held = (packet_item(n, photo=numbered_photo_jpeg(n)) for n in (1, 2, 3, 4))
    damaged = (dict(damaged[0], photo_codec=jpeg_transit.PLAIN), jpeg_transit.compress(numbered_photo_jpeg(20), jpeg_transit.PLAIN))
    refused = packet_item(3, record=dict(refused[0]["record"], sex="X"))
    other = packet_item(4, record=dict(held[0]["record"], address="Jalan Lain 9"))
    assert records.store_packet_item(kecamatan, *held).result == "stored"
    together = records.store_packet_items(kecamatan, [good, damaged, refused, held, other])
    assert [o.result for o in together] == ["stored", "retry", "rejected", "duplicate", "conflict"]
    assert together[2].reason == "isian sex tidak sah: Pilih jenis kelamin: Laki-laki atau Perempuan."
    again = [records.store_packet_item(kecamatan, *item) for item in (good, damaged, refused, held, other)]
    assert [(o.result, o.reason) for o in again] == [("duplicate", ""), *[(o.result, o.reason) for o in together[1:]]]
    assert stored_numbers() == {good[0]["id"], held[0]["id"]}


def test_one_person_twice_among_applications_stored_together_gets_one_card_in_the_making(center_db, enrolled):
    """Two counter PCs accepted the same person under two numbers and both arrive in one group: the
    second is refused as it is one by one (on SQLite the group shares one transaction)."""
    from sync.center import records
    kecamatan, _ = enrolled
    first = packet_item(1)
    second = packet_item(2, record=dict(packet_item(2)[0]["record"], nik=first[0]["record"]["nik"]))
    outcomes = records.store_packet_items(kecamatan, [first, second, packet_item(3)])
    assert [o.result for o in outcomes] == ["stored", "rejected", "stored"]
    assert first[0]["id"] in outcomes[1].reason
    assert stored_numbers() == {first[0]["id"], packet_item(3)[0]["id"]}


def test_applications_stored_together_are_all_kept_or_none_answered(center_db, enrolled, monkeypatch):
    """A failure while a group is stored (the disk, the database) answers none of it as stored: the
    kecamatan sends them again, and none is held twice."""
    from sync.center import records
    kecamatan, _ = enrolled
    items = [packet_item(n) for n in range(1, 4)]
    real = records.store_restored

    def failing_third(kecamatan, restored, *args, **kwargs):
        if restored.header["id"] == items[2][0]["id"]:
            raise OSError("disk full")
        return real(kecamatan, restored, *args, **kwargs)
    monkeypatch.setattr(records, "store_restored", failing_third)
    with pytest.raises(OSError):
        records.store_packet_items(kecamatan, items)
    held = stored_numbers()
    monkeypatch.setattr(records, "store_restored", real)
    again = records.store_packet_items(kecamatan, items)
    assert [o.result for o in again] == ["duplicate" if items[n][0]["id"] in held else "stored" for n in range(3)]
    assert stored_numbers() == set(numbers(items))
