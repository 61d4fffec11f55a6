"""Issue 33, finding 2: "A failed daily backup is invisible. It shows only as a traceback on the
console; under autostart nobody sees the console, and the backup page does not show when the last
automatic backup succeeded." The admin's (and the Camat's) home page says what needs a person."""
import shutil
from datetime import date

import pytest

from app.backups import health
from app.backups.daily import daily_backup
from app.frame.keystore import KeyStore
from tests.support.factory import sync_link_row


def home(client) -> str:
    return client.get("/").get_data(as_text=True)


@pytest.fixture
def broken_backup_folder(app):
    """The backup folder replaced by a file (a folder deleted and a file saved under its name)."""
    folder = app.config["BACKUP_DIR"]
    shutil.rmtree(folder, ignore_errors=True)
    folder.write_text("bukan folder")
    yield folder
    if folder.is_file():
        folder.unlink()


@pytest.mark.clock
def test_a_failed_daily_backup_stays_on_the_home_page_until_one_succeeds(app, db, client_for, broken_backup_folder):
    daily_backup(app)  # the hourly job: no exception escapes, the failure is kept
    admin, camat = client_for("admin"), client_for("camat")
    page = home(admin)
    assert "Cadangan otomatis gagal" in page and "buat cadangan sekarang" in page
    assert "Folder cadangan" in page and "Error" not in page  # the cause in words, no Python name
    assert "Cadangan data harian gagal" in home(camat) and "Minta admin" in home(camat)
    daily_backup(app)  # still failing an hour later: still shown, since the first failure
    assert "Cadangan otomatis gagal" in home(admin)

    broken_backup_folder.unlink()
    daily_backup(app)
    page = home(admin)
    assert "Cadangan otomatis gagal" not in page and "Cadangan otomatis terakhir" in page
    assert "Cadangan data harian gagal" not in home(camat)


def test_disk_space_is_warned_well_before_it_is_full(app, db, client_for, monkeypatch):
    admin, camat = client_for("admin"), client_for("camat")
    monkeypatch.setattr(health, "free_bytes", lambda folder: 50 * health.GIB)
    assert "Ruang disk" not in home(admin)
    monkeypatch.setattr(health, "free_bytes", lambda folder: int(1.5 * health.GIB))
    assert "Ruang disk menipis" in home(admin) and "sisa 1.5 GB" in home(admin)
    monkeypatch.setattr(health, "free_bytes", lambda folder: 200 * 1024 ** 2)
    page = home(admin)
    assert "Ruang disk hampir habis" in page and "cadangan berikutnya tidak akan muat" in page
    assert "Ruang penyimpanan komputer kantor tinggal 0.2 GB" in home(camat)


def test_a_missing_or_unprinted_recovery_key_is_on_the_admins_home_page(app, db, client_for):
    admin = client_for("admin")
    assert "Kunci pemulihan belum dicetak" in home(admin)
    (app.config["DATA_DIR"] / "kunci" / "pemulihan").unlink()
    page = home(admin)
    assert "Kunci pemulihan hilang" in page and "ketik kunci pemulihan yang tercetak" in page
    assert "Kunci pemulihan cadangan hilang" in home(client_for("camat"))
    assert KeyStore(app.config["DATA_DIR"]).recovery_key() is None  # reported, not replaced


def test_other_roles_see_no_health_cards(app, db, client_for, broken_backup_folder):
    daily_backup(app)
    for role in ("petugas_loket", "petugas_informasi", "kasi_pelayanan"):
        page = home(client_for(role))
        assert "Cadangan" not in page and "Ruang disk" not in page


