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
    from app.frame import store
    store.put("public_address", "https://loket.lumajangkab.go.id")  # the survey's QR only for an address phones open (issue 90)
    complaint = record()
    slip = client_for("petugas_informasi").get(f"/pengaduan/{complaint.id}/tanda-terima").get_data(as_text=True)
    code = SurveyCode.get(SurveyCode.service == "pengaduan", SurveyCode.reference == complaint.tracking_number)
    assert f"{code.code[:4]}-{code.code[4:]}" in slip and "<svg" in slip


def test_one_visitors_flood_does_not_block_the_next_visitor_at_the_same_kiosk(client, category, app):
    """Per kiosk session and per form, not per address: the kiosk PC is one address for everyone."""
    form = {"category_id": str(category.id), "text": "Kursi ruang tunggu kurang"}
    for n in range(6):
        client.post("/pengaduan/kios", data=dict(form, form_token=f"flood-token-{n:04d}xx"))
    assert client.post("/pengaduan/kios", data=dict(form, form_token="flood-token-last-xx")).status_code == 429
    # the same visitor may still check a status and fill the survey: each form has its own limit
    assert client.get("/pengaduan/status?nomor=PGD-ZZZZZ2").status_code == 404
    assert client.get("/survei").status_code == 200
    # the next visitor (fresh cookie, same address) sends a complaint at once
    nxt = app.test_client()
    assert nxt.post("/pengaduan/kios", data=dict(form, form_token="next-visitor-tok")).status_code == 303


def test_a_script_dropping_its_cookie_meets_the_address_backstop(client, category, app):
    from app.frame.kiosk_session import ADDRESS_BACKSTOP_FACTOR
    form = {"category_id": str(category.id), "text": "Kursi ruang tunggu kurang"}
    codes = [app.test_client().post("/pengaduan/kios", data=dict(form, form_token=f"script-token-{n:04d}x")).status_code
             for n in range(6 * ADDRESS_BACKSTOP_FACTOR + 1)]
    assert codes.count(303) == 6 * ADDRESS_BACKSTOP_FACTOR and codes[-1] == 429
