"""Collective applications: the letter, the all-or-nothing XLSX import, the collective handover."""
import io

from openpyxl import Workbook

from app.registration.collective import IMPORT_COLUMNS
from app.registration.models import Application, CollectiveLetter
from tests.support.factory import applicant_form, ready_for_pickup
from tests.support.pages import walk_pages


def make_letter(loket, **changes):
    form = {"letter_number": "421.3/117/SMAN1/2026", "letter_date": "2026-01-05",
            "sender": "SMA Negeri 1 Yosowilangun", "contact": "Bu Ani, 0334 571999", "recording_date": ""}
    form.update(changes)
    return loket.post("/pendaftaran/kolektif/baru", data=form)


def xlsx(rows) -> bytes:
    book = Workbook()
    sheet = book.active
    sheet.append([header for header, _ in IMPORT_COLUMNS])
    for row in rows:
        sheet.append([row.get(field, "") for _, field in IMPORT_COLUMNS])
    out = io.BytesIO()
    book.save(out)
    return out.getvalue()


def upload(loket, letter_id, data, name="pemohon.xlsx"):
    return loket.post(f"/pendaftaran/kolektif/{letter_id}/impor", data={"berkas": (io.BytesIO(data), name)},
                      content_type="multipart/form-data")


def test_letter_is_recorded_and_bad_letter_refused(loket):
    assert make_letter(loket).status_code == 302
    assert CollectiveLetter.get().sender == "SMA Negeri 1 Yosowilangun"
    response = make_letter(loket, letter_number="", letter_date="2026-02-30", sender="<b>x</b>")
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "Wajib diisi" in text and "Tanggal surat wajib" in text and "tanpa tanda" in text
    assert CollectiveLetter.select().count() == 1


def test_import_with_one_bad_row_saves_nothing_and_lists_row_errors(loket):
    make_letter(loket)
    letter = CollectiveLetter.get()
    good = applicant_form()
    bad = applicant_form(nik="3508071205900", full_name="Rina <b>", desa="Antah")
    response = upload(loket, letter.id, xlsx([good, bad]))
    assert response.status_code == 422
    text = response.get_data(as_text=True)
    assert "tidak ada yang disimpan" in text
    assert "<td>3</td>" in text and "NIK: NIK harus 16 angka" in text and "Desa/Kelurahan:" in text
    assert Application.select().count() == 0


def test_import_refuses_duplicates_inside_the_file(loket):
    make_letter(loket)
    response = upload(loket, CollectiveLetter.get().id, xlsx([applicant_form(), applicant_form()]))
    assert response.status_code == 422 and "NIK sama dengan baris 2" in response.get_data(as_text=True)


def test_good_import_creates_all_applicants_on_the_letter(loket):
    make_letter(loket)
    letter = CollectiveLetter.get()
    rows = [applicant_form(), applicant_form(nik="3508075205900002", sex="P", full_name="Siti Aminah", biometric_done="ya")]
    assert upload(loket, letter.id, xlsx(rows)).status_code == 302
    saved = list(Application.select().order_by(Application.id))
    assert [a.collective_id for a in saved] == [letter.id, letter.id]
    assert saved[1].biometric_done is True


def test_not_an_xlsx_is_refused(loket):
    make_letter(loket)
    response = upload(loket, CollectiveLetter.get().id, b"%PDF-1.4", "pemohon.xlsx")
    assert response.status_code == 422 and "bukan XLSX" in response.get_data(as_text=True)
    response = upload(loket, CollectiveLetter.get().id, b"PK\x03\x04broken", "pemohon.xlsx")
    assert response.status_code == 422 and "rusak" in response.get_data(as_text=True)


def test_one_by_one_applicant_joins_the_letter(loket):
    make_letter(loket)
    letter = CollectiveLetter.get()
    assert "Pemohon kolektif" in loket.get(f"/pendaftaran/baru?kolektif={letter.id}").get_data(as_text=True)
    response = loket.post("/pendaftaran/baru", data=dict(applicant_form(), kolektif=str(letter.id)),
                          content_type="multipart/form-data")
    assert response.status_code == 302
    assert Application.get().collective_id == letter.id


def test_recording_session_date_is_scheduled(loket):
    make_letter(loket)
    letter = CollectiveLetter.get()
    assert loket.post(f"/pendaftaran/kolektif/{letter.id}/jadwal", data={"recording_date": "2026-02-31"}).status_code == 422
    assert loket.post(f"/pendaftaran/kolektif/{letter.id}/jadwal", data={"recording_date": "2026-03-02"}).status_code == 302
    assert str(CollectiveLetter.get().recording_date) == "2026-03-02"


