"""The buku register as a spreadsheet: XLSX (openpyxl, streamed write-only) and CSV."""
import csv
import io

from openpyxl import Workbook

from app.frame.spreadsheet_cells import safe_cell

from app.registration.intake import REASONS
from app.registration.status import STATUS_LABELS, ApplicationStatus

COLUMNS = ["No. Pendaftaran", "Versi", "Tanggal Daftar (UTC)", "NIK", "No. KK", "Nama Lengkap", "Tempat Lahir",
           "Tanggal Lahir", "JK", "Alamat", "RT", "RW", "Desa/Kelurahan", "Alasan", "Perekaman", "Status",
           "Tanggal Lengkap", "Tanggal Janji", "Diserahkan Kepada", "Tanggal Diserahkan"]


def _row(app, desa_names):
    return [app.registration_number, app.version, app.created_at, app.nik, app.kk_number, app.full_name,
            app.birth_place, app.birth_date, app.sex, app.address, app.rt, app.rw,
            desa_names.get(app.desa_code, app.desa_code), REASONS.get(app.reason, app.reason),
            "sudah" if app.biometric_done else "belum", STATUS_LABELS[ApplicationStatus(app.status)],
            app.completed_at, app.promised_date, app.handed_over_to, app.handed_over_at]


def register_csv(rows, desa_names) -> str:
    out = io.StringIO()
    out.write("\ufeff")  # so Excel on the office PC opens it as UTF-8
    writer = csv.writer(out)
    writer.writerow(COLUMNS)
    for app in rows.iterator():
        writer.writerow(["" if v is None else safe_cell(v) for v in _row(app, desa_names)])
    return out.getvalue()


def register_xlsx(rows, desa_names, title: str) -> bytes:
    book = Workbook(write_only=True)
    sheet = book.create_sheet("Register")
    sheet.append([title])
    sheet.append(COLUMNS)
    for app in rows.iterator():
        # NIK and KK stay text cells (str): as numbers a spreadsheet would round 16 digits.
        sheet.append([safe_cell(v) for v in _row(app, desa_names)])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
