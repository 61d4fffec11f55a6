"""The office PC tells its own health (issue 33): what needs a person, on the admin's home page,
and on the Camat's in plain words, each with the one step to take.

- the daily automatic backup: when the last one was made, and a failure, kept until one succeeds;
- the recovery key: missing or damaged (nothing is backed up then), or not printed yet;
- a key the OS key store refused to give;
- the disk: space left, warned well before it is full (a backup needs room for a whole copy);
- the link to the center: its last success, when it is old; a pass refused for this PC's clock;
- the PC's date moved by days (app/backups/clock.py): to every signed-in person, in plain words;
- a write kept without its audit row (app/frame/audit.py): its tables and function, never a value.
"""
import logging
import shutil
from dataclasses import dataclass
from datetime import datetime, timedelta
from pathlib import Path

from flask import current_app, url_for

from app.backups import clock, recovery
from app.backups.engine import recovery_key_problem
from app.capabilities import Card
from app.frame import audit, errors, keystore, store
from app.frame.dates import duration_words, format_datetime, utc_now
from app.frame.db import database
from app.frame.access import may
from app.frame.audit_rule import act

log = logging.getLogger(__name__)

FAILURE_SETTING = "backup_daily_failure"
store.register_defaults(**{FAILURE_SETTING: {}})

GIB = 1024 ** 3
DISK_WARN_BYTES = 2 * GIB  # a few weeks of photos and backups still fit: time to act calmly
DISK_DANGER_BYTES = GIB // 2
SYNC_QUIET = timedelta(days=2)  # the nightly sync missed twice
# More concerns from capabilities above this one (each: config -> [Concern]): the center's word on this PC's
# clock (app/updates/fleet_report.clock_concerns), without this module importing them.
CONCERN_SOURCES: list = []
_failure_not_stored: dict = {}  # when even the database could not take the note (a full disk)


def free_bytes(folder: Path) -> int:
    """Space left on the disk holding the data folder (the one seam every reading goes through)."""
    return shutil.disk_usage(folder).free


