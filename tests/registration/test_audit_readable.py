"""Issue 13: the audit trail reads as Indonesian sentences and is no back door to personal data."""
from app.frame import audit
from app.frame.audit_event import AuditEvent
from app.registration.models import Application
from app.registration.status import ApplicationStatus as S, transition
from tests.support.factory import applicant_form, photo_jpeg

NIK, KK = "3508071205900001", "3508070101100007"


def test_a_status_change_reads_as_a_sentence(client_as, saved):
    from app.frame.db import database
    application = Application.get_by_id(saved)
    with database.atomic():
        transition(application, S.COMPLETE)
    page = client_as("camat").get("/audit").get_data(as_text=True)
    assert f"mengubah status permohonan {application.registration_number} menjadi Lengkap, menunggu kirim" in page
    rows = page.split('id="audit-rows"', 1)[1]  # the filter's lists hold the keys as option values
    assert '"status"' not in rows and "permohonan_ktp 1" not in rows


def test_camat_and_admin_read_no_personal_value_in_the_trail(client_as, saved, loket):
    form = applicant_form(phone="0813-1111-2222", address="Jalan Mawar 9", religion="Kristen")
    loket.post(f"/pendaftaran/{saved}/ubah", data=form, content_type="multipart/form-data")
    for role in ("camat", "admin"):
        page = client_as(role).get("/audit").get_data(as_text=True)
        for value in (NIK, KK, "0813-1111-2222", "0812-3456-7890", "Jalan Mawar 9", "Dusun Krajan", "Kristen"):
            assert value not in page, (role, value)
        assert "Nomor HP" in page and "Alamat" in page and "Agama" in page  # the changed fields, named
    stored = " ".join(f"{e.before} {e.after}" for e in AuditEvent.select())
    assert NIK not in stored and "Jalan Mawar 9" not in stored  # masked when written, too


def test_a_confidential_follow_up_never_reaches_the_trail(client_as):
    from app.auth.models import User
    from app.complaints import book
    from app.complaints.models import ComplaintCategory
    camat = client_as("camat")
    client_as("petugas_informasi"), client_as("kasi_pelayanan")
    informasi, kasi = User.get(username="petugas-informasi"), User.get(username="kasi-pelayanan")
    complaint, _ = book.record_complaint({"channel": "meja_informasi", "category_id": ComplaintCategory.select().first().id,
                                          "complainant_name": "Sri", "complainant_contact": "0812999",
                                          "is_anonymous": False, "is_confidential": True,
                                          "registration_number": "", "text": "Petugas X minta uang"}, user=informasi)
    book.change_status(complaint, "diteruskan", informasi, tindak_lanjut="Diteruskan ke Kasi, saksi Bu Ani")
    book.write_tindak_lanjut(complaint, "Petugas X sudah ditegur Camat", kasi)
    page = camat.get("/audit").get_data(as_text=True)
    assert "sudah ditegur" not in page and "minta uang" not in page and "Bu Ani" not in page
    assert "memperbarui tindak lanjut pengaduan" in page


def test_restores_and_sign_outs_read_as_sentences(client_as):
    from app.auth.models import User
    admin = client_as("admin")
    audit.record_restore("loket-2026-08-17.sqlite3", user=User.get(username="admin"))
    page = admin.get("/audit").get_data(as_text=True)
    assert "Pegawai admin memulihkan cadangan loket-2026-08-17.sqlite3" in page


def test_views_of_personal_data_are_recorded(client_as, saved, loket):
    import io
    loket.post(f"/pendaftaran/{saved}/foto", data={"photo": (io.BytesIO(photo_jpeg()), "foto.jpg")},
               content_type="multipart/form-data")
    loket.get(f"/pendaftaran/{saved}")
    loket.get(f"/pendaftaran/{saved}/foto.jpg")
    loket.get("/pendaftaran/ekspor?format=csv")
    actions = [e.action for e in AuditEvent.select().where(AuditEvent.username == "petugas-loket")]
    assert {"lihat", "lihat_foto", "ekspor"} <= set(actions)


def test_a_restore_is_recorded_in_one_line(db, users):
    audit.record_restore("loket-2026-08-17.sqlite3", user=users["admin"])
    event = AuditEvent.select().order_by(AuditEvent.id.desc()).first()
    assert (event.action, event.entity, event.username) == ("pulihkan", "cadangan", "admin")
