"""Photos recompressed in transit (Lepton) and the protocol version both ends agree on.

The center must store and hash the very JPEG the counter took; a photo Lepton cannot take, or
whose round trip differs, travels as it is; a stream damaged on the way is caught by the
center's content-hash check and sent again; a center of an older protocol is refused clearly.
"""
import hashlib
import json
import io

import pytest
from flask import jsonify
from PIL import Image

from app.registration.models import Application, ApplicationPhoto
from sync import jpeg_transit, protocol
from sync.center.models import ReceivedApplication
from sync.client import engine
from sync.client.models import OutboxItem, PhotoTransit
from sync.client.transport import Refused
from tests.sync.invariants import packet_items
from tests.sync.test_client import FlaskSession, client_of, kecamatan, run, statuses  # noqa: F401  fixtures

# Lepton has no wheel for every supported Python (pyproject.toml); tests/sync/test_without_lepton.py
# covers a PC without it.
lepton_jpeg_python = pytest.importorskip("lepton_jpeg_python")


class RecordingSession(FlaskSession):
    """The in-process center, keeping every packet body of applications that went to it (the public
    status records, issue 28, go to /public/packets beside them)."""

    def __init__(self, center_app):
        super().__init__(center_app)
        self.packets, self.heads, self.items = [], [], []

    def request(self, method, url, data=None, **kwargs):
        if url.endswith("/packets") and not url.endswith("/public/packets"):
            self.packets.append(data)
            self.heads.append(kwargs.get("headers") or {})
            # read now, in the pass: a packet's tags need the key and the request's nonce
            nonce = protocol.request_credentials(self.heads[-1])[2]
            self.items.extend(packet_items(data, engine.current_link().secret, nonce))
        return super().request(method, url, data=data, **kwargs)


def local_photos() -> dict:
    return {a.registration_number: bytes(ApplicationPhoto.get(ApplicationPhoto.application == a).jpeg)
            for a in Application.select()}


def center_photos() -> dict:
    return {r.registration_number: (bytes(r.photo), r.photo_sha256) for r in ReceivedApplication.select()}


def sent_items(session) -> list[tuple[dict, bytes]]:
    return session.items


def replace_photo(number: str, photo: bytes) -> None:
    """A different photo for a complete application, with its outbox row written afresh."""
    from app.frame.db import database
    from app.registration.status import ApplicationStatus as S
    from sync.client.models import OutboxItem
    from app.registration.sync_records import write_outbox
    with database.atomic():
        application = Application.get(Application.registration_number == number)
        (ApplicationPhoto.update(jpeg=photo, sha256=hashlib.sha256(photo).hexdigest())
         .where(ApplicationPhoto.application == application).execute())
        OutboxItem.delete().where((OutboxItem.source_id == application.id) & (OutboxItem.kind == "permohonan")).execute()
        write_outbox(application, S.RECEIVED, S.COMPLETE)


def cmyk_jpeg() -> bytes:
    out = io.BytesIO()
    Image.effect_noise((60, 80), 40).convert("CMYK").save(out, "JPEG")
    return out.getvalue()


def test_center_stores_and_hashes_the_original_jpeg_of_a_recompressed_photo(kecamatan, center_app, center_db):
    session = RecordingSession(center_app)
    with kecamatan.app_context(), kecamatan.extensions["database"].connection_context():
        report = engine.sync_once(client=client_of(center_app, session))
        taken = local_photos()
    assert report.error == "" and report.sent == 3
    items = sent_items(session)
    assert all(body[:4] == protocol.PACKET_MAGIC for body in session.packets)
    assert all(head["Content-Type"] == protocol.PACKET_CONTENT_TYPE for head in session.heads)
    assert [h.get("photo_codec") for h, _ in items] == [jpeg_transit.CODEC] * 3
    assert sum(len(wire) for _, wire in items) < sum(len(p) for p in taken.values())
    stored = center_photos()
    for number, photo in taken.items():
        assert stored[number] == (photo, hashlib.sha256(photo).hexdigest())
    # A packet claims the content hash's check only; the center computes and keeps the whole hash.
    with kecamatan.app_context(), kecamatan.extensions["database"].connection_context():
        sent = {o.registration_number: o.content_hash for o in OutboxItem.select().where(OutboxItem.kind == "permohonan")}
    assert all(len(h["hash"]) == protocol.HASH_CHECK_CHARS and sent[h["id"]].startswith(h["hash"]) for h, _ in items)
    assert {r.registration_number: r.content_hash for r in ReceivedApplication.select()} == sent


