"""The sync page's changes other than the enrolment (app/sync_page/enrolment.py, identity.py): the USB
files made and read, the nightly time. The sync client writes its own part (the files, the statuses
it applies, its log, each whole); the audit row of the admin's action follows it."""
from app.frame import audit, store
from app.frame.audit_rule import act
from app.frame.db import database
from sync.client import usb_files


@act("ekspor_usb")
def export_to_usb(folder) -> tuple[list, int]:
    """Every waiting application into numbered files in `folder`; ([(name, content)], applications)."""
    files, count = usb_files.export_batches(folder)
    with database.atomic():
        audit.record("ekspor_usb", "sinkronisasi", "", f"{count} permohonan ke {len(files)} berkas USB")
    return files, count


@act("impor_status_usb")
def import_status_file(content: bytes) -> int:
    """The center's status file read back (checked with this PC's key); how many statuses were new.
    Raises sync.usb.BatchFileError or ValueError with the admin's words."""
    applied = usb_files.import_status_file(content)
    with database.atomic():
        audit.record("impor_status_usb", "sinkronisasi", "", f"{applied} status diterapkan")
    return applied


@act("ubah_jadwal")
def set_nightly_time(hour: int, minute: int, typed: str) -> None:
    """The nightly sync's time; the trail says it as the admin typed it."""
    with database.atomic():
        store.put("sync_nightly_time", f"{hour:02d}:{minute:02d}")
        audit.record("ubah_jadwal", "sinkronisasi", "", f"sinkron malam pukul {typed}")
