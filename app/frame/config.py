"""All configuration in one place: defaults, then the environment (LOKET_*), then the caller.

Office settings that the admin changes at run time (kecamatan identity, service days, ...)
live in the database; see app/frame/store.py.
"""
import os
import secrets
import sys
from pathlib import Path

from app.frame.private_files import private_dir, private_file, write_private

APP_NAME = "loket-kecamatan"


def default_data_dir() -> Path:
    """A per-user data folder: %LOCALAPPDATA%\\LoketKecamatan on Windows, XDG on Linux."""
    if sys.platform == "win32":
        base = Path(os.environ.get("LOCALAPPDATA", Path.home() / "AppData" / "Local"))
        return base / "LoketKecamatan"
    base = Path(os.environ.get("XDG_DATA_HOME", Path.home() / ".local" / "share"))
    return base / APP_NAME


def absolute_folder(folder) -> Path:
    """A data folder made absolute against the folder the program was started in, once, at the start
    (`--data ../K`, LOKET_DATA_DIR, LOKET_CENTER_DATA_DIR): Flask's send_file reads a relative path
    against the app package, so a backup download from a relative folder answered 500."""
    return Path(os.path.abspath(folder))


DATA_FOLDER_VARIABLES = ("LOKET_DATA_DIR", "LOKET_CENTER_DATA_DIR")


def settle_data_folders(options) -> None:
    """run.py, before any command runs: `--data` and the data-folder variables absolute for every
    program and command (and what they start: autostart entries, a pass run as its own process)."""
    if getattr(options, "data", None):
        options.data = str(absolute_folder(options.data))
    for name in DATA_FOLDER_VARIABLES:
        if os.environ.get(name, "").strip():
            os.environ[name] = str(absolute_folder(os.environ[name].strip()))


def secret_key(data_dir: Path) -> str:
    """Read the key kept beside the database, creating it once (never in the repo)."""
    path = data_dir / "secret_key"
    if path.exists():
        return private_file(path).read_text().strip()  # also closes up a key an older version left 0644
    key = secrets.token_hex(32)
    write_private(path, key)
    return key


class SettingInvalid(ValueError):
    """A LOKET_* variable the app cannot use: run.py prints it as one Indonesian line, not a traceback."""


def whole_number_setting(name: str, default: int, lowest: int, highest: int) -> int:
    """os.environ[name] as a whole number lowest..highest, or default when it is unset or empty."""
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    if not (text.isascii() and text.isdigit()) or not lowest <= int(text) <= highest:
        raise SettingInvalid(f"Pengaturan {name}={text!r} tidak dapat dipakai: isi dengan bilangan bulat "
                             f"{lowest} sampai {highest}, atau hapus supaya memakai bawaan ({default}).")
    return int(text)


def zone_setting(name: str, default: str = "WIB") -> str:
    """os.environ[name] as one of Indonesia's three zones (WIB, WITA, WIT; any case, or the zone's
    IANA name such as Asia/Makassar), or default when unset. Anything else stops the start: a
    zone taken for WIB while labelled otherwise would show every time an hour or two off."""
    from app.frame.dates import TIME_ZONES
    text = os.environ.get(name, "").strip()
    if not text:
        return default
    by_iana = {iana.lower(): zone for zone, iana in TIME_ZONES.items()}
    zone = text.upper() if text.upper() in TIME_ZONES else by_iana.get(text.lower())
    if zone is None:
        raise SettingInvalid(f"Pengaturan {name}={text!r} tidak dapat dipakai: isi dengan WIB, WITA atau WIT, "
                             f"atau hapus supaya memakai bawaan ({default}).")
    return zone


def mode_of_folder(data_dir: Path) -> str:
    """A folder holding only a desa PC's database is a desa PC's: `run.py reset-password`, `backup`,
    `sync` or an autostart entry without --mode work on desa.sqlite3 instead of starting a new,
    empty kecamatan database beside it."""
    only_desa = (data_dir / "desa.sqlite3").exists() and not (data_dir / "loket.sqlite3").exists()
    return "desa" if only_desa else "kecamatan"


def load_config(overrides: dict | None = None) -> dict:
    """Build the Flask config dict; `overrides` (tests, CLI flags) win over the environment."""
    overrides = dict(overrides or {})
    data_dir = absolute_folder(overrides.pop("DATA_DIR", None) or os.environ.get("LOKET_DATA_DIR") or default_data_dir())
    private_dir(data_dir)
    config = {
        "DATA_DIR": data_dir,
        "DATABASE_PATH": data_dir / "loket.sqlite3",
        "BACKUP_DIR": data_dir / "backups",
        "BACKUP_KEEP": whole_number_setting("LOKET_BACKUP_KEEP", 7, 1, 365),
        "SECRET_KEY": os.environ.get("LOKET_SECRET_KEY") or secret_key(data_dir),
        "SESSION_COOKIE_HTTPONLY": True,
        "SESSION_COOKIE_SAMESITE": "Lax",
        "SESSION_COOKIE_NAME": "loket_session",
        # Sessions live on the server (app/frame/signin.py): the cookie ends with the browser, is
        # not renewed on every response, and the server ends it after idle minutes or max hours.
        "SESSION_REFRESH_EACH_REQUEST": False,
        "SESSION_IDLE_MINUTES": whole_number_setting("LOKET_SESSION_IDLE_MINUTES", 30, 5, 480),  # as the admin page
        "SESSION_MAX_HOURS": whole_number_setting("LOKET_SESSION_HOURS", 10, 1, 24),
        "MAX_CONTENT_LENGTH": 25 * 1024 * 1024,  # largest photo upload plus form fields
        "WTF_CSRF_TIME_LIMIT": None,  # token lives as long as the session
        # Throttling of failed logins (per account and per address) in a sliding window.
        "LOGIN_WINDOW_MINUTES": 15,
        "LOGIN_MAX_FAILURES_PER_ACCOUNT": 5,
        "LOGIN_MAX_FAILURES_PER_ADDRESS": 20,
        "PAGE_SIZE": 50,
        # Requests running the app at once, and how long one waits for its turn (app/frame/page_turns.py).
        "PAGE_TURNS": whole_number_setting("LOKET_PAGE_TURNS", 1, 0, 64),
        "PAGE_TURN_PATIENCE": 0.5,
        "DEVICE_ID": os.environ.get("LOKET_DEVICE_ID", "01"),
        "START_BACKGROUND_JOBS": False,  # `run.py serve` turns the daily backup and sync on
        # Satisfaction survey kiosk: at most this many surveys per address in the window.
        "SURVEY_WINDOW_MINUTES": 10,
        "SURVEY_MAX_PER_SESSION": 30,
    }
    config.update(overrides)
    if "MODE" not in config:
        config["MODE"] = os.environ.get("LOKET_MODE", "").strip().lower() or mode_of_folder(data_dir)
        if config["MODE"] not in ("kecamatan", "desa"):
            raise SettingInvalid(f"Pengaturan LOKET_MODE={os.environ['LOKET_MODE']!r} tidak dapat dipakai: isi "
                                 "dengan kecamatan atau desa, atau hapus supaya memakai bawaan (kecamatan).")
    if config["MODE"] == "desa" and "DATABASE_PATH" not in overrides:
        config["DATABASE_PATH"] = data_dir / "desa.sqlite3"  # a desa PC's own database, never the kecamatan's
    return config
