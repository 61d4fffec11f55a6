"""The kiosk is one address for every visitor: one guesser must not block the queue behind him,
and a complaint slip carries the one-time survey code of the service."""
from app.survey.models import SurveyCode


def test_a_real_tracking_number_is_always_answered_after_someone_guessed(client, record):
    complaint = record()
    for i in range(12):  # a visitor (or a script) guessed numbers until the kiosk was blocked
        client.get(f"/pengaduan/status?nomor=PGD-ZZZZ{'23456789ABCD'[i]}5")
    assert client.get("/pengaduan/status?nomor=PGD-ZZZZZZ").status_code == 429  # guessing stays slow
    answered = client.get(f"/pengaduan/status?nomor={complaint.tracking_number}")
    assert answered.status_code == 200 and complaint.tracking_number in answered.get_data(as_text=True)
    lower = client.get(f"/pengaduan/status?nomor={complaint.tracking_number.lower()}")
    assert lower.status_code == 200


def test_complaint_slip_carries_a_survey_code(client_for, record):
    complaint = record()
    slip = client_for("petugas_informasi").get(f"/pengaduan/{complaint.id}/tanda-terima").get_data(as_text=True)
    code = SurveyCode.get(SurveyCode.service == "pengaduan", SurveyCode.reference == complaint.tracking_number)
    assert f"{code.code[:4]}-{code.code[4:]}" in slip and "<svg" in slip
