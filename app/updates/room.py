"""Room on the disk before a release is fetched or installed (issue 94 finding 2: the download filled a
small disk in every pass, and the office stopped: nobody could sign in).

What a release costs the disk is known before any byte of it is fetched: TUF's targets metadata signs
each wheel's length. A release is fetched (and installed) only when the disk keeps FLOOR free after
both:
- the download: the wheels not in the cache yet (their signed lengths);
- the install: the wheels copied beside the version's folder for pip, the folder pip unpacks them into
  (UNPACKED_PER_WHEEL_BYTE times their size), and the database twice (the walk's copy of the data
  and the launcher's switch-time backup).
The floor is the line under which the office's own health card says "Ruang disk hampir habis"
(app/backups/health.disk_danger_below): an update never takes the disk below what its admin is told to
act on at once, and the next daily backup (a whole copy of the database) still fits.

Free space is read at one seam, app/backups/health.free_bytes (shutil.disk_usage: Windows too)."""
from pathlib import Path

from app.updates.state import paths

MIB = 1024 * 1024
# pip's folder for a closure of some 60 MB of wheels is some 200 MB (issue 80): 3.3 times, rounded up.
UNPACKED_PER_WHEEL_BYTE = 4
ROOM = "waits_for_room"  # status.json: the message while a release waits for room, with _at, _version, _mb


def database_bytes(data_dir: Path) -> int:
    """The databases in the data folder with their journals (loket.sqlite3 or desa.sqlite3, -wal)."""
    total = 0
    for path in Path(data_dir).glob("*.sqlite3*"):
        try:
            total += path.stat().st_size
        except OSError:
            pass
    return total


def needed(download: int, wheels: int, database: int) -> int:
    """The free bytes fetching `download` bytes and installing a release of `wheels` bytes take, its floor kept
    after both, beside a database of `database` bytes (bench/bench_update_room.py prints it for a release)."""
    from app.backups import health
    return download + wheels * (1 + UNPACKED_PER_WHEEL_BYTE) + 2 * database + health.disk_danger_below(database)


def shortfall(data_dir: Path, download: int, wheels: int) -> tuple[int, int] | None:
    """(bytes the disk needs free, bytes free now) when fetching `download` bytes and installing a release
    of `wheels` bytes would leave less than the floor; None when it fits."""
    from app.backups import health
    need = needed(download, wheels, database_bytes(data_dir))
    free = health.free_bytes(data_dir)
    return (need, free) if free < need else None


def above_floor(data_dir: Path) -> bool:
    """Does the disk keep its floor free now? (below it, the cache keeps only what an install may read)"""
    from app.backups import health
    return health.free_bytes(data_dir) >= health.disk_danger_below(database_bytes(data_dir))


def megabytes(size: int) -> int:
    return -(-size // MIB)  # rounded up: "kosongkan 12 MB" frees enough


def waiting_message(version: str, need: int, free: int) -> str:
    """The admin's words, on the update page and Beranda."""
    return (f"Pembaruan versi {version} belum diunduh karena ruang disk kurang: perlu {megabytes(need)} MB kosong "
            f"(unduhan, pemasangan dan sisa aman untuk cadangan harian), yang kosong sekarang {free // MIB} MB. "
            f"Kosongkan setidaknya {megabytes(need - free)} MB di disk folder data (pindahkan cadangan lama ke "
            "flashdisk atau hapus berkas yang tidak perlu); pembaruan diunduh sendiri pada sinkronisasi berikutnya.")


def install_refusal(data_dir: Path, wheels: int, version: str, backup_dir) -> str:
    """The admin's words when installing a fetched release of `wheels` bytes would take the disk below its
    floor ("" when it fits): the disk may have filled since the download (Pasang, and the night's install)."""
    from app.frame.errors import folder_bytes
    short = shortfall(data_dir, 0, wheels)
    if short is None:
        return ""
    need, free = short
    backups = Path(backup_dir or Path(data_dir) / "backups")  # app/frame/config's BACKUP_DIR
    return (f"Pembaruan versi {version} belum dipasang karena ruang disk kurang: pemasangan perlu {megabytes(need)} MB "
            f"kosong (folder versi baru, dua salinan data dan sisa aman untuk cadangan harian), yang kosong sekarang "
            f"{free // MIB} MB. Kosongkan setidaknya {megabytes(need - free)} MB di disk folder data ({data_dir}): "
            f"pindahkan cadangan lama dari folder {backups} ({folder_bytes(backups) / MIB:.1f} MB) ke flashdisk atau "
            "hapus berkas yang tidak perlu, lalu tekan Pasang lagi. Versi yang berjalan tetap dipakai; unduhan "
            "pembaruan tetap disimpan (jangan dihapus).")


def drop_partials(data_dir: Path) -> None:
    """Downloads cut short (cache/sebagian): kept only for the pass after a broken link, which resumes them."""
    folder = paths(data_dir).cache / "sebagian"
    for path in folder.iterdir() if folder.is_dir() else ():
        try:
            path.unlink()
        except OSError:  # Windows: one still open by a pass of another process; the next pass drops it
            pass


def disk_users(config) -> list:
    """The update's folders on the disk-full page (app/frame/errors.DISK_USERS)."""
    from app.frame.errors import DiskUser, folder_bytes
    from app.updates.state import versions_dir
    data_dir = Path(config["DATA_DIR"])
    cache = paths(data_dir).cache
    return [DiskUser("unduhan pembaruan", cache, folder_bytes(cache),
                     "isinya boleh dihapus, pembaruan diunduh lagi bila ruangnya cukup"),
            DiskUser("versi aplikasi terpasang", versions_dir(data_dir), folder_bytes(versions_dir(data_dir)),
                     "jangan dihapus")]


def _named_on_the_disk_full_page() -> None:
    from app.frame.errors import DISK_USERS
    if disk_users not in DISK_USERS:
        DISK_USERS.append(disk_users)


_named_on_the_disk_full_page()
