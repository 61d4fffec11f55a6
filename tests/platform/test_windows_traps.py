"""Windows traps simulated on Linux: no system zone data, a non-UTF-8 console, a busy port, CLI order.

scripts/test.sh runs the whole suite a second time with PYTHONTZPATH pointing at an empty folder
and a cp1252 console (the "Windows-like" pass); these tests check the same traps directly.
"""
import os
import re
import socket
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support.ports import free_port
from tests.support.factory import sync_link_row

ROOT = Path(__file__).resolve().parents[2]


def windows_like_env(tmp_path, **extra) -> dict:
    empty = tmp_path / "tanpa-zona"
    empty.mkdir(exist_ok=True)
    env = dict(os.environ, PYTHONTZPATH=str(empty), PYTHONIOENCODING="cp1252", PYTHONUTF8="0",
               LC_ALL="C", LANG="C", PYTHONPATH=str(ROOT))
    env.update(extra)
    return env


def run_py(tmp_path, *args, env=None, timeout=120):
    return subprocess.run([sys.executable, str(ROOT / "run.py"), *args], capture_output=True, timeout=timeout,
                          env=env or windows_like_env(tmp_path), cwd=tmp_path)


def test_office_times_need_no_system_zone_database(tmp_path):
    """Seen: with PYTHONTZPATH=/nonexistent every page showing a time answered 500 (no tzdata on Windows)."""
    code = ("from datetime import datetime; from app.frame.dates import format_datetime; "
            "print(format_datetime(datetime(2026, 8, 17, 2, 30), 'WIT'))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, cwd=ROOT,
                          env=windows_like_env(tmp_path, PYTHONIOENCODING="utf-8"))
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "17 Agustus 2026 11.30 WIT"


def test_the_windows_install_declares_tzdata():
    text = (ROOT / "pyproject.toml").read_text(encoding="utf-8")
    dependencies = text.split("dependencies = [", 1)[1].split("]", 1)[0]
    assert '"tzdata==' in dependencies


def test_cli_prints_indonesian_on_a_cp1252_console(tmp_path):
    """A Windows console that is not UTF-8 must not turn an Indonesian message into a traceback."""
    done = run_py(tmp_path, "restore", "--from", str(tmp_path / "tidak-ada.sqlite3"), "--data", str(tmp_path / "data"))
    assert done.returncode == 1
    assert b"Traceback" not in done.stderr
    assert "Pemulihan ditolak".encode("cp1252") in done.stderr


def test_a_message_quoting_what_cp1252_cannot_show_is_still_printed(tmp_path):
    """Seen in the Windows-like pass: LOKET_SESSION_IDLE_MINUTES typed with full-width digits ('３０',
    an IME on the office PC) ended in UnicodeEncodeError instead of the one-line answer."""
    # Windows hands programs their environment as Unicode: LC_ALL=C.UTF-8 gives Python the same
    # two characters here (under LC_ALL=C it would see undecodable bytes instead).
    env = windows_like_env(tmp_path, LOKET_SESSION_IDLE_MINUTES="\uff13\uff10", LC_ALL="C.UTF-8")
    done = run_py(tmp_path, "serve", "--data", str(tmp_path / "data"), "--port", "0", env=env)
    assert done.returncode == 2 and b"Traceback" not in done.stderr, done.stderr
    assert b"Pengaturan LOKET_SESSION_IDLE_MINUTES='??' tidak dapat dipakai" in done.stderr


@pytest.mark.parametrize("order", ["before", "after"])
def test_data_is_accepted_before_or_after_the_subcommand(tmp_path, order):
    """Seen: `run.py sync enrol --data DIR` failed because --data had to come before `enrol`."""
    data = tmp_path / "data"
    words = ["sync", "enrol", "--center", "http://127.0.0.1:9", "--code", "ABCD-1234"]
    args = ["--data", str(data), *words] if order == "before" else [*words, "--data", str(data)]
    done = run_py(tmp_path, *args)
    assert b"argumen tidak dikenal" not in done.stderr and b"Traceback" not in done.stderr, done.stderr  # run.py's parser
    assert (data / "loket.sqlite3").exists()  # the right folder was used
    assert done.returncode == 2 and b"Kode kecamatan belum diisi" in done.stderr  # fresh install: setup first
    backup = run_py(tmp_path, "backup", "--data", str(data), "--to", str(tmp_path / "c.sqlite3"))
    assert backup.returncode == 0 and (tmp_path / "c.sqlite3").exists(), backup.stderr