def test_a_photo_lepton_refuses_travels_as_it_is(kecamatan, center_app, center_db):
    photo = cmyk_jpeg()
    with pytest.raises(RuntimeError):
        lepton_jpeg_python.compress_bytes(photo, {})  # the premise: Lepton has no 4-channel JPEG
    session = RecordingSession(center_app)
    with kecamatan.app_context(), kecamatan.extensions["database"].connection_context():
        replace_photo("350807-01-000002", photo)
        report = engine.sync_once(client=client_of(center_app, session))
    assert report.sent == 3 and report.failed == 0
    codecs = {h["id"]: h.get("photo_codec") for h, _ in sent_items(session)}
    assert codecs == {"350807-01-000001": jpeg_transit.CODEC, "350807-01-000002": None,
                      "350807-01-000003": jpeg_transit.CODEC}
    assert center_photos()["350807-01-000002"][0] == photo


def test_a_photo_whose_round_trip_differs_travels_as_it_is(monkeypatch):
    original = noise_jpeg(30)
    assert jpeg_transit.compress(original) is not None
    real = lepton_jpeg_python.decompress_bytes

    def decompress_with_one_bit_off(data):
        jpeg = real(data)
        return jpeg[:300] + bytes([jpeg[300] ^ 1]) + jpeg[301:]
    monkeypatch.setattr(lepton_jpeg_python, "decompress_bytes", decompress_with_one_bit_off)
    assert jpeg_transit.compress(original) is None


def noise_jpeg(seed_sigma: int) -> bytes:
    out = io.BytesIO()
    Image.effect_noise((60, 80), seed_sigma).convert("RGB").save(out, "JPEG")
    return out.getvalue()


@pytest.mark.parametrize("how", ["garbled", "another-photo"])
def test_a_damaged_recompressed_photo_is_refused_by_the_hash_check_and_sent_again(
        kecamatan, center_app, center_db, monkeypatch, how):
    real, calls = jpeg_transit.compress, []
    # "another-photo" is a valid Lepton stream of a different JPEG: only the content hash can tell.
    other = real(noise_jpeg(25))

    def compress_then_damage_the_first(photo, codec=jpeg_transit.CODEC):
        packed = real(photo, codec)
        calls.append(photo)
        if len(calls) > 1:
            return packed
        return packed[:40] + bytes(b ^ 0x5A for b in packed[40:80]) + packed[80:] if how == "garbled" else other
    monkeypatch.setattr(jpeg_transit, "compress", compress_then_damage_the_first)
    session = RecordingSession(center_app)
    with kecamatan.app_context(), kecamatan.extensions["database"].connection_context():
        PhotoTransit.delete().execute()  # streams made on the fly (test_photo_streams_made_ahead: kept ones)
        report = engine.sync_once(client=client_of(center_app, session))
        taken = local_photos()
        final = statuses()
    assert report.error == "" and report.sent == 3 and report.failed == 0 and report.rejected == 0
    assert set(final.values()) == {"diterima_pusat"}
    sent = sent_items(session)
    assert len(sent) == 4  # three, then the damaged one again, as it is
    assert sent[-1][0]["id"] == sent[0][0]["id"]
    assert sent[-1][0].get("photo_codec") is None and sent[-1][1] == taken[sent[-1][0]["id"]]
    assert {n: p for n, (p, _) in center_photos().items()} == taken


def test_the_center_answers_retry_not_rejected_for_a_damaged_stream(center_db, enrolled):
    from sync.center import records
    from tests.sync.helpers import packet_item
    kecamatan_row, _ = enrolled
    header, photo = packet_item(1, photo=noise_jpeg(30))
    damaged = jpeg_transit.compress(noise_jpeg(31))
    outcome = records.store_packet_item(kecamatan_row, dict(header, photo_codec=jpeg_transit.CODEC), damaged)
    assert outcome.result == "retry" and "kirim ulang" in outcome.reason
    assert ReceivedApplication.select().count() == 0
    good = records.store_packet_item(kecamatan_row, dict(header, photo_codec=jpeg_transit.CODEC), jpeg_transit.compress(photo))
    assert good.result == "stored"
    assert bytes(ReceivedApplication.get().photo) == photo


def old_center_probe(center_app):
    """The probe of a protocol-1 center: no version range, no codecs."""
    from flask import g

    def probe():
        return jsonify({"center": "Pusat lama", "kecamatan_code": g.kecamatan.code, "protocol": 1})
    center_app.view_functions["center_api.probe"] = probe


