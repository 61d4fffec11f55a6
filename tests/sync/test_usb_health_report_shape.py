"""Issue 94: the health report an office on USB only carries in its batch files had no `disk_full` (the network
report has it since issue 89 finding 7: shape 4, "kantor berhenti: disk penuh"), nor a release waiting for room
(shape 3): the files' report was built in shape 2 whatever the center took. Now the center's status file says the
shape it takes, as its probe says it to a pass, and the office's next files carry that shape; an older center's
file says none and the files stay in shape 2. Real kecamatan app, real center app, in one process."""
import io

from app.frame import errors
from app.updates import fleet_report
from app.updates.state import read_state
from sync import usb
from sync.center import fleet
from sync.client import usb_files
from tests.sync.test_center_pages import client_as, operators  # noqa: F401  (fixture)
from tests.sync.test_edges_of_a_real_office import run
from tests.sync.test_usb_ack import _office_on_usb


def _export_and_read_at_the_center(office, center) -> str:
    (name, content), = run(office, lambda: usb_files.export_batches())[0]
    answer = center.post("/impor", data={"batch": (io.BytesIO(content), name)}, content_type="multipart/form-data",
                         headers={"X-Loket-Upload": "satu"})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _problems_at_the_center() -> list:
    [row] = [row for row in fleet.fleet_rows() if row.report is not None]
    return row.problems


def test_a_usb_only_office_whose_disk_is_full_says_so_in_its_files(tmp_path, center_app, center_db, enrolled,
                                                                   operators):  # noqa: F811
    kecamatan, _ = enrolled
    office, _ = _office_on_usb(tmp_path / "k", center_app, kecamatan, 0)
    center = client_as(center_app, operators["admin"])
    data_dir = office.config["DATA_DIR"]
    run(office, errors.note_disk_full)  # its clerks' saves were refused for a full disk: the office stopped
    try:
        # before any status file came back, the files' report is the first USB shape (2): no disk_full yet
        assert "Laporan kesehatan komputer: disimpan." in _export_and_read_at_the_center(office, center)
        assert "disk_penuh" not in _problems_at_the_center()
        # an older center's status file says no shape: the office stays on shape 2
        older = usb.write_status_file(*_status_file_parts(center, kecamatan))
        run(office, lambda: usb_files.import_status_file(older))
        assert fleet_report.USB_SHAPE not in read_state(data_dir)
        # today's center's status file names the shape it takes; the next files carry the full disk
        answer = center.get(f"/ekspor-status/{kecamatan.id}")
        assert answer.status_code == 200
        run(office, lambda: usb_files.import_status_file(answer.data))
        assert read_state(data_dir)[fleet_report.USB_SHAPE] == fleet.REPORT_SHAPE
        assert "Laporan kesehatan komputer: disimpan." in _export_and_read_at_the_center(office, center)
        assert _problems_at_the_center()[0] == "disk_penuh"
        page = center.get("/armada").get_data(as_text=True)
        assert "kantor berhenti: disk penuh" in page
    finally:
        errors._disk_full_since.pop(str(data_dir), None)


def _status_file_parts(center, kecamatan):
    """The key and events a status file of a center before the shape was said holds (no held, no shape)."""
    from sync.center import records
    from sync.center.views import counter_keys
    key = counter_keys(kecamatan.id).first()
    return key, [records.event_json(e) for e in records.events_after(kecamatan, 0, 1000)]


def test_the_report_goes_when_its_own_note_cannot_be_written_for_a_full_disk(tmp_path, center_app, center_db, enrolled,
                                                                            monkeypatch):
    """The files' report notes what it counted in status.json; on a full disk that write fails: the report goes all
    the same (before, the whole report was dropped: "the health report could not be built")."""
    import errno
    kecamatan, _ = enrolled
    office, _ = _office_on_usb(tmp_path / "k", center_app, kecamatan, 0)

    def full(*_args, **_kwargs):
        raise OSError(errno.ENOSPC, "No space left on device")
    monkeypatch.setattr(fleet_report, "write_state", full)
    report = run(office, usb.office_report)
    assert report is not None and report["version"]
