"""Recap workflow: drafted by the information officer, sent back or approved by the Camat, then frozen."""
import io
import json
import re
from datetime import datetime

import pytest
from openpyxl import load_workbook

from app.complaints.models import Complaint
from app.recap.models import QuarterRecap, RecapLateEntry, RecapStatus
from app.frame import store
from app.frame.db import database
from tests.support.factory import complaint_row, survey_response

URL = "/rekap/2025/1"


def submit(client_for, url=URL, promises="Menambah kursi ruang tunggu.", narrative="Triwulan yang ramai."):
    return client_for("petugas_informasi").post(f"{url}/draf", data={"promises": promises, "narrative": narrative,
                                                                     "ajukan": "1"})


@pytest.fixture
def quarter_with_complaints(db):
    complaint_row(datetime(2025, 1, 6, 2), channel="kiosk", status="selesai", first_response_at=datetime(2025, 1, 6, 5),
              followed_up_at=datetime(2025, 1, 8, 2), tindak_lanjut="Kursi ditambah 10 buah", complainant_name="Budi")
    complaint_row(datetime(2025, 2, 3, 2), channel="telepon", category_name="Perilaku petugas")
    complaint_row(datetime(2025, 3, 3, 2), channel="kotak_saran", is_confidential=True, text="Sangat rahasia")
    survey_response(datetime(2025, 2, 5, 3), 4)
    survey_response(datetime(2025, 2, 6, 3), 3)


def approve(client_for, url=URL):
    return client_for("camat").post(f"{url}/setujui")


def test_information_officer_drafts_and_submits(client_for, quarter_with_complaints):
    info = client_for("petugas_informasi")
    saved = info.post(f"{URL}/draf", data={"promises": "Janji satu", "narrative": ""})
    assert saved.status_code == 303
    recap = QuarterRecap.get()
    assert (recap.status, recap.promises) == (RecapStatus.DRAFT, "Janji satu")
    assert submit(client_for).status_code == 303
    assert QuarterRecap.get().status == RecapStatus.SUBMITTED
    page = client_for("camat").get(URL).get_data(as_text=True)
    assert "Setujui dan bekukan rekap" in page and "Menunggu persetujuan Camat" in page


def test_submitting_without_promises_or_narrative_is_refused(client_for, quarter_with_complaints):
    response = submit(client_for, promises="", narrative="")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Tuliskan janji perbaikan" in text and "Tuliskan uraian singkat" in text
    assert QuarterRecap.select().count() == 0


def test_camat_sends_back_with_a_remark_and_officer_can_edit_again(client_for, quarter_with_complaints):
    submit(client_for)
    camat = client_for("camat")
    no_remark = camat.post(f"{URL}/kembalikan", data={"remark": " "})
    assert no_remark.status_code == 422 and "Tuliskan catatan perbaikan" in no_remark.get_data(as_text=True)
    assert QuarterRecap.get().status == RecapStatus.SUBMITTED
    assert camat.post(f"{URL}/kembalikan", data={"remark": "Tambahkan janji soal antrean."}).status_code == 303
    recap = QuarterRecap.get()
    assert (recap.status, recap.camat_remark) == (RecapStatus.SENT_BACK, "Tambahkan janji soal antrean.")
    assert "Tambahkan janji soal antrean." in client_for("petugas_informasi").get(URL).get_data(as_text=True)
    assert submit(client_for, promises="Janji baru").status_code == 303
    assert QuarterRecap.get().status == RecapStatus.SUBMITTED


