"""Approved recaps travel to the regency (issue 29): counts, IKM, indicators and the public notice through
the outbox when the Camat approves; an addendum is a new version; no complaint text or name ever leaves."""
import json
from datetime import datetime

from app.recap.models import QuarterRecap
from app.recap.sync_records import KIND, key_of
from sync import protocol
from sync.client.models import OutboxItem
from tests.support.factory import complaint_row, sync_link_row
from tests.recap.test_workflow import approve, quarter_with_complaints, submit  # noqa: F401  (fixture)


def reports(year=2025, quarter=1):
    return list(OutboxItem.select().where(OutboxItem.registration_number == key_of(year, quarter))
                .order_by(OutboxItem.version))


def test_approval_puts_the_frozen_figures_ikm_and_indicators_in_the_outbox(client_for, quarter_with_complaints):
    submit(client_for)
    assert reports() == []  # a recap waiting for the Camat does not travel
    assert approve(client_for).status_code == 303
    [item] = reports()
    record = json.loads(item.record_json)
    snapshot = json.loads(QuarterRecap.get().snapshot)
    assert item.kind == KIND and item.version == 1 and item.state == "pending"
    assert item.content_hash == protocol.content_hash(record, protocol.sha256_hex(b""))
    assert (record["year"], record["quarter"]) == (2025, 1)
    assert record["complaints"]["received"] == snapshot["figures"]["total"] == 3
    assert record["complaints"]["closed"] == snapshot["figures"]["follow_up"]["count"]
    assert record["complaints"]["closed_on_time"] == snapshot["figures"]["follow_up"]["on_time"]
    assert record["ikm"]["respondents"] == snapshot["ikm"]["respondents"] == 2
    assert record["ikm"]["ikm"] == snapshot["ikm"]["ikm"] and record["ikm"]["grade"] == snapshot["ikm"]["grade"]
    assert [e["nrr"] for e in record["ikm"]["elements"]] == [e["nrr"] for e in snapshot["ikm"]["elements"]]
    assert all(e["answers"] == 2 and e["total"] == 7 for e in record["ikm"]["elements"])  # unit data: 4 + 3
    keys = {i["key"] for i in record["indicators"]}
    assert {"pengaduan_tepat_waktu", "ikm", "serah_tepat_waktu"} <= keys
    assert all(len(i["definition"]) == 8 and i["target"] is not None for i in record["indicators"])
    assert record["notice"] == {"promises": "Menambah kursi ruang tunggu.", "narrative": "Triwulan yang ramai."}


def test_no_complaint_text_name_or_follow_up_leaves_the_kecamatan(client_for, quarter_with_complaints):
    submit(client_for)
    approve(client_for)
    sent = reports()[0].record_json
    for private in ("Budi", "Sangat rahasia", "Kursi ditambah 10 buah", "tracking_number", "complainant", "text"):
        assert private not in sent, private


def test_an_addendum_travels_as_a_new_version_and_the_first_is_kept(client_for, quarter_with_complaints):
    submit(client_for)
    approve(client_for)
    first = reports()[0]
    approved_at = QuarterRecap.get().approved_at
    complaint_row(datetime(2025, 3, 20, 2), channel="surat", text="Surat yang terlambat dicatat",
              created_at=datetime(approved_at.year, approved_at.month, approved_at.day, 23, 59, 59))
    submit(client_for, "/rekap/2025/2")
    assert approve(client_for, "/rekap/2025/2").status_code == 303
    versions = reports()
    assert [v.version for v in versions] == [1, 2]
    assert versions[0].record_json == first.record_json and versions[0].content_hash == first.content_hash
    later = json.loads(versions[1].record_json)
    assert later["addendum"]["count"] == 1 and later["addendum"]["listed_in"] == "2025-2"
    assert later["complaints"] == json.loads(first.record_json)["complaints"]  # the frozen figures as approved
    assert len(reports(2025, 2)) == 1
    assert "Surat yang terlambat dicatat" not in versions[1].record_json


def test_the_report_goes_in_the_usb_files_with_its_kind(client_for, quarter_with_complaints, tmp_path):
    from types import SimpleNamespace

    from app.frame.dates import utc_now
    from app.frame.db import database
    from sync import usb
    from sync.client import usb_files
    submit(client_for)
    approve(client_for)
    with database.atomic():
        sync_link_row(center_url="https://pusat.example", key_id="350807-k", secret="rahasia-kunci-uji",
                      enrolled_at=utc_now())
    files, applications = usb_files.export_batches(tmp_path)
    assert applications == 0 and len(files) == 1  # the count the admin reads is of applications
    key = SimpleNamespace(key_id="350807-k", secret="rahasia-kunci-uji")
    _, items = usb.read_batch_file(files[0][1], lambda key_id: key)
    [(header, photo)] = items
    assert header["kind"] == KIND and header["id"] == key_of(2025, 1) and header["version"] == 1 and photo == b""
    assert header["hash"] == reports()[0].content_hash
