"""Issue 26: a counter PC whose key the center revoked enrols again (a new device code) and, by proving it
held the revoked key, goes on hearing the statuses of what it sent under the old code: by the status
cursor and in the USB status file. A stranger's proof, a live key and a key another PC took over are
never followed. On SQLite and PostgreSQL (the center_app fixture)."""
import json
import secrets

import pytest

from sync import protocol, usb
from sync.center import keys, records
from sync.center.db import center_database
from sync.center.models import CenterAudit, DeviceKey, Kecamatan, ReceivedApplication
from tests.sync.helpers import call, packet_call, packet_item, record_for
from tests.sync.test_center_pages import client_as
from tests.support.factory import kecamatan_row


@pytest.fixture
def kecamatan(center_db):
    return kecamatan_row()


def enrol(center_app, kecamatan_row, previous=None, code=None) -> tuple[int, dict, str]:
    """POST /api/v1/enrol with a fresh code (or `code`) and `previous` as sent; (status, answer, code)."""
    code = code or keys.new_enrolment_code(Kecamatan.get_by_id(kecamatan_row.id))
    body = {"kecamatan_code": kecamatan_row.code, "enrolment_code": code, "installation": secrets.token_hex(16)}
    if previous is not None:
        body["previous"] = previous
    response = center_app.test_client().post("/api/v1/enrol", data=json.dumps(body),
                                              content_type="application/json", csrf=False)
    return response.status_code, response.get_json(), code


def new_code(kecamatan_row) -> str:
    return keys.new_enrolment_code(Kecamatan.get_by_id(kecamatan_row.id))


def proof_of(answer: dict, kecamatan_code: str, code: str) -> dict:
    """What the PC that held `answer`'s key sends when it enrols with `code` (as sync/client/enrolment does)."""
    compact = code.replace("-", "").lower()
    return {"key_id": answer["key_id"],
            "proof": protocol.previous_key_proof(answer["secret"], kecamatan_code, compact, answer["key_id"])}


def send(center_app, answer, n: int) -> str:
    """The PC of `answer`'s key sends its n-th application, numbered with its device code."""
    number = f"350807-{answer['device_code']}-{n:06d}"
    item = packet_item(n, record=dict(record_for(n), registration_number=number))
    result = packet_call(center_app.test_client(), (answer["key_id"], answer["secret"]), "/api/v1/packets", [item])
    assert result.get_json()["results"][0]["result"] == "stored"
    return number


def print_all():
    with center_database.atomic():
        for application in ReceivedApplication.select().where(ReceivedApplication.status == "received"):
            assert records.move(application, "printed")


def revoke(answer):
    keys.revoke(DeviceKey.get(DeviceKey.key_id == answer["key_id"]))


def heard(center_app, answer) -> set[tuple[str, str]]:
    """(number, status) of every event the key's status cursor serves it."""
    page = call(center_app.test_client(), (answer["key_id"], answer["secret"]), "GET",
                "/api/v1/statuses?after=0&limit=1000")
    assert page.status_code == 200
    return {(e["id"], e["status"]) for e in page.get_json()["events"]}


def followed(answer):
    return DeviceKey.get(DeviceKey.key_id == answer["key_id"]).previous_key


