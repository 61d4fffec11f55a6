"""Health check, error pages, htmx served locally, first start, run.py --help."""
import re
import socket
import subprocess
import sys
import time
from pathlib import Path

import requests

from tests.support.ports import free_port

ROOT = Path(__file__).parents[2]


def test_healthz_reports_version_and_level_to_the_admin_only(client, client_for):
    """Issue 61, finding 8: a stranger hears "ok" (what a health check needs); the admin the details."""
    assert client.get("/healthz").get_json() == {"status": "ok"}
    assert client_for("petugas_loket").get("/healthz").get_json() == {"status": "ok"}
    body = client_for("admin").get("/healthz").get_json()
    assert set(body) == {"status", "app", "version", "database_level"} and body["database_level"] >= 1


def test_unknown_page_is_an_indonesian_404(client_for):
    response = client_for("petugas_loket").get("/tidak-ada-halaman")
    assert response.status_code == 404 and "Halaman tidak ditemukan" in response.get_data(as_text=True)


def test_htmx_is_served_from_this_machine(client):
    response = client.get("/vendor/htmx.min.js")
    assert response.status_code == 200 and b"htmx" in response.data[:2000]


def test_no_page_template_loads_anything_from_the_internet():
    pattern = re.compile(r"""(src|href)=["'](https?:)?//""")
    for path in list((ROOT / "templates").rglob("*.html")) + list((ROOT / "static").rglob("*.*")):
        assert not pattern.search(path.read_text(errors="ignore")), path


def test_unexpected_error_is_a_calm_500_page(app, client_for, monkeypatch):

    def broken(_user):
        raise RuntimeError("boom")
    import app.core as core_pkg
    monkeypatch.setattr(core_pkg, "dashboard_cards", broken, raising=False)
    app.config["PROPAGATE_EXCEPTIONS"] = False
    response = client_for("admin").get("/")
    assert response.status_code == 500
    assert "Data Anda tidak berubah" in response.get_data(as_text=True)


def test_help_lists_every_subcommand():
    out = subprocess.run([sys.executable, "run.py", "--help"], cwd=ROOT, capture_output=True, text=True).stdout
    for command in ("serve", "demo", "backup", "restore", "reset-password"):
        assert command in out


def _wait_for_port(port: int, seconds: float = 20) -> None:
    deadline = time.time() + seconds
    while time.time() < deadline:
        with socket.socket() as s:
            if s.connect_ex(("127.0.0.1", port)) == 0:
                return
        time.sleep(0.1)
    raise TimeoutError(f"nothing listens on {port}")


def test_first_start_creates_admin_with_one_time_password_and_serves(tmp_path):
    port = free_port()
    server = subprocess.Popen([sys.executable, "run.py", "serve", "--data", str(tmp_path), "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        lines = []
        deadline = time.time() + 30
        while time.time() < deadline:
            line = server.stdout.readline()
            lines.append(line)
            if "berjalan di" in line:
                break
        output = "".join(lines)
        _wait_for_port(port)
        password = re.search(r"kata sandi\s+:\s+(\S+)", output).group(1)
        session = requests.Session()
        page = session.get(f"http://127.0.0.1:{port}/masuk", timeout=10).text
        token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
        response = session.post(f"http://127.0.0.1:{port}/masuk", timeout=10,
                                data={"csrf_token": token, "username": "admin", "password": password})
        assert response.url.endswith("/akun/kata-sandi")  # the one-time password must be changed
        # the daily backup is a background job, started once the first pages are answered (issue 73)
        deadline = time.time() + 60
        while not (tmp_path / "backups").is_dir() and time.time() < deadline:
            time.sleep(0.1)
        assert (tmp_path / "backups").is_dir()
    finally:
        server.terminate()
        server.wait(10)


def test_serving_a_database_from_a_newer_version_is_refused_with_a_message(tmp_path):
    from app.frame.db import connect
    from app.frame.migrations import code_level
    assert subprocess.run([sys.executable, "run.py", "demo", "--data", str(tmp_path), "--password", "x-12345678"],
                          cwd=ROOT, capture_output=True).returncode == 0
    connection = connect(tmp_path / "loket.sqlite3")
    connection.execute(f"PRAGMA user_version = {code_level() + 5}")
    connection.close()
    result = subprocess.run([sys.executable, "run.py", "serve", "--data", str(tmp_path), "--port", "1"],
                            cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert result.returncode == 2
    assert "versi aplikasi yang lebih baru" in result.stderr and "Traceback" not in result.stderr


def test_the_operations_guide_documents_every_subcommand_and_the_readme_names_only_real_ones():
    """Every command of every program is in docs/operations.md's table; every `run.py X` the README names is a
    command `run.py --help` lists (issue 92: the README names the commands, their details live in the guide)."""
    import run
    guide = (ROOT / "docs" / "operations.md").read_text(encoding="utf-8")
    commands = {name for program in run.programs() for name in program.command_names()}
    for name in commands:
        assert f"run.py {name}" in guide, name
    helped = subprocess.run([sys.executable, "run.py", "--help"], cwd=ROOT, capture_output=True, text=True,
                            timeout=60).stdout
    readme = (ROOT / "README.md").read_text(encoding="utf-8")
    for name in set(re.findall(r"run\.py ([a-z][a-z-]+)", readme)):
        assert name in commands and name in helped, name
    # Two screens for a newcomer: each command's details belong in the guide and its --help, not here.
    assert len(readme.splitlines()) < 100
