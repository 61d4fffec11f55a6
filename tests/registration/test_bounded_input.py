"""Issue 13: every input bounded. Odd dates, 64-bit ids, formula cells, pixel and XML bombs."""
import io
import re
import zipfile
from datetime import datetime

import pytest
from openpyxl import Workbook, load_workbook
from PIL import Image

from app.frame.spreadsheet_cells import UnreadableWorkbook, open_workbook, safe_cell

HUGE = 2**63
ODD_DATES = ("0001-01-01", "9999-12-31")


@pytest.mark.parametrize("day", ODD_DATES)
@pytest.mark.parametrize("role, path", [
    ("petugas_loket", "/pendaftaran?dari={d}"), ("petugas_loket", "/pendaftaran?sampai={d}"),
    ("petugas_loket", "/pendaftaran?tempo_sampai={d}"),
    ("petugas_loket", "/pendaftaran/ekspor?format=csv&dari={d}"),
    ("petugas_loket", "/pendaftaran/ekspor?format=xlsx&sampai={d}"),
    ("petugas_informasi", "/pengaduan/?dari={d}"), ("petugas_informasi", "/pengaduan/?sampai={d}"),
    ("petugas_informasi", "/pengaduan/ekspor.csv?sampai={d}"), ("petugas_informasi", "/pengaduan/ekspor.xlsx?dari={d}"),
    ("petugas_informasi", "/pengaduan/laporan-harian?tanggal={d}"),
    ("admin", "/audit?sampai={d}"), ("admin", "/audit?dari={d}"),
])
def test_odd_dates_in_filters_get_a_clear_answer(client_as, role, path, day):
    """Finding: these dates gave a 500; a redirect or a silent 200 hides what was wrong: the page
    itself answers 4xx with the Indonesian message (exports included)."""
    response = client_as(role).get(path.format(d=day))
    assert response.status_code in (400, 422), response.status_code
    body = response.get_data(as_text=True)
    assert "Tanggal tidak valid" in body and "</html>" in body.lower()


@pytest.mark.parametrize("day", ODD_DATES)
def test_odd_received_at_of_a_complaint_is_refused(client_as, day):
    from app.complaints.models import Complaint, ComplaintCategory
    informasi = client_as("petugas_informasi")
    form = informasi.get("/pengaduan/catat").get_data(as_text=True)
    token = re.search(r'name="form_token" value="([^"]+)"', form).group(1)
    response = informasi.post("/pengaduan/catat", data={
        "channel": "meja_informasi", "category_id": str(ComplaintCategory.select().first().id),
        "complainant_name": "Sri", "text": "Antrean lama", "received_at": f"{day}T08:00",
        "step": "baru", "form_token": token})
    assert response.status_code in (400, 422)
    assert "tanggal" in response.get_data(as_text=True).lower()
    assert Complaint.select().count() == 0


def test_ids_beyond_64_bits_are_not_found_on_every_route(app, client_as):
    clients = {role: client_as(role) for role in ("petugas_loket", "petugas_informasi", "kasi_pelayanan", "admin")}
    walked = 0
    for rule in app.url_map.iter_rules():
        ints = [n for n, c in rule._converters.items() if type(c).__name__ == "BoundedIntConverter"]
        if not ints:
            continue
        path = re.sub(r"<(?:[a-z]+:)?(\w+)>", lambda m: str(HUGE) if m.group(1) in ints else "csv", rule.rule)
        for method in rule.methods - {"HEAD", "OPTIONS"}:
            for client in clients.values():
                response = client.open(path, method=method)
                assert response.status_code in (403, 404, 405), (rule.rule, method, response.status_code)
                walked += 1
    assert walked > 40


@pytest.mark.parametrize("path", ["/pendaftaran/periksa-nik?nik=3508071205900001&id={n}",
                                  "/pendaftaran/baru?kolektif={n}", "/pengaduan/?kategori={n}&sesi={n}"])
def test_ids_beyond_64_bits_in_parameters(client_as, path):
    role = "petugas_informasi" if path.startswith("/pengaduan") else "petugas_loket"
    assert client_as(role).get(path.format(n=HUGE)).status_code in (200, 404)


@pytest.mark.parametrize("text", ["=1+1", "+1", "-1", "@SUM(A1)", "\t=1", "\r=1", "  =HYPERLINK(\"x\")", " +1"])
def test_every_formula_trigger_is_neutralised(text):
    assert safe_cell(text) == "'" + text


def test_plain_text_and_numbers_stay_as_they_are():
    assert safe_cell("Antrean lama") == "Antrean lama" and safe_cell(-5) == -5


