"""A citizen holding a receipt whose number was given again (found walking two counter PCs, issue 61 finding 1):
PC B numbered before enrolment in the series PC A used, so at its enrolment it gave its applications new
numbers and told the admin to hand out new receipts. The applicant comes back with the old receipt; the clerk
types (or scans) its number into the register and read "Tidak ada permohonan yang cocok.", though the
application is there under its new number. Now the register says which number it became."""
from app.frame.db import database
from app.registration.models import Application
from app.registration import sync_records


def test_the_register_finds_an_application_by_the_number_it_had_before(saved, loket):
    application = Application.get_by_id(saved)
    old = application.registration_number
    with database.atomic():
        new = sync_records._new_number(application, "nomor yang dibuat sebelum komputer ini didaftarkan ke pusat "
                                                    "juga dipakai PC lain kantor ini")
    assert new != old
    page = loket.get("/pendaftaran", query_string={"q": old}).get_data(as_text=True)
    assert f"Nomor {old} sudah diganti menjadi" in page and f'/pendaftaran/{saved}">{new}</a>' in page
    assert "Tidak ada permohonan yang cocok" not in page
    found = loket.get("/pendaftaran", query_string={"q": new}).get_data(as_text=True)
    assert "sudah diganti menjadi" not in found and f">{new}</a>" in found  # the new number: as any other
    for unknown in ("350807-01-009999", "350807-P1-1000001"):  # a number never given; one of a restore's series
        other = loket.get("/pendaftaran", query_string={"q": unknown}).get_data(as_text=True)
        assert "Tidak ada permohonan yang cocok" in other and "sudah diganti" not in other


def test_a_number_of_a_restored_pcs_series_given_again_is_found_too(saved, loket):
    """After a restore a PC numbers in a new series of seven digits (350807-P1-1000001): given again, found."""
    Application.update(registration_number="350807-P1-1000001").where(Application.id == saved).execute()
    application = Application.get_by_id(saved)
    with database.atomic():
        new = sync_records._new_number(application, "nomor lama sudah dipakai permohonan lain di pusat")
    page = loket.get("/pendaftaran", query_string={"q": "350807-P1-1000001"}).get_data(as_text=True)
    assert "Nomor 350807-P1-1000001 sudah diganti menjadi" in page and f">{new}</a>" in page