# The office's server and the center's (`run.py center`), each with a page that answers once it listens.
SERVERS = pytest.mark.parametrize("command, page", [("serve", "/healthz"), ("center", "/api/openapi.json")])


@SERVERS
def test_a_busy_port_is_one_indonesian_line_without_traceback(tmp_path, command, page):
    """Seen: "berjalan di http://127.0.0.1:8080/" printed, then a 20-line English traceback (the office's,
    then the center's)."""
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        done = run_py(tmp_path, command, "--port", str(port), "--data", str(tmp_path / "data"))
    assert done.returncode == 3
    err = done.stderr.decode("cp1252")
    assert "Traceback" not in err and "Address already in use" not in err
    assert f"Port {port} di 127.0.0.1 sudah dipakai program lain" in err and f"--port {port + 1}" in err
    assert b"berjalan di" not in done.stdout


@SERVERS
@pytest.mark.parametrize("asked", ["free", "0"])
def test_the_address_is_printed_only_once_the_server_listens(tmp_path, command, page, asked):
    """--port 0 lets the system choose: the address printed is the one it listens on."""
    port = free_port() if asked == "free" else 0
    server = subprocess.Popen([sys.executable, str(ROOT / "run.py"), command, "--port", str(port),
                               "--data", str(tmp_path / "data")], stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              env=windows_like_env(tmp_path), cwd=tmp_path)
    try:
        said = []
        for line in server.stdout:
            said.append(line)
            if b"berjalan di" in line:
                break
        else:  # ended without its address: what it said, so a failure under load names its cause
            pytest.fail(f"exit {server.wait(timeout=30)}: {b''.join(said)[-1000:]!r} {server.stderr.read()[-2000:]!r}")
        printed = int(re.search(rb"http://127\.0\.0\.1:(\d+)/", line).group(1))
        assert printed == port or (port == 0 and printed > 0)
        with socket.create_connection(("127.0.0.1", printed), timeout=5):  # already listening when announced
            pass
        import urllib.request
        with urllib.request.urlopen(f"http://127.0.0.1:{printed}{page}", timeout=10) as answer:
            assert answer.status == 200
    finally:
        server.terminate()
        server.wait(timeout=30)


def test_sync_card_shows_the_office_zone_not_utc(client_for, db):
    """Seen: the dashboard's sync card showed "07:42 UTC" while every other time was WIB."""
    from datetime import datetime
    sync_link_row(center_url="http://127.0.0.1:9", key_id="350807-x", secret="s",
                  enrolled_at=datetime(2026, 8, 17, 0, 42), last_success_at=datetime(2026, 8, 17, 0, 42))
    page = client_for("petugas_loket").get("/").get_data(as_text=True)
    assert "UTC" not in page
    assert "17 Agustus 2026 07.42 WIB" in page


POSIX_ONLY = re.compile(r"^\s*(import (resource|fcntl|pwd|grp|termios)\b|from (resource|fcntl|pwd|grp|termios) import)"
                        r"|os\.fork\(|os\.getuid\(|os\.geteuid\(|signal\.SIG(HUP|USR1|USR2|KILL|ALRM|CHLD)\b"
                        r"|multiprocessing\.set_start_method\(.fork|os\.symlink\(", re.M)


