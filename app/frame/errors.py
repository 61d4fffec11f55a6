"""Calm Indonesian error pages; htmx requests get just the message to swap in."""
import errno
import logging
from dataclasses import dataclass
from pathlib import Path

import apsw
import peewee
from flask import current_app, g, has_request_context, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Permintaan tidak valid", "Permintaan tidak dapat diproses. Periksa isian lalu coba lagi."),
    403: ("Akses ditolak", "Peran Anda tidak diizinkan membuka halaman ini."),
    404: ("Halaman tidak ditemukan", "Alamat yang dibuka tidak ada atau datanya sudah tidak tersedia."),
    405: ("Cara akses tidak diizinkan", "Halaman ini tidak dapat dibuka dengan cara tersebut."),
    413: ("Berkas terlalu besar", "Berkas yang dikirim melebihi batas ukuran yang diizinkan."),
    429: ("Terlalu banyak permintaan", "Terlalu banyak permintaan dalam waktu singkat. Tunggu sebentar lalu coba lagi."),
    # A full disk is no bug: say so, say nothing was lost (SQLite refused the whole write), say what to do.
    507: ("Penyimpanan komputer penuh",
          "Hard disk komputer ini penuh, jadi yang baru saja Anda kirim BELUM tersimpan. Data yang sudah tersimpan "
          "aman: tidak ada yang hilang dan tidak ada yang tersimpan setengah. Minta admin mengosongkan ruang disk "
          "(misalnya memindahkan cadangan lama ke flashdisk atau menghapus berkas yang tidak perlu), lalu kirim "
          "lagi; isian Anda masih ada bila Anda menekan tombol Kembali di peramban."),
    # Another writer (a sync pass, a backup) held the database past the busy wait: nothing was written.
    503: ("Basis data sedang sibuk",
          "Komputer ini sedang menyimpan pekerjaan lain (misalnya sinkronisasi dengan pusat), jadi permintaan "
          "Anda BELUM diproses. Tidak ada data yang hilang dan tidak ada yang tersimpan setengah. Tunggu "
          "beberapa detik lalu coba lagi; isian Anda masih ada bila Anda menekan tombol Kembali di peramban."),
    500: ("Terjadi kesalahan", "Terjadi kesalahan pada aplikasi. Data Anda tidak berubah; kejadian ini sudah dicatat. "
                              "Silakan coba lagi atau hubungi admin."),
}


# What fills the disk, named on the disk-full page: each capability's folders (config -> [DiskUser]); issue 94:
# the page sent the admin to 0.8 MB of backups while 46 MB of an update's download sat in a folder nobody named.
DISK_USERS: list = []


@dataclass
class DiskUser:
    what: str      # "unduhan pembaruan"
    folder: Path
    size: int      # bytes
    advice: str    # "boleh dihapus seluruhnya" (or "" when it is to stay)


def folder_bytes(folder: Path) -> int:
    """The size of everything under `folder` (0 when it is missing or unreadable)."""
    total = 0
    try:
        for path in Path(folder).rglob("*"):
            try:
                total += path.stat().st_size if path.is_file() else 0
            except OSError:
                pass
    except OSError:
        pass
    return total


# The first write this process refused for a full disk since its last write that went through, per data folder
# (issue 89 finding 7): the office's health report says the office stopped (app/updates/fleet_report). Kept in
# memory: a full disk takes no note. A `run.py sync` from the command line is another process and does not know it.
_disk_full_since: dict = {}


def _data_folder() -> str:
    return str(Path(current_app.config.get("DATA_DIR") or ""))


def note_disk_full() -> None:
    from app.frame.dates import utc_now
    _disk_full_since.setdefault(_data_folder(), utc_now())
    if has_request_context():
        g.loket_disk_full = True  # this request's own answer does not clear it


def disk_full_since(data_dir):
    """When writes to this data folder's disk began to be refused for a full disk (None: the last went through)."""
    return _disk_full_since.get(str(Path(data_dir)))


def note_write_went_through() -> None:
    _disk_full_since.pop(_data_folder(), None)


def _write_went_through(response):
    """A form sent and answered without a refusal: the disk takes writes again."""
    if request.method == "POST" and response.status_code < 400 and not g.get("loket_disk_full"):
        note_write_went_through()
    return response


