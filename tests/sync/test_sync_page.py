"""The clerk's sync page on the kecamatan app."""
import io
from datetime import datetime

from app.frame import store
from sync import usb
from sync.client.models import SyncLog
from tests.support.factory import sync_link_row


def test_page_says_when_the_pc_is_not_enrolled(client_for):
    page = client_for("petugas_loket").get("/sinkronisasi").get_data(as_text=True)
    assert "belum terdaftar" in page and "Sinkronkan sekarang" not in page


def enrol_fake(db):
    with db.atomic():
        sync_link_row(center_url="http://127.0.0.1:9", key_id="350807-x", secret="s", enrolled_at=datetime(2026, 1, 1))
        SyncLog.create(at=datetime(2026, 1, 1, 3), kind="kirim", summary="terkirim 4, sudah ada 0")


def test_enrolled_page_shows_button_waiting_and_log(client_for, db):
    enrol_fake(db)
    page = client_for("petugas_loket").get("/sinkronisasi").get_data(as_text=True)
    assert "Sinkronkan sekarang" in page and "Menunggu dikirim" in page and "terkirim 4" in page
    kasi = client_for("kasi_pelayanan").get("/sinkronisasi").get_data(as_text=True)
    assert "Sinkronkan sekarang" not in kasi  # the section head reads; the counter and admin act


def test_progress_fragment_is_a_self_contained_htmx_target(client_for, db):
    enrol_fake(db)
    fragment = client_for("admin").get("/sinkronisasi/progres").get_data(as_text=True)
    assert fragment.strip().startswith('<div id="sync-progress"') and "<html" not in fragment


def test_status_file_that_is_not_ours_is_refused_with_a_message(client_for, db):
    enrol_fake(db)
    response = client_for("petugas_loket").post(
        "/sinkronisasi/impor-status", data={"status_file": (io.BytesIO(b"bukan berkas"), "x.lks")},
        content_type="multipart/form-data")
    assert response.status_code == 422 and "bukan berkas kiriman" in response.get_data(as_text=True)


def test_the_status_file_form_shows_that_it_works_and_answers_in_place(client_for, db):
    """A month's status file takes seconds on a slow PC (issue 45): while htmx posts it the button is off
    and a notice read out to a screen reader says it is being applied; a refusal comes back as the form
    with its message, a success as the whole page again with the count."""
    from types import SimpleNamespace
    enrol_fake(db)
    admin = client_for("admin")
    page = admin.get("/sinkronisasi").get_data(as_text=True)
    form = page[page.index('<div id="status-import">'):]
    form = form[:form.index("</form>")]
    assert 'hx-post="/sinkronisasi/impor-status"' in form and 'hx-encoding="multipart/form-data"' in form
    assert 'hx-disabled-elt="find button"' in form and 'hx-indicator="#status-import-busy"' in form
    busy = form[form.index('id="status-import-busy"') - 3:]
    assert 'class="htmx-indicator"' in busy and 'aria-live="polite"' in busy and "Sedang memproses status" in busy
    htmx = {"HX-Request": "true"}
    refused = admin.post("/sinkronisasi/impor-status", headers=htmx, content_type="multipart/form-data",
                         data={"status_file": (io.BytesIO(b"bukan berkas"), "x.lks")})
    fragment = refused.get_data(as_text=True)
    assert refused.status_code == 422
    assert fragment.lstrip().startswith("<form") and "<html" not in fragment and "bukan berkas kiriman" in fragment
    status_file = usb.write_status_file(SimpleNamespace(key_id="350807-x", secret="s"), [])
    applied = admin.post("/sinkronisasi/impor-status", headers=htmx, content_type="multipart/form-data",
                         data={"status_file": (io.BytesIO(status_file), "status.lks")})
    assert applied.status_code == 200 and applied.headers["HX-Redirect"] == "/sinkronisasi"
    assert "0 status baru diterapkan dari berkas." in admin.get("/sinkronisasi").get_data(as_text=True)


def test_nightly_time_is_checked_and_saved(client_for, db):
    admin = client_for("admin")
    bad = admin.post("/sinkronisasi/jadwal", data={"nightly": "25:99"})
    assert bad.status_code == 422 and "Isi jam" in bad.get_data(as_text=True)
    admin.post("/sinkronisasi/jadwal", data={"nightly": "22:30"})
    assert store.get("sync_nightly_time") == "22:30"


def test_usb_export_from_the_page_lists_numbered_files_to_download(client_for, db, app):
    from sync.client.models import StatusIssue
    from tests.sync.harness import fill_kecamatan
    enrol_fake(db)
    fill_kecamatan(app, 3, photo_size=(60, 80))
    clerk = client_for("petugas_loket")
    answer = clerk.post("/sinkronisasi/ekspor")
    assert answer.status_code == 303
    page = clerk.get("/sinkronisasi").get_data(as_text=True)
    assert "3 permohonan disimpan dalam 1 berkas" in page and "-01-dari-01.lkb" in page
    import re
    link = re.search(r'href="(/sinkronisasi/ekspor/[^"]+\.lkb)"', page).group(1)
    download = clerk.get(link)
    assert download.status_code == 200 and download.data.startswith(b'{"format": "' + usb.BATCH_FORMAT.encode())
    assert clerk.get("/sinkronisasi/ekspor/lain/../../loket.sqlite3").status_code == 404
    with db.atomic():
        StatusIssue.create(seq=9, registration_number="350807-01-000001", version=1, status="rejected",
                           content_hash="", reason="", problem="Uji masalah status", at=datetime(2026, 1, 2))
    assert "Uji masalah status" in clerk.get("/sinkronisasi").get_data(as_text=True)


