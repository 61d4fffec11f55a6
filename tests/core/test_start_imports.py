"""What `run.py serve` imports before its first page (issues 64 and 73: the cold start on a quarter of a
core, where each 0.1 s of CPU is ~0.4 s of the clerk's wait). Checked in a fresh interpreter on
sys.modules, along the serve path: the command chosen and its parser built as `main` does, then the app."""
import json
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
