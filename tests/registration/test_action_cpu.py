"""What a clerk's action computes (issue 73, finding 1): on half a core shared with a busy program each ms of the
server's CPU is ~4 ms of the clerk's wait, so the work of Simpan is done once, and the same pages and records come
out of it."""
import io

from app.frame import applicant_form, applicant_photo, statements
from app.registration import records
from app.registration.models import Application, ApplicationPhoto
from tests.support.factory import applicant_form as filled_form, photo_jpeg


def _save(client, photo: bytes, **changes):
    return client.post("/pendaftaran/baru", data={**filled_form(**changes), "photo": (io.BytesIO(photo), "foto.jpg")},
                       content_type="multipart/form-data")


def _count_decodes(monkeypatch) -> list:
    """The photos normalise_photo decodes from here on (the real function runs), none kept from another test."""
    applicant_form._checked.clear()
    decoded = []
    real = applicant_photo.normalise_photo

    def counted(data):
        decoded.append(len(data))
        return real(data)
    monkeypatch.setattr(applicant_form, "normalise_photo", counted)
    return decoded


def test_a_photo_checked_when_chosen_is_not_decoded_again_by_simpan(loket, monkeypatch):
    photo = photo_jpeg((1200, 1600))
    decoded = _count_decodes(monkeypatch)
    checked = loket.post("/pendaftaran/periksa-foto", data={"birth_date": "1990-05-12",
                                                            "photo": (io.BytesIO(photo), "foto.jpg")},
                         content_type="multipart/form-data")
    assert checked.status_code == 200
    assert "Foto dapat dipakai" in checked.get_data(as_text=True)
    assert _save(loket, photo).status_code == 302
    assert decoded == [len(photo)]  # the check's decoding only
    # the record is the one the photo alone makes
    assert bytes(ApplicationPhoto.get().jpeg) == applicant_photo.normalise_photo(photo).jpeg


def test_simpan_without_a_check_still_decodes_the_photo_it_gets(loket, monkeypatch):
    decoded = _count_decodes(monkeypatch)
    photo = photo_jpeg((1000, 1300))
    assert _save(loket, photo).status_code == 302
    assert decoded == [len(photo)]
    assert bytes(ApplicationPhoto.get().jpeg) == applicant_photo.normalise_photo(photo).jpeg


def test_the_check_says_what_simpan_would_refuse_and_stores_nothing(loket):
    refused = loket.post("/pendaftaran/periksa-foto", data={"photo": (io.BytesIO(b"%PDF-1.4 fake"), "foto.jpg")},
                         content_type="multipart/form-data")
    assert refused.status_code == 200  # an inline check, as the NIK's: the refusal itself is Simpan's 422
    assert "Berkas bukan foto JPEG/PNG" in refused.get_data(as_text=True)
    assert Application.select().count() == 0 and ApplicationPhoto.select().count() == 0


def test_the_form_checks_the_photo_when_it_is_chosen(loket):
    page = loket.get("/pendaftaran/baru").get_data(as_text=True)
    assert 'hx-post="/pendaftaran/periksa-foto"' in page and 'id="photo-check"' in page


def test_only_the_last_few_checked_photos_are_kept(loket, monkeypatch):
    monkeypatch.setattr(applicant_form, "CHECKED_PHOTOS_KEPT", 2)
    photos = [photo_jpeg((600 + 10 * n, 800)) for n in range(3)]
    decoded = _count_decodes(monkeypatch)
    for photo in photos:
        applicant_form.checked_photo(photo)
    applicant_form.checked_photo(photos[0])  # the oldest fell out: decoded again
    applicant_form.checked_photo(photos[2])
    assert decoded == [len(photo) for photo in photos] + [len(photos[0])]