def test_the_menu_badge_counts_what_failed_from_the_index_alone(client_for, db, app):
    """On every page a sender opens: conflicts, refusals and pending items already tried, not the
    untried queue. It read every pending row (3.5 ms at 3,400 pending); now only the matches."""
    import re

    from sync.client.outbox import failed_count
    from sync.client.models import OutboxItem
    from tests.sync.harness import fill_kecamatan
    enrol_fake(db)
    fill_kecamatan(app, 6, photo_size=(60, 80))
    ids = [item.id for item in OutboxItem.select().where(OutboxItem.kind == "permohonan").order_by(OutboxItem.id)]
    assert len(ids) == 6
    with db.atomic():
        OutboxItem.update(state="conflict").where(OutboxItem.id == ids[0]).execute()
        OutboxItem.update(state="rejected").where(OutboxItem.id == ids[1]).execute()
        OutboxItem.update(attempts=2).where(OutboxItem.id == ids[2]).execute()
        OutboxItem.update(state="acked", attempts=1).where(OutboxItem.id == ids[3]).execute()
    page = client_for("petugas_loket").get("/").get_data(as_text=True)
    assert re.search(r"Sinkronisasi <span class=\"badge\"[^>]*>3</span>", page)
    assert failed_count(limit=2) == 2
    sql, params = OutboxItem.select(OutboxItem.id).where(
        (OutboxItem.state.in_(["conflict", "rejected"])) | ((OutboxItem.state == "pending") & (OutboxItem.attempts > 0))).sql()
    plan = " ".join(row[-1] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))
    assert "USING COVERING INDEX sync_outbox_state_attempts" in plan and "SCAN" not in plan, plan


def test_a_dead_link_is_told_as_what_to_do_and_the_figures_follow_without_a_reload(client_for, db, app):
    """Issue 25: the clerk read "jaringan: ConnectionError", and the page's figures stayed stale after
    "Sinkronkan sekarang" until a reload."""
    from sync.client import engine
    from sync.client.link_down import UNREACHABLE
    enrol_fake(db)  # a center at 127.0.0.1:9: nothing listens there
    clerk = client_for("petugas_loket")
    before = clerk.get("/sinkronisasi").get_data(as_text=True)
    assert "Masalah terakhir" not in before
    report = engine.sync_once(full=True)
    assert report.error == UNREACHABLE
    fragment = clerk.get("/sinkronisasi/progres", headers={"HX-Request": "true"}).get_data(as_text=True)
    assert "Pusat tidak dapat dihubungi; data aman di komputer ini dan dikirim otomatis saat jaringan kembali" in fragment
    facts = fragment[fragment.index('id="sync-facts"'):]
    assert 'hx-swap-oob="true"' in facts[:80] and "Masalah terakhir" in facts  # the facts swapped in too
    assert 'id="sync-log"' in fragment and "berhenti: Pusat tidak dapat dihubungi" in fragment
    page = clerk.get("/sinkronisasi").get_data(as_text=True)
    for word in ("ConnectionError", "jaringan: Conn"):
        assert word not in page, page[page.index(word) - 300:page.index(word) + 100]


def test_two_usb_exports_in_one_second_keep_their_own_folders(client_for, db, app, monkeypatch):
    """A second press within the same second wrote into the first export's folder: its file of the same name
    replaced the first one, whose applications were already marked sent (and an older file there may be signed
    with a key revoked since, which makes the center refuse the whole set)."""
    from app.sync_page import views
    from tests.sync.harness import fill_kecamatan
    enrol_fake(db)
    monkeypatch.setattr(views, "utc_now", lambda: datetime(2026, 11, 28, 1, 2, 3))
    clerk = client_for("petugas_loket")
    fill_kecamatan(app, 3, photo_size=(60, 80))
    assert clerk.post("/sinkronisasi/ekspor").status_code == 303
    fill_kecamatan(app, 2, photo_size=(60, 80), first=4)
    assert clerk.post("/sinkronisasi/ekspor").status_code == 303
    folders = sorted(p for p in (app.config["DATA_DIR"] / "usb").iterdir())
    assert [p.name for p in folders] == ["20261128-010203", "20261128-010203-2"]
    held = [sorted(p.glob("*.lkb")) for p in folders]
    assert [len(files) for files in held] == [1, 1], held  # the first export's file is still there
    assert held[0][0].read_bytes() != held[1][0].read_bytes()