def disk_full_message() -> str:
    """The disk-full page's words, with what the program keeps on that disk, the largest first."""
    config = current_app.config
    users = []
    if config.get("DATABASE_PATH"):  # the center's PostgreSQL keeps its own disk
        database = Path(config["DATABASE_PATH"])
        users.append(DiskUser("basis data", database.parent, sum(path.stat().st_size for path in database.parent.glob(
            database.name + "*") if path.is_file()), "jangan dihapus"))
    for source in DISK_USERS:
        try:
            users.extend(source(config))
        except Exception:  # noqa: BLE001  (the page is worth more than one folder's size)
            log.warning("disk user %s not measured", source, exc_info=True)
    named = "; ".join(f"{user.what} {user.size / 1024 ** 2:.1f} MB ({user.folder}"
                      + (f": {user.advice}" if user.advice else "") + ")"
                      for user in sorted(users, key=lambda user: -user.size))
    return MESSAGES[507][1] + f" Yang disimpan aplikasi di komputer ini: {named}."


def error_page(status: int, message: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    text = message or default
    api_prefix = current_app.extensions.get("api_prefix")
    if api_prefix and request.path.startswith(api_prefix):  # machines get JSON, never a page
        return jsonify({"error": title, "message": text}), status
    if request.htmx:
        return render_template("core/_error_message.html", title=title, message=text), status
    template = current_app.extensions.get("error_template", "core/error.html")
    return render_template(template, title=title, message=text, status=status), status


BUSY_RETRY_SECONDS = 5  # Retry-After of the busy page: a pass's packet transaction is shorter


def _in_chain(error: BaseException, found) -> bool:
    seen = set()
    while error is not None and id(error) not in seen:
        seen.add(id(error))
        if found(error):
            return True
        error = error.__cause__ or error.__context__
    return False


def is_disk_full(error: BaseException) -> bool:
    """SQLite's SQLITE_FULL (raw, or as peewee passes it on) or the system's ENOSPC, anywhere in the chain."""
    return _in_chain(error, lambda e: isinstance(e, apsw.FullError)
                     or (isinstance(e, OSError) and e.errno == errno.ENOSPC)
                     or (isinstance(e, peewee.OperationalError) and "disk is full" in str(e)))


def is_database_busy(error: BaseException) -> bool:
    """SQLite's SQLITE_BUSY or SQLITE_LOCKED ("database is locked"), raw or as peewee passes it on."""
    return _in_chain(error, lambda e: isinstance(e, (apsw.BusyError, apsw.LockedError))
                     or (isinstance(e, peewee.OperationalError)
                         and ("database is locked" in str(e) or "database table is locked" in str(e))))


def with_error_headers(answer, error):
    """Keep what the HTTP error says in its headers (405's Allow, RFC 9110 15.5.6) on our own page."""
    body, status = answer
    headers = {}
    valid = getattr(error, "valid_methods", None)
    if valid:
        headers["Allow"] = ", ".join(sorted(valid))
    return body, status, headers


def register_error_pages(app, page_template: str = "core/error.html", api_prefix: str | None = None) -> None:
    """Every error as a calm page in `page_template`; under `api_prefix`, as JSON."""
    app.extensions["error_template"] = page_template
    app.after_request(_write_went_through)
    app.extensions["api_prefix"] = api_prefix
    for status in MESSAGES:
        if status not in (500, 503, 507):
            app.register_error_handler(status, lambda error, status=status: with_error_headers(error_page(status), error))

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return error_page(400, "Formulir sudah kedaluwarsa atau tidak sah (token keamanan tidak cocok). "
                               "Muat ulang halaman lalu kirim lagi; isian Anda belum tersimpan.")

    def database_refused(error):
        if is_database_busy(error):  # the transaction was rolled back whole: the clerk sends again
            log.warning("database busy past the wait on %s %s: %s", request.method, request.path, error)
            body, status = error_page(503)
            return body, status, {"Retry-After": str(BUSY_RETRY_SECONDS)}
        if not is_disk_full(error):
            raise error  # any other failure: the calm 500 below, with its traceback logged
        log.error("disk full on %s %s: %s", request.method, request.path, error)
        note_disk_full()
        return error_page(507, disk_full_message())

    for kind in (apsw.FullError, apsw.BusyError, apsw.LockedError, peewee.OperationalError, OSError):
        app.register_error_handler(kind, database_refused)

    @app.errorhandler(500)
    def internal_error(error):
        log.error("unhandled error on %s %s", request.method, request.path,
                  exc_info=getattr(error, "original_exception", error))
        return error_page(500)
