"""Spreadsheets in and out. Out: text from forms must never run as a spreadsheet formula.
In: an uploaded XLSX is measured before it is parsed.

Every export (buku register, buku pengaduan, quarterly recap) writes its rows through
`safe_row`, so one rule guards them all.
"""
import io

# OWASP "CSV injection": a cell starting with one of these is a formula to Excel/LibreOffice,
# also after leading spaces (LibreOffice skips them), and tab/CR open a new cell or line.
FORMULA_START = ("=", "+", "-", "@", "\t", "\r", "\n")


def safe_cell(value):
    """Text that a spreadsheet would run as a formula gets a leading apostrophe."""
    if isinstance(value, str) and (value.startswith(FORMULA_START) or value.lstrip(" ").startswith(FORMULA_START)):
        return "'" + value
    return value


def safe_row(values) -> list:
    return [safe_cell(value) for value in values]


def csv_chunks(header: list, rows, chunk_bytes: int = 64 * 1024):
    """The one CSV writer of every export: UTF-8 with BOM (Excel on the office PC), each row
    through `safe_row`, yielded in chunks so a long export streams."""
    import csv
    buffer = io.StringIO()
    buffer.write("\ufeff")
    writer = csv.writer(buffer)
    writer.writerow(header)
    for row in rows:
        writer.writerow(["" if value is None else value for value in safe_row(row)])
        if buffer.tell() > chunk_bytes:
            yield buffer.getvalue()
            buffer.seek(0)
            buffer.truncate()
    yield buffer.getvalue()


def xlsx_bytes(title: str, header: list, rows, max_rows: int | None = None, lead_rows=(),
               cut_note: str = "") -> bytes:
    """The one streamed (write-only) XLSX writer of every list export; rows through `safe_row`."""
    from openpyxl import Workbook
    book = Workbook(write_only=True)
    sheet = book.create_sheet(title)
    for row in lead_rows:
        sheet.append(safe_row(row))
    sheet.append(header)
    for count, row in enumerate(rows):
        if max_rows is not None and count >= max_rows:
            sheet.append([cut_note])
            break
        sheet.append(safe_row(row))
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


# ---- reading an uploaded XLSX -------------------------------------------------------------------
# A 208 KB workbook can inflate to hundreds of MB of XML (openpyxl keeps the shared strings in
# memory even in read-only mode), so the archive is measured before openpyxl sees it.
MAX_UNPACKED_BYTES = 40 * 1024 * 1024
MAX_RATIO = 100  # real workbooks compress 5-20x; a bomb a thousand times


class UnreadableWorkbook(ValueError):
    """An Indonesian message for the clerk: the file is not a workbook we will read."""


def open_workbook(data: bytes):
    """openpyxl's read-only workbook, after the archive's unpacked size was checked; raises
    UnreadableWorkbook for bombs, damaged archives and malformed XML."""
    import zipfile
    from xml.etree.ElementTree import ParseError
    try:
        with zipfile.ZipFile(io.BytesIO(data)) as archive:
            unpacked = sum(info.file_size for info in archive.infolist())
            packed = sum(info.compress_size for info in archive.infolist()) or 1
    except (zipfile.BadZipFile, OSError, ValueError):
        raise UnreadableWorkbook("Berkas XLSX rusak atau tidak dapat dibaca.") from None
    if unpacked > MAX_UNPACKED_BYTES or unpacked / packed > MAX_RATIO:
        raise UnreadableWorkbook("Isi berkas XLSX terlalu besar untuk dibaca (kemungkinan berkas rusak atau "
                                 "sengaja dibesarkan). Simpan ulang dari templat.")
    from openpyxl import load_workbook  # only now: a bomb is refused without openpyxl and numpy (~28 MB)
    try:
        return load_workbook(io.BytesIO(data), read_only=True, data_only=True)
    except (zipfile.BadZipFile, KeyError, ValueError, OSError, IndexError, TypeError, ParseError, SyntaxError):
        raise UnreadableWorkbook("Berkas XLSX rusak atau tidak dapat dibaca (isi XML tidak sah).") from None
