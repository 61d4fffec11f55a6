"""The audit trail is append-only and visible to admin and camat with filters."""
import pytest
from peewee import DatabaseError, IntegrityError, OperationalError

from app.frame import audit
from app.frame.audit_event import AuditEvent


def test_audit_rows_cannot_be_updated_or_deleted(db, users):
    event = audit.record("uji", "contoh", 1, "isi", user=users["admin"])
    with pytest.raises((IntegrityError, OperationalError, DatabaseError)):
        AuditEvent.update(summary="diubah").where(AuditEvent.id == event.id).execute()
    with pytest.raises((IntegrityError, OperationalError, DatabaseError)):
        AuditEvent.delete().where(AuditEvent.id == event.id).execute()
    assert AuditEvent.get_by_id(event.id).summary == "isi"


def test_trail_filters_by_user_and_entity(client_for, users):
    audit.record("ubah", "pengaturan", "kantor", "Pengaturan A", user=users["admin"])
    audit.record("buat", "pengguna", 5, "Akun B", user=users["camat"])
    page = client_for("camat").get("/audit?pengguna=camat").get_data(as_text=True)
    assert "Akun B" in page and "Pengaturan A" not in page
    page = client_for("admin").get("/audit?entitas=pengaturan").get_data(as_text=True)
    assert "Pengaturan A" in page and "Akun B" not in page


def test_htmx_filter_returns_only_the_rows_fragment(client_for, users):
    audit.record("ubah", "pengaturan", "kantor", "Pengaturan A", user=users["admin"])
    response = client_for("admin").get("/audit", headers={"HX-Request": "true", "HX-Target": "audit-rows"})
    text = response.get_data(as_text=True)
    assert "Pengaturan A" in text and "<html" not in text


def test_no_route_edits_or_deletes_the_trail(app):
    for rule in app.url_map.iter_rules():
        if rule.endpoint.startswith("audit."):
            assert rule.methods <= {"GET", "HEAD", "OPTIONS"}, rule


@pytest.mark.parametrize("htmx", [False, True])
def test_a_bad_date_filter_gets_the_error_summary_tied_to_its_field(client_for, users, htmx):
    """Issue 15: one error pattern on every form, the audit filter included, also in the htmx swap."""
    headers = {"HX-Request": "true", "HX-Target": "audit-rows"} if htmx else {}
    response = client_for("admin").get("/audit?dari=2025-02-30&sampai=2025-03-01", headers=headers)
    assert response.status_code == 422  # htmx swaps a 422 in (static/js/app.js); a 400 showed nothing
    page = response.get_data(as_text=True)
    assert "data-error-summary" in page and 'href="#f-dari"' in page and "Tanggal tidak valid pada isian Dari" in page
    assert 'href="#f-sampai"' not in page
    if not htmx:
        assert 'id="f-dari"' in page and 'aria-describedby="e-dari"' in page and 'id="e-dari"' in page


def test_the_filters_offer_every_account_and_every_kind_of_data_and_action(client_for, users, db):
    """Pengguna and Aksi were text boxes matched exactly: 'cam' found nothing. They are lists now,
    Data and Aksi read one index seek per value (a DISTINCT read the whole index on every view)."""
    import random
    from app.audit.views import values_in_trail
    rng = random.Random(7)
    for n in range(300):
        audit.record(rng.choice(["lihat", "ubah", "cetak", "ekspor"]), rng.choice(["permohonan", "pengaduan", "foto"]),
                     n, "uji", user=users[rng.choice(list(users))])
    for column in ("entity", "action"):
        distinct = [v for (v,) in db.execute_sql(f'SELECT DISTINCT "{column}" FROM "audit_event" ORDER BY 1')]
        assert values_in_trail(column) == distinct and len(distinct) >= 3
    page = client_for("camat").get("/audit").get_data(as_text=True)
    for user in users.values():  # the name people know, with the one the trail records
        assert f'<option value="{user.username}">{user.full_name} ({user.username})</option>' in page
    assert '<option value="sistem">sistem</option>' in page
    # the trail's words, not its keys: 'lihat' is 'membuka', 'permohonan_ktp' is 'permohonan'
    assert '<option value="cetak">mencetak</option>' in page and '<option value="lihat">membuka</option>' in page
    assert '<option value="foto">foto</option>' in page


def test_a_name_in_the_url_that_is_no_account_stays_picked(client_for, users):
    audit.record("masuk_gagal", "pengguna", "", "Gagal masuk", username="penyusup")
    page = client_for("admin").get("/audit?pengguna=penyusup").get_data(as_text=True)
    assert '<option value="penyusup" selected>penyusup</option>' in page and "Gagal masuk" in page


def test_a_data_kind_or_action_in_the_url_that_the_trail_lacks_stays_picked(client_for, users):
    """A bookmarked filter still filters: the list shows it picked, not 'semua' over no rows."""
    page = client_for("camat").get("/audit?aksi=cetak_ulang&entitas=surat_kuasa").get_data(as_text=True)
    assert '<option value="cetak_ulang" selected>cetak ulang</option>' in page
    assert '<option value="surat_kuasa" selected>surat kuasa</option>' in page
    assert "Tidak ada catatan untuk saringan ini." in page


def test_the_pengguna_filter_reads_the_index_not_the_whole_trail(db):
    plan = " ".join(str(row) for row in db.execute_sql(
        'EXPLAIN QUERY PLAN SELECT * FROM "audit_event" WHERE "username" = ? ORDER BY "id" DESC LIMIT 51', ("kasi",)))
    assert "USING INDEX audit_event_username" in plan and "TEMP B-TREE" not in plan, plan