def test_camat_approves_and_the_snapshot_is_frozen(client_for, quarter_with_complaints):
    submit(client_for)
    assert approve(client_for).status_code == 303
    recap = QuarterRecap.get()
    assert recap.status == RecapStatus.APPROVED and recap.approved_at is not None
    snapshot = json.loads(recap.snapshot)
    assert snapshot["figures"]["total"] == 3 and snapshot["ikm"]["ikm"] == "87.50"
    # Later edits to the complaint book never change the approved recap.
    Complaint.update(status="selesai", channel="surat", tindak_lanjut="Diubah kemudian").execute()
    complaint_row(datetime(2025, 1, 20, 2), channel="sms")
    page = client_for("camat").get(URL).get_data(as_text=True)
    assert 'id="total-current">3<' in page
    assert "Kursi ditambah 10 buah" in page and "Diubah kemudian" not in page
    printed = client_for("camat").get(f"{URL}/cetak?lampiran=1").get_data(as_text=True)
    assert "Kursi ditambah 10 buah" in printed and "Diubah kemudian" not in printed
    assert json.loads(QuarterRecap.get().snapshot) == snapshot


@pytest.mark.parametrize("role", ["petugas_informasi", "kasi_pelayanan", "admin", "petugas_loket"])
def test_only_the_camat_may_approve_or_send_back(client_for, quarter_with_complaints, role):
    submit(client_for)
    client = client_for(role)
    assert client.post(f"{URL}/setujui").status_code == 403
    assert client.post(f"{URL}/kembalikan", data={"remark": "x"}).status_code == 403
    assert QuarterRecap.get().status == RecapStatus.SUBMITTED


def test_approving_twice_is_refused_and_changes_nothing(client_for, quarter_with_complaints):
    submit(client_for)
    approve(client_for)
    first = QuarterRecap.get()
    again = approve(client_for)
    assert again.status_code == 409
    assert "sudah disetujui" in again.get_data(as_text=True)
    after = QuarterRecap.get()
    assert (after.approved_at, after.snapshot, after.status) == (first.approved_at, first.snapshot, first.status)
    assert client_for("camat").post(f"{URL}/kembalikan", data={"remark": "batal"}).status_code == 409
    assert client_for("petugas_informasi").post(f"{URL}/draf", data={"promises": "ubah", "narrative": "x"}).status_code == 409
    assert QuarterRecap.get().promises == first.promises


def test_the_database_refuses_to_rewrite_an_approved_recap(client_for, quarter_with_complaints):
    submit(client_for)
    approve(client_for)
    with pytest.raises(Exception, match="frozen"):
        database.execute_sql("UPDATE quarter_recap SET snapshot = '{}'")
    with pytest.raises(Exception, match="frozen"):
        database.execute_sql("UPDATE recap_frozen_complaint SET item = '{}'")
    with pytest.raises(Exception, match="frozen"):
        database.execute_sql("INSERT INTO recap_frozen_complaint (recap_id, position, item) VALUES (1, 99, '{}')")


def test_approving_a_recap_that_was_never_submitted_is_refused(client_for, quarter_with_complaints):
    response = approve(client_for)
    assert response.status_code == 409 and "belum diajukan" in response.get_data(as_text=True)
    assert QuarterRecap.select().count() == 0


@pytest.mark.parametrize("method, path", [("get", ""), ("post", "/draf"), ("post", "/setujui"), ("get", "/cetak"),
                                          ("get", "/rekap.xlsx"), ("get", "/pengaduan")])
def test_a_quarter_in_the_future_is_refused(client_for, db, method, path):
    role = "camat" if path == "/setujui" else "petugas_informasi"
    response = getattr(client_for(role), method)(f"/rekap/2099/2{path}", data={"promises": "a", "narrative": "b"}) \
        if method == "post" else client_for(role).get(f"/rekap/2099/2{path}")
    assert response.status_code == 422
    assert "Triwulan II 2099 belum dimulai" in response.get_data(as_text=True)
    assert QuarterRecap.select().count() == 0


@pytest.mark.clock
def test_the_current_quarter_can_be_drafted_but_not_submitted(client_for, db):
    from app.frame.dates import local_today
    from app.frame.periods import Quarter
    current = Quarter.containing(local_today())
    url = f"/rekap/{current.year}/{current.number}"
    assert client_for("petugas_informasi").get(url).status_code == 200
    response = submit(client_for, url)
    assert response.status_code == 422 and "setelah triwulan selesai" in response.get_data(as_text=True)
    assert QuarterRecap.select().count() == 0


