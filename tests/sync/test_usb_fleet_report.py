"""Issue 81: an office without a link carries its health report in every USB batch file (sealed in the file's
head under its key: the stick reads nothing of it and cannot change it). The center's import keeps it as a
pass's report with the clock unmeasured, and the Kesehatan Komputer page shows the office's report instead of
"hanya lewat berkas USB, tanpa laporan". What the report counted is taken once the center's status file comes
back. Real kecamatan app, real center (SQLite and PostgreSQL)."""
import json

from app.frame import audit
from app.updates import fleet_report, state
from sync import usb
from sync.center.fleet import fleet_rows
from app.frame.dates import utc_now
from sync.center.models import DeviceKey, FleetLatest, FleetReport
from tests.sync.test_center_fleet import page, row_of
from tests.sync.test_center_pages import client_as, operators  # noqa: F401  (fixture)
from tests.sync.test_usb_ack import _export, _import, _office_on_usb, _status_file_back

KIND = "ValueError app.registration.records:save:88 registration.save"


def test_an_office_on_usb_carries_its_report_in_every_file_and_the_page_reads_it(tmp_path, center_app, center_db,
                                                                                enrolled, operators):  # noqa: F811
    kecamatan, (unused, _) = enrolled
    DeviceKey.update(revoked_at=utc_now()).where(DeviceKey.key_id == unused).execute()  # the office's PC alone
    office, _ = _office_on_usb(tmp_path / "k", center_app, kecamatan, 2)
    data_dir = office.config["DATA_DIR"]
    audit.note_gap(data_dir, ["application"], "app.example.writer")
    state.write_state(data_dir, **{fleet_report.ERROR_KINDS: {KIND: 2}})
    center = client_as(center_app, operators["operator"])
    (name, content), = _export(office)
    head = json.loads(content.split(b"\n", 1)[0])
    assert usb.REPORT_FIELD in head and b"registration.save" not in content  # sealed, not readable on the stick
    line = _import(center, name, content)
    assert "2 permohonan (disimpan 2" in line and "Laporan kesehatan komputer: disimpan." in line
    [row] = [row for row in fleet_rows() if not row.key.desa_code]
    assert row.report["trail_gaps"] == 1 and row.report["error_kinds"] == [[2, KIND]]
    assert row.report["version"] and row.clock_offset is None and "usb_saja" not in row.problems
    assert FleetReport.get().clock_offset is None and FleetLatest.get().clock_at is None  # unmeasured, not invented
    text = row_of(page(center_app, operators["admin"]), "Yosowilangun")
    assert "hanya lewat berkas USB" not in text and "<strong>perubahan tanpa jejak audit</strong>" in text
    # Until the center's status file comes back, what the report counted stays; then it is taken.
    assert state.read_state(data_dir)[fleet_report.ERROR_KINDS] == {KIND: 2}
    _status_file_back(office, center, kecamatan)
    kept = state.read_state(data_dir)
    assert kept[fleet_report.ERROR_KINDS] == {} and kept[fleet_report.SENT_KEY]["trail"] == 1
    assert kept.get(fleet_report.USB_SENT) is None