def test_no_posix_only_calls_in_the_programs():
    """A guard: what the office PC runs (app/, sync/, run.py) uses nothing Windows lacks (fork,
    POSIX-only modules and signals); Linux-only tuning must sit behind a platform check."""
    offenders = []
    for path in [ROOT / "run.py", *(ROOT / "app").rglob("*.py"), *(ROOT / "sync").rglob("*.py")]:
        for match in POSIX_ONLY.finditer(path.read_text(encoding="utf-8")):
            offenders.append(f"{path.relative_to(ROOT)}: {match.group(0).strip()}")
    assert offenders == []


def test_program_messages_print_on_a_cp1252_console():
    """Every message the programs print is representable in cp1252 (a Windows console or log file)."""
    bad = []
    for path in [ROOT / "run.py", *(ROOT / "app").rglob("*.py"), *(ROOT / "sync").rglob("*.py")]:
        for line in path.read_text(encoding="utf-8").splitlines():
            if "print(" in line:
                try:
                    line.encode("cp1252")
                except UnicodeEncodeError:
                    bad.append(f"{path.relative_to(ROOT)}: {line.strip()}")
    assert bad == []


def test_csv_exports_open_in_excel_on_windows(client_for, db):
    """CRLF line ends and a UTF-8 byte-order mark, so Excel on the office PC reads names correctly."""
    from app.registration.exports import register_csv
    from app.registration.models import Application
    text = register_csv(Application.select(), {})
    assert text.startswith("\ufeff") and text.endswith("\r\n") and "\n" not in text.replace("\r\n", "")


def test_restore_never_renames_over_the_open_live_database(app, db, monkeypatch):
    """On Windows a file that is open (the running app holds loket.sqlite3) cannot be replaced or
    removed: the restore copies into the live file through SQLite instead. Simulated: any rename
    or removal of the live database fails as it would on Windows."""
    from app.backups.engine import backup_database, restore_database
    from app.frame import store
    live = Path(app.config["DATABASE_PATH"]).resolve()
    with db.atomic():
        store.put("phone", "111")
    made = backup_database(live, app.config["BACKUP_DIR"] / "manual-1.sqlite3")
    with db.atomic():
        store.put("phone", "222")
    real_replace, real_unlink = os.replace, Path.unlink

    def windows_replace(source, target, *args, **kwargs):
        if Path(target).resolve() == live or Path(source).resolve() == live:
            raise PermissionError(13, "The process cannot access the file because it is being used by another process")
        return real_replace(source, target, *args, **kwargs)

    def windows_unlink(self, *args, **kwargs):
        if self.resolve() == live:
            raise PermissionError(13, "being used by another process")
        return real_unlink(self, *args, **kwargs)

    monkeypatch.setattr(os, "replace", windows_replace)
    monkeypatch.setattr(os, "rename", windows_replace)
    monkeypatch.setattr(Path, "unlink", windows_unlink)
    restore_database(made, live, app.config["BACKUP_DIR"])
    assert store.get("phone") == "111"


def test_exported_times_are_in_the_office_zone(client_for, db):
    """Every time shown is in the office's zone, spreadsheets included (was: created in UTC,
    handed over in UTC without saying so)."""
    from datetime import datetime
    from app.registration.exports import register_csv
    from app.registration.models import Application
    from app.frame import store
    from tests.support.factory import applicant_form
    loket = client_for("petugas_loket")
    import io as _io
    from tests.support.factory import photo_jpeg
    form = dict(applicant_form(), photo=(_io.BytesIO(photo_jpeg()), "foto.jpg"))
    assert loket.post("/pendaftaran/baru", data=form, content_type="multipart/form-data").status_code in (302, 303)
    Application.update(created_at=datetime(2026, 8, 17, 1, 30), handed_over_at=datetime(2026, 8, 20, 2, 0)).execute()
    with db.atomic():
        store.put("timezone", "WITA")
    text = register_csv(Application.select(), {})
    header, row = text.lstrip("\ufeff").splitlines()[:2]
    assert "Tanggal Daftar (WITA)" in header and "Tanggal Diserahkan (WITA)" in header and "UTC" not in header
    assert "2026-08-17 09:30:00" in row and "2026-08-20 10:00:00" in row
