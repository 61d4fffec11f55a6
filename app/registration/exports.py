"""The buku register as a spreadsheet: XLSX (openpyxl, streamed write-only) and CSV."""
from app.frame import privacy, store
from app.frame.dates import to_local
from app.frame.spreadsheet_cells import csv_chunks, xlsx_bytes

from app.registration.intake import REASONS
from app.registration.status import STATUS_LABELS, ApplicationStatus

COLUMNS = ["No. Pendaftaran", "Versi", "Tanggal Daftar ({zone})", "NIK", "No. KK", "Nama Lengkap", "Tempat Lahir",
           "Tanggal Lahir", "JK", "Alamat", "RT", "RW", "Desa/Kelurahan", "Alasan", "Perekaman", "Status",
           "Tanggal Lengkap", "Tanggal Janji", "Diserahkan Kepada", "Tanggal Diserahkan ({zone})"]


# The personal field behind each column, for the access policy (app/frame/privacy.py).
PERSONAL = {3: "nik", 4: "kk_number", 6: "birth_place", 7: "birth_date", 9: "address", 10: "rt", 11: "rw"}


def _columns() -> list[str]:
    return [column.format(zone=store.get("timezone")) for column in COLUMNS]


def _local(moment):
    """Moments are stored in UTC; the office reads them in its own zone (naive, as a spreadsheet shows them)."""
    return to_local(moment, store.get("timezone")).replace(tzinfo=None) if moment else moment


def _row(app, desa_names):
    values = _values(app, desa_names)
    return [privacy.shown(value, PERSONAL[i]) if i in PERSONAL else value for i, value in enumerate(values)]


def _values(app, desa_names):
    return [app.registration_number, app.version, _local(app.created_at), app.nik, app.kk_number, app.full_name,
            app.birth_place, app.birth_date, app.sex, app.address, app.rt, app.rw,
            desa_names.get(app.desa_code, app.desa_code), REASONS.get(app.reason, app.reason),
            "sudah" if app.biometric_done else "belum", STATUS_LABELS[ApplicationStatus(app.status)],
            app.completed_at, app.promised_date, app.handed_over_to, _local(app.handed_over_at)]


def register_csv(rows, desa_names) -> str:
    return "".join(csv_chunks(_columns(), (_row(app, desa_names) for app in rows.iterator())))


def register_xlsx(rows, desa_names, title: str) -> bytes:
    # NIK and KK stay text cells (str): as numbers a spreadsheet would round 16 digits.
    return xlsx_bytes("Register", _columns(), (_row(app, desa_names) for app in rows.iterator()), lead_rows=[[title]])
