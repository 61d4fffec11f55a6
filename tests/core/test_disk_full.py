"""A full disk (issue 33, finding 3): on a real small filesystem filled to the last byte, a save
answers 507 with an Indonesian message that says the disk is full, that nothing was lost and what to
do; never the generic 500. Space freed, the office carries on. The sign-in and the pages that only read
go on (issue 94 finding 2): a full disk never keeps the office, or its admin who frees the space, out."""
import errno
import io
import os
import subprocess
import sys

import pytest

from app import create_app
from app.auth.accounts import create_user
from app.firstrun import seed_identity
from app.registration.models import Application
from tests.conftest import TEST_PASSWORD, CsrfClient
from tests.support.factory import applicant_form, photo_jpeg

pytestmark = pytest.mark.skipif(sys.platform == "win32", reason="mounts a small filesystem (Linux)")


@pytest.fixture
def small_disk(tmp_path):
    mount = tmp_path / "disk"
    mount.mkdir()
    done = subprocess.run(["mount", "-t", "tmpfs", "-o", "size=16m,mode=0700", "tmpfs", str(mount)],
                          capture_output=True)
    if done.returncode:
        pytest.skip(f"cannot mount a small filesystem here: {done.stderr.decode(errors='replace').strip()}")
    yield mount
    subprocess.run(["umount", "-l", str(mount)], check=False)


def office_with_two_accounts(folder):
    """An office on `folder` with a counter clerk and an admin, its WAL folded into the database file."""
    app = create_app({"DATA_DIR": folder, "SECRET_KEY": "test-secret", "TESTING": True})
    app.test_client_class = CsrfClient
    database = app.extensions["database"]
    with app.app_context(), database.connection_context():
        seed_identity("35.08.07")
        for name, role in (("loket", "petugas_loket"), ("admin", "admin")):
            create_user(name, name.title(), role, password=TEST_PASSWORD, must_change_password=False)
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    return app, database


def fill(folder) -> None:
    """Write until the filesystem has not one byte left."""
    with open(folder / "pengisi.bin", "wb", buffering=0) as filler:
        for size in (1 << 20, 1 << 12, 1):
            try:
                while True:
                    filler.write(b"\0" * size)
            except OSError as error:
                assert error.errno == errno.ENOSPC


def office_with_a_clerk(folder):
    """An office on `folder` with a counter clerk signed in: (app, its database, the clerk's client)."""
    app, database = office_with_two_accounts(folder)
    clerk = app.test_client()
    assert clerk.post("/masuk", data={"username": "loket", "password": TEST_PASSWORD}).status_code in (302, 303)
    return app, database, clerk


def _says_stopped(app) -> bool:
    from app.updates import fleet_report
    from app.updates.state import read_state
    with app.app_context(), app.extensions["database"].connection_context():
        return fleet_report.build_report(app.config, read_state(app.config["DATA_DIR"]), 4)[0].get("disk_full", False)


def test_a_full_disk_answers_that_the_disk_is_full_never_the_generic_error(small_disk):
    app, database, clerk = office_with_a_clerk(small_disk)
    first = clerk.post("/pendaftaran/baru", data=applicant_form(photo=(io.BytesIO(photo_jpeg()), "f.jpg")),
                       content_type="multipart/form-data")
    assert first.status_code == 302
    with app.app_context(), database.connection_context():
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")  # every next commit must grow the WAL
    fill(small_disk)

    save = clerk.post("/pendaftaran/baru", data=applicant_form(nik="3508071205900002"), content_type="multipart/form-data")
    page = save.get_data(as_text=True)
    assert save.status_code == 507, page[:400]
    assert "penuh" in page and "tidak ada yang hilang" in page and "admin" in page
    assert "Terjadi kesalahan pada aplikasi" not in page
    assert _says_stopped(app)  # its health report to the center: the office stopped (issue 89 finding 7)

    os.remove(small_disk / "pengisi.bin")  # the admin freed space
    again = clerk.post("/pendaftaran/baru", data=applicant_form(nik="3508071205900002"), content_type="multipart/form-data")
    assert again.status_code == 302
    assert not _says_stopped(app)  # a save went through: it works again
    with app.app_context(), database.connection_context():
        assert Application.select().count() == 2
        assert database.execute_sql("PRAGMA integrity_check").fetchone()[0] == "ok"
    database.close_all()


def test_the_disk_full_page_names_what_fills_the_disk_the_updates_download_included(small_disk):
    """Issue 94 finding 2: the page sent the admin to move old backups (0.8 MB) while an update's 46 MB sat in
    pembaruan/cache, which no page named. Now it names each folder the program keeps, the largest first."""
    app, database, clerk = office_with_a_clerk(small_disk)
    cache = small_disk / "pembaruan" / "cache"
    cache.mkdir(parents=True)
    (cache / "wheels%2Floket_kecamatan-9.1.0-py3-none-any.whl").write_bytes(b"\0" * (3 * 1024 * 1024))
    with app.app_context(), database.connection_context():
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    fill(small_disk)
    answer = clerk.post("/pendaftaran/baru", data=applicant_form(), content_type="multipart/form-data")
    page = answer.get_data(as_text=True)
    assert answer.status_code == 507, page[:400]
    assert f"unduhan pembaruan 3.0 MB ({cache}: isinya boleh dihapus" in page
    assert "cadangan 0.0 MB" in page and "basis data" in page
    os.remove(small_disk / "pengisi.bin")
    database.close_all()


