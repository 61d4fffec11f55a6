"""The center API: signed requests only, whole applications only, idempotent, replay-proof."""
import json
import struct

import pytest

from sync import protocol
from sync.center.models import Conflict, ReceivedApplication, StatusEvent, UsedNonce
from tests.sync.helpers import call, packet_call, packet_item, record_for
from tests.support.factory import kecamatan_row, numbered_photo_jpeg, person_name

PACKETS = "/api/v1/packets"


def send(client, key, items):
    return packet_call(client, key, PACKETS, items)


def stored_count():
    return ReceivedApplication.select().count()


def test_probe_answer_is_signed_over_our_nonce(center_app, enrolled):
    _, key = enrolled
    nonce = protocol.new_nonce()
    response = call(center_app.test_client(), key, "GET", "/api/v1/probe", nonce=nonce)
    assert response.status_code == 200
    assert response.headers[protocol.HEADER_SIGNATURE] == protocol.sign_response(key[1], nonce, 200, response.data)


def test_api_answers_carry_what_the_protocol_needs_and_pages_the_full_security_headers(center_app, enrolled):
    """Every byte of an answer crosses the 256 kbit/s link, ~20 answers a pass (issue 16). An answer
    to a signed request is read by the key's holder only and never rendered: it carries its length,
    type and signature, `no-store` where a cache could keep it (GET), no security headers and no
    `Vary: Cookie`. Anything unsigned (a browser, a stranger) keeps nosniff, no-store and a policy
    that loads and frames nothing; pages keep their long set."""
    _, key = enrolled
    client = center_app.test_client()
    probe = call(client, key, "GET", "/api/v1/probe")
    packet = packet_call(client, key, PACKETS, [packet_item(1)])
    assert probe.status_code == packet.status_code == 200
    assert set(probe.headers.keys()) == {"Content-Type", "Content-Length", protocol.HEADER_SIGNATURE, "Cache-Control"}
    assert probe.headers["Cache-Control"] == "no-store"
    assert set(packet.headers.keys()) == {"Content-Type", "Content-Length", protocol.HEADER_SIGNATURE}
    client.set_cookie("loket_center_session", "anything")  # an operator's cookie means nothing to the API
    assert "Vary" not in call(client, key, "GET", "/api/v1/probe").headers
    refused = center_app.test_client().get("/api/v1/probe")
    assert refused.status_code == 401
    assert refused.headers["X-Content-Type-Options"] == "nosniff"
    assert refused.headers["Content-Security-Policy"] == "default-src 'none'; frame-ancestors 'none'"
    assert refused.headers["Cache-Control"] == "no-store"
    assert "Permissions-Policy" not in refused.headers and "Referrer-Policy" not in refused.headers
    page = center_app.test_client().get("/masuk")
    assert "Permissions-Policy" in page.headers and "script-src 'self'" in page.headers["Content-Security-Policy"]


