"""The admin manages accounts: create, edit, deactivate (never delete), reset password."""
from app.frame.audit_event import AuditEvent
from app.auth.models import User
from app.frame.passwords import verify_password


def test_admin_creates_user_with_one_time_password(client_for, db):
    admin = client_for("admin")
    response = admin.post("/admin/pengguna/baru", data={"username": "Loket9", "full_name": "Ani", "role": "petugas_loket", "nip": ""})
    assert response.status_code == 200
    user = User.get(User.username == "loket9")
    page = response.get_data(as_text=True)
    assert "hanya ditampilkan sekali" in page
    shown = page.split("<code>")[1].split("</code>")[0]
    assert verify_password(user.password_hash, shown) and user.must_change_password
    assert AuditEvent.select().where(AuditEvent.entity == "pengguna", AuditEvent.action == "buat").exists()


def test_duplicate_username_is_refused(client_for, users):
    response = client_for("admin").post("/admin/pengguna/baru", data={"username": "camat", "full_name": "X", "role": "camat"})
    assert response.status_code == 422
    assert "sudah dipakai" in response.get_data(as_text=True)
    assert User.select().where(User.username == "camat").count() == 1


def test_bad_account_fields_get_messages_at_the_field(client_for, users):
    response = client_for("admin").post("/admin/pengguna/baru", data={"username": "a b", "full_name": "", "role": "raja", "nip": "12"})
    text = response.get_data(as_text=True)
    assert response.status_code == 422
    for message in ("Nama pengguna 3-32 karakter", "Nama lengkap wajib diisi", "Pilih peran", "NIP terdiri dari 18 angka"):
        assert message in text


def test_deactivate_and_reactivate_never_deletes(client_for, users):
    admin = client_for("admin")
    target = users["petugas_loket"]
    admin.post(f"/admin/pengguna/{target.id}/status")
    assert not User.get_by_id(target.id).is_active
    admin.post(f"/admin/pengguna/{target.id}/status")
    assert User.get_by_id(target.id).is_active


def test_deactivated_user_is_signed_out_at_next_request(client_for, users):
    clerk = client_for("petugas_loket")
    assert clerk.get("/").status_code == 200
    client_for("admin").post(f"/admin/pengguna/{users['petugas_loket'].id}/status")
    assert clerk.get("/").status_code == 302


def test_admin_cannot_deactivate_or_demote_self(client_for, users):
    admin = client_for("admin")
    me = users["admin"]
    refused = admin.post(f"/admin/pengguna/{me.id}/status")
    assert User.get_by_id(me.id).is_active
    # issue 15: the refusal is in the user list's error summary, not a flash after a redirect
    assert refused.status_code == 422 and "data-error-summary" in refused.get_data(as_text=True)
    assert "tidak dapat menonaktifkan akun Anda sendiri" in refused.get_data(as_text=True)
    response = admin.post(f"/admin/pengguna/{me.id}", data={"full_name": "X", "role": "camat", "nip": ""})
    assert response.status_code == 422 and User.get_by_id(me.id).role == "admin"


def test_reset_password_gives_new_one_time_password(client_for, users):
    target = users["camat"]
    old_hash = target.password_hash
    response = client_for("admin").post(f"/admin/pengguna/{target.id}/reset-sandi")
    user = User.get_by_id(target.id)
    assert response.status_code == 200 and user.password_hash != old_hash and user.must_change_password


def test_admin_edits_an_account_and_the_trail_keeps_before_and_after(client_for, users):
    """The edit's own `ubah` line (issue 91: removed alone, no test noticed)."""
    target = users["petugas_loket"]
    response = client_for("admin").post(f"/admin/pengguna/{target.id}",
                                        data={"full_name": "Siti Baru", "role": "petugas_loket", "nip": ""})
    assert response.status_code == 302 and User.get_by_id(target.id).full_name == "Siti Baru"
    line = AuditEvent.get(AuditEvent.entity == "pengguna", AuditEvent.action == "ubah")
    assert line.entity_id == str(target.id) and "Siti Baru" in line.after and "Siti Baru" not in line.before