def test_a_signed_in_clerk_still_reads_every_page_on_a_full_disk(small_disk):
    """Issue 94 finding 2: on a full disk every page said "Penyimpanan komputer penuh": each page a minute after
    the last wrote the session's last-seen time. That write is not worth a page: Beranda and the lists still
    open; a save (and a citizen's file, whose view goes in the trail first) says the disk is full. The
    session's time is kept in memory meanwhile, so the idle limit is not reached for want of a write."""
    from datetime import timedelta
    from app.frame.dates import utc_now
    app, database, clerk = office_with_a_clerk(small_disk)
    first = clerk.post("/pendaftaran/baru", data=applicant_form(photo=(io.BytesIO(photo_jpeg()), "f.jpg")),
                       content_type="multipart/form-data")
    assert first.status_code == 302
    sessions = app.extensions["session_model"]
    with app.app_context(), database.connection_context():
        sessions.update(last_seen_at=utc_now() - timedelta(minutes=20)).execute()  # a page was due to touch it
        database.execute_sql("PRAGMA wal_checkpoint(TRUNCATE)")
    fill(small_disk)
    for url in ("/", "/pendaftaran"):
        answer = clerk.get(url, follow_redirects=True)
        assert answer.status_code == 200, (url, answer.get_data(as_text=True)[:400])
        assert "Penyimpanan komputer penuh" not in answer.get_data(as_text=True)
    save = clerk.post("/pendaftaran/baru", data=applicant_form(nik="3508071205900002"),
                      content_type="multipart/form-data")
    assert save.status_code == 507  # a save still says the disk is full
    os.remove(small_disk / "pengisi.bin")
    assert clerk.get("/pendaftaran").status_code == 200  # still signed in once the disk has room
    database.close_all()


def test_the_sign_in_goes_on_on_a_full_disk_and_wrong_passwords_still_count(small_disk):
    """Issue 94 finding 2: nobody could sign in on a full disk (the session, the trail row and the throttle's
    count are writes), not even the admin who frees the space. Now a right password signs in with its session
    kept in memory; the wrong ones are counted in memory with sign-in's limits, so a full disk gives a guesser
    no more tries (past the limit a right password waits as a wrong one does); signing out ends it."""
    app, database = office_with_two_accounts(small_disk)
    fill(small_disk)

    admin = app.test_client()
    signed_in = admin.post("/masuk", data={"username": "admin", "password": TEST_PASSWORD})
    assert signed_in.status_code in (302, 303), signed_in.get_data(as_text=True)[:400]
    home = admin.get("/", follow_redirects=True)
    assert home.status_code == 200 and "Admin" in home.get_data(as_text=True)
    assert admin.get("/admin/pembaruan").status_code == 200  # where the page names the update waiting for room

    guesser = app.test_client()
    for _ in range(5):
        assert guesser.post("/masuk", data={"username": "loket", "password": "salah-sekali"}).status_code == 401
    right, wrong = (guesser.post("/masuk", data={"username": "loket", "password": typed})
                    for typed in (TEST_PASSWORD, "salah-lagi"))
    assert right.status_code == wrong.status_code == 429  # the same answer: it tells nothing
    assert guesser.get("/pendaftaran").status_code in (302, 303)  # not signed in

    admin.post("/keluar")
    assert admin.get("/admin/pembaruan").status_code in (302, 303)  # signed out: the session is gone
    os.remove(small_disk / "pengisi.bin")
    database.close_all()


def test_a_sign_in_on_a_full_disk_reaches_the_trail_once_the_disk_has_room(small_disk, monkeypatch):
    """Issue 94: a sign-in on a full disk went on with its session in memory, but its trail row (and a wrong
    password's) was never written. Now they are kept, each with its own moment and address, and written by
    the first page after the disk has room again."""
    from app.frame import audit
    from app.frame.audit_event import AuditEvent
    from app.frame.dates import utc_now
    from app.frame import signin
    monkeypatch.setattr(audit, "KEPT_RETRY_SECONDS", 0, raising=False)  # this test's disk has room again at once
    monkeypatch.setattr(audit, "_kept_next_try", [0.0], raising=False)  # not waiting for an earlier test's disk
    monkeypatch.setattr(signin, "_uncounted_failures", {})  # this process's earlier tests' wrong passwords
    app, database = office_with_two_accounts(small_disk)

    def sign_ins():
        with app.app_context(), database.connection_context():
            return [(row.action, row.username, row.at) for row in AuditEvent.select().order_by(AuditEvent.id)
                    if row.action in ("masuk", "masuk_gagal")]

    fill(small_disk)
    admin, guesser = app.test_client(), app.test_client()
    assert guesser.post("/masuk", data={"username": "loket", "password": "salah-sekali"}).status_code == 401
    assert admin.post("/masuk", data={"username": "admin", "password": TEST_PASSWORD}).status_code in (302, 303)
    assert admin.get("/", follow_redirects=True).status_code == 200  # the disk still full: nothing written yet
    assert sign_ins() == []
    freed = utc_now()
    os.remove(small_disk / "pengisi.bin")
    assert admin.get("/", follow_redirects=True).status_code == 200  # the next page, with room
    trail = sign_ins()
    assert [(action, username) for action, username, _ in trail] == [("masuk_gagal", "loket"), ("masuk", "admin")]
    assert all(at <= freed for _, _, at in trail)  # each at its own moment
    assert admin.get("/", follow_redirects=True).status_code == 200
    assert len(sign_ins()) == 2  # written once
    database.close_all()


def test_another_database_error_is_still_the_calm_500_with_its_traceback_logged(app, caplog):
    import peewee

    def broken():
        raise peewee.OperationalError("no such table: tidak_ada")
    app.view_functions["core.healthz"] = broken
    app.testing = False  # as served: unhandled errors become the 500 page
    app.config["PROPAGATE_EXCEPTIONS"] = False
    answer = app.test_client().get("/healthz")
    assert answer.status_code == 500
    assert "Terjadi kesalahan pada aplikasi" in answer.get_data(as_text=True)
    assert "no such table" in caplog.text
