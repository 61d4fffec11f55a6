"""Complaint slips carry the number and check code for the center's public page (issue 28); the
kiosk shows the code only to the visitor who just sent the complaint."""
from app.complaints.models import Complaint
from app.public_status.models import PublicStatus
from tests.complaints.test_kiosk import kiosk_form, tracking_number_in
from tests.registration.test_public_slips import shown_text


def code_of(complaint) -> str:
    return PublicStatus.get((PublicStatus.kind == "pgd") & (PublicStatus.source_id == complaint.id)).check_code


def test_desk_slip_prints_the_number_and_check_code(record, client_for):
    complaint = record()
    slip = client_for("petugas_informasi").get(f"/pengaduan/{complaint.id}/tanda-terima").get_data(as_text=True)
    assert complaint.tracking_number in slip and code_of(complaint) in slip and "Cek status dari HP" in slip


def test_kiosk_receipt_shows_the_code_to_its_sender_only(client, category, app):
    response = client.post("/pengaduan/kios", data=kiosk_form(category), follow_redirects=True)
    page = response.get_data(as_text=True)
    complaint = Complaint.get(Complaint.tracking_number == tracking_number_in(page))
    code = code_of(complaint)
    assert code in page
    stranger = app.test_client().get(f"/pengaduan/kios/terima/{complaint.tracking_number}").get_data(as_text=True)
    assert complaint.tracking_number in stranger and code not in stranger


def test_letter_and_hotline_slips_carry_qr_number_and_code_and_the_hotline_reads_it_back(record, client_for, db):
    from tests.registration.test_public_slips import enrol
    enrol(db)
    client = client_for("petugas_informasi")
    for channel in ("surat", "telepon", "sms"):
        complaint = record(channel=channel)
        code = code_of(complaint)
        slip = client.get(f"/pengaduan/{complaint.id}/tanda-terima").get_data(as_text=True)
        assert complaint.tracking_number in slip and code in slip and "<svg" in slip
        assert "https://dukcapil.example.go.id/cek" in shown_text(slip)  # printed in parts that never break
        read_back = "Bacakan kepada pelapor" in slip
        assert read_back == (channel != "surat"), channel
        if read_back:
            assert " ".join(code) in slip  # letter by letter, as it is said on the phone
