"""An IKM nobody can rig: answers tied to a service by a one-time code; walk-in answers counted
apart until reviewed; the information officer voids with a reason; a flood changes nothing official."""
from datetime import timedelta

import pytest

from app.frame.audit_event import AuditEvent
from app.frame.dates import local_today, utc_now
from app.frame.periods import Quarter
from app.survey import codes
from app.survey.elements import ELEMENT_KEYS
from app.survey.figures import ikm_for_period
from app.survey.models import ResponseStatus, SurveyCode, SurveyResponse
from tests.survey.test_kiosk import fresh_key, full_form
from tests.support.pages import walk_pages

ALL_ONES = {f"unsur_{k}": "1" for k in ELEMENT_KEYS}


def this_quarter():
    return Quarter.containing(local_today("Asia/Jakarta"))


def official_ikm():
    return ikm_for_period(this_quarter(), "Asia/Jakarta")


def answer_with(client, code_text, **scores):
    return client.post("/survei", data=full_form(fresh_key(client), kode=code_text, **scores))


def four_valid_answers(client):
    """The quarter's honest respondents: four people who received a service answered 'good'."""
    for n in range(4):
        code = codes.code_for("pendaftaran", f"350807-01-00000{n}")
        assert answer_with(client, codes.display(code.code), **{f"unsur_{k}": "3" for k in ELEMENT_KEYS}).status_code == 303


def test_a_scripted_flood_of_survey_posts_leaves_the_official_ikm_unchanged(client, db):
    four_valid_answers(client)
    before = official_ikm()
    assert before.respondents == 4 and str(before.ikm) == "75.00"
    # The finding: 100 scripted posts of all-"1" answers, each with a made-up submission key.
    statuses = []
    for n in range(100):
        flood = client.application.test_client()  # a fresh cookie jar every time, as a script would
        form = full_form(fresh_key(flood), **ALL_ONES)
        form["kode"] = "" if n % 2 else f"AAAA{n:04d}"  # half without a code, half guessing codes
        statuses.append(flood.post("/survei", data=form).status_code)
    after = official_ikm()
    assert (after.respondents, after.ikm, after.quality) == (before.respondents, before.ikm, before.quality)
    # Guessed codes are refused outright; walk-in answers wait apart for review (or are throttled).
    assert SurveyResponse.select().where(SurveyResponse.status == ResponseStatus.VALID).count() == 4
    assert statuses.count(422) == 50
    assert SurveyResponse.select().where(SurveyResponse.status == ResponseStatus.PENDING).count() \
        == statuses.count(303)


def test_a_code_is_accepted_once(client, db):
    code = codes.code_for("penyerahan", "350807-01-000123")
    assert answer_with(client, codes.display(code.code).lower()).status_code == 303  # typed in lower case
    stored = SurveyResponse.get()
    assert stored.status == ResponseStatus.VALID and stored.code_id == code.id
    again = answer_with(client, code.code)
    assert again.status_code == 422
    assert "sudah dipakai" in again.get_data(as_text=True)
    assert SurveyResponse.select().count() == 1


@pytest.mark.parametrize("typed, message", [("ABCD", "terdiri dari 8"), ("ABCDEFGH", "tidak dikenal"),
                                            ("ABCD-EFG!", "terdiri dari 8")])
def test_an_unknown_or_malformed_code_is_refused_and_answers_kept(client, db, typed, message):
    response = answer_with(client, typed, unsur_biaya="4")
    page = response.get_data(as_text=True)
    assert response.status_code == 422 and message in page
    assert 'aria-describedby="hint-kode e-kode"' in page and 'id="e-kode"' in page  # tied to its field
    assert 'name="unsur_biaya" value="4" required' in page.replace(' id="f-unsur_biaya"', "") and "checked" in page
    assert SurveyResponse.select().count() == 0


def test_an_expired_code_is_refused(client, db):
    code = codes.code_for("pengaduan", "PGD-TEST")
    SurveyCode.update(issued_at=utc_now() - timedelta(days=codes.VALID_DAYS + 1)).where(SurveyCode.id == code.id).execute()
    response = answer_with(client, code.code)
    assert response.status_code == 422 and "kedaluwarsa" in response.get_data(as_text=True)


def test_the_same_service_gets_the_same_code_on_every_reprint(db):
    first = codes.code_for("pendaftaran", "350807-01-000001")
    assert codes.code_for("pendaftaran", "350807-01-000001").code == first.code
    assert codes.code_for("penyerahan", "350807-01-000001").code != first.code


def test_kiosk_opened_by_the_counter_has_the_code_filled_in(client, db):
    code = codes.code_for("pendaftaran", "350807-01-000009")
    page = client.get(f"/survei?kode={codes.display(code.code)}").get_data(as_text=True)
    assert f'name="kode" value="{codes.display(code.code)}"' in page


