"""`run.py autostart`: the Windows task's command and the Linux user unit, in a temporary HOME."""
import os
import stat
import subprocess
import sys
from pathlib import Path

from app import autostart

ROOT = Path(__file__).resolve().parents[2]


def test_windows_entry_is_a_startup_folder_launcher_with_every_path_quoted(tmp_path, monkeypatch):
    """Windows, simulated: no administrator rights are needed (a Task Scheduler task at log on is
    refused to an ordinary account); the launcher starts pythonw in the project folder and ends."""
    monkeypatch.setattr(autostart, "on_windows", lambda: True)
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    command = [r"C:\Program Files\Loket\.venv\Scripts\pythonw.exe", r"C:\Program Files\Loket\run.py", "serve",
               "--data", r"D:\Data Loket Bu Siti Ma'rifah"]
    assert autostart.status()[0] is False
    assert "setiap kali pengguna Windows ini masuk" in autostart.install(command)
    entry = tmp_path / "Roaming" / "Microsoft" / "Windows" / "Start Menu" / "Programs" / "Startup" / "Loket Kecamatan.cmd"
    script = entry.read_bytes().decode("utf-8")
    lines = script.split("\r\n")
    assert lines[:2] == ["@echo off", "chcp 65001 >nul"] and lines[3] == ""  # CRLF, as cmd.exe reads it
    assert lines[2] == ('start "" /D "{}" "C:\\Program Files\\Loket\\.venv\\Scripts\\pythonw.exe" '
                        '"C:\\Program Files\\Loket\\run.py" serve --data "D:\\Data Loket Bu Siti Ma\'rifah"'
                        ).format(autostart.ROOT)
    assert autostart.status() == (True, f"terpasang ({entry}).")
    assert "dilepas" in autostart.remove() and not entry.exists() and autostart.status()[0] is False
    monkeypatch.delenv("APPDATA")
    installed, message = autostart.status()
    assert not installed and "APPDATA" in message


def test_linux_install_status_remove_in_a_temporary_home(tmp_path):
    home = tmp_path / "home"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    calls = tmp_path / "systemctl.log"
    fake = bin_dir / "systemctl"  # the machine's service manager is outside the test: record the calls
    fake.write_text(f'#!/bin/sh\necho "$@" >> "{calls}"\necho enabled\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, HOME=str(home), PATH=f"{bin_dir}:{os.environ['PATH']}")
    env.pop("XDG_CONFIG_HOME", None)
    data = tmp_path / "data loket"
    run = lambda *args: subprocess.run([sys.executable, str(ROOT / "run.py"), "autostart", *args], env=env,
                                       capture_output=True, text=True, cwd=tmp_path, timeout=60)
    assert run("status").returncode == 1
    installed = run("install", "--data", str(data), "--port", "8081")
    assert installed.returncode == 0, installed.stderr
    unit = home / ".config" / "systemd" / "user" / "loket-kecamatan.service"
    text = unit.read_text()
    assert f'ExecStart={sys.executable} {ROOT / "run.py"} serve --data "{data}" --port 8081' in text
    assert "WantedBy=default.target" in text and "Restart=on-failure" in text
    assert "--user enable loket-kecamatan.service" in calls.read_text()  # at the next log on
    assert "terpasang" in run("status").stdout
    assert run("remove").returncode == 0 and not unit.exists()
    assert "--user disable loket-kecamatan.service" in calls.read_text()
    # A desa PC set up with LOKET_MODE=desa before its first start: the entry says so itself.
    env["LOKET_MODE"] = "desa"
    assert run("install", "--data", str(tmp_path / "data desa")).returncode == 0
    assert f'serve --data "{tmp_path / "data desa"}" --mode desa' in unit.read_text()


def test_linux_without_a_user_bus_says_what_to_do_and_is_not_terpasang(tmp_path):
    """Issue 25: systemd's "Failed to connect to bus" reached the admin, and the status then said
    "terpasang" although nothing would start."""
    home = tmp_path / "home"
    bin_dir = tmp_path / "bin"
    bin_dir.mkdir()
    fake = bin_dir / "systemctl"  # what systemctl --user answers in a session without a user bus
    fake.write_text('#!/bin/sh\necho "Failed to connect to bus: No medium found" >&2\nexit 1\n')
    fake.chmod(fake.stat().st_mode | stat.S_IEXEC)
    env = dict(os.environ, HOME=str(home), PATH=f"{bin_dir}:{os.environ['PATH']}")
    env.pop("XDG_CONFIG_HOME", None)
    run = lambda *args: subprocess.run([sys.executable, str(ROOT / "run.py"), "autostart", *args], env=env,
                                       capture_output=True, text=True, cwd=tmp_path, timeout=60)
    installed = run("install", "--data", str(tmp_path / "data"))
    assert installed.returncode == 1
    assert "Failed to connect" not in installed.stderr + installed.stdout
    assert "belum dapat dipasang" in installed.stderr
    status = run("status")
    assert status.returncode == 1 and "belum terpasang" in status.stdout
    assert not (home / ".config" / "systemd" / "user" / "loket-kecamatan.service").exists()
