"""The survey kiosk: no login, every element required 1-4, stored by key, idempotent, throttled."""
import re

import pytest

from app.survey.elements import ELEMENT_KEYS
from app.survey.models import SurveyAnswer, SurveyResponse
from tests.support.error_summary import summary_problems


def fresh_key(client) -> str:
    page = client.get("/survei").get_data(as_text=True)
    return re.search(r'name="submission_key" value="([0-9a-f]{32})"', page).group(1)


def full_form(key, **changes):
    form = {f"unsur_{k}": str(i % 4 + 1) for i, k in enumerate(ELEMENT_KEYS)}
    form.update(submission_key=key, sex="P", age_band="30-39", education="sma", occupation="wirausaha",
                comment="Ruang tunggu nyaman")
    form.update(changes)
    return {k: v for k, v in form.items() if v is not None}


def test_kiosk_page_needs_no_login_and_shows_regulation_wording(client):
    page = client.get("/survei")
    text = page.get_data(as_text=True)
    assert page.status_code == 200
    assert "Sangat sesuai" in text and "Dikelola dengan baik" in text and "Sangat mahal" in text
    assert 'name="csrf_token"' in text


def test_answers_are_stored_by_element_key(client, db):
    key = fresh_key(client)
    response = client.post("/survei", data=full_form(key, unsur_biaya="4", unsur_persyaratan="2"))
    assert response.status_code == 303
    stored = SurveyResponse.get(SurveyResponse.submission_key == key)
    scores = {a.element: a.score for a in SurveyAnswer.select().where(SurveyAnswer.response == stored)}
    assert set(scores) == set(ELEMENT_KEYS)
    assert scores["biaya"] == 4 and scores["persyaratan"] == 2
    assert (stored.sex, stored.education, stored.comment) == ("P", "sma", "Ruang tunggu nyaman")


def test_profile_and_comment_are_optional(client, db):
    key = fresh_key(client)
    form = full_form(key, sex=None, age_band=None, education=None, occupation=None, comment=None)
    assert client.post("/survei", data=form).status_code == 303
    assert SurveyResponse.get().sex == ""


def test_sending_the_same_form_twice_stores_one_response(client, db):
    key = fresh_key(client)
    assert client.post("/survei", data=full_form(key)).status_code == 303
    assert client.post("/survei", data=full_form(key)).status_code == 303
    assert SurveyResponse.select().count() == 1 and SurveyAnswer.select().count() == 9


@pytest.mark.parametrize("field, value, message", [
    ("unsur_waktu", None, "Pilih salah satu jawaban untuk waktu penyelesaian"),
    ("unsur_sarana", "5", "harus salah satu dari 1 sampai 4"),
    ("unsur_biaya", "0", "harus salah satu dari 1 sampai 4"),
    ("unsur_produk", "tiga", "harus salah satu dari 1 sampai 4"),
    ("sex", "X", "Pilihan tidak dikenal"),
    ("comment", "x" * 1001, "maksimal 1000 karakter"),
])
def test_missing_or_out_of_range_answers_are_refused_and_nothing_stored(client, db, field, value, message):
    key = fresh_key(client)
    response = client.post("/survei", data=full_form(key, **{field: value}))
    assert response.status_code == 422
    assert message in response.get_data(as_text=True)
    assert SurveyResponse.select().count() == 0 and SurveyAnswer.select().count() == 0


def test_refused_form_keeps_the_answers_already_given(client, db):
    response = client.post("/survei", data=full_form(fresh_key(client), unsur_waktu=None, unsur_biaya="3"))
    page = response.get_data(as_text=True)
    assert re.search(r'name="unsur_biaya" value="3" required\s+checked', page)


def test_the_error_summary_names_each_unanswered_question_not_its_first_answer(client, db):
    """Issue 92: the summary linked each question to its first radio, so it was read as "Tidak sesuai: Pilih
    salah satu jawaban untuk persyaratan."; each link now goes to the question's fieldset and names it."""
    page = client.post("/survei", data=full_form(fresh_key(client), unsur_persyaratan=None,
                                                 unsur_waktu=None)).get_data(as_text=True)
    assert summary_problems(page) == []
    summary = re.search(r'data-error-summary.*?</div>', page, re.S).group(0)
    assert re.findall(r'<a href="#([^"]+)">([^<]+)</a>', summary) == [
        ("unsur-persyaratan", "1. Bagaimana pendapat Saudara tentang kesesuaian persyaratan pelayanan dengan jenis "
                              "pelayanannya? — Pilih salah satu jawaban untuk persyaratan."),
        ("unsur-waktu", "3. Bagaimana pendapat Saudara tentang kecepatan waktu dalam memberikan pelayanan? — "
                        "Pilih salah satu jawaban untuk waktu penyelesaian.")]
    assert re.search(r'<fieldset[^>]*id="unsur-persyaratan"', page)


def test_empty_post_is_422(client, db):
    response = client.post("/survei", data={})
    assert response.status_code == 422
    assert SurveyResponse.select().count() == 0


def test_post_without_csrf_token_is_refused(client, db):
    response = client.post("/survei", data=full_form(fresh_key(client)), csrf=False)
    assert response.status_code == 400
    assert SurveyResponse.select().count() == 0


def test_a_walk_in_flood_from_one_kiosk_session_is_refused_with_nothing_stored(app, client, db):
    app.config["SURVEY_MAX_PER_SESSION"] = 3
    for _ in range(3):
        assert client.post("/survei", data=full_form(fresh_key(client))).status_code == 303
    refused = client.post("/survei", data=full_form(fresh_key(client)))
    assert refused.status_code == 429
    assert "Terlalu banyak survei" in refused.get_data(as_text=True)
    # when the kiosk may try again (issue 42, finding 10): within the survey window
    assert 1 <= int(refused.headers["Retry-After"]) <= app.config["SURVEY_WINDOW_MINUTES"] * 60 + 1  # rounded up
    assert SurveyResponse.select().count() == 3
    client.get("/survei?pengunjung=baru")  # the next visitor at the same kiosk PC
    assert client.post("/survei", data=full_form(fresh_key(client))).status_code == 303
    assert SurveyResponse.select().count() == 4
