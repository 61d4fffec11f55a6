"""Issue 30, the hourly job's side of relay retention (tests/desa/test_relay_retention.py walks the whole
relay): a relayed form's record and photo go once the center holds its outcome, and only then."""
import json

import pytest

from app.frame.dates import utc_now
from sync.center import records
from sync.center.app import purge_personal_data
from sync.center.models import CenterAudit, RelayItem, RelayStatus
from tests.sync.helpers import packet_item
from tests.support.factory import numbered_photo_jpeg


def relayed(kecamatan, n: int, photo: bytes) -> RelayItem:
    return RelayItem.create(kecamatan=kecamatan, seq=n, desa_code="35.08.07.2001", device_code="D1", key_id="k",
                            number=f"PRA-3508072001-D1-{n:06d}", version=1, content_hash=f"{n:064x}",
                            record_json=json.dumps({"f": {"nik": "3508071205900009"}}), photo=photo,
                            photo_sha256="0" * 64, received_at=utc_now())


def status(kecamatan, item: RelayItem, step: int, word: str, application_number: str = "") -> None:
    RelayStatus.create(kecamatan=kecamatan, seq=100 + item.seq * 10 + step, desa_code=item.desa_code,
                       device_code="D1", number=item.number, step=step, content_hash=f"{step:064x}", pra_version=1,
                       pra_hash=item.content_hash, status=word, label=word, reason="", at=utc_now(),
                       application_number=application_number)


def held(item: RelayItem) -> tuple[bool, bool]:
    row = RelayItem.get_by_id(item.id)
    return row.record_json != "{}", row.photo is not None


@pytest.mark.parametrize("center_app", ["sqlite", "postgresql"], indirect=True)
def test_the_hourly_job_drops_a_relayed_form_once_its_outcome_is_held(center_app, enrolled):
    kecamatan, _ = enrolled
    photo = numbered_photo_jpeg(3)
    expired, accepted, waiting, other = (relayed(kecamatan, n, photo) for n in (1, 2, 3, 4))
    header, application_photo = packet_item(7)
    status(kecamatan, expired, 1, "kedaluwarsa")
    status(kecamatan, accepted, 1, "diterima_loket", header["id"])
    status(kecamatan, other, 1, "ditolak_kecamatan")
    RelayStatus.update(pra_hash="f" * 64).where(RelayStatus.number == other.number).execute()  # another version's
    purge_personal_data(center_app)
    assert [held(i) for i in (expired, accepted, waiting, other)] == [(False, False), (True, True), (True, True),
                                                                     (True, True)]
    assert records.store_application(kecamatan, header, application_photo).result == "stored"  # the application
    purge_personal_data(center_app)
    assert [held(i) for i in (expired, accepted, waiting, other)] == [(False, False), (False, False), (True, True),
                                                                     (True, True)]
    row = RelayItem.get_by_id(accepted.id)
    assert (row.number, row.version, row.content_hash) == (accepted.number, 1, accepted.content_hash)
    lines = [a.summary for a in CenterAudit.select().where(CenterAudit.entity == "pra_pendaftaran")]
    assert len(lines) == 2 and lines[0].startswith("Isi dan foto 1 pra-pendaftaran desa dihapus"), lines
