"""The center's answer to a desa form it already holds (issue 61, finding 6): the same number and version
with the same content is "duplicate", with changed content "conflict". A "duplicate" for a changed form
tells the desa PC its correction arrived when the center dropped it; that one-line change passed every
relay test before this one."""
from types import SimpleNamespace

from app.frame.dates import utc_now
from app.frame.person_rules import EDITABLE_FIELDS
from sync import protocol

DARUNGAN = "35.08.07.2001"
NUMBER = "PRA-3508072001-D1-000001"


def _desa_key(kecamatan):
    return SimpleNamespace(kecamatan=kecamatan, kecamatan_id=kecamatan.id, desa_code=DARUNGAN, device_id="desa-pc-1",
                           device_code="D1", key_id="desa-key")


def _header(version: int, **changes) -> dict:
    fields = {key: "" for key in EDITABLE_FIELDS}
    fields.update(nik="3508071205900001", kk_number="3508070101100007", full_name="Budi Santoso",
                  birth_place="Lumajang", birth_date="1990-05-12", sex="L", address="Dusun Krajan No. 5", rt="002",
                  rw="001", desa_code=DARUNGAN, religion="Islam", marital_status="Kawin", occupation="Petani",
                  reason="rusak", biometric_done=True)
    fields.update(changes)
    record = {"v": 1, "k": "35.08.07", "n": NUMBER, "t": utc_now().isoformat(), "o": "Operator Darungan",
              "f": fields}
    return {"id": NUMBER, "version": version, "record": record,
            "hash": protocol.content_hash(record, protocol.sha256_hex(b""))}


def test_a_changed_desa_form_under_a_held_number_and_version_is_a_conflict_not_a_duplicate(center_db, enrolled):
    from sync.center import relay
    from sync.center.models import RelayItem
    key = _desa_key(enrolled[0])
    first = _header(1)
    assert relay.store_pre_registration(key, first, b"").result == "stored"
    again = relay.store_pre_registration(key, dict(first), b"")
    assert (again.result, again.reason) == ("duplicate", "")
    corrected = _header(1, full_name="Budi Santosa", address="Dusun Krajan No. 7")
    answer = relay.store_pre_registration(key, corrected, b"")
    assert (answer.result, answer.reason) == ("conflict", "nomor dan versi ini sudah diterima dengan isi berbeda")
    held = RelayItem.get()
    assert RelayItem.select().count() == 1 and held.content_hash == first["hash"]  # the first one kept, not swapped
    assert relay.store_pre_registration(key, _header(2, full_name="Budi Santosa"), b"").result == "stored"
