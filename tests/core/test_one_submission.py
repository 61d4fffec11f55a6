"""One submission, one record (issue 33, finding 6): a form sent twice (double click, or resent
after a power cut ate the answer) is stored once, and the repeat lands on the first result."""
import re
import threading

import pytest

from app.complaints.models import Complaint, ComplaintCategory
from app.desa.models import PreRegistration
from app.frame.submissions import FormSubmission
from app.registration.models import Application
from tests.desa.conftest import desa_client, darungan  # noqa: F401  (shared fixtures)
from tests.registration.conftest import client_as, loket, office  # noqa: F401
from tests.support.factory import applicant_form


def token_of(page: str) -> str:
    found = re.search(r'name="form_token" value="([^"]+)"', page)
    assert found, "the form carries no one-time submission token"
    return found.group(1)


def test_the_counters_registration_sent_twice_is_one_application_and_the_same_page(loket):
    token = token_of(loket.get("/pendaftaran/baru").get_data(as_text=True))
    first = loket.post("/pendaftaran/baru", data=applicant_form(form_token=token), content_type="multipart/form-data")
    again = loket.post("/pendaftaran/baru", data=applicant_form(form_token=token), content_type="multipart/form-data")
    assert first.status_code in (302, 303) and again.status_code in (302, 303)
    assert Application.select().count() == 1
    assert again.headers["Location"] == first.headers["Location"]
    page = loket.get(again.headers["Location"]).get_data(as_text=True)
    assert "sudah tersimpan sebelumnya" in page
    assert Application.get().registration_number in page


def test_a_new_form_is_a_new_application(loket):
    for nik in ("3508071205900001", "3508071205900002"):
        token = token_of(loket.get("/pendaftaran/baru").get_data(as_text=True))
        assert loket.post("/pendaftaran/baru", data=applicant_form(nik=nik, form_token=token),
                          content_type="multipart/form-data").status_code in (302, 303)
    assert Application.select().count() == 2


def test_a_form_shown_again_after_a_mistake_keeps_its_token_so_the_corrected_repeat_is_still_one(loket):
    token = token_of(loket.get("/pendaftaran/baru").get_data(as_text=True))
    wrong = loket.post("/pendaftaran/baru", data=applicant_form(full_name="", form_token=token),
                       content_type="multipart/form-data")
    assert wrong.status_code == 422
    assert token_of(wrong.get_data(as_text=True)) == token
    for _ in range(2):
        loket.post("/pendaftaran/baru", data=applicant_form(form_token=token), content_type="multipart/form-data")
    assert Application.select().count() == 1


def test_two_copies_in_flight_at_once_store_one_application(app, loket):
    token = token_of(loket.get("/pendaftaran/baru").get_data(as_text=True))
    answers = []

    def send():
        client = app.test_client()
        with loket.session_transaction() as theirs, client.session_transaction() as mine:
            mine.update(theirs)
        answers.append(client.post("/pendaftaran/baru", data=applicant_form(form_token=token),
                                   content_type="multipart/form-data"))
    threads = [threading.Thread(target=send) for _ in range(3)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    assert [a.status_code in (302, 303) for a in answers] == [True] * 3
    assert Application.select().count() == 1
    assert len({a.headers["Location"] for a in answers}) == 1


def test_the_desa_form_sent_twice_is_one_pre_registration(darungan):
    token = token_of(darungan.get("/desa/pra-pendaftaran/baru").get_data(as_text=True))
    answers = [darungan.post("/desa/pra-pendaftaran/baru", data=applicant_form(form_token=token),
                             content_type="multipart/form-data") for _ in range(2)]
    assert PreRegistration.select().count() == 1
    assert answers[0].headers["Location"] == answers[1].headers["Location"]


@pytest.fixture
def complaint_form(db):
    category = ComplaintCategory.get(ComplaintCategory.name == "Waktu tunggu")
    return {"category_id": str(category.id), "text": "Antrean perekaman sangat lama", "channel": "meja_informasi",
            "complainant_name": "Sri Wahyuni", "complainant_contact": "081234567890", "step": "baru"}


def test_the_complaint_desk_and_the_kiosk_use_the_same_token_store(client_for, client, complaint_form):
    desk = client_for("petugas_informasi")
    page = desk.get("/pengaduan/catat").get_data(as_text=True)
    received = re.search(r'name="received_at"[^>]*value="([^"]+)"', page).group(1)
    token = token_of(page)
    answers = [desk.post("/pengaduan/catat", data=dict(complaint_form, form_token=token, received_at=received))
               for _ in range(2)]
    assert answers[0].headers["Location"] == answers[1].headers["Location"]
    kiosk_token = token_of(client.get("/pengaduan/kios").get_data(as_text=True))
    kiosk = [client.post("/pengaduan/kios", data={"category_id": complaint_form["category_id"], "text": "Kursi kurang",
                                                   "form_token": kiosk_token}) for _ in range(2)]
    assert kiosk[0].headers["Location"] == kiosk[1].headers["Location"]
    assert Complaint.select().count() == 2
    assert {s.token for s in FormSubmission.select()} == {token, kiosk_token}


def test_a_new_desk_answer_sent_twice_is_one_answer_and_the_same_page(client_for, db):
    from app.complaints.models import DeskAnswer
    editor = client_for("petugas_informasi")
    before = DeskAnswer.select().count()
    token = token_of(editor.get("/pengaduan/info-meja/baru").get_data(as_text=True))
    form = {"topic": "Biaya", "question": "Apakah mengurus KTP-el dipungut biaya?", "is_active": "1",
            "answer": "Tidak. Pelayanan KTP-el gratis.", "form_token": token}
    wrong = editor.post("/pengaduan/info-meja/baru", data=dict(form, answer=""))
    assert wrong.status_code == 422 and token_of(wrong.get_data(as_text=True)) == token  # the mistake keeps it
    first, again = (editor.post("/pengaduan/info-meja/baru", data=dict(form)) for _ in range(2))
    assert first.status_code == again.status_code == 303
    assert again.headers["Location"] == first.headers["Location"]
    assert "sudah tersimpan sebelumnya" in editor.get(again.headers["Location"]).get_data(as_text=True)
    assert DeskAnswer.select().count() == before + 1
    assert DeskAnswer.select().where(DeskAnswer.question == form["question"]).count() == 1
    # an edit form is no creation: it carries the version it was read at, not a one-time token
    answer = DeskAnswer.get(DeskAnswer.question == form["question"])
    assert 'name="form_token"' not in editor.get(f"/pengaduan/info-meja/{answer.id}").get_data(as_text=True)