def test_walk_in_answers_are_counted_apart_until_the_officer_accepts_them(client, client_for, db):
    four_valid_answers(client)
    assert client.post("/survei", data=full_form(fresh_key(client), **ALL_ONES)).status_code == 303
    walk_in = SurveyResponse.get(SurveyResponse.status == ResponseStatus.PENDING)
    assert official_ikm().respondents == 4
    info = client_for("petugas_informasi")
    page = info.get("/ikm").get_data(as_text=True)
    assert "1 jawaban tanpa kode menunggu tinjauan" in page
    assert client_for("camat").post(f"/ikm/jawaban/{walk_in.id}/sahkan").status_code == 403  # only the officer
    assert info.post(f"/ikm/jawaban/{walk_in.id}/sahkan").status_code == 303
    assert official_ikm().respondents == 5
    assert AuditEvent.select().where(AuditEvent.action == "sahkan", AuditEvent.entity_id == str(walk_in.id)).exists()


def test_officer_voids_an_answer_with_a_reason_audited_and_the_recap_shows_it(client, client_for, db):
    four_valid_answers(client)
    target = SurveyResponse.select().first()
    info = client_for("petugas_informasi")
    refused = info.post(f"/ikm/jawaban/{target.id}/batalkan", data={"alasan": " "})
    assert refused.status_code == 422 and "Tulis alasan pembatalan" in refused.get_data(as_text=True)
    assert SurveyResponse.get_by_id(target.id).status == ResponseStatus.VALID
    assert client_for("kasi_pelayanan").post(f"/ikm/jawaban/{target.id}/batalkan",
                                             data={"alasan": "Diisi petugas untuk mencoba"}).status_code == 403
    assert info.post(f"/ikm/jawaban/{target.id}/batalkan", data={"alasan": "Diisi petugas untuk mencoba"}).status_code == 303
    voided = SurveyResponse.get_by_id(target.id)
    assert voided.status == ResponseStatus.VOID and voided.void_reason == "Diisi petugas untuk mencoba"
    event = AuditEvent.get(AuditEvent.action == "batalkan", AuditEvent.entity == "survei")
    assert "Diisi petugas untuk mencoba" in event.summary and event.username == "petugas-informasi"
    assert official_ikm().respondents == 3
    quarter = this_quarter()
    recap = client_for("petugas_informasi").get(f"/rekap/{quarter.year}/{quarter.number}").get_data(as_text=True)
    assert "1 jawaban dibatalkan" in recap
    listing = info.get(f"/ikm/jawaban?tahun={quarter.year}&triwulan={quarter.number}&status=batal").get_data(as_text=True)
    assert "Dibatalkan: Diisi petugas untuk mencoba" in listing
    assert info.post("/ikm/jawaban/999999/batalkan", data={"alasan": "tidak ada"}).status_code == 404


def test_sample_size_guidance_counts_only_valid_answers(client, client_for, db):
    four_valid_answers(client)
    client.post("/survei", data=full_form(fresh_key(client)))  # walk-in: not a valid respondent yet
    target = SurveyResponse.select().where(SurveyResponse.status == ResponseStatus.VALID).first()
    client_for("petugas_informasi").post(f"/ikm/jawaban/{target.id}/batalkan", data={"alasan": "Jawaban ganda"})
    quarter = this_quarter()
    page = client_for("camat").get(f"/ikm?tahun={quarter.year}&triwulan={quarter.number}&layanan=5").get_data(as_text=True)
    # 5 services -> sample 5; valid answers 3 (4 coded - 1 voided; the walk-in is not counted)
    assert "sampel minimum 5" in page and "kurang 2 responden" in page


def test_every_answer_of_the_quarter_is_reachable_page_by_page(client, client_for, db, app):
    """The review list showed the newest 200 answers and nothing older, with no further page."""
    for _ in range(5):
        assert client.post("/survei", data=full_form(fresh_key(client), **ALL_ONES)).status_code == 303
    app.config["PAGE_SIZE"] = 2
    quarter = this_quarter()
    pages = walk_pages(client_for("petugas_informasi"),
                       f"/ikm/jawaban?tahun={quarter.year}&triwulan={quarter.number}&status=menunggu",
                       r"/ikm/jawaban/(\d+)/sahkan")
    newest_first = [str(r.id) for r in SurveyResponse.select().order_by(SurveyResponse.submitted_at.desc(),
                                                                        SurveyResponse.id.desc())]
    assert [len(page) for page in pages] == [2, 2, 1] and sum(pages, []) == newest_first