def test_collective_handover_and_receipt(loket):
    make_letter(loket)
    letter = CollectiveLetter.get()
    upload(loket, letter.id, xlsx([applicant_form(), applicant_form(nik="3508075205900002", sex="P", full_name="Siti Aminah")]))
    for application in Application.select():
        ready_for_pickup(application.id)
    response = loket.post(f"/pendaftaran/kolektif/{letter.id}/serah", data={"name": "", "relation": "", "id_number": ""})
    assert response.status_code == 422
    response = loket.post(f"/pendaftaran/kolektif/{letter.id}/serah", data={
        "name": "Ani Wulandari", "relation": "Staf Tata Usaha", "id_number": "3508075506920003"})
    assert response.status_code == 302
    assert {a.status for a in Application.select()} == {"diserahkan"}
    page = loket.get(f"/pendaftaran/kolektif/{letter.id}/tanda-terima").get_data(as_text=True)
    assert "KOLEKTIF" in page and "Siti Aminah" in page and "Budi Santoso" in page and "Ani Wulandari" in page
    # The last person's row, the line naming who received the cards and both signatures are one row group
    # print never splits: after a long list Chromium put the signatures alone on a sheet.
    group = page[page.index('<tbody class="signed-rows">'):]
    group = group[:group.index("</tbody>")]
    first, last = sorted(Application.select(), key=lambda a: a.id)
    assert last.registration_number in group and first.registration_number not in group and group.count("<tr") == 2
    assert "Diterima oleh Ani Wulandari" in group and "Yang menyerahkan" in group and "Yang menerima" in group


def test_pages_render_with_data(loket):
    make_letter(loket)
    letter = CollectiveLetter.get()
    upload(loket, letter.id, xlsx([applicant_form()]))
    listing = loket.get("/pendaftaran/kolektif").get_data(as_text=True)
    assert "SMA Negeri 1 Yosowilangun" in listing
    page = loket.get(f"/pendaftaran/kolektif/{letter.id}").get_data(as_text=True)
    assert "Budi Santoso" in page and "Impor pemohon" in page
    template = loket.get("/pendaftaran/kolektif/templat.xlsx")
    assert template.status_code == 200 and template.data.startswith(b"PK")
    edit = loket.get(f"/pendaftaran/{Application.get().id}/ubah").get_data(as_text=True)
    assert 'value="Budi Santoso"' in edit and 'value="Darungan"' in edit


def test_every_letter_is_reachable_page_by_page(loket, app):
    """The list showed the newest 200 letters and nothing older, with no further page."""
    app.config["PAGE_SIZE"] = 2
    for n in range(5):
        assert make_letter(loket, letter_number=f"421.3/{n:03d}/SD{n}/2026").status_code in (302, 303)
    pages = walk_pages(loket, "/pendaftaran/kolektif", r"421\.3/(\d{3})/SD")
    assert pages == [["004", "003"], ["002", "001"], ["000"]]


def test_a_receipt_of_applicants_who_collected_their_own_cards_has_no_empty_nik(loket):
    """Issue 25: the collective receipt printed "(NIK )" when no representative was recorded."""
    make_letter(loket)
    letter = CollectiveLetter.get()
    upload(loket, letter.id, xlsx([applicant_form()]))
    application = ready_for_pickup(Application.get().id)
    assert loket.post(f"/pendaftaran/{application.id}/serah", data={"collector": "pemohon"}).status_code in (302, 303)
    page = loket.get(f"/pendaftaran/kolektif/{letter.id}/tanda-terima").get_data(as_text=True)
    assert "(NIK )" not in page and "Diterima oleh  " not in page


def test_a_letter_sent_twice_is_recorded_once(loket):
    """Issue 33: every form that creates something carries a one-time token; the collective letter's did
    not: a double click (or a resend after a power cut) recorded the school's letter twice."""
    page = loket.get("/pendaftaran/kolektif/baru").get_data(as_text=True)
    token = page.split('name="form_token" value="', 1)[1].split('"', 1)[0]
    first = make_letter(loket, form_token=token)
    again = make_letter(loket, form_token=token)
    assert first.status_code == 302 and again.status_code == 303
    assert again.location == first.location  # the first letter's page again
    assert CollectiveLetter.select().count() == 1