def test_the_quarterly_recap_xlsx_writes_no_live_formula(client_for, db):
    from app.complaints import book
    from app.complaints.models import ComplaintCategory
    complaint, _ = book.record_complaint({"channel": "kiosk", "category_id": ComplaintCategory.select().first().id,
                                          "complainant_name": "", "complainant_contact": "", "is_anonymous": True,
                                          "is_confidential": False, "registration_number": "",
                                          "text": '=HYPERLINK("http://evil.example","Klik")'},
                                         received_at=datetime(2025, 2, 10, 3, 0))
    response = client_for("camat").get("/rekap/2025/1/rekap.xlsx")
    sheet = load_workbook(io.BytesIO(response.data))["Daftar pengaduan"]
    texts = [row[5] for row in sheet.iter_rows(min_row=2, values_only=True)]
    assert texts == ["'" + complaint.text]


def _png_header(width, height) -> bytes:
    import struct
    import zlib
    ihdr = struct.pack(">IIBBBBB", width, height, 8, 2, 0, 0, 0)
    chunk = lambda kind, data: (struct.pack(">I", len(data)) + kind + data
                                + struct.pack(">I", zlib.crc32(kind + data) & 0xFFFFFFFF))
    return b"\x89PNG\r\n\x1a\n" + chunk(b"IHDR", ihdr) + chunk(b"IEND", b"")


def _gif_bomb() -> bytes:
    out = io.BytesIO()
    Image.new("P", (7000, 7000), 0).save(out, "GIF")  # 36 KB, 49 megapixels
    return out.getvalue()


def test_a_pixel_bomb_attachment_is_refused(client_as):
    from app.complaints import book
    from app.complaints.models import ComplaintAttachment, ComplaintCategory
    from app.auth.models import User
    informasi = client_as("petugas_informasi")
    complaint, _ = book.record_complaint({"channel": "meja_informasi", "category_id": ComplaintCategory.select().first().id,
                                          "complainant_name": "Sri", "complainant_contact": "", "is_anonymous": False,
                                          "is_confidential": False, "registration_number": "", "text": "Lama"},
                                         user=User.get(username="petugas-informasi"))
    for bomb in (_gif_bomb(), _png_header(6300, 6300)):
        response = informasi.post(f"/pengaduan/{complaint.id}/lampiran",
                                  data={"photo": (io.BytesIO(bomb), "x.gif")}, content_type="multipart/form-data")
        assert 400 <= response.status_code < 500
    assert ComplaintAttachment.select().count() == 0


def test_a_pixel_bomb_logo_is_refused():
    from app.frame.letterhead_logo import LogoError, normalise_logo
    with pytest.raises(LogoError, match="terlalu besar"):
        normalise_logo(_gif_bomb())


def _xlsx_with(sheet_xml: bytes) -> bytes:
    book = Workbook()
    book.active.append(["NIK"])
    good = io.BytesIO()
    book.save(good)
    out = io.BytesIO()
    with zipfile.ZipFile(good) as source, zipfile.ZipFile(out, "w", zipfile.ZIP_DEFLATED) as target:
        for item in source.infolist():
            data = source.read(item.filename)
            target.writestr(item, sheet_xml if item.filename == "xl/worksheets/sheet1.xml" else data)
    return out.getvalue()


def test_malformed_xml_in_an_import_is_answered_clearly():
    with pytest.raises(UnreadableWorkbook, match="rusak"):
        book = open_workbook(_xlsx_with(b"<worksheet><sheetData><row><c>"))
        list(book.worksheets[0].iter_rows())


def test_a_spreadsheet_bomb_is_refused_before_parsing():
    bomb = _xlsx_with(b'<?xml version="1.0"?><worksheet xmlns="http://schemas.openxmlformats.org/'
                      b'spreadsheetml/2006/main"><sheetData>' + b" " * 60_000_000 + b"</sheetData></worksheet>")
    assert len(bomb) < 200_000
    with pytest.raises(UnreadableWorkbook, match="terlalu besar"):
        open_workbook(bomb)


@pytest.mark.parametrize("trigger", ["=", "+", "-", "@", "\t", "\r", "  ="])
def test_both_complaint_exports_neutralise_every_trigger(client_as, trigger):
    import csv
    from app.auth.models import User
    from app.complaints import book
    from app.complaints.models import ComplaintCategory
    informasi = client_as("petugas_informasi")
    text = f"{trigger}HYPERLINK(\"http://evil.example\")"
    book.record_complaint({"channel": "meja_informasi", "category_id": ComplaintCategory.select().first().id,
                           "complainant_name": "Sri", "complainant_contact": "", "is_anonymous": False,
                           "is_confidential": False, "registration_number": "", "text": text},
                          user=User.get(username="petugas-informasi"))
    exported = informasi.get("/pengaduan/ekspor.csv").get_data(as_text=True).lstrip("\ufeff")
    rows = list(csv.reader(io.StringIO(exported, newline="")))
    assert rows[1][11] == "'" + text
    sheet = load_workbook(io.BytesIO(informasi.get("/pengaduan/ekspor.xlsx").data)).active
    assert list(sheet.iter_rows(min_row=2, values_only=True))[0][11] == "'" + text.replace("\r", "\n")  # XML keeps no bare CR
