"""The layout holds: the frame imports no capability, the center stands on the frame and the
protocol only. Checked in fresh interpreters on sys.modules, so nothing else was imported first."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
FRAME = ("app", "app.frame")


def _modules_after(code: str) -> list[str]:
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, check=True)
    return [m for m in json.loads(out.stdout.strip().splitlines()[-1]) if m == "app" or m.startswith("app.")]


def _outside_frame(modules):
    return [m for m in modules if m not in FRAME and not m.startswith("app.frame.")]


def test_importing_the_frame_loads_no_capability():
    modules = _modules_after("import app.frame, app.frame.access, app.frame.signin, app.frame.errors, "
                             "app.frame.templating, app.frame.db, app.frame.migrations, app.frame.audit, "
                             "app.frame.working_days, app.frame.periods, app.frame.pagination, "
                             "app.frame.spreadsheet_cells, app.frame.regions, app.frame.request_cycle")
    assert _outside_frame(modules) == []


def test_creating_the_center_loads_no_kecamatan_capability(tmp_path):
    modules = _modules_after(
        "from sync.center.app import create_center_app\n"
        f"app = create_center_app({{'DATA_DIR': {str(tmp_path)!r}}})\n"
        "app.test_client().get('/masuk')")
    assert _outside_frame(modules) == []
    assert "app.frame.signin" in modules  # the center really stands on the frame


def test_the_center_secret_key_is_private_to_its_owner(tmp_path):
    from sync.center.app import create_center_app
    create_center_app({"DATA_DIR": tmp_path})
    if sys.platform != "win32":
        assert (tmp_path / "secret_key").stat().st_mode & 0o077 == 0


def _python_sources():
    for folder in ("app", "sync"):
        yield from sorted((ROOT / folder).rglob("*.py"))


def test_hx_headers_go_through_htmx_flask_only():
    """request.htmx and htmx_flask.make_response, never a hand-read or hand-set HX-* header."""
    by_hand = [f"{path.relative_to(ROOT)}:{number}" for path in _python_sources()
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               if '"HX-' in line or "'HX-" in line]
    assert by_hand == []


def test_no_hand_written_lookup_or_404():
    """get_or_none followed by abort(404) is peewee's get_object_or_404 written again."""
    import re
    pattern = re.compile(r"= \w+\.get_or_none\([^\n]*\)\n\s*if \w+ is None[^\n]*:\n\s*abort\(404\)")
    found = [str(path.relative_to(ROOT)) for path in _python_sources()
             if pattern.search(path.read_text(encoding="utf-8"))]
    assert found == []