def test_simpan_pressed_while_the_photos_check_runs_waits_for_it_not_decoding_beside_it(loket, monkeypatch):
    """A clerk who takes the photo last presses Simpan while the check still runs: the photo is decoded once."""
    import threading
    applicant_form._checked.clear()
    photo = photo_jpeg((900, 1200))
    started, release, decoded = threading.Event(), threading.Event(), []
    real = applicant_photo.normalise_photo

    def slow(data):  # the check's decoding, held until the second caller is waiting on it
        decoded.append(threading.current_thread().name)
        started.set()
        release.wait(10)
        return real(data)
    monkeypatch.setattr(applicant_form, "normalise_photo", slow)
    answers = {}
    check = threading.Thread(target=lambda: answers.update(check=applicant_form.checked_photo(photo)), name="check")
    check.start()
    assert started.wait(10)
    save = threading.Thread(target=lambda: answers.update(save=applicant_form.checked_photo(photo)), name="simpan")
    save.start()
    save.join(0.3)
    assert save.is_alive()  # Simpan waits on the check under way
    release.set()
    check.join(10), save.join(10)
    assert decoded == ["check"]
    assert answers["save"] is answers["check"]


def test_a_failed_check_leaves_simpan_to_decode_the_photo_itself(loket, monkeypatch):
    import threading
    applicant_form._checked.clear()
    started, release = threading.Event(), threading.Event()
    real, calls = applicant_photo.normalise_photo, []

    def failing_first(data):
        calls.append(1)
        if len(calls) == 1:
            started.set()
            release.wait(10)
            raise applicant_photo.PhotoError(applicant_photo.PhotoError.BROKEN)
        return real(data)
    monkeypatch.setattr(applicant_form, "normalise_photo", failing_first)
    photo = photo_jpeg((900, 1200))
    check = threading.Thread(target=lambda: _swallow(applicant_form.checked_photo, photo))
    check.start()
    assert started.wait(10)
    answers = {}
    save = threading.Thread(target=lambda: answers.update(save=applicant_form.checked_photo(photo)))
    save.start()
    release.set()
    check.join(10), save.join(10)
    assert answers["save"].jpeg == real(photo).jpeg and len(calls) == 2
    assert getattr(applicant_form, "_checking", {}) == {}


def _swallow(call, *args):
    try:
        call(*args)
    except applicant_photo.PhotoError:
        pass


def test_the_nik_is_read_once_a_save(loket, saved, monkeypatch):
    """The running applications and the holds of the NIK: read once for the refusal and the form beside it."""
    reads = []
    real_running, real_holds = records.in_progress_with_nik, records.nik_holds
    monkeypatch.setattr(records, "in_progress_with_nik", lambda *a: reads.append("running") or real_running(*a))
    monkeypatch.setattr(records, "nik_holds", lambda *a: reads.append("holds") or real_holds(*a))
    again = _save(loket, photo_jpeg((600, 800)))  # the same NIK: refused, its running application beside it
    assert again.status_code == 422
    assert "masih punya permohonan yang sedang berjalan" in again.get_data(as_text=True)
    assert sorted(reads) == ["holds", "running"]


def test_the_application_page_keeps_the_sql_of_its_reads(loket, saved, monkeypatch):
    """The application's page (where a registration, a checklist and a status move lead) runs its reads from
    SQL text kept since its first view: a second view builds none again."""
    loket.get(f"/pendaftaran/{saved}")
    kept, used = statements._kept, []
    monkeypatch.setattr(statements, "_kept", lambda build, args: used.append(build.__name__) or kept(build, args))
    misses = kept.cache_info().misses
    assert loket.get(f"/pendaftaran/{saved}").status_code == 200
    assert kept.cache_info().misses == misses
    assert {"_application_by_id", "_photo_shown", "_timeline", "_in_progress_with_nik",
            "_renumbers_and_reprints_of",  # and the notices other parts add to it: the desa's, the sync's
            "_duplicate_of", "_left_here", "_items_of"} <= set(used)


def test_a_status_move_keeps_what_another_clerk_saved_since_the_page_was_read(loket, saved):
    """A move writes the fields it changes, not the whole application as it was read: an edit saved meanwhile
    (the phone number) stays."""
    from app.frame.db import database
    from app.registration.status import ApplicationStatus as S, transition
    read_earlier = Application.get_by_id(saved)
    Application.update(phone="081299990000").where(Application.id == saved).execute()
    with database.atomic():
        transition(read_earlier, S.RETURNED, note="Kurang: fotokopi KK")
    stored = Application.get_by_id(saved)
    assert (stored.status, stored.phone) == (S.RETURNED.value, "081299990000")
