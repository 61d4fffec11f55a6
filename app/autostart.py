"""Start the app when the clerk logs on, so nobody starts it by hand: a button on the admin's
office settings (and the desa PC's admin page), or `run.py autostart install|remove|status`.

Windows: a launcher in the user's Startup folder. It needs no administrator rights, where a Task
Scheduler task "at log on" (schtasks /SC ONLOGON) is refused to an ordinary account. Linux: a
systemd user unit."""
import logging
import os
import subprocess
import sys
from pathlib import Path

from app.frame.private_files import write_private

ENTRY_NAME = "Loket Kecamatan"
UNIT_NAME = "loket-kecamatan.service"
ROOT = Path(__file__).resolve().parent.parent
log = logging.getLogger(__name__)


class AutostartFailed(Exception):
    """str() is the Indonesian message for the admin."""


def on_windows() -> bool:
    return sys.platform == "win32"


def serve_command(data=None, port: int | None = None, python: str | None = None, host: str | None = None,
                  mode: str | None = None) -> list[str]:
    """The command the start-up entry runs; on Windows pythonw.exe, so no console window stays open."""
    python = python or sys.executable
    if on_windows():
        windowless = Path(python).with_name("pythonw.exe")
        python = str(windowless) if windowless.exists() else python
    command = [python, str(ROOT / "run.py"), "serve"]
    if data:
        command += ["--data", str(Path(data).resolve())]
    if host and host != "127.0.0.1":
        command += ["--host", host]
    if port:
        command += ["--port", str(port)]
    if mode and mode != "kecamatan":
        command += ["--mode", mode]
    return command


# --- Windows: the Startup folder ---------------------------------------------------------------

def startup_folder() -> Path:
    appdata = os.environ.get("APPDATA")
    if not appdata:
        raise AutostartFailed("Folder profil Windows (APPDATA) tidak ditemukan; mulai otomatis tidak dapat dipasang.")
    return Path(appdata) / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup"


def startup_script(command: list[str]) -> str:
    """A .cmd that starts the server windowless and ends at once. chcp 65001: the file is UTF-8,
    so a data folder under a user name with non-ASCII letters still reads right."""
    return ("@echo off\r\n"
            "chcp 65001 >nul\r\n"
            f'start "" /D "{ROOT}" {subprocess.list2cmdline(command)}\r\n')


def entry_path() -> Path:
    return startup_folder() / f"{ENTRY_NAME}.cmd" if on_windows() else unit_path()


# --- Linux: a systemd user unit ------------------------------------------------------------------

def unit_path(home: Path | None = None) -> Path:
    config = os.environ.get("XDG_CONFIG_HOME") or str((home or Path.home()) / ".config")
    return Path(config) / "systemd" / "user" / UNIT_NAME


def systemd_unit(command: list[str]) -> str:
    quoted = " ".join(f'"{part}"' if " " in part else part for part in command)
    return ("[Unit]\n"
            "Description=Loket Kecamatan (pelayanan kantor kecamatan)\n"
            "After=network-online.target\n\n"
            "[Service]\n"
            f"ExecStart={quoted}\n"
            f"WorkingDirectory={ROOT}\n"
            "Restart=on-failure\n"
            "RestartSec=5\n"
            "Environment=PYTHONUNBUFFERED=1\n\n"
            "[Install]\n"
            "WantedBy=default.target\n")


NO_USER_SERVICES = ("Mulai otomatis belum dapat dipasang: sesi pengguna ini tidak dapat menjalankan layanan "
                    "sendiri (misalnya masuk lewat jaringan, bukan di layar komputer). Masuk di komputer itu "
                    "sendiri lalu pasang lagi dari halaman ini, atau minta teknisi memasangnya sebagai layanan.")


def _systemctl(*args: str) -> tuple[int, str]:
    try:
        done = subprocess.run(["systemctl", "--user", *args], capture_output=True, text=True, timeout=60)
    except (OSError, subprocess.TimeoutExpired) as problem:
        return 1, f"systemctl tidak dapat dijalankan ({type(problem).__name__})"
    return done.returncode, (done.stdout + done.stderr).strip()


# --- the three actions, for the page and the command ----------------------------------------------

def install(command: list[str]) -> str:
    entry = entry_path()
    try:
        entry.parent.mkdir(parents=True, exist_ok=True)
        write_private(entry, startup_script(command) if on_windows() else systemd_unit(command))
    except OSError as problem:
        raise AutostartFailed(f"Berkas mulai otomatis tidak dapat ditulis di {entry.parent} "
                              f"({problem.strerror or type(problem).__name__}).") from problem
    if on_windows():
        return "Loket Kecamatan akan berjalan sendiri setiap kali pengguna Windows ini masuk."
    # enable without --now: the server that asked is already running; a second one at once would
    # find its port taken and be restarted by systemd every few seconds.
    for step in (("daemon-reload",), ("enable", UNIT_NAME)):
        code, output = _systemctl(*step)
        if code != 0:
            # Not half-installed: without the file, the page says "belum terpasang", not "terpasang".
            # systemd's own (English) words go to the debug log; the admin reads what to do.
            log.debug("systemctl --user %s failed: %s", " ".join(step), output)
            entry.unlink(missing_ok=True)
            raise AutostartFailed(NO_USER_SERVICES)
    return f"Loket Kecamatan akan berjalan sendiri saat pengguna ini masuk ({entry})."


def remove() -> str:
    entry = entry_path()
    if not on_windows():
        _systemctl("disable", UNIT_NAME)  # not --now: "Lepas" from the page must not stop the server answering it
    try:
        entry.unlink(missing_ok=True)
    except OSError as problem:
        raise AutostartFailed(f"Berkas {entry} tidak dapat dihapus ({problem.strerror}).") from problem
    if not on_windows():
        _systemctl("daemon-reload")
    return "Mulai otomatis dilepas: Loket Kecamatan tidak lagi berjalan sendiri saat pengguna masuk."


def install_hint() -> str:
    """What "Pasang" does, for the platform this PC runs."""
    if on_windows():
        return "Dipasang untuk pengguna Windows yang sedang masuk, tanpa hak administrator."
    return "Dipasang untuk pengguna Linux yang sedang masuk (layanan systemd pengguna), tanpa hak administrator."


def status() -> tuple[bool, str]:
    try:
        entry = entry_path()
    except AutostartFailed as problem:
        return False, str(problem)
    if not entry.exists():
        return False, "belum terpasang: Loket Kecamatan harus dijalankan sendiri setelah komputer menyala."
    return True, f"terpasang ({entry})."


def run(action: str, data: str | None = None, port: int | None = None) -> int:
    """`run.py autostart ...`: the same actions for whoever prefers the console."""
    try:
        if action == "install":
            from app.frame.config import load_config
            # The mode now (LOKET_MODE, else the folder's own) goes into the entry: at log on the
            # variable may be unset and a desa PC's folder not yet made.
            mode = load_config({"DATA_DIR": data} if data else {})["MODE"]
            print(install(serve_command(data, port, mode=mode)))
        elif action == "remove":
            print(remove())
        else:
            installed, message = status()
            print(f"Mulai otomatis: {message}")
            return 0 if installed else 1
    except AutostartFailed as problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


def add_commands(subparsers, add_data_option) -> None:
    parser = subparsers.add_parser("autostart", help="start the app at log on (Windows Startup folder / systemd user unit)")
    add_data_option(parser)
    parser.add_argument("action", choices=["install", "remove", "status"])
    parser.add_argument("--port", type=int, default=None)
    parser.set_defaults(handler=lambda options: run(options.action, getattr(options, "data", None), options.port))
