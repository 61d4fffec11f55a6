"""Issue 61, finding 7: "Clock jumps of days give no warning anywhere, and a future-dated daily backup
is written." The PC's date set wrong by days is now said on every home page (the admin with the step,
the Camat and the clerks in plain words), and no automatic backup is named for a day the office has
not reached (app/backups/clock.py)."""
from datetime import timedelta

import pytest

from app.backups import clock
from app.backups.daily import daily_backup
from app.backups.engine import AUTOMATIC_PREFIX, automatic_backup_name, backup_database, ensure_daily_backup
from app.frame.audit_event import AuditEvent
from app.frame.dates import local_today, utc_now
from app.frame import store

DAY = 24 * 3600


@pytest.fixture(autouse=True)
def fresh_looks():
    clock._last_look = None  # the next look starts afresh
    yield
    clock._last_look = None


def home(client) -> str:
    return client.get("/").get_data(as_text=True)


def automatic_backups(app) -> list[str]:
    return sorted(p.name for p in app.config["BACKUP_DIR"].glob(f"{AUTOMATIC_PREFIX}*"))


def test_a_date_set_back_by_days_is_said_to_the_admin_the_camat_and_the_clerks(app, db, client_for):
    """The office wrote its last rows five days "later" than the PC's date now says."""
    AuditEvent.create(at=utc_now() + timedelta(days=5), username="admin", action="masuk", entity="user", summary="masuk")
    admin = home(client_for("admin"))
    assert "Tanggal komputer mundur" in admin and "Setel tanggal dan jam Windows" in admin
    assert "Tanggal komputer kantor salah" in home(client_for("camat"))
    for role in ("petugas_loket", "petugas_informasi"):
        assert "Tanggal komputer kantor salah" in home(client_for(role)), role


def test_no_word_when_the_date_is_right(app, db, client_for):
    AuditEvent.create(at=utc_now() + timedelta(hours=2), username="admin", action="masuk", entity="user")  # drift
    for role in ("admin", "camat", "petugas_loket"):
        page = home(client_for(role))
        assert "Tanggal komputer" not in page and "Jam komputer melompat" not in page, role


def test_a_jump_forward_holds_the_daily_backup_and_is_said(app, db, client_for):
    """A minute ago (by the boot clock) the date was five days earlier: the new date is in doubt."""
    clock.look(wall=utc_now().timestamp() - 5 * DAY, monotonic=clock.since_boot() - 60)
    daily_backup(app)
    assert automatic_backups(app) == []  # nothing named for a day the office has not reached
    page = home(client_for("admin"))
    assert "Jam komputer melompat maju 4 hari" in page and "Cadangan otomatis ditahan" in page
    assert "Jam komputer melompat maju" in home(client_for("petugas_loket"))


def test_the_date_set_right_again_ends_the_hold(app, db, client_for):
    now = utc_now().timestamp()
    clock.look(wall=now - 5 * DAY, monotonic=clock.since_boot() - 120)
    clock.look(wall=now, monotonic=clock.since_boot() - 60)  # the jump
    assert clock.current_jump()
    clock.look(wall=now - 5 * DAY + 60, monotonic=clock.since_boot())  # set back where it was
    assert clock.current_jump(utc_now() - timedelta(days=5)) == {} and store.get(clock.JUMP_SETTING) == {}


def test_a_pc_asleep_over_a_weekend_has_not_jumped(app, db, client_for):
    """The boot clock runs on through sleep: two days of wall time and two of boot time are no jump."""
    clock.look(wall=utc_now().timestamp() - 2 * DAY, monotonic=clock.since_boot() - 2 * DAY)
    daily_backup(app)
    assert automatic_backups(app) == [automatic_backup_name(local_today(store.get("timezone")))]
    assert "Jam komputer melompat" not in home(client_for("admin"))


def test_a_backup_named_by_a_clock_set_back_is_not_pruned_at_once(app, db):
    """Seven automatic backups of later days: the new one, named for an earlier day, sorts as the oldest;
    it was removed as soon as it was made, so the office's newest data had no copy at all."""
    folder = app.config["BACKUP_DIR"]
    today = local_today(store.get("timezone"))
    first = backup_database(app.config["DATABASE_PATH"], folder / automatic_backup_name(today + timedelta(days=10)))
    for day in range(11, 17):
        (folder / automatic_backup_name(today + timedelta(days=day))).write_bytes(first.read_bytes())
    made = ensure_daily_backup(app.config["DATABASE_PATH"], folder, 7, today)
    assert made is not None and made.exists()


def test_the_admins_home_page_lists_the_backup_folder_once(app, db, client_for, monkeypatch):
    """The clock's check (the newest backup's day) and the backup card (its time) read one listing."""
    from pathlib import Path
    daily_backup(app)
    listings, glob = [], Path.glob

    def counted(self, pattern, *args, **kwargs):
        if self == app.config["BACKUP_DIR"] and pattern.startswith(AUTOMATIC_PREFIX):
            listings.append(pattern)
        return glob(self, pattern, *args, **kwargs)
    monkeypatch.setattr(Path, "glob", counted)
    page = home(client_for("admin"))
    assert "Cadangan otomatis terakhir" in page and "belum pernah" not in page
    assert len(listings) == 1, listings


class _TickCount:
    """kernel32.GetTickCount64 as ctypes calls it: a 64-bit count only when its restype says so (ctypes'
    default int keeps the low 32 bits, signed: a PC up 25 days would read as booted in the future)."""
    restype = None

    def __init__(self, milliseconds: int):
        self.milliseconds = milliseconds

    def __call__(self):
        import ctypes
        return self.restype(self.milliseconds).value if self.restype else ctypes.c_int(self.milliseconds).value


def test_since_boot_on_windows_reads_the_64_bit_tick_count(monkeypatch):
    """The office's platform: the Windows branch of since_boot, on a PC up 50 days (past 2**32 ms)."""
    import ctypes
    from types import SimpleNamespace
    ticks = _TickCount(50 * DAY * 1000 + 250)
    monkeypatch.setattr(ctypes, "windll", SimpleNamespace(kernel32=SimpleNamespace(GetTickCount64=ticks)),
                        raising=False)
    assert clock.since_boot(os_name="nt") == 50 * DAY + 0.25
    assert ticks.restype is ctypes.c_uint64
