"""Printed slips carry the clerk's name and the one-time survey code; a refused action on the
application page shows its reason at the top, where the clerk is looking."""
import io
import re


from app.registration.models import Application
from app.registration.status import ApplicationStatus as S
from app.survey.models import SurveyCode
from tests.support.factory import moved, photo_jpeg, ready_for_pickup


def summary_of(page: str) -> str:
    """The error summary block at the top of the page ('' when there is none)."""
    match = re.search(r'<div class="error-summary"[^>]*data-error-summary>(.*?)</div>', page, re.S)
    return match.group(1) if match else ""


def test_registration_receipt_carries_a_survey_code_and_its_qr(db, loket, saved):
    from app.frame import store
    receipt = loket.get(f"/pendaftaran/{saved}/bukti").get_data(as_text=True)
    assert receipt.count("<svg") == 1  # no public address: the survey's LAN address warns on phones (issue 90)
    store.put("public_address", "https://loket.lumajangkab.go.id")  # the regency's public server: phones open it
    receipt = loket.get(f"/pendaftaran/{saved}/bukti").get_data(as_text=True)
    application = Application.get_by_id(saved)
    code = SurveyCode.get(SurveyCode.service == "pendaftaran", SurveyCode.reference == application.registration_number)
    assert f"{code.code[:4]}-{code.code[4:]}" in receipt
    assert receipt.count("<svg") >= 2  # the registration QR and the survey QR
    # A reprint shows the same code (one code per service received)
    assert f"{code.code[:4]}-{code.code[4:]}" in loket.get(f"/pendaftaran/{saved}/bukti").get_data(as_text=True)
    assert SurveyCode.select().count() == 1


def test_handover_receipt_names_the_clerk_and_carries_its_own_survey_code(loket, saved):
    ready_for_pickup(saved)
    assert loket.post(f"/pendaftaran/{saved}/serah", data={"collector": "pemohon"}).status_code == 302
    receipt = loket.get(f"/pendaftaran/{saved}/tanda-terima").get_data(as_text=True)
    assert "(Pegawai petugas_loket)" in receipt  # the clerk who handed over, not a dotted blank
    code = SurveyCode.get(SurveyCode.service == "penyerahan")
    assert f"{code.code[:4]}-{code.code[4:]}" in receipt


def test_return_slip_names_the_clerk(loket, saved):
    assert loket.post(f"/pendaftaran/{saved}/persyaratan", data={"syarat": ["pengantar_desa"]}).status_code == 302
    slip = loket.get(f"/pendaftaran/{saved}/slip-pengembalian").get_data(as_text=True)
    assert "(Pegawai petugas_loket)" in slip and "(....................)" not in slip


def test_refused_handover_shows_its_reason_at_the_top(loket, saved):
    response = loket.post(f"/pendaftaran/{saved}/serah", data={"collector": "pemohon"})  # not ready yet
    assert response.status_code == 422
    assert "KTP-el belum siap diambil." in summary_of(response.get_data(as_text=True))


def test_a_second_handover_names_the_real_reason(loket, saved):
    ready_for_pickup(saved)
    assert loket.post(f"/pendaftaran/{saved}/serah", data={"collector": "pemohon"}).status_code == 302
    response = loket.post(f"/pendaftaran/{saved}/serah", data={"collector": "pemohon"})
    summary = summary_of(response.get_data(as_text=True))
    assert response.status_code == 409  # was 422 "KTP-el belum siap diambil."
    assert "sudah diserahkan kepada Budi Santoso" in summary and "belum siap" not in summary


def test_refused_checklist_after_sending_shows_its_reason_at_the_top(loket, saved):
    moved(saved, S.COMPLETE, S.SENT)
    response = loket.post(f"/pendaftaran/{saved}/persyaratan", data={"syarat": ["pengantar_desa"]})
    assert response.status_code == 422
    assert "Persyaratan hanya diperiksa selama berkas di loket." in summary_of(response.get_data(as_text=True))


def test_refused_photo_after_sending_shows_its_reason_at_the_top(loket, saved):
    moved(saved, S.COMPLETE, S.SENT)
    response = loket.post(f"/pendaftaran/{saved}/foto", data={"photo": (io.BytesIO(photo_jpeg()), "f.jpg")},
                          content_type="multipart/form-data")
    assert response.status_code == 422
    assert "foto tidak dapat diganti" in summary_of(response.get_data(as_text=True))


def test_refused_representative_links_each_message_to_its_field(loket, saved):
    ready_for_pickup(saved)
    page = loket.post(f"/pendaftaran/{saved}/serah", data={"collector": "wakil", "name": "", "id_number": "12"}) \
        .get_data(as_text=True)
    summary = summary_of(page)
    assert 'href="#f-name"' in summary and 'href="#f-id_number"' in summary
    assert re.search(r'id="f-name"[^>]*aria-describedby="e-name"', page)