def test_unknown_quarter_in_the_chooser_gets_a_message(client_for, db):
    response = client_for("camat").get("/rekap?tahun=abc&triwulan=5")
    assert response.status_code == 422 and "Pilih tahun" in response.get_data(as_text=True)


def test_late_complaint_is_an_addendum_of_the_next_recap_only(client_for, quarter_with_complaints):
    submit(client_for)
    approve(client_for)
    approved_at = QuarterRecap.get().approved_at
    late = complaint_row(datetime(2025, 3, 20, 2), channel="surat", text="Surat yang terlambat dicatat",
                     created_at=datetime(approved_at.year, approved_at.month, approved_at.day, 23, 59, 59))
    assert "Surat yang terlambat dicatat" not in client_for("camat").get(URL).get_data(as_text=True)
    next_page = client_for("camat").get("/rekap/2025/2").get_data(as_text=True)
    assert "Adendum" in next_page and "Surat yang terlambat dicatat" in next_page
    submit(client_for, "/rekap/2025/2")
    assert approve(client_for, "/rekap/2025/2").status_code == 303
    assert RecapLateEntry.get(RecapLateEntry.complaint == late.id).listed_in.quarter == 2
    third = client_for("camat").get("/rekap/2025/3").get_data(as_text=True)
    assert "Surat yang terlambat dicatat" not in third
    assert "Surat yang terlambat dicatat" in client_for("camat").get("/rekap/2025/2").get_data(as_text=True)


def test_moving_a_complaint_into_an_approved_quarter_makes_it_late_but_other_edits_do_not(client_for,
                                                                                          quarter_with_complaints):
    submit(client_for)
    approve(client_for)
    Complaint.update(status="selesai").execute()  # an edit inside the approved quarter: not late
    assert RecapLateEntry.select().count() == 0
    moved = complaint_row(datetime(2025, 4, 2, 2), text="Tanggal terima dikoreksi")
    assert RecapLateEntry.select().count() == 0
    Complaint.update(received_at=datetime(2025, 3, 28, 2)).where(Complaint.id == moved.id).execute()
    assert RecapLateEntry.get().complaint_id == moved.id
    assert "Tanggal terima dikoreksi" in client_for("camat").get("/rekap/2025/2").get_data(as_text=True)


def test_print_notice_has_letterhead_figures_chart_promises_and_signature(client_for, quarter_with_complaints, app):
    with database.atomic():
        store.put("camat_name", "Drs. Hadi Santoso, M.Si")
        store.put("camat_nip", "197201141998031005")
    submit(client_for, promises="Menambah kursi ruang tunggu.\nMembuka loket pukul 07.30.")
    approve(client_for)
    page = client_for("kasi_pelayanan").get(f"{URL}/cetak").get_data(as_text=True)
    assert 'class="letterhead"' in page and "TRIWULAN I 2025" in page
    assert "<svg" in page and "Pengaduan menurut saluran" in page
    assert 'id="total-current">3<' in page and "87,50" in page
    assert "<li>Membuka loket pukul 07.30.</li>" in page
    signature = page[page.index('id="signature"'):]
    assert "CAMAT" in signature and "Drs. Hadi Santoso, M.Si" in signature and "NIP. 197201141998031005" in signature
    approved = QuarterRecap.get().approved_at
    assert str(approved.year) in signature
    assert "DRAF" not in page
    # The board notice summarises (it fits A4); the full list is the annex the Camat may choose to print.
    assert "Kursi ditambah 10 buah" not in page and "Daftar lengkap 2 pengaduan" in page  # the confidential one is not listed
    page = client_for("kasi_pelayanan").get(f"{URL}/cetak?lampiran=1").get_data(as_text=True)
    assert "Kursi ditambah 10 buah" in page and "Budi" not in page and "Sangat rahasia" not in page
    assert "1 pengaduan rahasia tidak dirinci" in page and "LAMPIRAN" in page