def test_a_request_signed_in_the_short_header_is_checked_like_the_long_one(center_app, enrolled):
    """Protocol 5's one header (key, time, nonce, base64url HMAC): the same key, window, signature
    and nonce checks; the answer is signed in base64url and its JSON deflated without `Accept`."""
    import time as clock
    from sync.center import records
    kecamatan_row, key = enrolled
    for n in range(1, 6):  # events enough for an answer worth deflating
        assert records.store_application(kecamatan_row, *packet_item(n)).result == "stored"
    client = center_app.test_client()

    def short(path, nonce=None, secret=key[1], timestamp=None):
        timestamp, nonce = str(timestamp or int(clock.time())), nonce or protocol.new_nonce()
        signature = protocol.sign_request(secret, "GET", path, timestamp, nonce, b"")
        return nonce, {protocol.AUTH_HEADER: protocol.auth_header(key[0], timestamp, nonce, signature)}

    nonce, headers = short("/api/v1/statuses?after=0&limit=500")
    answer = client.get("/api/v1/statuses?after=0&limit=500", headers=headers)
    assert answer.status_code == 200 and answer.mimetype == protocol.JSON_DEFLATE
    expected = protocol.sign_response(key[1], nonce, 200, answer.data)
    assert answer.headers[protocol.HEADER_SIGNATURE] == protocol.compact_signature(expected)
    assert client.get("/api/v1/statuses?after=0&limit=500", headers=headers).status_code == 401  # replayed
    assert client.get("/api/v1/statuses?after=1&limit=500", headers=short("/api/v1/statuses?after=0&limit=500")[1]
                      ).status_code == 401  # another query than the one signed
    assert client.get("/api/v1/probe", headers=short("/api/v1/probe", secret="bukan-rahasianya")[1]).status_code == 401
    assert client.get("/api/v1/probe", headers={protocol.AUTH_HEADER: "kurang bagian"}).status_code == 401
    skewed = client.get("/api/v1/probe", headers=short("/api/v1/probe", timestamp=int(clock.time()) - 3600)[1])
    assert skewed.status_code == 401 and protocol.HEADER_SIGNATURE in skewed.headers  # signed: the clock is off
    assert call(client, key, "GET", "/api/v1/probe").status_code == 200  # the long form still works


def test_manifest_then_packets_store_each_application_once(center_app, enrolled, center_db):
    _, key = enrolled
    client = center_app.test_client()
    items = [packet_item(n) for n in range(1, 6)]
    manifest = [{"id": h["id"], "version": 1, "hash": h["hash"], "size": len(p)} for h, p in items]
    answer = call(client, key, "POST", "/api/v1/manifest", {"items": manifest}).get_json()
    assert len(answer["need"]) == 5 and answer["have"] == []
    results = send(client, key, items).get_json()["results"]
    assert [r["result"] for r in results] == ["stored"] * 5
    again = send(client, key, items).get_json()["results"]
    assert [r["result"] for r in again] == ["duplicate"] * 5
    assert stored_count() == 5
    answer = call(client, key, "POST", "/api/v1/manifest", {"items": manifest}).get_json()
    assert answer["need"] == [] and len(answer["have"]) == 5
    stored = ReceivedApplication.get(ReceivedApplication.registration_number == "350807-01-000001")
    assert bytes(stored.photo) == items[0][1] and stored.photo_width == 120


def test_the_manifest_tells_each_held_version_its_events_as_a_duplicate_packet_would(center_app, enrolled, center_db):
    """Its events come 500 applications a query: each held version gets its own, in seq order, also when
    the same one is offered twice."""
    from sync.center import records
    _, key = enrolled
    client = center_app.test_client()
    items = [packet_item(n) for n in range(1, 4)]
    send(client, key, items)
    second = ReceivedApplication.get(ReceivedApplication.registration_number == items[1][0]["id"])
    with center_db.atomic():
        records.add_event(second, "printed")
        records.add_event(second, "shipped")
    duplicates = send(client, key, items).get_json()["results"]
    manifest = [{"id": h["id"], "version": 1, "hash": h["hash"]} for h, _ in items]
    answer = call(client, key, "POST", "/api/v1/manifest", {"items": manifest + manifest[1:2]}).get_json()
    assert [entry["id"] for entry in answer["have"]] == [h["id"] for h, _ in items] + [items[1][0]["id"]]
    assert [entry["events"] for entry in answer["have"][:3]] == [d["events"] for d in duplicates]
    assert [e["status"] for e in answer["have"][1]["events"]] == ["received", "printed", "shipped"]
    assert answer["have"][3]["events"] == answer["have"][1]["events"]


def test_same_number_different_content_is_a_conflict_kept_for_a_person(center_app, enrolled, center_db):
    _, key = enrolled
    client = center_app.test_client()
    send(client, key, [packet_item(1)])
    changed = dict(record_for(1), full_name="Nama Lain")
    result = send(client, key, [packet_item(1, record=changed)]).get_json()["results"][0]
    assert result["result"] == "conflict"
    assert stored_count() == 1
    assert ReceivedApplication.get().full_name == person_name(1)
    assert Conflict.select().count() == 1