def test_a_sync_quiet_for_two_days_is_shown(app, db, client_for):
    from datetime import timedelta

    from app.frame.dates import utc_now
    from sync.client.models import SyncLink
    admin, camat = client_for("admin"), client_for("camat")
    with db.atomic():
        link = sync_link_row(center_url="https://pusat.example", key_id="k1", secret="-",
                             enrolled_at=utc_now() - timedelta(days=9), last_success_at=utc_now() - timedelta(days=3))
    assert "Sinkronisasi pusat tertunda" in home(admin)
    assert "Data belum terkirim ke pusat cetak" in home(camat)
    with db.atomic():
        SyncLink.update(last_success_at=utc_now()).where(SyncLink.id == link.id).execute()
    assert "Sinkronisasi pusat tertunda" not in home(admin)



def backup_page(client) -> str:
    return " ".join(client.get("/admin/cadangan").get_data(as_text=True).split())  # as read: one space


@pytest.mark.clock
def test_the_backup_page_shows_the_last_automatic_backup_and_keeps_a_failure_until_one_succeeds(
        app, db, client_for, disk_full_while_backing_up, monkeypatch):
    """Issue 33, finding 2: "the backup page does not show when the last automatic backup
    succeeded". The Cadangan Data page tells what the home card tells, from the same facts."""
    from app.frame import store
    from app.frame.dates import format_datetime
    admin = client_for("admin")
    disk = disk_full_while_backing_up
    assert "Cadangan otomatis terakhir: <strong>belum pernah</strong>" in backup_page(admin)

    disk.full = False
    daily_backup(app)  # today's automatic backup made
    made = format_datetime(health.last_automatic_backup(app.config["BACKUP_DIR"]), store.get("timezone"))
    page = backup_page(admin)
    assert f"Cadangan otomatis terakhir: <strong>{made}</strong>, berhasil." in page
    assert "Cadangan otomatis gagal" not in page

    disk.full = True
    monkeypatch.setattr("app.backups.daily.local_today", lambda zone: date(2099, 1, 2))  # the next day's run
    daily_backup(app)
    page = backup_page(admin)
    assert "Cadangan otomatis gagal</strong> sejak" in page and "Kosongkan ruang disk" in page
    assert f"Cadangan otomatis terakhir yang berhasil: <strong>{made}</strong>" in page
    daily_backup(app)  # an hour later, still failing: still shown, since the first failure
    assert "Cadangan otomatis gagal" in backup_page(admin)
    assert "Cadangan otomatis gagal" in home(admin)  # the home card says the same

    refused = admin.post("/admin/cadangan", follow_redirects=True).get_data(as_text=True)
    assert "Cadangan otomatis gagal" in refused  # a manual backup that fails too changes nothing

    disk.full = False
    admin.post("/admin/cadangan")  # the admin's own backup succeeds: backups work again
    page = backup_page(admin)
    assert "Cadangan otomatis gagal" not in page and "Cadangan otomatis gagal" not in home(admin)
    assert f"Cadangan otomatis terakhir: <strong>{made}</strong>, berhasil." in page


def test_a_pass_refused_for_the_clock_is_said_on_the_health_card_in_the_centers_words(app, db, client_for):
    """Issue 81: the center refuses a pass whose clock is more than 5 minutes off; the admin's card says so
    with the center's words (how much, the center's time, the step), the Camat's in plain words."""
    import time

    from app.frame.dates import utc_now
    from sync.client.models import SyncLink
    from sync.client.transport import clock_message
    words = clock_message(3 * 3600, int(time.time()))
    with db.atomic():
        link = sync_link_row(center_url="https://pusat.example", key_id="k1", secret="-", enrolled_at=utc_now(),
                             last_success_at=utc_now(), last_error=words)
    page = home(client_for("admin"))
    assert "Jam komputer berbeda dari pusat" in page and "selisih 3 jam dari pusat (lebih cepat" in page
    assert "Jam komputer kantor berbeda dari jam pusat" in home(client_for("camat"))
    with db.atomic():
        SyncLink.update(last_error="").where(SyncLink.id == link.id).execute()
    assert "Jam komputer berbeda dari pusat" not in home(client_for("admin"))