def test_the_annex_keeps_its_last_row_with_the_signature_and_numbers_whole(client_for, quarter_with_complaints):
    """The Camat's signature closes the annex in one row group with the list's last row (print.css never
    splits it), so it is never alone on a sheet whatever the rows' heights; a time range in a follow-up
    stays on one line in its narrow column. Both found by the regency-volume print at another day's data."""
    import re

    from app.complaints.models import Complaint
    Complaint.update(tindak_lanjut="Loket buka Senin–Kamis 08.00–15.00, Jumat 08.00–11.00 <WIB>").execute()
    page = client_for("kasi_pelayanan").get(f"{URL}/cetak?lampiran=1").get_data(as_text=True)
    assert page.count('id="signature"') == 1
    signed = page[page.index('<tbody class="signed-rows">'):]
    signed = signed[:signed.index("</tbody>")]
    annex = page[page.index('<table class="list notice-list">'):]
    numbers = [int(n) for n in re.findall(r'<td class="num">(\d+)</td>', annex)]
    assert numbers == list(range(1, len(numbers) + 1)) and len(numbers) == 2  # the listed rows, in order
    assert 'id="signature"' in signed and signed.count("<tr") == 2
    assert f'<td class="num">{numbers[-1]}</td>' in signed  # the last row, with the signature
    assert ('<span class="nowrap">08.00–15.00,</span> Jumat <span class="nowrap">08.00–11.00</span> &lt;WIB&gt;'
            in signed)


def test_print_of_an_unapproved_recap_is_marked_draft(client_for, quarter_with_complaints):
    page = client_for("petugas_informasi").get(f"{URL}/cetak").get_data(as_text=True)
    assert "DRAF — BELUM DISETUJUI CAMAT" in page


def _headings(page: str) -> list[str]:
    return re.findall(r"<h2>([A-Z]\. [^<]+)</h2>", page)


def test_a_draft_without_its_narrative_letters_its_sections_on_without_a_gap(client_for, quarter_with_complaints):
    """With no narrative the notice skipped B: a board reader read A, C, D and looked for a missing part."""
    info = client_for("petugas_informasi")
    info.post(f"{URL}/draf", data={"promises": "Menambah kursi ruang tunggu.", "narrative": ""})
    assert _headings(info.get(f"{URL}/cetak").get_data(as_text=True)) == [
        "A. Ringkasan", "B. Janji perbaikan layanan", "C. Daftar pengaduan dan tindak lanjut"]
    submit(client_for)
    assert _headings(info.get(f"{URL}/cetak").get_data(as_text=True)) == [
        "A. Ringkasan", "B. Uraian", "C. Janji perbaikan layanan", "D. Daftar pengaduan dan tindak lanjut"]


def test_a_quarter_without_survey_answers_says_so_and_not_what_was_left_out(client_for, db):
    """With no survey answer in the quarter the IKM line read 'tidak dihitung: 0 jawaban dibatalkan, 0 jawaban
    tanpa kode belum ditinjau': it says that none came in, and names what was left out only when something was."""
    complaint_row(datetime(2025, 1, 6, 2))
    ikm = client_for("petugas_informasi").get(f"{URL}/cetak").get_data(as_text=True)
    ikm = ikm[ikm.index('id="recap-ikm"'):]
    ikm = ikm[:ikm.index("</td>")]
    assert "tidak ada jawaban survei yang masuk pada triwulan ini" in ikm and "tidak dihitung" not in ikm
    survey_response(datetime(2025, 2, 5, 3), 4, status="batal")
    ikm = client_for("petugas_informasi").get(f"{URL}/cetak").get_data(as_text=True)
    ikm = ikm[ikm.index('id="recap-ikm"'):]
    ikm = ikm[:ikm.index("</td>")]
    assert "belum ada responden survei" in ikm and "tidak dihitung: 1 jawaban dibatalkan</span>" in ikm
    assert "0 jawaban" not in ikm