def test_a_center_older_than_this_protocol_is_refused_clearly_and_nothing_goes(kecamatan, center_app, center_db):
    """One protocol version: a center announcing an older one (version 1 here: no codecs, LKP1
    packets) is refused by the negotiation the probe keeps, and the clerk reads what to do."""
    old_center_probe(center_app)
    session = RecordingSession(center_app)
    with kecamatan.app_context(), kecamatan.extensions["database"].connection_context():
        report = engine.sync_once(client=client_of(center_app, session))
        final = statuses()
    assert "sudah tidak didukung" in report.error and session.packets == []
    assert set(final.values()) == {"lengkap"} and center_photos() == {}


def test_a_center_that_needs_a_newer_kecamatan_is_refused_clearly(kecamatan, center_app, center_db):
    from flask import g

    def probe():
        return jsonify({"center": "Pusat baru", "kecamatan_code": g.kecamatan.code, "protocol": protocol.PROTOCOL_VERSION + 2,
                        "min_protocol": protocol.PROTOCOL_VERSION + 1})
    center_app.view_functions["center_api.probe"] = probe
    with kecamatan.app_context(), kecamatan.extensions["database"].connection_context():
        with pytest.raises(Refused, match="perbarui aplikasi Loket"):
            client_of(center_app).negotiate()
        report = engine.sync_once(client=client_of(center_app))
        final = statuses()
    assert "perbarui aplikasi Loket" in report.error
    assert set(final.values()) == {"lengkap"} and center_photos() == {}


def test_packet_format_refuses_codecs_it_does_not_know_and_recompressed_photos_where_they_do_not_belong():
    seal = ("secret", protocol.new_nonce())
    item = ({"id": "350807-01-000001", "photo_codec": "lepton"}, b"\xff\xd8\xff")
    with pytest.raises(protocol.PacketError):
        protocol.decode_packet(protocol.encode_packet([item], seal), seal)  # only the applications' endpoint
    strange = ({"id": "350807-01-000001", "photo_codec": "webp"}, b"\xff\xd8\xff")
    with pytest.raises(protocol.PacketError):
        protocol.StreamedPacket(io.BytesIO(body := protocol.encode_packet([strange], seal)).read, len(body),
                                *seal).open()
    plain = ({"id": "350807-01-000001"}, b"\xff\xd8\xff")
    assert protocol.decode_packet(protocol.encode_packet([plain], seal), seal)[0][0]["id"] == plain[0]["id"]


def intake_photo(seed: int) -> bytes:
    """A photo as the counter's intake makes it (300 x 400, optimised Huffman tables)."""
    from app.frame.applicant_photo import normalise_photo
    out = io.BytesIO()
    image = Image.effect_noise((600, 800), 10 + seed).convert("RGB")
    image.paste((180, 40, 40), (0, 0, 600, 200))
    image.save(out, "JPEG", quality=92)
    return normalise_photo(out.getvalue()).jpeg


def test_the_compact_lepton_head_is_smaller_and_gives_back_the_very_jpeg():
    for seed in range(3):
        photo = intake_photo(seed)
        plain, compact = jpeg_transit.compress(photo, "lepton"), jpeg_transit.compress(photo, "lepton-hz")
        assert plain is not None and compact is not None
        assert len(compact) < len(plain) - 100  # the head's fixed fields and tables, against the dictionary
        assert jpeg_transit.decompress(compact, "lepton-hz") == photo
        assert jpeg_transit.decompress(plain, "lepton") == photo
        assert jpeg_transit.decompress(compact, "lepton") is None  # one codec's stream is not the other's


