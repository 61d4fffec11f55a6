"""Enrolment codes and damage on the link (issue 42, finding 4): a code replaced by a newer one says so
instead of "Kode pendaftaran salah"; one flipped bit in what a PC sends is called damaged and sent again,
never "pusat menolak kunci ini (401)"; a key the center does not know is still refused as before."""
import json
from types import SimpleNamespace

import pytest

from sync import protocol
from sync.center import keys
from sync.center.models import Kecamatan
from sync.client import engine, transport
from sync.client.link_down import LinkDown
from sync.client.transport import CenterClient
from tests.sync.helpers import packet_item
from tests.support.factory import kecamatan_row


class Session:
    """requests.Session look-alike handing each request to the center app; `damage` flips one bit in
    the body of that many requests first (a bad link, not an attacker)."""

    def __init__(self, center_app, damage: int = 0):
        self.center_app, self.damage, self.seen = center_app, damage, []

    def request(self, method, url, data=None, headers=None, timeout=None, allow_redirects=False):
        path = "/" + url.split("://", 1)[1].split("/", 1)[1]
        if data and self.damage:
            self.damage -= 1
            data = bytearray(data)
            data[len(data) // 2] ^= 0x10
            data = bytes(data)
        response = self.center_app.test_client().open(path, method=method, data=data, headers=headers)
        self.seen.append(response.status_code)
        return SimpleNamespace(status_code=response.status_code, headers=response.headers, content=response.data)

    def post(self, url, json=None, timeout=None, allow_redirects=False):
        import json as json_module
        return self.request("POST", url, data=json_module.dumps(json).encode(),
                            headers={"Content-Type": "application/json"})


def test_a_replaced_enrolment_code_says_it_was_replaced(center_app, center_db):
    kecamatan = kecamatan_row("35.08.10", "Kunir")
    first = keys.new_enrolment_code(kecamatan)
    second = keys.new_enrolment_code(kecamatan)  # the admin made another for the same PC
    session = Session(center_app)
    with pytest.raises(transport.EnrolmentError) as replaced:
        transport.enrol("http://center", "35.08.10", first, "01", installation="a" * 32, session=session)
    assert replaced.value.kind == "replaced" and "Kode ini sudah diganti dengan kode yang lebih baru" in str(
        replaced.value)
    with pytest.raises(transport.EnrolmentError) as wrong:
        transport.enrol("http://center", "35.08.10", "AAAA-BBBB-CCCC", "01", installation="a" * 32, session=session)
    assert wrong.value.kind == "wrong_code" and "salah" in str(wrong.value)
    answer = transport.enrol("http://center", "35.08.10", second, "01", installation="a" * 32, session=session)
    assert answer["device_code"] == "P1"
    third = keys.new_enrolment_code(Kecamatan.get_by_id(kecamatan.id))  # a used code is not "replaced"
    with pytest.raises(transport.EnrolmentError) as used:
        transport.enrol("http://center", "35.08.10", second, "01", installation="b" * 32, session=session)
    assert used.value.kind == "wrong_code"
    with pytest.raises(transport.EnrolmentError) as still_replaced:  # the first stays known as replaced
        transport.enrol("http://center", "35.08.10", first, "01", installation="b" * 32, session=session)
    assert still_replaced.value.kind == "replaced"
    assert transport.enrol("http://center", "35.08.10", third, "02", installation="b" * 32,
                           session=session)["device_code"] == "P2"


def _client(center_app, key, damage=0) -> CenterClient:
    return CenterClient("http://center", key[0], key[1], session=Session(center_app, damage))


MANIFEST_ITEMS = [{"id": "350807-01-000001", "version": 1, "hash": "0" * 64, "size": 10}]


def test_a_flipped_bit_in_a_request_is_damage_sent_again_not_a_refused_key(center_app, enrolled):
    _, key = enrolled
    damaged = _client(center_app, key, damage=1)
    with pytest.raises(LinkDown) as problem:
        damaged.manifest(MANIFEST_ITEMS)
    assert "rusak di jalan" in str(problem.value) and "401" not in str(problem.value)
    assert damaged.session.seen == [400]
    # Under the one retry policy it simply goes again, and the center answers.
    again = _client(center_app, key, damage=1)
    answer = engine.with_retries(lambda: again.manifest(MANIFEST_ITEMS))
    assert answer["need"] == [{"id": "350807-01-000001", "version": 1}] and again.session.seen == [400, 200]
    # A key the center does not know is still refused as one.
    stranger = _client(center_app, ("350807-000000000000", key[1]))
    with pytest.raises(LinkDown) as refused:
        stranger.manifest(MANIFEST_ITEMS)
    assert "pusat menolak kunci ini (401)" in str(refused.value) and stranger.session.seen == [401]


def test_a_flipped_bit_in_a_packet_is_damage_not_a_refusal(center_app, enrolled):
    _, key = enrolled
    client = _client(center_app, key, damage=1)
    nonce = protocol.new_nonce()
    body = protocol.encode_packet([packet_item(1)], (key[1], nonce))
    with pytest.raises(LinkDown) as problem:
        client.call("POST", protocol.API_PREFIX + "/packets", body, protocol.PACKET_CONTENT_TYPE, nonce)
    assert "rusak di jalan" in str(problem.value) and client.session.seen == [400]
    nonce = protocol.new_nonce()
    body = protocol.encode_packet([packet_item(1)], (key[1], nonce))
    answer = json.loads(client.call("POST", protocol.API_PREFIX + "/packets", body, protocol.PACKET_CONTENT_TYPE,
                                    nonce))
    assert answer["results"] == [{"result": "stored", "seq": 1}]


def test_an_answer_changed_on_the_way_is_called_damaged(center_app, enrolled):
    _, key = enrolled
    client = _client(center_app, key)
    request = client.session.request

    def flipped_answer(*args, **kwargs):
        response = request(*args, **kwargs)
        content = bytearray(response.content)
        content[-2] ^= 0x01
        return SimpleNamespace(status_code=response.status_code, headers=response.headers, content=bytes(content))
    client.session.request = flipped_answer
    with pytest.raises(LinkDown) as problem:
        client.probe()
    assert "jawaban pusat rusak di jalan" in str(problem.value)
