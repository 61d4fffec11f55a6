"""What `run.py serve` imports before its first page (issues 64 and 73: the cold start on a quarter of a
core, where each 0.1 s of CPU is ~0.4 s of the clerk's wait). Checked in a fresh interpreter on
sys.modules, along the serve path: the command chosen and its parser built as `main` does, then the app."""
import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

SERVE_PATH = r"""
import json, sys
import run
program, options = run.prepare(["serve", "--data", sys.argv[1], "--mode", sys.argv[2]])
parsed = sorted(name for name, module in sys.modules.items() if module is not None)
from app.programs.office_commands import _office_app
app = _office_app(options)
print(json.dumps({"parsed": parsed, "built": sorted(name for name, module in sys.modules.items() if module is not None)}))
"""
# Loaded by the routes and jobs that use them, not by the start: the HTTP client (a sync pass, an
# enrolment: ~40 ms of CPU and 120 modules), the calendar package (the working-day count, which the
# warm-up makes beside the server: its country tables ~70 ms), the JPEG XL codec's numpy.
NOT_AT_THE_START = ("requests", "urllib3", "charset_normalizer", "idna", "holidays", "numpy", "imagecodecs")


@pytest.mark.parametrize("mode", ["kecamatan", "desa"])
def test_the_serve_path_imports_no_module_made_lazy(tmp_path, mode):
    out = subprocess.run([sys.executable, "-c", SERVE_PATH, str(tmp_path), mode], cwd=ROOT, capture_output=True,
                         text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert "flask" in loaded["built"] and "peewee" in loaded["built"]  # the app really was built
    assert [name for name in loaded["built"] if name.split(".")[0] in NOT_AT_THE_START] == []
    # of the center's own code, only its declaration (run.py reads the three)
    assert {name for name in loaded["built"] if name.startswith("sync.center")} <= {"sync.center", "sync.center.program"}
    # `serve`'s parser reads no other command's options: `demo`'s came from every capability (a launcher
    # that runs an installed update as its child imported all of them for nothing)
    assert [name for name in loaded["parsed"] if name == "app.demo" or name.endswith(".views")] == []


KEYRING_CHOICE = r"""
import json, sys
started = []  # the programs this process starts (Python's audit event of subprocess.Popen)
sys.addaudithook(lambda event, args: started.append(str(args[0])) if event == "subprocess.Popen" else None)
import run
if sys.argv[1] == "serve":  # the serve path's process, as run.py starts it
    run.prepare(["serve", "--data", sys.argv[2]])
import keyring
print(json.dumps({"store": type(keyring.get_keyring()).__module__, "started": started}))
"""


def test_off_a_mac_reading_the_keys_starts_no_program_and_keyring_chooses_the_same_store(tmp_path):
    """keyring's macOS backend is never chosen off a Mac, but its import looked for the Keychain's libraries:
    on Linux ctypes ran ldconfig, gcc and ld three times each (9 programs) before the database key was read.
    run.py keeps it from being imported there (run.NOT_ON_THIS_SYSTEM); the store stays keyring's own choice."""
    env = {name: value for name, value in os.environ.items() if name != "PYTHON_KEYRING_BACKEND"}  # as at an office
    seen = {}
    for how in ("keyring alone", "serve"):
        out = subprocess.run([sys.executable, "-c", KEYRING_CHOICE, how, str(tmp_path)], cwd=ROOT, env=env,
                             capture_output=True, text=True, timeout=120)
        assert out.returncode == 0, out.stderr
        seen[how] = json.loads(out.stdout.strip().splitlines()[-1])
    assert seen["serve"]["store"] == seen["keyring alone"]["store"]
    if sys.platform != "darwin":
        assert seen["serve"]["started"] == []


def test_serve_starts_its_background_jobs_after_the_first_pages(tmp_path):
    """The daily backup (the first start's makes the backups folder) waits for the first pages: on a slow PC
    the morning's backup and the sync probe had shared the core with them (issue 73)."""
    import re
    import socket
    import time

    import requests
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    server = subprocess.Popen([sys.executable, "run.py", "serve", "--data", str(tmp_path), "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.PIPE, stderr=subprocess.STDOUT, text=True)
    try:
        output = ""
        while "berjalan di" not in output and server.poll() is None:
            output += server.stdout.readline()
        assert re.search(r"berjalan di http://127\.0\.0\.1:\d+/", output), output
        assert not (tmp_path / "backups").exists()  # listening, its jobs not started: no page answered yet
        assert requests.get(f"http://127.0.0.1:{port}/masuk", timeout=30).status_code == 200
        deadline = time.monotonic() + 60
        while not (tmp_path / "backups").is_dir() and time.monotonic() < deadline:
            time.sleep(0.1)
        assert (tmp_path / "backups").is_dir()  # then they run
    finally:
        server.terminate()
        server.wait(30)
