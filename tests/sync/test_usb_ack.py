"""Issue 72, finding 5: an office that lives on USB never had its citizens' /cek records acknowledged. The
status file acknowledged only applications, so every later file carried the /cek records again (a file of
200 records and no application), and the center's line of such a file read "disimpan 0, sudah ada 0,
konflik 0, ditolak 0". Now the status file acknowledges what the center stored from the files, and each
file's line names what it held. Real kecamatan app (public status on, as in every office), real center."""
import io

from app.frame.db import database
from sync.center.models import PublicStatus
from sync.client import enrolment, usb_files
from sync.client.models import OutboxItem, SyncLog
from sync import public_status as vocabulary
from sync.center import keys
from tests.sync.harness import kecamatan_app
from tests.sync.test_center_pages import client_as, operators  # noqa: F401  (fixture)
from tests.sync.test_edges_of_a_real_office import EnrolSession, center_move, fill, run


def _office_on_usb(path, center_app, kecamatan, count):
    office = kecamatan_app(path, public_status=True)
    run(office, lambda: fill(office, 0))  # the office's identity
    code = keys.new_enrolment_code(kecamatan)
    run(office, lambda: enrolment.enrol("http://center", "35.08.07", code, "01", session=EnrolSession(center_app)))
    return office, fill(office, count)


def _export(office):
    return run(office, lambda: usb_files.export_batches())[0]


def _import(center, name, content) -> str:
    answer = center.post("/impor", data={"batch": (io.BytesIO(content), name)}, content_type="multipart/form-data",
                         headers={"X-Loket-Upload": "satu"})
    assert answer.status_code == 200
    return answer.get_data(as_text=True)


def _status_file_back(office, center, kecamatan):
    answer = center.get(f"/ekspor-status/{kecamatan.id}")
    assert answer.status_code == 200
    run(office, lambda: usb_files.import_status_file(answer.data))


def _last_usb_line(office) -> str:
    return run(office, lambda: SyncLog.select().where(SyncLog.kind == "usb").order_by(SyncLog.id.desc()).get().summary)


def test_a_usb_only_month_ends_with_an_export_empty_of_what_the_center_has(tmp_path, center_app, center_db, enrolled,
                                                                           operators):  # noqa: F811
    kecamatan, _ = enrolled
    office, numbers = _office_on_usb(tmp_path / "k", center_app, kecamatan, 3)
    center = client_as(center_app, operators["operator"])
    (name, content), = _export(office)
    assert "3 permohonan, 3 status cek warga (/cek) dalam 1 berkas" in _last_usb_line(office)
    line = _import(center, name, content)
    assert "3 permohonan (disimpan 3, sudah ada 0, konflik 0, ditolak 0)" in line
    assert "Status cek warga (/cek): 3 (disimpan 3, sudah ada 0, konflik 0, ditolak 0)" in line
    _status_file_back(office, center, kecamatan)
    assert "3 status cek warga (/cek) sudah disimpan pusat" in _last_usb_line(office)
    # the citizen's /cek changed at the center (the card printed): the office hears it by the status file
    center_move(numbers[0], "printed")
    _status_file_back(office, center, kecamatan)
    (name, content), = _export(office)  # its /cek record's new version alone: no application in it
    line = _import(center, name, content)
    assert "tanpa permohonan. Status cek warga (/cek): 1 (disimpan 1, sudah ada 0, konflik 0, ditolak 0)" in line
    assert "disimpan 0, sudah ada 0, konflik 0, ditolak 0." not in line
    _status_file_back(office, center, kecamatan)
    # the month's last export: nothing the center holds travels again, its one file the health report alone
    (name, content), = _export(office)
    line = _import(center, name, content)
    assert "tanpa permohonan. Laporan kesehatan komputer:" in line and "Status cek warga" not in line
    waiting = run(office, lambda: OutboxItem.select().where((OutboxItem.kind == vocabulary.KIND)
                                                            & (OutboxItem.state == "pending")).count())
    assert waiting == 0
    assert PublicStatus.select().count() == 3


def test_a_status_file_acknowledges_only_the_version_the_center_holds(tmp_path, center_app, center_db, enrolled,
                                                                       operators):  # noqa: F811
    """A /cek record changed at the office after its file left is not acknowledged by the older version."""
    kecamatan, _ = enrolled
    office, numbers = _office_on_usb(tmp_path / "k", center_app, kecamatan, 1)
    center = client_as(center_app, operators["operator"])
    _import(center, *_export(office)[0])
    from app.public_status import records as public
    from app.public_status.models import PublicStatus as LocalStatus
    from app.registration.models import Application

    def changed_meanwhile():
        with database.atomic():
            row = LocalStatus.get(LocalStatus.number == numbers[0])
            row.content_hash = "changed at the office"
            public._queue(row, public.application_record(Application.get(Application.registration_number == numbers[0]),
                                                         row))
    run(office, changed_meanwhile)
    _status_file_back(office, center, kecamatan)
    assert "0 status cek warga (/cek) sudah disimpan pusat" in _last_usb_line(office)
    (name, content), = _export(office)
    assert "Status cek warga (/cek): 1 (disimpan 1," in _import(center, name, content)


def _approved_recap(office) -> str:
    """The Camat approves the first quarter of 2025 (its regency copy queued as the approval queues it)."""
    def approve():
        from app.frame.dates import local_today
        from app.frame.periods import Quarter
        from app.recap import records as recap
        from app.recap.models import QuarterRecap
        from app.recap.sync_records import key_of
        from tests.support.factory import staff_user
        quarter, zone = Quarter.of(2025, 1), "Asia/Jakarta"
        recap.save_draft(quarter, zone, {"promises": "Menambah kursi ruang tunggu.", "narrative": "", "remark": ""},
                         True, staff_user("petugas_informasi"))
        recap.approve(QuarterRecap.get(), quarter, zone, local_today(zone), "", staff_user("camat"))
        return key_of(2025, 1)
    return run(office, approve)


def test_a_performance_report_sent_by_usb_is_acknowledged_by_the_status_file(tmp_path, center_app, center_db, enrolled,
                                                                            operators):  # noqa: F811
    """An approved recap's regency copy travelled in every later USB file: the status file acknowledged only
    applications and /cek records, never the reports the center had stored from the files."""
    from sync.center.models import PerformanceReport
    kecamatan, _ = enrolled
    office, _ = _office_on_usb(tmp_path / "k", center_app, kecamatan, 1)
    key = _approved_recap(office)
    center = client_as(center_app, operators["operator"])
    (name, content), = _export(office)
    assert "1 permohonan, 1 status cek warga (/cek), 1 laporan dalam 1 berkas" in _last_usb_line(office)
    assert "Laporan kinerja: disimpan 1, sudah ada 0, ditolak 0." in _import(center, name, content)
    _status_file_back(office, center, kecamatan)
    assert "1 laporan kinerja sudah disimpan pusat" in _last_usb_line(office)
    _export(office)  # nothing the center holds travels again, the report neither: the health report alone (issue 89)
    assert "berkas kiriman USB dibuat: 0 permohonan dalam 1 berkas" in _last_usb_line(office)
    sent = run(office, lambda: OutboxItem.get(OutboxItem.registration_number == key).state)
    assert sent != "pending"
    assert PerformanceReport.select().count() == 1
