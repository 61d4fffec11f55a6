"""The center's two acts on desa PCs' keys, on both databases (issue 91: each act's line removed alone is
caught on PostgreSQL too; the desa relay's own tests run a center on SQLite). The center app is a test's:
an act that returns without its line is refused."""
import secrets
import time

from sync import protocol
from sync.center import relay
from sync.center.models import CenterAudit, DeviceKey

DESA = "35.08.07.2001"


def test_a_desa_pc_enrolled_and_its_key_revoked_by_a_newer_generation_each_write_their_line(enrolled, center_db):
    kecamatan, (key_id, secret) = enrolled
    ticket = {"kid": key_id, "k": kecamatan.code, "d": DESA, "pc": "D1", "g": 1, "j": secrets.token_hex(8),
              "e": int(time.time()) + 600}
    key = relay.enrol_desa(ticket, protocol.sign_ticket(secret, ticket), "laptop-desa-1")
    assert key.desa_code == DESA and key.revoked_at is None

    with center_db.atomic():  # as the endpoint holds it (relay.relay_desa_keys)
        assert relay._revoke_older_desa_keys(kecamatan, {DESA: 2}) == 1
    assert DeviceKey.get_by_id(key.id).revoked_at is not None
    with center_db.atomic():
        assert relay._revoke_older_desa_keys(kecamatan, {DESA: 2}) == 0  # nothing left to revoke: no line
    lines = [(line.action, line.entity_id) for line in CenterAudit.select().order_by(CenterAudit.id)
             if line.action in ("daftar_perangkat_desa", "cabut_kunci_desa")]
    assert lines == [("daftar_perangkat_desa", kecamatan.code), ("cabut_kunci_desa", kecamatan.code)]