def test_new_version_after_rejection_is_stored_beside_the_old(center_app, enrolled, center_db):
    _, key = enrolled
    client = center_app.test_client()
    send(client, key, [packet_item(1)])
    result = send(client, key, [packet_item(1, version=2, record=dict(record_for(1), address="Baru"))]).get_json()
    assert result["results"][0]["result"] == "stored"
    assert stored_count() == 2


def test_statuses_come_by_cursor_in_order(center_app, enrolled, center_db):
    _, key = enrolled
    client = center_app.test_client()
    send(client, key, [packet_item(n) for n in range(1, 4)])
    page = call(client, key, "GET", "/api/v1/statuses?after=0&limit=2").get_json()
    assert [e["seq"] for e in page["events"]] == [1, 2] and page["more"] is True
    rest = call(client, key, "GET", f"/api/v1/statuses?after={page['next']}&limit=2").get_json()
    assert [e["seq"] for e in rest["events"]] == [3] and rest["more"] is False
    assert {e["status"] for e in page["events"] + rest["events"]} == {"received"}


# --- refusals: nothing stored ----------------------------------------------------------------

def nothing_stored():
    return stored_count() == 0 and StatusEvent.select().count() == 0


def test_tampered_body_is_refused(center_app, enrolled, center_db):
    """The signature covers the head; the tampered item fails its MAC and nothing is stored."""
    _, key = enrolled
    nonce = protocol.new_nonce()
    body = protocol.encode_packet([packet_item(1)], (key[1], nonce))
    tampered = body[:-20] + b"0123456789" + body[-10:]
    response = call(center_app.test_client(), key, "POST", PACKETS, tampered, protocol.PACKET_CONTENT_TYPE, nonce=nonce)
    assert response.status_code == 400 and nothing_stored()


def test_wrong_key_is_refused(center_app, enrolled, center_db):
    _, key = enrolled
    response = send(center_app.test_client(), (key[0], "not-the-secret"), [packet_item(1)])
    assert response.status_code == 401 and nothing_stored()
    assert protocol.HEADER_SIGNATURE not in response.headers


def test_unknown_key_is_refused(center_app, enrolled, center_db):
    response = send(center_app.test_client(), ("350807-unknown", "x"), [packet_item(1)])
    assert response.status_code == 401 and nothing_stored()


def test_revoked_key_gets_nothing_in_and_nothing_out(center_app, enrolled, center_db):
    kecamatan, key = enrolled
    client = center_app.test_client()
    send(client, key, [packet_item(1)])
    from sync.center import keys as center_keys
    from sync.center.models import DeviceKey
    center_keys.revoke(DeviceKey.get(DeviceKey.key_id == key[0]))
    assert send(client, key, [packet_item(2)]).status_code == 401
    assert call(client, key, "GET", "/api/v1/statuses?after=0").status_code == 401
    assert call(client, key, "GET", "/api/v1/probe").status_code == 401
    assert stored_count() == 1


def test_replayed_request_is_refused(center_app, enrolled, center_db):
    _, key = enrolled
    nonce = protocol.new_nonce()
    body = protocol.encode_packet([packet_item(1)], (key[1], nonce))
    from tests.sync.helpers import signed_headers
    headers = signed_headers(key[0], key[1], "POST", PACKETS, None, nonce=nonce)
    client = center_app.test_client()
    first = client.post(PACKETS, data=body, headers=headers, content_type=protocol.PACKET_CONTENT_TYPE)
    assert first.status_code == 200
    StatusEvent.delete().execute()  # even if the row were gone, the replay must not restore it
    ReceivedApplication.delete().execute()
    again = client.post(PACKETS, data=body, headers=headers, content_type=protocol.PACKET_CONTENT_TYPE)
    assert again.status_code == 401 and nothing_stored()


