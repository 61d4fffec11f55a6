"""An office still on the first landed version (no updater, it calls itself 0.1.0) gets the first
updatable version by the documented path (docs/operations.md, "An office on the first version"):
one line in its install folder, pip from the release folder on the USB stick, then its start-up
entry made again. Issue 60, finding 8 and "rolled out": tested from that version's own tree (the
commit before the updater landed), installed as README said then (`pip install -e .`)."""
import subprocess
import sys
from pathlib import Path

import pytest
import requests

from sync.release import release_wheel
from tests.support.ports import free_port
from tests.support.waiting import wait_until
from tests.sync.harness import ROOT
from tests.support.built_once import gathered
from tests.updates.test_wheel_contents import build_release_wheel, outside_env

pytestmark = pytest.mark.soak
THIS_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"


def first_version_tree(folder: Path) -> Path:
    """The tree of the last commit before the updater (app/updates/launcher.py) was added."""
    added = subprocess.run(["git", "log", "--diff-filter=A", "--format=%H", "--", "app/updates/launcher.py"],
                           cwd=ROOT, capture_output=True, text=True).stdout.split()
    if not added:
        pytest.skip("this checkout has no history of the updater's arrival (a shallow clone)")
    folder.mkdir(parents=True)
    archive = subprocess.run(["git", "archive", f"{added[-1]}^"], cwd=ROOT, capture_output=True, check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(folder)], input=archive, check=True)
    return folder


def applications(data: Path) -> tuple[int, int]:
    """(applications stored, the database's schema level)."""
    from app.frame.db import connect
    connection = connect(data / "loket.sqlite3", readonly=True)
    try:
        count = connection.execute("SELECT count(*) FROM application").fetchone()[0]
        return count, connection.execute("PRAGMA user_version").fetchone()[0]
    finally:
        connection.close()


def test_an_office_on_the_first_version_takes_the_first_updatable_one_with_one_line(tmp_path):
    old = first_version_tree(tmp_path / "loket")  # the office's install folder
    env, elsewhere = outside_env(), tmp_path / "di-tempat-lain"
    elsewhere.mkdir()
    venv = old / ".venv"
    subprocess.run([sys.executable, "-m", "venv", str(venv)], check=True)
    python, bin_dir = venv / "bin" / "python", venv / "bin"
    subprocess.run([str(python), "-m", "pip", "install", "-q", "-e", str(old)], check=True, capture_output=True,
                   env=env, timeout=900)
    office = tmp_path / "data"
    filled = subprocess.run([str(python), str(old / "run.py"), "demo", "--data", str(office), "--password",
                             "demo-rahasia-12"], cwd=old, env=env, capture_output=True, text=True)
    assert filled.returncode == 0, filled.stderr[-2000:]
    before, old_level = applications(office)
    assert before > 0

    # The regency's release folder on the stick: the release wheel and the wheels gathered for it.
    wheel = build_release_wheel(tmp_path / "proyek")
    stick = tmp_path / "flashdisk" / "rilis" / "targets" / "wheels"
    app = release_wheel.read_app_wheel(wheel)
    gathered(app, THIS_PYTHON, "manylinux_x86_64", stick)  # as `release build` gathers them
    (stick / wheel.name).write_bytes(wheel.read_bytes())

    # The documented line (docs/operations.md), typed in the install folder.
    installed = subprocess.run([str(bin_dir / "pip"), "install", "--no-index", "--find-links", str(stick),
                                f"loket-kecamatan=={app.version}"], cwd=old, env=env, capture_output=True, text=True,
                               timeout=900)
    assert installed.returncode == 0, installed.stdout[-3000:] + installed.stderr[-3000:]
    # `loket autostart install`, the line's second half: the entry it writes runs the installed run.py,
    # no longer the install folder's (which is the first version's code still).
    entry = subprocess.run([str(python), "-c", "from app.autostart import serve_command; print(serve_command()[1])"],
                           cwd=elsewhere, env=env, capture_output=True, text=True, check=True).stdout.strip()
    assert Path(entry).name == "run.py" and venv in Path(entry).parents, entry

    # The first start of the new version: it brings the data to its schema, keeps every application.
    port = free_port()
    log = tmp_path / "serve.log"
    with open(log, "wb") as output:
        server = subprocess.Popen([str(bin_dir / "loket"), "serve", "--data", str(office), "--port", str(port)],
                                  cwd=elsewhere, env=env, stdout=output, stderr=subprocess.STDOUT)
    try:
        wait_until(lambda: "berjalan di" in log.read_text(errors="replace") or server.poll() is not None,
                   seconds=300, what="the new version serving")
        assert server.poll() is None, log.read_text(errors="replace")[-3000:]
        assert requests.get(f"http://127.0.0.1:{port}/masuk", timeout=30).status_code == 200
        version = subprocess.run([str(python), "-c", "from app.updates.versions import running_version; "
                                  "print(running_version())"], cwd=elsewhere, env=env, capture_output=True, text=True,
                                 check=True).stdout.strip()
        assert version == app.version
    finally:
        server.terminate()
        server.wait(60)
    after, new_level = applications(office)
    assert after == before and new_level > old_level

    # The install folder's own run.py is the first version still: it refuses the migrated data, unchanged.
    refused = subprocess.run([str(python), str(old / "run.py"), "reset-password", "kasi", "--data", str(office)],
                             cwd=old, env=env, capture_output=True, text=True)
    assert refused.returncode != 0 and "versi aplikasi yang lebih baru" in refused.stdout + refused.stderr
    assert applications(office) == (after, new_level)
