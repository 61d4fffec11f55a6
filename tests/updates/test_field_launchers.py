"""Today's release under the launcher of every version still in the field (issue 80, finding 1 and
"version skew as a tested contract", the launcher's half; docs/architecture.md, "The launcher's contract").

An office's launcher is its installed program: old code that starts every later release. Here each
field version's own tree (tests/support/field_versions.py) is the office's install folder, run as a
source install runs (`python run.py`, this test's Python and its packages): its program fills the
office, serves, and a clerk records complaints over HTTP the whole time. Its admin's "Pasang" is done
as that version's installer ends it (today's wheel installed with pip --target into DATA/versions/<v>,
the selection that installer writes, its server stopped), and its launcher starts today's version.
Before, the launcher of 2026-11-27 waited for the version's own "baik", today's never wrote it, and
after 15 minutes it was killed and the switch-time backup restored over two complaints whose receipts
citizens held. Now, under every launcher: the version is "baik" within that launcher's wait, serves,
is not taken back, and every complaint the clerk was told is saved is in the database.

Real processes and pip: in the full tier only (soak)."""
import json
import os
import random
import re
import signal
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.updates.state import read_selection, read_state, write_selection
from tests.support.field_versions import field_version_tree
from tests.support.fuse_office import PASSWORD, Clerk, Office, Unanswered
from tests.support.ports import free_port
from tests.support.waiting import wait_until
from tests.sync.harness import wait_for
from tests.updates.test_wheel_contents import build_release_wheel, outside_env

pytestmark = pytest.mark.soak
# How long each launcher waits for the version it starts (read from its tree below), and the name of that
# constant; the contract: "baik" well within it.
WAITS = {"first-updatable": "HEALTHY_WITHIN_SECONDS", "before-renumber-step": "TRIAL_SECONDS",
         "previous-but-one": "TRIAL_SECONDS", "previous": "TRIAL_SECONDS"}
MOST_WE_WAIT = 400  # seconds: within "a few minutes", and below every launcher's wait but the first one's


@pytest.fixture(scope="module")
def todays_wheel(tmp_path_factory) -> Path:
    return build_release_wheel(tmp_path_factory.mktemp("heute"))


def todays_version(wheel: Path) -> str:
    return wheel.name.split("-")[1]


def installer_selection(field: str, data: Path, root: Path, version: str, backup: Path | None, server_pid: int) -> dict:
    """The selection each field version's installer (its app/updates/installing.py) writes when its admin
    presses "Pasang", before its server stops."""
    if field == "first-updatable":  # its installer made the backup while its server still served
        return {"version": version, "root": str(root), "state": "uji", "backup": str(backup), "previous": None,
                "previous_version": "0.2.0"}
    return {"version": version, "root": str(root), "state": "uji", "backup": None, "attempts": 0,
            "database": str(data / "loket.sqlite3"), "mode": "kecamatan", "server_pid": server_pid, "previous": None,
            "previous_version": "0.2.0"}


def launcher_wait(tree: Path, field: str) -> int:
    text = (tree / "app" / "updates" / "launcher.py").read_text()
    return int(re.search(rf"^{WAITS[field]} = (\d+)", text, re.M).group(1))


class Program:
    """`python run.py ...` of an install folder, in a process group of its own (its children with it)."""

    def __init__(self, tree: Path, args: list[str], log: Path, env: dict, cwd: Path):
        self.log = open(log, "ab")  # noqa: SIM115 - closed in stop()
        self.proc = subprocess.Popen([sys.executable, str(tree / "run.py"), *args], cwd=cwd, env=env,
                                     stdout=self.log, stderr=subprocess.STDOUT, start_new_session=True)

    def stop(self) -> None:
        if self.proc.poll() is None:
            os.killpg(self.proc.pid, signal.SIGTERM)
            try:
                self.proc.wait(30)
            except subprocess.TimeoutExpired:
                os.killpg(self.proc.pid, signal.SIGKILL)
                self.proc.wait(30)
        self.log.close()


def clerk_records_complaints(clerk: Clerk, stop: threading.Event) -> None:
    """The clerk keeps at it: a request the stopping or starting program does not answer (or answers
    "wait", 503) is not acknowledged, and the clerk tries again a moment later."""
    while not stop.is_set():
        try:
            clerk.record_complaint("meja_informasi")
        except Unanswered:
            time.sleep(0.3)
        except Exception as problem:  # noqa: BLE001 - a page that did not look as expected: next one
            clerk.last_problem = repr(problem)
            time.sleep(0.3)