def test_a_pc_enrolled_again_after_a_revocation_hears_its_old_statuses_by_cursor_and_usb_file(center_app,
                                                                                                kecamatan):
    status, first, _ = enrol(center_app, kecamatan)
    assert status == 201 and first["device_code"] == "P1"
    old_number = send(center_app, first, 1)
    _, other, _ = enrol(center_app, kecamatan)  # P2, another counter PC of the office
    others_number = send(center_app, other, 2)
    revoke(first)
    code = new_code(kecamatan)
    status, again, _ = enrol(center_app, kecamatan, proof_of(first, "35.08.07", code), code)
    assert status == 201 and again["device_code"] == "P3" and followed(again) == first["key_id"]
    print_all()
    assert heard(center_app, again) == {(old_number, "received"), (old_number, "printed")}
    assert heard(center_app, other) == {(others_number, "received"), (others_number, "printed")}
    own = send(center_app, again, 3)  # what it sends as P3 comes too
    assert (own, "received") in heard(center_app, again)

    # revoked once more and enrolled again: the whole chain (P1 and P3) follows to P4
    revoke(again)
    code = new_code(kecamatan)
    _, third, _ = enrol(center_app, kecamatan, proof_of(again, "35.08.07", code), code)
    assert third["device_code"] == "P4" and followed(third) == again["key_id"]
    assert {number for number, _ in heard(center_app, third)} == {old_number, own}

    # the USB status file for P4's key carries the same statuses (only that key reads it)
    from sync.center.accounts import create_operator
    operator = create_operator("operator", "Akun operator", "operator", password="rahasia-pusat-1",
                               must_change_password=False)[0]
    answer = client_as(center_app, operator).get(f"/ekspor-status/{kecamatan.id}?perangkat=P4")
    assert answer.status_code == 200
    events = usb.read_status_file(answer.data, third["key_id"], third["secret"])
    assert {e["id"] for e in events} == {old_number, own}

    summaries = [a.summary for a in CenterAudit.select().where(CenterAudit.action == "lanjut_kunci")
                 .order_by(CenterAudit.id)]
    assert summaries == [
        f"Kunci {again['key_id']} (perangkat P3) menggantikan kunci {first['key_id']} (perangkat P1) yang dicabut: "
        "status kiriman perangkat P1 diterima kunci baru",
        f"Kunci {third['key_id']} (perangkat P4) menggantikan kunci {again['key_id']} (perangkat P3) yang dicabut: "
        "status kiriman perangkat P3 diterima kunci baru"]


def test_each_counter_pc_hears_its_own_statuses_from_one_text_of_the_feed(center_app, kecamatan, monkeypatch):
    """The status pull's SQL is built once for every PC (its device codes given on each run, like the
    kecamatan and the cursor), not once per PC in each center process (issue 45)."""
    from app.frame import statements
    statements._kept.cache_clear()
    built, plain = [], records._feed
    monkeypatch.setattr(records, "_feed", lambda *args: built.append(args) or plain(*args))
    _, first, _ = enrol(center_app, kecamatan)
    _, second, _ = enrol(center_app, kecamatan)
    mine, theirs = send(center_app, first, 1), send(center_app, second, 2)
    assert heard(center_app, first) == {(mine, "received")}
    assert heard(center_app, second) == {(theirs, "received")}
    assert built == [(1001, 1)]  # the page's limit (and one more) and one device code: one text for P1 and P2


def forged(first, kecamatan_code, code):
    return dict(proof_of(first, kecamatan_code, code), proof=secrets.token_hex(32))


def replayed(first, kecamatan_code, code):
    """A proof the old key's holder made for another enrolment code (seen once, used again)."""
    return proof_of(first, kecamatan_code, "aaaa-bbbb-cccc")


def with_another_secret(first, kecamatan_code, code):
    return proof_of(dict(first, secret=protocol.new_secret()), kecamatan_code, code)


@pytest.mark.parametrize("stranger", [forged, replayed, with_another_secret,
                                      lambda first, k, code: {"key_id": first["key_id"], "proof": "é" * 64},
                                      lambda first, k, code: {"key_id": ["x"], "proof": None},
                                      lambda first, k, code: {"key_id": "x" * 5000, "proof": "0" * 64},
                                      lambda first, k, code: "bukan objek"],
                         ids=["forged", "replayed", "another-secret", "non-ascii", "wrong-types", "long", "not-a-dict"])
def test_a_strangers_proof_links_nothing_and_the_enrolment_still_works(center_app, kecamatan, stranger):
    _, first, _ = enrol(center_app, kecamatan)
    old_number = send(center_app, first, 1)
    revoke(first)
    code = new_code(kecamatan)
    status, again, _ = enrol(center_app, kecamatan, stranger(first, "35.08.07", code), code)
    assert status == 201 and again["device_code"] == "P2"  # simply a new PC, never an error
    assert followed(again) is None
    print_all()
    assert old_number not in {number for number, _ in heard(center_app, again)}
    assert not CenterAudit.select().where(CenterAudit.action == "lanjut_kunci").exists()


def test_a_revoked_key_of_another_kecamatan_is_not_followed(center_app, kecamatan):
    kunir = kecamatan_row("35.08.10", "Kunir")
    _, theirs, _ = enrol(center_app, kunir)
    revoke(theirs)
    code = new_code(kecamatan)
    status, ours, _ = enrol(center_app, kecamatan, proof_of(theirs, "35.08.07", code), code)
    assert status == 201 and followed(ours) is None


