"""The recap's figures as an XLSX workbook (openpyxl), one sheet per table."""
import io

from app.frame.spreadsheet_cells import safe_row

# openpyxl (with numpy, ~28 MB) is imported when a workbook is made, not when the office server
# starts (issue 30: the server's memory before any upload).


def _sheet(book, title: str, header: list[str], rows: list[list]) -> None:
    from openpyxl.styles import Font
    from openpyxl.utils import get_column_letter
    sheet = book.create_sheet(title)
    sheet.append(header)
    bold = Font(bold=True)
    for cell in sheet[1]:
        cell.font = bold
    for row in rows:
        sheet.append(safe_row(row))  # complaint text from the kiosk must not run as a formula
    for index, name in enumerate(header, start=1):
        width = max([len(str(name))] + [len(str(r[index - 1])) for r in rows if r[index - 1] is not None] + [8])
        sheet.column_dimensions[get_column_letter(index)].width = min(60, width + 2)
    sheet.freeze_panes = "A2"


def figures_workbook(contents: dict, frozen: bool) -> io.BytesIO:
    """Workbook of the recap: summary, channel/category/status beside the previous quarter, list."""
    current, previous = contents["figures"], contents["previous"]["figures"]
    label, previous_label = contents["label"], contents["previous"]["label"]
    from openpyxl import Workbook
    book = Workbook()
    book.remove(book.active)

    ikm = contents["ikm"]
    _sheet(book, "Ringkasan", ["Ukuran", label, previous_label], [
        ["Status rekap", "Disetujui (beku)" if frozen else "Belum disetujui (sementara)", ""],
        ["Jumlah pengaduan", current["total"], previous["total"]],
        ["Pengaduan rahasia (tidak dirinci)", current["confidential"], previous["confidential"]],
        ["Sudah ditanggapi pertama", current["first_response"]["count"], previous["first_response"]["count"]],
        [f"Tanggapan pertama tepat waktu (≤ {contents['first_response_days']} hari kerja)",
         current["first_response"]["on_time"], previous["first_response"]["on_time"]],
        ["Median hari kerja ke tanggapan pertama", current["first_response"]["median_days"], previous["first_response"]["median_days"]],
        ["Terlama (hari kerja) ke tanggapan pertama", current["first_response"]["worst_days"], previous["first_response"]["worst_days"]],
        ["Ditindaklanjuti (selesai)", current["follow_up"]["count"], previous["follow_up"]["count"]],
        [f"Tindak lanjut tepat waktu (≤ {contents['follow_up_days']} hari kerja)",
         current["follow_up"]["on_time"], previous["follow_up"]["on_time"]],
        ["Median hari kerja ke tindak lanjut", current["follow_up"]["median_days"], previous["follow_up"]["median_days"]],
        ["Terlama (hari kerja) ke tindak lanjut", current["follow_up"]["worst_days"], previous["follow_up"]["worst_days"]],
        ["IKM triwulan", float(ikm["ikm"]) if ikm["ikm"] else None, ""],
        ["Mutu pelayanan", f"{ikm['grade']} ({ikm['performance']})" if ikm["grade"] else "", ""],
        ["Responden survei", ikm["respondents"], ""],
        ["Jawaban survei dibatalkan", ikm.get("answers", {}).get("batal"), ""],
    ])
    for title, key, match in (("Saluran", "by_channel", "key"), ("Status", "by_status", "key"),
                              ("Kategori", "by_category", "label")):
        before = {r[match]: r["count"] for r in previous[key]}
        _sheet(book, title, [title, label, previous_label],
               [[r["label"], r["count"], before.get(r[match], 0)] for r in current[key]])
    rows = [[c["tracking_number"], c["received"], c["channel"], c["category"], c["status"], c["text"],
             c["tindak_lanjut"], c["followed_up"]] for c in contents["complaints"] + contents["addendum"]]
    _sheet(book, "Daftar pengaduan", ["Nomor", "Diterima", "Saluran", "Kategori", "Status", "Isi",
                                      "Tindak lanjut", "Selesai"], rows)
    output = io.BytesIO()
    book.save(output)
    output.seek(0)
    return output