def test_a_quarter_whose_respondents_left_an_element_unanswered_names_them_beside_its_missing_ikm(client_for, db):
    """No IKM when an element has no answer (PermenPANRB 14/2017 weighs all nine): the line said 'belum ada
    responden survei' of a quarter with respondents."""
    from app.survey.elements import ELEMENT_KEYS
    complaint_row(datetime(2025, 1, 6, 2))
    for day in (5, 6):
        survey_response(datetime(2025, 2, day, 3), dict.fromkeys(ELEMENT_KEYS[:-1], 3))
    ikm = client_for("petugas_informasi").get(f"{URL}/cetak").get_data(as_text=True)
    ikm = ikm[ikm.index('id="recap-ikm"'):]
    assert ikm[:ikm.index("</td>")].endswith(
        "belum dapat dihitung: 2 responden, tetapi ada unsur survei yang belum dijawab siapa pun")


def test_xlsx_export_holds_the_figures(client_for, quarter_with_complaints):
    response = client_for("camat").get(f"{URL}/rekap.xlsx")
    assert response.status_code == 200
    book = load_workbook(io.BytesIO(response.data))
    assert {"Ringkasan", "Saluran", "Status", "Kategori", "Daftar pengaduan"} <= set(book.sheetnames)
    summary = {row[0]: row[1] for row in book["Ringkasan"].iter_rows(values_only=True)}
    assert summary["Jumlah pengaduan"] == 3 and summary["IKM triwulan"] == 87.5
    channels = {row[0]: row[1] for row in book["Saluran"].iter_rows(min_row=2, values_only=True)}
    assert channels["Kios pengaduan"] == 1 and channels["Telepon (hotline)"] == 1
    listed = [row[0] for row in book["Daftar pengaduan"].iter_rows(min_row=2, values_only=True)]
    assert len(listed) == 2  # the confidential one is not listed


def test_archive_lists_approved_recaps_by_year(client_for, quarter_with_complaints):
    submit(client_for)
    approve(client_for)
    camat = client_for("camat")
    assert "Triwulan I 2025" in camat.get("/rekap/arsip?tahun=2025").get_data(as_text=True)
    assert "Triwulan I 2025" not in camat.get("/rekap/arsip?tahun=2024").get_data(as_text=True)
    bad = camat.get("/rekap/arsip?tahun=dua")
    assert bad.status_code == 422 and "Tahun harus berupa angka" in bad.get_data(as_text=True)


def test_complaint_list_pages_through_htmx_fragment(client_for, db):
    for day in range(1, 29):
        complaint_row(datetime(2025, 2, day, 2), text=f"Pengaduan nomor {day:02d}")
    client = client_for("camat")
    first = client.get(URL).get_data(as_text=True)
    assert "Pengaduan nomor 01" in first and "Berikutnya" not in first
    for day in range(1, 30):
        complaint_row(datetime(2025, 3, 1, 2), text=f"Tambahan {day:02d}")
    first = client.get(URL).get_data(as_text=True)
    fragment = client.get(_hx_link(first, "next"), headers={"HX-Request": "true"}).get_data(as_text=True)
    assert fragment.strip().startswith('<div id="recap-complaints"') and "Tambahan 29" in fragment and "<html" not in fragment
    assert "Halaman 2" in fragment and "Pengaduan nomor 01" not in fragment


def _hx_link(html: str, rel: str) -> str | None:
    """The htmx URL of the recap list's prev/next link."""
    found = re.search(r'hx-get="([^"]+)" rel="%s"' % rel, html)
    return found and found.group(1).replace("&amp;", "&").replace("&#34;", '"')


def _recap_list_statements(client, url):
    """Every page of the recap's list, following 'next' to the end and 'prev' back to the start:
    (the tracking numbers seen going forward, going back, the SQL of the list queries)."""
    statements = []
    connection = database.connection()
    connection.set_exec_trace(lambda cursor, sql, bindings: statements.append(sql) or True)
    forward, back = [], []
    try:
        html = client.get(url).get_data(as_text=True)
        forward.append(re.findall(r"PGD-[0-9A-Z]+", html))
        while _hx_link(html, "next"):
            html = client.get(_hx_link(html, "next"), headers={"HX-Request": "true"}).get_data(as_text=True)
            forward.append(re.findall(r"PGD-[0-9A-Z]+", html))
        back.append(forward[-1])
        while _hx_link(html, "prev"):
            html = client.get(_hx_link(html, "prev"), headers={"HX-Request": "true"}).get_data(as_text=True)
            back.append(re.findall(r"PGD-[0-9A-Z]+", html))
    finally:
        connection.set_exec_trace(None)
    listing = [s for s in statements if "LIMIT" in s and ('FROM "complaint"' in s or "recap_frozen_complaint" in s)]
    return forward, back[::-1], listing