def test_a_live_pcs_key_cannot_be_claimed_by_a_pc_holding_its_secret(center_app, kecamatan):
    """A second PC holding P1's key (its backup restored there) enrols and proves it: P1 is not revoked,
    so the new PC is simply new and hears none of P1's statuses, then or after P1 is revoked."""
    _, first, _ = enrol(center_app, kecamatan)
    old_number = send(center_app, first, 1)
    code = new_code(kecamatan)
    status, second, _ = enrol(center_app, kecamatan, proof_of(first, "35.08.07", code), code)
    assert status == 201 and second["device_code"] == "P2" and followed(second) is None
    print_all()
    assert heard(center_app, second) == set()
    assert heard(center_app, first) == {(old_number, "received"), (old_number, "printed")}
    revoke(first)
    assert keys.device_codes(DeviceKey.get(DeviceKey.key_id == second["key_id"])) == ["P2"]


def test_a_revoked_key_is_followed_by_one_new_key_only(center_app, kecamatan):
    _, first, _ = enrol(center_app, kecamatan)
    revoke(first)
    code = new_code(kecamatan)
    _, again, _ = enrol(center_app, kecamatan, proof_of(first, "35.08.07", code), code)
    code = new_code(kecamatan)
    status, later, _ = enrol(center_app, kecamatan, proof_of(first, "35.08.07", code), code)
    assert followed(again) == first["key_id"]
    assert status == 201 and followed(later) is None


def test_a_key_another_pc_took_over_is_not_followed(center_app, kecamatan):
    """P1's backup restored on a new PC that replaced it: P1's code lives on there, so the old PC,
    enrolling again with its old key's proof, does not get P1's statuses."""
    _, first, _ = enrol(center_app, kecamatan)
    with center_database.atomic():
        keys.replace_device(DeviceKey.get(DeviceKey.key_id == first["key_id"]), "a" * 64)
    code = new_code(kecamatan)
    status, again, _ = enrol(center_app, kecamatan, proof_of(first, "35.08.07", code), code)
    assert status == 201 and followed(again) is None


def test_what_a_taken_over_pc_sent_after_the_restored_backup_is_heard_by_its_next_key_only(center_app, kecamatan):
    """Issue 42: P1 sends 1 and 2; its backup, holding up to 1, is restored on a new PC that replaces P1.
    Number 2 is on the old PC only: the new key never hears of it (it hears 1 and what it sends itself);
    the old PC, enrolled again with its old key's proof (a PC tambahan), hears 2's statuses, before and
    after, and follows nothing else of P1. A retried enrolment hands them over once."""
    _, first, _ = enrol(center_app, kecamatan)
    in_backup, after_backup = send(center_app, first, 1), send(center_app, first, 2)
    with center_database.atomic():
        successor = keys.replace_device(DeviceKey.get(DeviceKey.key_id == first["key_id"]), "d" * 64, 1)
    replacing = {"key_id": successor.key_id, "secret": successor.secret, "device_code": "P1"}
    on_new_pc = send(center_app, replacing, 3_000_001)
    print_all()
    assert {number for number, _ in heard(center_app, replacing)} == {in_backup, on_new_pc}
    code = new_code(kecamatan)
    body = {"kecamatan_code": "35.08.07", "enrolment_code": code, "installation": "e" * 32,
            "previous": proof_of(first, "35.08.07", code)}
    answers = [center_app.test_client().post("/api/v1/enrol", data=json.dumps(body), content_type="application/json",
                                             csrf=False).get_json() for _ in range(2)]
    again = answers[0]
    assert answers[1]["key_id"] == again["key_id"] and again["device_code"] == "P2"
    assert again["taken_over"] == {"device_code": "P1", "restored_up_to": 1} and followed(again) is None
    assert heard(center_app, again) == {(after_backup, "received"), (after_backup, "printed")}
    assert {number for number, _ in heard(center_app, replacing)} == {in_backup, on_new_pc}
    with center_database.atomic():
        assert records.move(ReceivedApplication.get(ReceivedApplication.registration_number == after_backup),
                            "shipped")
    assert (after_backup, "shipped") in heard(center_app, again)
    assert CenterAudit.select().where(CenterAudit.action == "lanjut_kunci").count() == 1