def complaints_kept(data: Path, tokens: list[str]) -> list[str]:
    """The acknowledged complaints' form tokens missing from the database."""
    from app.frame.db import connect
    connection = connect(data / "loket.sqlite3", readonly=True)
    try:
        return [token for token in tokens
                if connection.execute("SELECT count(*) FROM complaint WHERE submission_token = ?", (token,)).fetchone()[0] != 1]
    finally:
        connection.close()


@pytest.mark.parametrize("field", ["before-renumber-step", "first-updatable", "previous-but-one", "previous"])
def test_todays_release_under_a_field_launcher_keeps_every_save_and_is_not_taken_back(field, tmp_path, todays_wheel):
    tree = field_version_tree(field, tmp_path / "loket")  # the office's install folder
    version = todays_version(todays_wheel)
    env, elsewhere, data = outside_env(), tmp_path / "di-tempat-lain", tmp_path / "data"
    elsewhere.mkdir()
    filled = subprocess.run([sys.executable, str(tree / "run.py"), "demo", "--data", str(data), "--password", PASSWORD],
                            cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
    assert filled.returncode == 0, filled.stderr[-2000:]
    port = free_port()
    url = f"http://127.0.0.1:{port}"
    serve = ["serve", "--data", str(data), "--port", str(port)]
    old = Program(tree, serve, tmp_path / "versi-lama.log", env, elsewhere)
    launcher = None
    office, stop = Office(random.Random(80)), threading.Event()
    office.base = url
    clerk = Clerk(office, "loket1", "petugas_loket", b"")
    working = threading.Thread(target=clerk_records_complaints, args=(clerk, stop), daemon=True)
    try:
        wait_for(url + "/masuk", timeout=120)
        working.start()
        wait_until(lambda: len(office.acks) >= 3, seconds=120, what="complaints saved on the field version")
        backup = None
        if field == "first-updatable":  # its installer's backup, while the clerk still saves
            backup = data / "backups" / "sebelum-pembaruan-lama.sqlite3"
            made = subprocess.run([sys.executable, str(tree / "run.py"), "backup", "--data", str(data), "--to",
                                   str(backup)], cwd=elsewhere, env=env, capture_output=True, text=True, timeout=300)
            assert made.returncode == 0, made.stderr[-2000:]
            saved = len(office.acks)
            wait_until(lambda: len(office.acks) >= saved + 2, seconds=120, what="saves after that backup")
        root = data / "versions" / version
        installed = subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--no-compile",
                                    "-q", "--target", str(root), str(todays_wheel)], env=env, capture_output=True,
                                   text=True, timeout=600)
        assert installed.returncode == 0, installed.stderr[-2000:]
        write_selection(data, installer_selection(field, data, root, version, backup, old.proc.pid))
        old.stop()  # the field version's server stops for the switch; its launcher starts next
        started = time.monotonic()
        launcher = Program(tree, serve, tmp_path / "peluncur.log", env, elsewhere)

        def said() -> str:
            return (tmp_path / "peluncur.log").read_text(errors="replace")[-4000:]

        def verdict():
            selection = read_selection(data) or {}
            assert not read_state(data).get("rolled_back"), said()
            assert launcher.proc.poll() is None, said()
            return selection.get("version") == version and selection.get("state") == "baik"

        wait_until(verdict, seconds=MOST_WE_WAIT, every=0.5, what=f"today's version 'baik' under the {field} launcher")
        assert time.monotonic() - started < launcher_wait(tree, field)  # within that launcher's wait
        saved = len(office.acks)
        wait_until(lambda: len(office.acks) >= saved + 3, seconds=180, what="complaints saved on today's version")
        serving = json.loads((data / "versions" / "sehat.json").read_text("utf-8"))
        assert serving["version"] == version
    finally:
        stop.set()
        if working.is_alive():
            working.join(60)
        if launcher:
            launcher.stop()
        old.stop()
    kept = read_state(data)
    assert not kept.get("rolled_back") and version not in kept.get("failed_versions", [])
    assert read_selection(data)["version"] == version and read_selection(data)["state"] == "baik"
    if field == "first-updatable":  # the version made the switch-time backup itself, with no server running
        from app.updates.older_launchers import BACKUP_MARK
        assert read_selection(data).get(BACKUP_MARK) and Path(read_selection(data)["backup"]) != backup
    tokens = [ack.key[0] for ack in office.acks if ack.kind == "complaint"]
    assert len(tokens) >= 6 and complaints_kept(data, tokens) == [], getattr(clerk, "last_problem", "")