@pytest.mark.parametrize("damage", ["head", "length", "image", "cut"])
def test_a_damaged_compact_stream_does_not_decode(damage):
    photo = intake_photo(1)
    wire = jpeg_transit.compress(photo, "lepton-hz")
    if damage == "head":
        wire = wire[:2] + bytes(b ^ 0x33 for b in wire[2:12]) + wire[12:]
    elif damage == "length":
        wire = b"\xff\xff" + wire[2:]
    elif damage == "image":
        wire = wire[:-400] + bytes(b ^ 0x5A for b in wire[-400:-300]) + wire[-300:]
    else:
        wire = wire[:len(wire) // 2]
    assert jpeg_transit.decompress(wire, "lepton-hz") != photo


def sync_with_a_center_of(kecamatan, center_app, version: int, codecs: list):
    """One pass against a center whose probe announces `version` and `codecs`; (session, photos taken)."""
    from flask import g

    def probe():
        return jsonify({"center": "Pusat", "kecamatan_code": g.kecamatan.code, "protocol": version,
                        "min_protocol": version, "photo_codecs": codecs})
    center_app.view_functions["center_api.probe"] = probe
    session = RecordingSession(center_app)
    with kecamatan.app_context(), kecamatan.extensions["database"].connection_context():
        report = engine.sync_once(client=client_of(center_app, session))
        taken = local_photos()
    assert report.error == "" and report.sent == 3
    assert {n: p for n, (p, _) in center_photos().items()} == taken
    return session


def test_a_center_that_decodes_only_plain_lepton_gets_plain_lepton(kecamatan, center_app, center_db):
    session = sync_with_a_center_of(kecamatan, center_app, protocol.PROTOCOL_VERSION, ["lepton"])
    assert [h.get("photo_codec") for h, _ in sent_items(session)] == ["lepton"] * 3


def test_every_kind_travels_in_the_one_packet_format_signed_in_the_short_header(kecamatan, center_app, center_db):
    """Applications and the public status records beside them (issue 28): every packet of the pass
    is the one format, under its content type, signed in the one short header."""
    session = RecordingSession(center_app)
    bodies = []
    real_request = session.request

    def request(method, url, data=None, **kwargs):
        if url.split("?")[0].endswith("/packets"):
            bodies.append((url, data, kwargs.get("headers") or {}))
        return real_request(method, url, data=data, **kwargs)
    session.request = request
    with kecamatan.app_context(), kecamatan.extensions["database"].connection_context():
        report = engine.sync_once(client=client_of(center_app, session))
    assert report.error == "" and report.sent == 3
    assert {url.rsplit("/api/v1", 1)[1].split("?")[0] for url, _, _ in bodies} == {"/packets", "/public/packets"}
    assert all(body[:4] == protocol.PACKET_MAGIC for _, body, _ in bodies)
    assert all(head["Content-Type"] == protocol.PACKET_CONTENT_TYPE
               and set(head) == {protocol.AUTH_HEADER, protocol.VERSION_HEADER, "Content-Type"} for _, _, head in bodies)


def packet_of(items, seal=("secret", "0" * 32)):
    return engine._encode([(dict(h, photo_codec="lepton-hz"), jpeg_transit.compress(p, "lepton-hz")) for h, p in items],
                          seal)


def attach_heads(items, section):
    """Each `lepton-hz` photo of a packet as Lepton's own stream, the center's way one by one
    (sync/jpeg_transit.py split_heads, attach_head)."""
    heads = jpeg_transit.split_heads([header for header, _ in items], section)
    return [jpeg_transit.attach_head(header, image, heads) for header, image in items]


def split(body, seal=("secret", "0" * 32)):
    packet = protocol.StreamedPacket(io.BytesIO(body).read, len(body), *seal).open()
    return list(packet.items()), packet.photo_heads


def test_a_packet_joins_the_photos_lepton_heads_and_shortens_the_hash():
    """The bytes issue 16 counts: an applications' packet saves ~25 bytes of hash and ~55 bytes of
    Lepton head a photo against the same items whole, and the center gets every original JPEG back."""
    from tests.sync.helpers import packet_item
    from tests.support.factory import numbered_photo_jpeg
    items = [packet_item(n, photo=numbered_photo_jpeg(n, size=(240, 320))) for n in range(1, 9)]
    whole = protocol.encode_packet([(dict(h, photo_codec="lepton-hz"), jpeg_transit.compress(p, "lepton-hz"))
                                    for h, p in items], ("secret", "0" * 32))
    packet = packet_of(items)
    assert len(packet) < len(whole) - 8 * 50
    decoded, heads = split(packet)
    assert [h["hash"] for h, _ in decoded] == [h["hash"][:16] for h, _ in items]
    assert all("id" not in h for h, _ in decoded)  # the record's registration_number says it
    assert [protocol.numbered(h)["id"] for h, _ in decoded] == [h["id"] for h, _ in items]
    restored = attach_heads(decoded, heads)
    assert [jpeg_transit.decompress(wire, h["photo_codec"]) for h, wire in restored] == [p for _, p in items]
    with pytest.raises(protocol.PacketError):
        protocol.decode_packet(packet, ("secret", "0" * 32))  # the other endpoints take photos as they are


def test_a_photo_whose_check_does_not_match_is_sent_again_and_a_plain_one_refused(center_db, enrolled):
    from sync.center import records
    from tests.sync.helpers import packet_item
    kecamatan_row, _ = enrolled
    (header, photo), (plain_header, plain_photo) = packet_item(1), packet_item(2)
    decoded, heads = split(packet_of([(dict(header, hash="0" * 64), photo)]))
    (wrong, wire), = attach_heads(decoded, heads)
    assert records.store_packet_item(kecamatan_row, wrong, wire, short_hash=True).result == "retry"
    plain = dict(plain_header, hash=plain_header["hash"][:16])
    assert records.store_packet_item(kecamatan_row, plain, plain_photo).result == "rejected"  # other kinds: whole hash
    outcome = records.store_packet_item(kecamatan_row, plain, plain_photo, short_hash=True)
    assert outcome.result == "stored"
    assert ReceivedApplication.get().content_hash == plain_header["hash"]


def test_an_answer_has_one_result_per_application_in_the_packets_order(center_app, enrolled):
    from types import SimpleNamespace
    from sync.client.link_down import LinkDown
    from tests.sync.helpers import call, packet_item
    _, key = enrolled
    items = [packet_item(n) for n in range(1, 4)]
    nonce = protocol.new_nonce()
    answer = call(center_app.test_client(), key, "POST", "/api/v1/packets", packet_of(items, (key[1], nonce)),
                  protocol.PACKET_CONTENT_TYPE, nonce=nonce).get_json()
    assert answer == {"results": [{"result": "stored", "seq": n} for n in range(1, 4)]}
    batch = [SimpleNamespace(registration_number=h["id"], version=1) for h, _ in items]
    body = json.dumps(answer).encode()
    results, page = engine._packet_answer(body, batch)
    assert results[(items[2][0]["id"], 1)] == {"result": "stored", "seq": 3} and page is None
    with pytest.raises(LinkDown):  # a result short: which one is missing cannot be told
        engine._packet_answer(json.dumps({"results": answer["results"][:2]}).encode(), batch)


def test_photo_streams_are_made_when_the_application_becomes_complete_and_the_pass_uses_them(
        kecamatan, center_app, center_db, monkeypatch):
    with kecamatan.app_context(), kecamatan.extensions["database"].connection_context():
        kept = {row.photo_sha256: bytes(row.stream) for row in PhotoTransit.select()}
        assert set(kept) == {item.photo_sha256 for item in OutboxItem.select().where(OutboxItem.kind == "permohonan")}
        assert all(row.codec == jpeg_transit.CODEC for row in PhotoTransit.select())
        replace_photo("350807-01-000002", noise_jpeg(40))  # a changed photo gets its own stream
        changed = OutboxItem.get(OutboxItem.registration_number == "350807-01-000002").photo_sha256
        assert changed not in kept and PhotoTransit.get_or_none(photo_sha256=changed) is not None

        def no_compress_in_the_pass(photo, codec=jpeg_transit.CODEC):
            raise AssertionError("the pass compressed a photo that had its stream")
        monkeypatch.setattr(jpeg_transit, "compress", no_compress_in_the_pass)
        session = RecordingSession(center_app)
        report = engine.sync_once(client=client_of(center_app, session))
        taken = local_photos()
        assert report.error == "" and report.sent == 3
        assert {h["id"]: h.get("photo_codec") for h, _ in sent_items(session)} == dict.fromkeys(taken, jpeg_transit.CODEC)
        assert {n: p for n, (p, _) in center_photos().items()} == taken
        assert PhotoTransit.select().count() == 0  # acknowledged: the streams are not kept


def test_a_kept_stream_damaged_at_rest_is_caught_by_the_center_and_sent_as_it_is(kecamatan, center_app, center_db):
    with kecamatan.app_context(), kecamatan.extensions["database"].connection_context():
        row = PhotoTransit.select().first()
        stream = bytes(row.stream)
        (PhotoTransit.update(stream=stream[:60] + bytes(b ^ 0x5A for b in stream[60:90]) + stream[90:])
         .where(PhotoTransit.photo_sha256 == row.photo_sha256).execute())
        session = RecordingSession(center_app)
        report = engine.sync_once(client=client_of(center_app, session))
        taken = local_photos()
    assert report.error == "" and report.sent == 3 and report.failed == 0
    assert len(sent_items(session)) == 4 and sent_items(session)[-1][0].get("photo_codec") is None
    assert {n: p for n, (p, _) in center_photos().items()} == taken


def test_a_photo_lepton_refuses_is_kept_as_travelling_as_it_is(kecamatan):
    with kecamatan.app_context(), kecamatan.extensions["database"].connection_context():
        replace_photo("350807-01-000003", cmyk_jpeg())
        sha = OutboxItem.get(OutboxItem.registration_number == "350807-01-000003").photo_sha256
        row = PhotoTransit.get(photo_sha256=sha)
        assert row.stream is None