def disk_danger_below(database_size: int) -> int:
    """Free space under which the disk is "hampir habis": the next backup (a copy of the database) may not
    fit. Also the floor an update keeps free after its download and install (app/updates/room.py)."""
    return max(DISK_DANGER_BYTES, database_size + database_size // 2)


def backup_disk_user(config) -> list:
    """The backups folder on the disk-full page (app/frame/errors.DISK_USERS)."""
    from app.frame.errors import DiskUser, folder_bytes
    folder = config.get("BACKUP_DIR")
    return [DiskUser("cadangan", Path(folder), folder_bytes(folder), "pindahkan yang lama ke flashdisk")] if folder else []


if backup_disk_user not in errors.DISK_USERS:
    errors.DISK_USERS.append(backup_disk_user)


def note_daily_result(failure: str | None) -> None:
    """After each daily run: a failure is kept (with its first time) until a backup succeeds."""
    global _failure_not_stored
    current = last_failure()
    wanted = {} if failure is None else {"since": current.get("since") or utc_now().isoformat(), "message": failure}
    if wanted == current:
        return
    try:
        with audit.without_trail("the daily backup's result, shown on the health card"), database.atomic():
            store.put(FAILURE_SETTING, wanted)
        _failure_not_stored = {}
    except Exception:  # the disk that failed the backup may refuse this too: keep it in memory
        log.warning("backup result could not be stored; kept in memory")
        _failure_not_stored = wanted


def last_failure() -> dict:
    return _failure_not_stored or store.get(FAILURE_SETTING) or {}


def last_automatic_backup(backup_dir: Path) -> datetime | None:
    return clock.automatic_backups(backup_dir)[1]


@dataclass
class Concern:
    level: str  # danger | warn
    title: str
    value: str
    step: str  # the admin's one step
    camat: str  # the same, in words a Camat acts on (who to ask)
    endpoint: str


def _when(moment) -> str:
    return format_datetime(moment, store.get("timezone")) if moment else "belum pernah"


@dataclass
class DailyBackupState:
    """The Cadangan Data page's account of the daily backup, from the facts the home card shows."""
    last: str  # when the last automatic backup was made, in words ("belum pernah")
    made: bool  # one was ever made
    failed: bool  # the last run failed, and no backup (automatic or manual) has succeeded since
    since: str = ""  # the failure's first time
    message: str = ""  # its words: the cause and the step


def daily_backup_state(config) -> DailyBackupState:
    last = last_automatic_backup(config["BACKUP_DIR"])
    failure = last_failure()
    if not failure:
        return DailyBackupState(_when(last), last is not None, False)
    return DailyBackupState(_when(last), last is not None, True, _when(datetime.fromisoformat(failure["since"])),
                            failure["message"])


def clock_concerns(config) -> list[Concern]:
    """The PC's date moved by days (app/backups/clock.py): every date the office writes is wrong."""
    zone = store.get("timezone")
    late = clock.behind_by(config["BACKUP_DIR"])
    if late is not None:
        return [Concern("danger", "Tanggal komputer mundur", f"{duration_words(late.total_seconds())} lebih awal",
                        f"Tanggal dan jam komputer ini {duration_words(late.total_seconds())} lebih awal daripada catatan "
                        "terakhir kantor. Setel tanggal dan jam Windows (Pengaturan > Waktu & bahasa, zona waktu "
                        f"{zone}), lalu jalankan ulang aplikasi. Sampai itu, tanggal pendaftaran, janji selesai dan "
                        "cadangan tercatat salah.",
                        "Tanggal komputer kantor salah (mundur " + duration_words(late.total_seconds()) + "): tanggal "
                        "di tanda terima dan laporan salah. Beri tahu admin sekarang.", "backups.index")]
    jump = clock.current_jump()
    if not jump:
        return []
    what, when = clock.jump_words(jump, zone)
    held = clock.hold_daily_backup_after(jump, zone)
    return [Concern("danger", what, when,
                    f"{what} ({when}). Periksa tanggal dan jam Windows: bila salah, setel lalu jalankan ulang aplikasi. "
                    + ("Cadangan otomatis ditahan sampai tanggal dipastikan, agar tidak ada cadangan bertanggal yang "
                       "belum tiba; buat cadangan manual di Cadangan Data bila perlu." if held else ""),
                    f"{what}: periksa apakah tanggal di layar komputer benar. Bila salah, beri tahu admin sekarang.",
                    "backups.index")]


def concerns(config) -> list[Concern]:
    """What needs a person now, most urgent first."""
    found = clock_concerns(config)
    data_dir = Path(config["DATABASE_PATH"]).parent
    failure = last_failure()
    if failure:
        since = datetime.fromisoformat(failure["since"])
        found.append(Concern("danger", "Cadangan otomatis gagal", f"sejak {_when(since)}",
                             f"{failure['message']} Buka Cadangan Data dan buat cadangan sekarang; "
                             "pesan ini hilang setelah cadangan berhasil.",
                             f"Cadangan data harian gagal sejak {_when(since)}. Minta admin membuka Cadangan Data.",
                             "backups.index"))
    state = recovery.state(config)
    if state != "ada":
        found.append(Concern("danger", "Kunci pemulihan " + ("hilang" if state == "hilang" else "rusak"),
                             "cadangan ditahan", recovery_key_problem(data_dir) or "",
                             "Kunci pemulihan cadangan hilang atau rusak, jadi cadangan tidak dibuat. "
                             "Minta admin membuka Cadangan Data > Kunci Pemulihan.", "backups.recovery_key"))
    elif not recovery.was_printed(config):
        found.append(Concern("warn", "Kunci pemulihan belum dicetak", "belum dicetak",
                             "Cetak kunci pemulihan dan simpan di brankas kantor: tanpa itu cadangan tidak dapat "
                             "dipulihkan di PC baru.",
                             "Kunci pemulihan cadangan belum dicetak. Minta admin mencetaknya.", "backups.recovery_key"))
    if keystore.unreadable:
        owner = keystore.KeyStore(data_dir).remembered_account()
        found.append(Concern("warn", "Penyimpanan kunci tidak terbaca", "kunci dibaca dari cadangan berkas",
                             "Penyimpanan kunci sistem operasi menolak dibaca. Masuk ulang ke Windows dengan "
                             + (f"akun “{owner}”" if owner else "akun yang memasang aplikasi")
                             + ", lalu jalankan ulang aplikasi. Tidak ada data yang hilang: jangan memulihkan cadangan.",
                             "Komputer kantor tidak dapat membaca penyimpanan kuncinya. Minta admin memeriksa.",
                             "backups.recovery_key"))
    database_size = Path(config["DATABASE_PATH"]).stat().st_size if Path(config["DATABASE_PATH"]).exists() else 0
    free = free_bytes(data_dir)
    if free < max(DISK_WARN_BYTES, 3 * database_size):
        danger = free < disk_danger_below(database_size)
        found.append(Concern("danger" if danger else "warn", "Ruang disk " + ("hampir habis" if danger else "menipis"),
                             f"sisa {free / GIB:.1f} GB",
                             "Pindahkan cadangan lama dari folder cadangan ke flashdisk dan hapus berkas yang tidak "
                             "perlu di disk ini" + (" sekarang: cadangan berikutnya tidak akan muat." if danger else "."),
                             f"Ruang penyimpanan komputer kantor tinggal {free / GIB:.1f} GB. Minta admin "
                             "mengosongkannya sebelum penuh.", "backups.index"))
    found.extend(_sync_concern())
    for source in CONCERN_SOURCES:
        found.extend(source(config))
    found.extend(_trail_gap_concern(data_dir))
    return sorted(found, key=lambda c: c.level != "danger")


GAPS_ON_CARD = 3  # the page lists them all (audit.GAPS_KEPT at most)


def gap_words(gap: dict) -> str:
    """One write kept without its audit row: its tables and the function that wrote, never a value."""
    times = f"{gap['count']} kali, terakhir" if gap["count"] > 1 else "pada"
    return f"tabel {gap['tables']} oleh {gap['writer']} ({times} {_when(datetime.fromisoformat(gap['last']))})"


def _trail_gap_concern(data_dir: Path) -> list[Concern]:
    """Writes kept at this PC without their audit row (app/frame/audit.py): named until the admin has
    looked at them, or a month after the last one."""
    gaps = audit.trail_gaps(data_dir)
    if not gaps:
        return []
    shown = "; ".join(gap_words(gap) for gap in gaps[:GAPS_ON_CARD])
    more = f"; dan {len(gaps) - GAPS_ON_CARD} lainnya" if len(gaps) > GAPS_ON_CARD else ""
    return [Concern("warn", "Perubahan tanpa catatan audit",
                    f"{sum(gap['count'] for gap in gaps)} kali, terakhir {_when(datetime.fromisoformat(gaps[0]['last']))}",
                    f"Data tersimpan tanpa catatan di jejak audit: {shown}{more}. Laporkan daftar ini kepada "
                    "pengelola aplikasi di kabupaten, lalu buka kartu ini dan tandai sudah diperiksa.",
                    "Ada perubahan data di komputer ini yang tidak tercatat di jejak audit. Minta admin memeriksanya.",
                    "backups.trail_gaps")]


def _refused_for_the_clock(error: str) -> bool:
    """The center refused the pass for this PC's clock: the refusal begins as sync/client/transport.clock_message's
    words do (read from there, one copy of them)."""
    from sync.client.transport import clock_message
    return error.startswith(clock_message(60, 0).partition(" selisih ")[0] + " selisih")


def _sync_concern() -> list[Concern]:
    from sync.client import engine
    link = engine.current_link()
    if link is None:
        return []  # not enrolled: the sync card says so
    if _refused_for_the_clock(link.last_error):
        # The center refused the pass for this PC's clock (sync/client/transport.clock_message): said here in
        # the center's own words, every pass until the clock is set (the regency sees it too: issue 81).
        return [Concern("danger", "Jam komputer berbeda dari pusat", "sinkronisasi ditolak", link.last_error,
                        "Jam komputer kantor berbeda dari jam pusat, jadi data tidak terkirim. Minta admin "
                        "menyetel tanggal dan jam Windows.", "sync_page.index")]
    last = link.last_success_at
    # A PC enrolled a moment ago has not missed anything yet: quiet counts from the enrolment.
    if utc_now() - (last or link.enrolled_at) < SYNC_QUIET:
        return []
    return [Concern("warn", "Sinkronisasi pusat tertunda", f"terakhir berhasil: {_when(last)}",
                    "Periksa sambungan internet, lalu buka Sinkronisasi dan tekan Sinkronkan sekarang; "
                    "bila tetap gagal, kirim lewat berkas USB.",
                    f"Data belum terkirim ke pusat cetak sejak {_when(last)}. Minta admin memeriksa sinkronisasi.",
                    "sync_page.index")]


# A desa PC has no Sinkronisasi page and no USB files: its link is shown (and pressed) on the desa page
# (a clock refused by the center keeps the center's own step).
_DESA_ENDPOINTS = {"sync_page.index": "desa.home"}
_DESA_STEPS = {"Sinkronisasi pusat tertunda": "Periksa sambungan internet, lalu buka halaman Pra-pendaftaran Desa dan tekan "
                                  "Sinkronkan sekarang; bila tetap gagal, hubungi operator kecamatan."}


def health_cards(user, plain: bool, endpoints: dict[str, str] | None = None) -> list[Card]:
    """The concerns as cards: for the admin with the step and the page to open (`endpoints` puts this
    program's page for another's), `plain` in words for whoever can only ask the admin (the Camat; a
    desa PC's operator)."""
    config = current_app.config
    found = concerns(config)
    if plain:
        return [Card("Perlu perhatian admin", c.title, c.camat, None, c.level) for c in found]
    endpoints = endpoints or {}
    steps = _DESA_STEPS if endpoints is _DESA_ENDPOINTS else {}
    cards = [Card(c.title, c.value, steps.get(c.title, c.step), url_for(endpoints.get(c.endpoint, c.endpoint)),
                  c.level) for c in found]
    if not any(c.endpoint == "backups.index" and c.title.startswith("Cadangan") for c in found):
        last = last_automatic_backup(config["BACKUP_DIR"])
        cards.append(Card("Cadangan otomatis terakhir", _when(last), "berhasil" if last else
                          "dibuat otomatis saat aplikasi berjalan", url_for("backups.index"), "ok" if last else "info"))
    return cards


def dashboard_cards(user) -> list[Card]:
    clock.look()  # each home page is a look at the clock too
    if may(user, "cadangan.pesan_kesehatan"):
        return health_cards(user, plain=True)
    if may(user, "cadangan.kelola"):
        return health_cards(user, plain=False)
    return _clock_cards(user)


def _clock_cards(user) -> list[Card]:
    """Everyone else (a clerk writing dates on receipts) hears of a wrong date, in plain words."""
    if user is None:
        return []
    return [Card("Perlu perhatian", c.title, c.camat, None, c.level) for c in clock_concerns(current_app.config)]


def desa_pc_cards(user) -> list[Card]:
    """A desa PC's own health on its landing pages (issue 33; its capability app/desa/pc.py shows them):
    the admin's (Operator Desa) with the steps, the operator's (the desa page) in plain words."""
    if user is None:
        return []
    clock.look()
    if may(user, "cadangan.kelola"):
        return health_cards(user, plain=False, endpoints=_DESA_ENDPOINTS)
    return health_cards(user, plain=True) if may(user, "cadangan.pesan_kesehatan_desa") else _clock_cards(user)


@act("konfirmasi")
def acknowledge_trail_gaps(config, seen_until: str) -> int:
    """The admin looked at the writes kept without their audit row, up to the latest one shown: that
    look is on the trail; a gap noted since stays on the card."""
    data_dir = Path(config["DATABASE_PATH"]).parent
    with database.atomic():  # a note that cannot be rewritten (a full disk) takes the audit row back with it
        seen = sum(1 for gap in audit.trail_gaps(data_dir) if gap["last"] <= seen_until)
        audit.record("konfirmasi", "catatan_audit", "", f"Admin menyatakan {seen} perubahan tanpa catatan audit "
                     "sudah diperiksa")
        audit.forget_trail_gaps(data_dir, seen_until)
    return seen
