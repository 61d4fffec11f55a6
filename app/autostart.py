"""`run.py autostart install|remove|status`: start the app when the clerk logs on, so nobody starts
it by hand. Windows: a Task Scheduler task "at log on" (schtasks); Linux: a systemd user unit."""
import os
import subprocess
import sys
from pathlib import Path

TASK_NAME = "Loket Kecamatan"
UNIT_NAME = "loket-kecamatan.service"
ROOT = Path(__file__).resolve().parent.parent


def serve_command(data: str | None = None, port: int | None = None, python: str | None = None) -> list[str]:
    """The command the start-up entry runs; on Windows pythonw.exe, so no console window stays open."""
    python = python or sys.executable
    if sys.platform == "win32":
        windowless = Path(python).with_name("pythonw.exe")
        python = str(windowless) if windowless.exists() else python
    command = [python, str(ROOT / "run.py"), "serve"]
    if data:
        command += ["--data", str(Path(data).resolve())]
    if port:
        command += ["--port", str(port)]
    return command


def _windows_quote(command: list[str]) -> str:
    return subprocess.list2cmdline(command)


def schtasks_commands(action: str, command: list[str]) -> list[list[str]]:
    if action == "install":
        return [["schtasks", "/Create", "/F", "/TN", TASK_NAME, "/SC", "ONLOGON", "/RL", "LIMITED",
                 "/TR", _windows_quote(command)]]
    if action == "remove":
        return [["schtasks", "/Delete", "/F", "/TN", TASK_NAME]]
    return [["schtasks", "/Query", "/TN", TASK_NAME]]


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


def _run(commands: list[list[str]]) -> tuple[int, str]:
    output = []
    for command in commands:
        try:
            done = subprocess.run(command, capture_output=True, text=True, timeout=60)
        except (OSError, subprocess.TimeoutExpired) as problem:
            return 1, f"{command[0]} tidak dapat dijalankan ({type(problem).__name__})"
        output.append((done.stdout + done.stderr).strip())
        if done.returncode != 0:
            return done.returncode, "\n".join(output)
    return 0, "\n".join(output)


def run(action: str, data: str | None = None, port: int | None = None) -> int:
    command = serve_command(data, port)
    if sys.platform == "win32":
        code, output = _run(schtasks_commands(action, command))
        if action == "install":
            print("Loket Kecamatan akan berjalan sendiri setiap kali pengguna ini masuk Windows."
                  if code == 0 else f"Gagal membuat tugas terjadwal: {output}")
        elif action == "remove":
            print("Tugas mulai otomatis dihapus." if code == 0 else f"Gagal menghapus tugas: {output}")
        else:
            print("Mulai otomatis: terpasang." if code == 0 else "Mulai otomatis: belum terpasang.")
        return code
    unit = unit_path()
    if action == "install":
        unit.parent.mkdir(parents=True, exist_ok=True)
        partial = unit.with_name(unit.name + ".baru")
        partial.write_text(systemd_unit(command), encoding="utf-8")
        os.replace(partial, unit)
        code, output = _run([["systemctl", "--user", "daemon-reload"], ["systemctl", "--user", "enable", "--now", UNIT_NAME]])
        if code == 0:
            print(f"Loket Kecamatan akan berjalan sendiri saat pengguna ini masuk ({unit}).")
        else:
            print(f"Berkas {unit} ditulis, tetapi systemd belum dapat mengaktifkannya: {output}")
        return code
    if action == "remove":
        code, output = _run([["systemctl", "--user", "disable", "--now", UNIT_NAME]])
        unit.unlink(missing_ok=True)
        _run([["systemctl", "--user", "daemon-reload"]])
        print("Mulai otomatis dihapus.")
        return 0
    if not unit.exists():
        print("Mulai otomatis: belum terpasang.")
        return 1
    code, output = _run([["systemctl", "--user", "is-enabled", UNIT_NAME]])
    print(f"Mulai otomatis: terpasang ({unit}); systemd: {output or 'tidak diketahui'}.")
    return 0


def add_commands(subparsers, add_data_option) -> None:
    parser = subparsers.add_parser("autostart", help="start the app at log on (Windows Task Scheduler / systemd user unit)")
    add_data_option(parser)
    parser.add_argument("action", choices=["install", "remove", "status"])
    parser.add_argument("--port", type=int, default=None)
    parser.set_defaults(handler=lambda options: run(options.action, getattr(options, "data", None), options.port))
