"""The layout holds: the frame imports no capability, the center stands on the frame and the
protocol only. Checked in fresh interpreters on sys.modules, so nothing else was imported first."""
import json
import subprocess
import sys
from pathlib import Path

ROOT = Path(__file__).parents[2]
FRAME = ("app", "app.frame")


def _run_then_modules(code: str) -> tuple[list[str], list[str]]:
    """(what `code` printed, the app.* modules loaded by then), in a fresh interpreter."""
    script = code + "\nimport json, sys\nprint(json.dumps(sorted(sys.modules)))"
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True)
    assert out.returncode == 0, out.stderr
    *printed, modules = out.stdout.strip().splitlines()
    return printed, [m for m in json.loads(modules) if m == "app" or m.startswith("app.")]


def _modules_after(code: str) -> list[str]:
    return _run_then_modules(code)[1]


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


def test_the_center_checks_records_without_loading_a_kecamatan_capability(tmp_path):
    # A lazy import inside a request (the record rules once imported app.registration.intake
    # in the middle of an ingest) loads a capability only when a packet arrives: ingest one.
    printed, modules = _run_then_modules(
        "import json\n"
        "from sync import protocol\n"
        "from sync.center import keys\n"
        "from sync.center.app import create_center_app\n"
        "from sync.center.models import Kecamatan\n"
        "from app.frame.dates import utc_now\n"
        "from tests.sync.helpers import packet_call, packet_item, record_for\n"
        f"app = create_center_app({{'DATA_DIR': {str(tmp_path)!r}, 'SECRET_KEY': 'layout', 'TESTING': True}})\n"
        "db = app.extensions['center_database']\n"
        "with app.app_context(), db.connection_context():\n"
        "    kecamatan = Kecamatan.create(code='35.08.07', digits='350807', name='Yosowilangun', created_at=utc_now())\n"
        "    _, key = keys.enrol('35.08.07', keys.new_enrolment_code(kecamatan), '01')\n"
        "items = [packet_item(1), packet_item(2, record=dict(record_for(2), birth_date='kemarin'))]\n"
        "answer = packet_call(app.test_client(), (key.key_id, key.secret), '/api/v1/packets', items)\n"
        "print(json.dumps([(r['result'], r.get('reason', '')) for r in answer.get_json()['results']]))")
    results = json.loads(printed[-1])
    assert [result for result, _ in results] == ["stored", "rejected"]
    assert results[1][1].startswith("isian birth_date tidak sah")  # the record rules really ran
    assert _outside_frame(modules) == []
    assert "app.frame.person_rules" in modules


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


# issue 82: the sync client had grown from 3,125 to 3,523 lines in two issues; issue 91 holds it there (issue 89's
# pass on a full disk took 19 lines; the desa clerk's words for a pass and the applicant's page's notices went to
# their owners, the scheduler's zone table gave way to the frame's)
SYNC_CLIENT_MOST_LINES = 3523


def test_the_sync_client_does_not_grow():
    """Each mechanism of the link earns its lines (docs/architecture.md); a rule that belongs to the frame (the
    fingerprint's, issue 79) lives there, not in the client."""
    client = Path(__file__).resolve().parents[2] / "sync" / "client"
    lines = sum(len(path.read_text(encoding="utf-8").splitlines()) for path in client.glob("*.py"))
    assert lines <= SYNC_CLIENT_MOST_LINES, f"sync/client/ has {lines} lines (at most {SYNC_CLIENT_MOST_LINES})"