def test_old_timestamp_is_refused(center_app, enrolled, center_db):
    _, key = enrolled
    response = packet_call(center_app.test_client(), key, PACKETS, [packet_item(1)], timestamp=1_000_000_000)
    assert response.status_code == 401 and nothing_stored()
    assert UsedNonce.select().count() == 0


def test_manifest_lying_about_the_hash_stores_nothing(center_app, enrolled, center_db):
    _, key = enrolled
    header, photo = packet_item(1)
    lie = dict(header, hash=protocol.sha256_hex(b"something else"))
    client = center_app.test_client()
    call(client, key, "POST", "/api/v1/manifest", {"items": [{"id": lie["id"], "version": 1, "hash": lie["hash"]}]})
    result = send(client, key, [(lie, photo)]).get_json()["results"][0]
    assert result["result"] == "rejected" and "hash" in result["reason"]
    assert nothing_stored()


def test_photo_that_is_not_a_jpeg_is_refused(center_app, enrolled, center_db):
    _, key = enrolled
    png = b"\x89PNG\r\n\x1a\n" + b"\x00" * 200
    result = send(center_app.test_client(), key, [packet_item(1, photo=png)]).get_json()["results"][0]
    assert result["result"] == "rejected" and "JPEG" in result["reason"]
    fake = b"\xff\xd8\xff" + b"not really a jpeg" * 20 + b"\xff\xd9"
    result = send(center_app.test_client(), key, [packet_item(2, photo=fake)]).get_json()["results"][0]
    assert result["result"] == "rejected"
    assert nothing_stored()


def test_50_mb_packet_is_refused_before_it_is_read(center_app, enrolled, center_db):
    _, key = enrolled
    response = send(center_app.test_client(), key, [])  # warm up
    response = packet_call(center_app.test_client(), key, PACKETS,
                           [packet_item(1, photo=numbered_photo_jpeg(1) + b"\x00" * (50 * 1024 * 1024))])
    assert response.status_code == 413 and nothing_stored()


def test_one_bad_application_does_not_block_the_others(center_app, enrolled, center_db):
    _, key = enrolled
    bad_nik = dict(record_for(2), nik="12345")
    results = send(center_app.test_client(), key, [packet_item(1), packet_item(2, record=bad_nik), packet_item(3)])
    assert [r["result"] for r in results.get_json()["results"]] == ["stored", "rejected", "stored"]
    assert stored_count() == 2


def test_number_of_another_kecamatan_is_refused(center_app, enrolled, center_db):
    _, key = enrolled
    result = send(center_app.test_client(), key, [packet_item(1, digits="350808")]).get_json()["results"][0]
    assert result["result"] == "rejected" and nothing_stored()


@pytest.mark.parametrize("body", [b"", b"LKP5", b"LKP5\x00\x00\x00\x05abcde", b"garbage", b"LKP1\x00\x00\x00\x05abcde"])
def test_malformed_packets_are_400(center_app, enrolled, center_db, body):
    _, key = enrolled
    response = call(center_app.test_client(), key, "POST", PACKETS, body, protocol.PACKET_CONTENT_TYPE)
    assert response.status_code == 400 and nothing_stored()


def _packet(headers, photos, heads=b""):
    """A packet sealed as the kecamatan seals it (its items' MACs check out: what is wrong is inside)."""
    return lambda seal: protocol.encode_packet(list(zip(headers, photos)), seal, heads)


