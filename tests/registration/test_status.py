"""The status machine: allowed transitions only, stamped, audited, listeners in the same transaction."""
import pytest

from app.frame.audit_event import AuditEvent
from app.frame.db import database
from app.registration.models import Application, StatusEvent
from app.registration.status import (TRANSITIONS, ApplicationStatus as S, TransitionNotAllowed,
                                     add_transition_listener, transition, _transitions)
from tests.support.factory import moved, photo_jpeg, ready_for_pickup


def test_every_status_has_a_row_in_the_table():
    assert set(TRANSITIONS) == set(S)


def test_handed_over_is_final():
    assert TRANSITIONS[S.HANDED_OVER] == frozenset()


def test_full_path_to_handover_sets_promise_and_writes_timeline(saved):
    application = ready_for_pickup(saved)
    assert application.status == "siap_diambil"
    assert application.completed_at is not None and application.promised_date > application.completed_at
    events = [e.to_status for e in StatusEvent.select().where(StatusEvent.application == saved).order_by(StatusEvent.id)]
    assert events == ["diterima", "lengkap", "terkirim", "diterima_pusat", "dicetak", "dikirim", "siap_diambil"]
    assert AuditEvent.select().where(AuditEvent.action == "status").count() == 6


def test_skipping_a_step_is_refused_with_an_indonesian_message(saved):
    application = Application.get_by_id(saved)
    with pytest.raises(TransitionNotAllowed, match="tidak dapat diubah menjadi"):
        with database.atomic():
            transition(application, S.PRINTED)
    assert Application.get_by_id(saved).status == "diterima"
    assert StatusEvent.select().count() == 1


def test_transition_outside_a_transaction_is_a_programming_error(saved):
    with pytest.raises(RuntimeError):
        transition(Application.get_by_id(saved), S.COMPLETE)


def test_correction_after_rejection_is_a_new_version_and_keeps_the_promise(saved):
    first = moved(saved, S.COMPLETE, S.SENT)
    promised = first.promised_date
    rejected = moved(saved, S.REJECTED, note="Foto buram")
    assert rejected.version == 1
    again = moved(saved, S.COMPLETE)
    assert again.version == 2 and again.promised_date == promised
    assert again.registration_number == first.registration_number


def test_listener_runs_inside_the_transaction_and_can_veto(saved):
    seen = []

    def listener(application, old, new):
        seen.append((old, new))
        if new is S.COMPLETE:
            raise RuntimeError("outbox full")
    add_transition_listener(listener)
    try:
        with pytest.raises(RuntimeError):
            moved(saved, S.COMPLETE)
    finally:
        _transitions.remove(listener)
    assert seen == [(S.RECEIVED, S.COMPLETE)]
    assert Application.get_by_id(saved).status == "diterima"  # rolled back with the listener's failure
    assert StatusEvent.select().count() == 1


def test_record_is_frozen_from_complete_on(loket, saved):
    moved(saved, S.COMPLETE)
    response = loket.get(f"/pendaftaran/{saved}/ubah")
    # A clear 4xx on the page itself, not a 302 with a flash (issue 27).
    assert response.status_code == 409
    assert "tidak dapat diubah" in response.get_data(as_text=True)
    from tests.support.factory import applicant_form
    response = loket.post(f"/pendaftaran/{saved}/ubah", data=applicant_form(full_name="Nama Lain"),
                          content_type="multipart/form-data")
    assert response.status_code == 409 and "Lengkap" in response.get_data(as_text=True)
    assert Application.get_by_id(saved).full_name == "Budi Santoso"


def _add_photo(client, application_id):
    import io
    response = client.post(f"/pendaftaran/{application_id}/foto",
                           data={"photo": (io.BytesIO(photo_jpeg()), "f.jpg")}, content_type="multipart/form-data")
    assert response.status_code == 302


def test_incomplete_file_is_returned_with_slip_and_can_be_reopened(loket, saved):
    response = loket.post(f"/pendaftaran/{saved}/persyaratan", data={"syarat": ["pengantar_desa", "pas_foto"]})
    assert response.status_code == 302
    application = Application.get_by_id(saved)
    assert application.status == "dikembalikan"
    slip = loket.get(f"/pendaftaran/{saved}/slip-pengembalian").get_data(as_text=True)
    assert "Fotokopi Kartu Keluarga" in slip and "KTP-el yang rusak" in slip
    assert "Surat pengantar desa" not in slip.split("datang kembali")[1]
    assert loket.post(f"/pendaftaran/{saved}/buka-kembali").status_code == 302
    assert Application.get_by_id(saved).status == "diterima"


def test_complete_checklist_needs_a_photo(loket, saved):
    everything = {"syarat": ["pengantar_desa", "fotokopi_kk", "pas_foto", "ktp_rusak"]}
    response = loket.post(f"/pendaftaran/{saved}/persyaratan", data=everything)
    assert response.status_code == 422 and "Foto pemohon belum ada" in response.get_data(as_text=True)
    _add_photo(loket, saved)
    assert loket.post(f"/pendaftaran/{saved}/persyaratan", data=everything).status_code == 302
    application = Application.get_by_id(saved)
    assert application.status == "lengkap" and application.promised_date