@pytest.mark.parametrize("approved", [False, True])
def test_deep_pages_of_the_recap_list_go_by_keyset_live_and_frozen(client_for, db, approved):
    """Same receipt times across page edges, walked to the end and back: every complaint once, no OFFSET."""
    for n in range(130):
        complaint_row(datetime(2025, 2, 1 + n // 7, 2), text=f"Pengaduan {n:03d}")  # seven at each moment
    if approved:
        submit(client_for)
        approve(client_for)
    forward, back, listing = _recap_list_statements(client_for("camat"), URL)
    seen = [number for page in forward for number in page]
    assert len(forward) == 3 and len(seen) == 130 and len(set(seen)) == 130
    assert back == forward
    assert listing and not [s for s in listing if "OFFSET" in s.upper()]


@pytest.mark.clock
def test_dashboard_tells_the_officer_and_the_camat_what_to_do(client_for, db):
    from app.frame.dates import local_today
    from app.frame.periods import Quarter
    last = Quarter.containing(local_today()).previous()
    assert f"Rekap {last.label}" in client_for("petugas_informasi").get("/").get_data(as_text=True)
    client_for("petugas_informasi").post(f"/rekap/{last.year}/{last.number}/draf",
                                         data={"promises": "a", "narrative": "b", "ajukan": "1"})
    assert "Rekap menunggu persetujuan" in client_for("camat").get("/").get_data(as_text=True)


def test_names_in_the_recap_list_only_for_readers_of_the_complaint_book(client_for, quarter_with_complaints):
    complaint_row(datetime(2025, 1, 9, 2), complainant_name="Siti Anonim", is_anonymous=True)
    camat_page = client_for("camat").get(URL).get_data(as_text=True)
    assert "Budi" in camat_page and "Siti Anonim" not in camat_page and "Sangat rahasia" not in camat_page
    admin_page = client_for("admin").get(URL).get_data(as_text=True)
    assert "Budi" not in admin_page and "Kursi ditambah 10 buah" in admin_page


def _figure_tables(page: str) -> str:
    """The recap's summary and its channel/status/category tables, as the page shows them."""
    return page[page.index('<table class="list recap-summary">'):page.index('<div class="recap-charts">')]


def test_every_reader_gets_the_same_figures_confidential_ones_counted_and_a_status_change_moves_them(
        client_for, quarter_with_complaints):
    from app.complaints.privacy import may_see_record
    readers = ("admin", "petugas_informasi", "kasi_pelayanan", "camat")
    assert not all(may_see_record(role, True) for role in readers)  # some may not open a confidential one
    pages = {role: client_for(role).get(URL).get_data(as_text=True) for role in readers}
    tables = {_figure_tables(page) for page in pages.values()}
    assert len(tables) == 1
    shown = tables.pop()
    assert '<td class="num" id="total-current">3</td>' in shown
    assert "<tr><td>Pengaduan rahasia (tidak dirinci)</td><td class=\"num\">1</td>" in shown
    assert "<tr><td>Selesai</td><td class=\"num\">1</td>" in shown
    confidential = Complaint.get(Complaint.is_confidential == True)  # noqa: E712
    Complaint.update(status="selesai", followed_up_at=datetime(2025, 3, 4, 2)).where(
        Complaint.id == confidential.id).execute()
    for role in readers:
        shown = _figure_tables(client_for(role).get(URL).get_data(as_text=True))
        assert "<tr><td>Selesai</td><td class=\"num\">2</td>" in shown
        assert "<tr><td>Baru</td><td class=\"num\">1</td>" in shown