def test_an_enrolment_retried_after_a_lost_answer_follows_once(center_app, kecamatan):
    _, first, _ = enrol(center_app, kecamatan)
    revoke(first)
    code = new_code(kecamatan)
    body = {"kecamatan_code": "35.08.07", "enrolment_code": code, "installation": "b" * 32,
            "previous": proof_of(first, "35.08.07", code)}
    answers = [center_app.test_client().post("/api/v1/enrol", data=json.dumps(body), content_type="application/json",
                                             csrf=False).get_json() for _ in range(2)]
    assert answers[0]["key_id"] == answers[1]["key_id"] and followed(answers[0]) == first["key_id"]
    assert CenterAudit.select().where(CenterAudit.action == "lanjut_kunci").count() == 1


def test_a_pc_that_followed_a_revoked_key_and_is_then_replaced_hands_the_old_statuses_to_its_replacement(
        center_app, kecamatan):
    """P1 revoked, the PC enrolled again as P2 following it; P2's backup is then restored on a new PC
    that replaces it: the new PC hears what P1 sent too, the old P2 key nothing any more."""
    _, first, _ = enrol(center_app, kecamatan)
    old_number = send(center_app, first, 1)
    revoke(first)
    code = new_code(kecamatan)
    _, again, _ = enrol(center_app, kecamatan, proof_of(first, "35.08.07", code), code)
    with center_database.atomic():
        successor = keys.replace_device(DeviceKey.get(DeviceKey.key_id == again["key_id"]), "c" * 64)
    print_all()
    replacing = {"key_id": successor.key_id, "secret": successor.secret}
    assert heard(center_app, replacing) == {(old_number, "received"), (old_number, "printed")}
    assert followed(again) is None and followed(replacing) == first["key_id"]


def test_a_key_proved_from_before_two_re_enrolments_follows_the_last_of_its_chain_only_once_that_is_revoked(
        center_app, kecamatan):
    """A PC restored from a backup older than its last re-enrolment proves its first key, which its second
    already follows: the new key follows the chain's last key, if that is revoked (never a live one)."""
    _, first, _ = enrol(center_app, kecamatan)
    number = send(center_app, first, 1)
    revoke(first)
    code = new_code(kecamatan)
    _, second, _ = enrol(center_app, kecamatan, proof_of(first, kecamatan.code, code), code)
    assert followed(second) == first["key_id"]
    code = new_code(kecamatan)  # the second key still live: the first key's proof follows nothing
    _, third, _ = enrol(center_app, kecamatan, proof_of(first, kecamatan.code, code), code)
    assert followed(third) is None and (number, "received") not in heard(center_app, third)
    revoke(second)
    code = new_code(kecamatan)
    _, fourth, _ = enrol(center_app, kecamatan, proof_of(first, kecamatan.code, code), code)
    assert followed(fourth) == second["key_id"]
    print_all()
    assert (number, "printed") in heard(center_app, fourth)


def test_a_revoked_counter_pc_key_is_told_so_signed_with_what_to_do(center_app, kecamatan):
    """Found by the office year (seed 2811): P2's key revoked and P2 enrolled again, then a backup from
    before that restored on P2 brings the revoked key back. Every pass ended "pusat menolak kunci ini
    (401) atau permintaan terulang" (unsigned: the center treated the key as unknown), which tells the
    admin neither why nor what to do. The holder of a revoked key is told so in an answer signed with
    that key (only its holder can read it as the center's), as a desa laptop's revoked key already was."""
    from sync.client.transport import CenterClient, Refused
    from tests.sync.test_client import FlaskSession
    status, first, _ = enrol(center_app, kecamatan)
    assert status == 201
    client = CenterClient("http://pusat.test", first["key_id"], first["secret"], session=FlaskSession(center_app))
    assert client.probe()["kecamatan_code"] == "35.08.07"
    revoke(first)
    with pytest.raises(Refused) as refused:
        client.probe()
    assert refused.value.status == 401 and refused.value.code == "revoked"
    assert "sudah dicabut di pusat" in str(refused.value) and "daftarkan ulang" in str(refused.value)
    stranger = CenterClient("http://pusat.test", first["key_id"], "0" * len(first["secret"]),
                            session=FlaskSession(center_app))
    with pytest.raises(Exception) as unknown:  # a wrong secret learns nothing: unsigned, as before
        stranger.probe()
    assert not isinstance(unknown.value, Refused) and "401" in str(unknown.value)