def test_the_flash_marks_an_estimated_promise_as_the_receipt_does(loket, saved, monkeypatch):
    """Issue 43: the clerk's flash gave a 2027 date without "(perkiraan)" while the page and receipt had it."""
    from app.frame.working_days import WorkCalendar
    monkeypatch.setattr(WorkCalendar, "estimated_between", lambda self, start, end: True)  # next year not decreed
    _add_photo(loket, saved)
    everything = {"syarat": ["pengantar_desa", "fotokopi_kk", "pas_foto", "ktp_rusak"]}
    answer = loket.post(f"/pendaftaran/{saved}/persyaratan", data=everything, follow_redirects=True)
    shown = " ".join(answer.get_data(as_text=True).split())
    assert "Berkas lengkap. Tanggal janji selesai:" in shown
    assert "(perkiraan: cuti bersama tahun itu belum ditetapkan)." in shown.split("Berkas lengkap.")[1][:90]


def test_manual_marking_by_kasi_uses_the_same_code_path(client_as, saved):
    moved(saved, S.COMPLETE)
    admin = client_as("kasi_pelayanan")
    assert admin.post(f"/pendaftaran/{saved}/status", data={"to_status": "terkirim"}).status_code == 302
    event = StatusEvent.select().order_by(StatusEvent.id.desc()).first()
    assert (event.to_status, event.username) == ("terkirim", "kasi-pelayanan")
    response = admin.post(f"/pendaftaran/{saved}/status", data={"to_status": "dicetak"})
    assert response.status_code == 422 and "tidak dapat diubah menjadi" in response.get_data(as_text=True)
    response = admin.post(f"/pendaftaran/{saved}/status", data={"to_status": "ditolak_pusat"})
    assert response.status_code == 422 and "alasan penolakan" in response.get_data(as_text=True)


def test_clerk_cannot_mark_center_steps(loket, saved):
    moved(saved, S.COMPLETE)
    response = loket.post(f"/pendaftaran/{saved}/status", data={"to_status": "terkirim"})
    assert response.status_code == 422
    assert Application.get_by_id(saved).status == "lengkap"


def test_handover_to_a_representative_needs_name_relation_and_nik(loket, saved):
    ready_for_pickup(saved)
    response = loket.post(f"/pendaftaran/{saved}/serah", data={"collector": "wakil", "name": "", "id_number": "12"})
    assert response.status_code == 422
    page = response.get_data(as_text=True)
    assert "Tulis nama wakil" in page and "NIK wakil" in page
    assert Application.get_by_id(saved).status == "siap_diambil"
    response = loket.post(f"/pendaftaran/{saved}/serah", data={
        "collector": "wakil", "name": "Sri Wahyuni", "relation": "istri", "id_number": "3508075506920003"})
    assert response.status_code == 302
    application = Application.get_by_id(saved)
    assert application.status == "diserahkan" and application.handed_over_to == "Sri Wahyuni"
    receipt = loket.get(f"/pendaftaran/{saved}/tanda-terima").get_data(as_text=True)
    assert "TANDA TERIMA" in receipt and "Sri Wahyuni" in receipt and "istri" in receipt


def test_handover_before_ready_is_refused(loket, saved):
    response = loket.post(f"/pendaftaran/{saved}/serah", data={"collector": "pemohon"})
    assert response.status_code == 422
    assert Application.get_by_id(saved).status == "diterima"


def test_receipt_has_number_and_inline_qr(loket, saved):
    page = loket.get(f"/pendaftaran/{saved}/bukti").get_data(as_text=True)
    assert "BUKTI PENDAFTARAN" in page and "350807-01-000001" in page and "<svg" in page


def test_every_qr_is_a_standard_qr_and_a_phone_is_sent_to_a_full_address(loket, saved):
    """Issue 25: the receipt's code was a Micro QR (segno's choice for a short text) that phone
    cameras do not read, beside the words "pindai kode QR"."""
    import re
    page = loket.get(f"/pendaftaran/{saved}/bukti").get_data(as_text=True)
    sizes = [int(w) for w in re.findall(r'<svg[^>]*\bwidth="(\d+)"', page)]
    # scale 4, border 2: a standard QR has at least 21 modules, (21 + 4) x 4 = 100; a Micro QR at most 17
    assert sizes and min(sizes) >= 100, sizes
    # the receipt's own code holds the number for the counter's scanner: the text no longer asks a
    # phone to scan it; the survey code's QR is a full address
    assert "pindai kode QR." not in page and "menunjukkan kode QR ini di loket" in page
    from app.survey import codes as survey_codes
    with loket.application.test_request_context():
        assert survey_codes.printed("pendaftaran", "350807-01-000001")["url"].startswith("http")


def test_photo_is_served_only_to_roles_that_need_it(client_as, saved):
    loket = client_as("petugas_loket")
    _add_photo(loket, saved)
    assert loket.get(f"/pendaftaran/{saved}/foto.jpg").data.startswith(b"\xff\xd8")
    assert client_as("camat").get(f"/pendaftaran/{saved}/foto.jpg").status_code == 403
    assert client_as("petugas_informasi").get(f"/pendaftaran/{saved}").status_code == 403
