"""Collective applications: one institution's letter for many people, and its spreadsheet import.

The import is all or nothing: every row is checked first and the errors are reported per row;
only a file without errors is stored, in one transaction.
"""
import io
import re
import zipfile
from datetime import date, datetime

from app.frame.dates import parse_iso_date
from app.frame.spreadsheet_cells import UnreadableWorkbook, open_workbook
from app.registration import intake, records

MAX_IMPORT_BYTES = 5 * 1024 * 1024
MAX_IMPORT_ROWS = 1000
# Spreadsheet columns, in order: (header, form field).
IMPORT_COLUMNS = [
    ("NIK", "nik"), ("No. KK", "kk_number"), ("Nama Lengkap", "full_name"), ("Tempat Lahir", "birth_place"),
    ("Tanggal Lahir (TTTT-BB-HH)", "birth_date"), ("Jenis Kelamin (L/P)", "sex"), ("Alamat", "address"),
    ("RT", "rt"), ("RW", "rw"), ("Desa/Kelurahan", "desa"), ("Agama", "religion"),
    ("Status Perkawinan", "marital_status"), ("Pekerjaan", "occupation"), ("No. HP", "phone"),
    ("Alasan (baru/rusak/hilang/perubahan_data/pindah_datang)", "reason"), ("Sudah Perekaman (ya/tidak)", "biometric_done"),
    ("Catatan", "notes"), ("Alasan jika NIK tidak cocok", "mismatch_reason"),
]
FIELD_LABELS = {field: header.split(" (")[0] for header, field in IMPORT_COLUMNS}


class SpreadsheetProblem(ValueError):
    """The file as a whole cannot be read; str() is the Indonesian message."""


def validate_letter(form, today: date) -> tuple[dict, dict]:
    clean = {key: " ".join((form.get(key) or "").split()) for key in ("letter_number", "sender", "contact")}
    clean["notes"] = (form.get("notes") or "").strip()
    errors = {}
    for key, label, limit in (("letter_number", "Nomor surat", 80), ("sender", "Instansi pengirim", 120)):
        if not clean[key]:
            errors[key] = "Wajib diisi."
        elif len(clean[key]) > limit or re.search(r"[<>]", clean[key]):
            errors[key] = f"{label} maksimal {limit} karakter, tanpa tanda < atau >."
    if len(clean["contact"]) > 120 or re.search(r"[<>]", clean["contact"]):
        errors["contact"] = "Kontak maksimal 120 karakter, tanpa tanda < atau >."
    if len(clean["notes"]) > 500 or re.search(r"[<>]", clean["notes"]):
        errors["notes"] = "Catatan maksimal 500 karakter, tanpa tanda < atau >."
    clean["letter_date"] = parse_iso_date(form.get("letter_date"))
    if clean["letter_date"] is None:
        errors["letter_date"] = "Tanggal surat wajib diisi dengan tanggal yang valid."
    elif clean["letter_date"] > today:
        errors["letter_date"] = "Tanggal surat tidak boleh di masa depan."
    recording = (form.get("recording_date") or "").strip()
    clean["recording_date"] = parse_iso_date(recording) if recording else None
    if recording and clean["recording_date"] is None:
        errors["recording_date"] = "Tanggal perekaman tidak valid."
    return clean, errors


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, datetime):
        return value.date().isoformat()
    if isinstance(value, date):
        return value.isoformat()
    if isinstance(value, float) and value.is_integer():
        return str(int(value))  # a NIK typed as a number
    return str(value).strip()


def read_rows(data: bytes) -> list[dict]:
    """The rows of an import spreadsheet as form dicts (header row skipped, empty rows dropped)."""
    if not data:
        raise SpreadsheetProblem("Pilih berkas XLSX.")
    if len(data) > MAX_IMPORT_BYTES:
        raise SpreadsheetProblem("Berkas terlalu besar (maksimal 5 MB).")
    if not data.startswith(b"PK"):
        raise SpreadsheetProblem("Berkas bukan XLSX. Gunakan templat dari tombol “Unduh templat”.")
    try:
        book = open_workbook(data)
        sheet = book.worksheets[0]
        rows = []
        for number, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            if number == 1:
                continue
            if len(rows) >= MAX_IMPORT_ROWS or number > MAX_IMPORT_ROWS * 10:  # empty rows count too
                raise SpreadsheetProblem(f"Terlalu banyak baris (maksimal {MAX_IMPORT_ROWS}).")
            texts = [_cell_text(v) for v in values[:len(IMPORT_COLUMNS)]]
            if not any(texts):
                continue
            texts += [""] * (len(IMPORT_COLUMNS) - len(texts))
            row = {field: text for (_, field), text in zip(IMPORT_COLUMNS, texts)}
            row["biometric_done"] = "1" if row["biometric_done"].lower() in ("ya", "sudah", "1", "y") else ""
            row["_row"] = number
            rows.append(row)
        book.close()
    except SpreadsheetProblem:
        raise
    except UnreadableWorkbook as problem:
        raise SpreadsheetProblem(str(problem)) from None
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError, SyntaxError):
        raise SpreadsheetProblem("Berkas XLSX rusak atau tidak dapat dibaca.") from None
    if not rows:
        raise SpreadsheetProblem("Berkas tidak berisi data pemohon (baris 2 dan seterusnya).")
    return rows


def check_rows(rows: list[dict], desa: list, today: date) -> tuple[list[dict], list[tuple[int, str]]]:
    """(clean rows, [(row number, Indonesian message)]); the file is stored only when errors are empty."""
    cleans, errors, seen = [], [], {}
    for row in rows:
        clean, row_errors, warnings = intake.validate_application(row, desa, today)
        for field, message in row_errors.items():
            if field == "notes" and "marital_status" in warnings:
                message = warnings["marital_status"]  # says why the column Catatan needs the dispensation
            errors.append((row["_row"], f"{FIELD_LABELS.get(field, field)}: {message}"))
        if not row_errors:
            if clean["nik"] in seen:
                errors.append((row["_row"], f"NIK sama dengan baris {seen[clean['nik']]}."))
            elif refusal := records.nik_refusal(clean["nik"], clean["reason"]):
                errors.append((row["_row"], f"NIK: {refusal}"))
            seen.setdefault(clean["nik"], row["_row"])
            cleans.append(clean)
    return cleans, errors


def template_xlsx() -> bytes:
    from openpyxl import Workbook  # on use: openpyxl and numpy cost the server ~28 MB from its start (issue 30)
    book = Workbook()
    sheet = book.active
    sheet.title = "Pemohon"
    sheet.append([header for header, _ in IMPORT_COLUMNS])
    for column in "AB":
        for cell in sheet[column]:
            cell.number_format = "@"  # NIK and KK as text, never 3.5E+15
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()