NUMBER = "350807-01-000001"
MALFORMED_LKP4 = {
    "heads section cut short": lambda seal: protocol.PACKET_MAGIC + struct.pack(">I", 2) + b"[]",
    "heads section longer than the body": lambda seal: _packet([], [])(seal)[:-4] + struct.pack(">I", 999),
    "heads that do not inflate": _packet([{"record": {"registration_number": NUMBER}, "hash": "0" * 16,
                                           "photo_codec": "lepton-hz"}], [b"xx"], b"garbage"),
    "no record": _packet([{"photo_codec": "lepton-hz", "hash": "0" * 16}], [b"xx"]),
    "record a string": _packet([{"record": "x", "hash": "0" * 16, "photo_codec": "lepton-hz"}], [b"xx"]),
    "record a list, photo as is": _packet([{"record": [1], "hash": "0" * 16}], [b"\xff\xd8"]),
    "hash a number": _packet([{"record": {"registration_number": NUMBER}, "hash": 5, "photo_codec": "lepton"}],
                             [b"abc"]),
    "number a list": _packet([{"record": {"registration_number": [1]}, "hash": "0" * 16}], [b"\xff\xd8"]),
}


@pytest.mark.parametrize("case", MALFORMED_LKP4)
def test_malformed_packets_from_a_keys_holder_are_answered_without_storing_anything(center_app, enrolled, center_db, case):
    """Packets from a key's holder gone wrong: a 400 for the packet, or a result per
    application (retry, rejected), never a 500 and never a stored application."""
    _, key = enrolled
    nonce = protocol.new_nonce()
    response = call(center_app.test_client(), key, "POST", PACKETS, MALFORMED_LKP4[case]((key[1], nonce)),
                    protocol.PACKET_CONTENT_TYPE, nonce=nonce)
    assert response.status_code in (200, 400), response.status_code
    if response.status_code == 200:
        results = json.loads(protocol.inflate(response.get_data(), 1 << 20) if response.mimetype == protocol.JSON_DEFLATE
                             else response.get_data())["results"]
        assert results and all(r["result"] in ("retry", "rejected") for r in results), results
    assert nothing_stored()


def test_enrolment_code_works_once(center_app, center_db):
    from sync.center import keys
    kecamatan = kecamatan_row("35.08.10", "Kunir")
    code = keys.new_enrolment_code(kecamatan)
    client = center_app.test_client()
    body = json.dumps({"kecamatan_code": "35.08.10", "enrolment_code": code})
    first = client.post("/api/v1/enrol", data=body, content_type="application/json", csrf=False)
    assert first.status_code == 201 and first.get_json()["secret"]
    second = client.post("/api/v1/enrol", data=body, content_type="application/json", csrf=False)
    assert second.status_code == 401


def test_a_second_number_for_a_person_whose_card_is_in_the_making_is_refused_with_the_reason(
        center_app, enrolled, center_db):
    """One person, one KTP-el in the making (issue 26: two counter PCs accepted the same desa form)."""
    _, key = enrolled
    client = center_app.test_client()
    send(client, key, [packet_item(1)])
    twin = dict(record_for(2), nik=record_for(1)["nik"])
    result = send(client, key, [packet_item(2, record=twin)]).get_json()["results"][0]
    assert result["result"] == "rejected"
    assert "350807-01-000001" in result["reason"] and "sedang diproses" in result["reason"]
    assert stored_count() == 1
    again = send(client, key, [packet_item(1)]).get_json()["results"][0]  # its own number: still a duplicate
    assert again["result"] == "duplicate"
    corrected = send(client, key, [packet_item(1, version=2, record=dict(record_for(1), address="Baru"))])
    assert corrected.get_json()["results"][0]["result"] == "stored"  # a new version of the same number


@pytest.mark.parametrize("done", ["shipped", "rejected"])
def test_a_person_may_apply_again_once_the_card_is_shipped_or_the_application_rejected(
        center_app, enrolled, center_db, done):
    _, key = enrolled
    client = center_app.test_client()
    send(client, key, [packet_item(1)])
    ReceivedApplication.update(status=done).execute()
    twin = dict(record_for(2), nik=record_for(1)["nik"])
    result = send(client, key, [packet_item(2, record=twin)]).get_json()["results"][0]
    assert result["result"] == "stored"
