"""Issue 31: one path for each change runs downwards. A storage module (records, models,
sync_records, queries) never imports a view module, not even lazily inside a function: a view
calls the storage, never the other way round. Nor does a capability import another capability's
views: what two capabilities' pages share (the application form the desa's pages show too) lives in
a non-view module of its owner (app/frame/applicant_form.py)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
STORAGE = {"records", "models", "sync_records", "queries"}  # and any *_records module


def _is_storage(path) -> bool:
    return path.stem in STORAGE or path.stem.endswith("_records")


def _is_view(name: str) -> bool:
    return name.rsplit(".", 1)[-1].endswith("views")


def view_imports(tree) -> list[int]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import) and any(_is_view(alias.name) for alias in node.names):
            found.append(node.lineno)
        elif isinstance(node, ast.ImportFrom) and (
                _is_view(node.module or "") or any(_is_view(alias.name) for alias in node.names)):
            found.append(node.lineno)
    return sorted(set(found))


def _storage_modules():
    for folder in ("app", "sync"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if _is_storage(path):
                yield path


def test_no_storage_module_imports_a_view():
    offenders = []
    for path in _storage_modules():
        name = path.relative_to(ROOT).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        for line in view_imports(ast.parse("\n".join(lines))):
            offenders.append(f"{name}:{line}: {lines[line - 1].strip()}")
    assert not offenders, "a storage module imports a view:\n" + "\n".join(offenders)


def _capability(path) -> str | None:
    """app/desa/records.py -> app.desa; a top-level module of app/ and the office programs (app/programs/:
    their declarations, the factory that assembles the capabilities, their commands) are none."""
    parts = path.relative_to(ROOT).parts
    if parts[:2] == ("app", "programs"):
        return None
    return ".".join(parts[:2]) if len(parts) > 2 and parts[0] in ("app", "sync") else None


def imports_of_other_views(tree, capability: str) -> list[int]:
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom) and not node.level:
            names = [node.module or ""] + [f"{node.module}.{alias.name}" for alias in node.names]
        else:
            continue  # relative: within the package
        if any(_is_view(name) and not (name + ".").startswith(capability + ".") for name in names):
            found.append(node.lineno)
    return sorted(set(found))


def test_no_capability_imports_another_capabilitys_views():
    offenders = []
    for folder in ("app", "sync"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            capability = _capability(path)
            if capability is None:
                continue
            lines = path.read_text(encoding="utf-8").splitlines()
            for line in imports_of_other_views(ast.parse("\n".join(lines)), capability):
                offenders.append(f"{path.relative_to(ROOT).as_posix()}:{line}: {lines[line - 1].strip()}")
    assert not offenders, "a capability imports another's views:\n" + "\n".join(offenders)


def test_the_guard_finds_another_capabilitys_views():
    source = '''
from app.registration.views import _form_context
from app.desa import admin_views
from app.frame.applicant_form import form_context
def later():
    import app.registration.collective_views
from app.desa.views import blueprint
from . import views
'''
    assert imports_of_other_views(ast.parse(source), "app.desa") == [2, 6]


def test_the_guard_finds_each_way_of_importing_a_view():
    source = '''
from app.registration.views import add_detail_notice
import app.desa.views
from app.complaints import report_views
def later():
    from app.desa import views as desa_views
from app.registration import records, models
import sync.center.records
from app.frame.viewsets import x
'''
    assert view_imports(ast.parse(source)) == [2, 3, 4, 6]
    assert any(True for _ in _storage_modules())


def test_audit_rows_are_written_through_the_frame_not_the_trails_pages():
    """`from app import audit` loaded the audit trail's page package (its views, its blueprint) into
    every storage and rule module that writes an audit row; the writer is app/frame/audit.py."""
    offenders = []
    for path in sorted((ROOT / "app").rglob("*.py")) + sorted((ROOT / "sync").rglob("*.py")):
        name = path.relative_to(ROOT).as_posix()
        if name.startswith(("app/audit/", "app/programs/")):
            continue
        for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
            names = ([alias.name for alias in node.names] if isinstance(node, ast.Import) else
                     [node.module or ""] + [f"{node.module}.{alias.name}" for alias in node.names]
                     if isinstance(node, ast.ImportFrom) else [])
            if any(n == "app.audit" or n.startswith("app.audit.") for n in names):
                offenders.append(f"{name}:{node.lineno}")
    assert not offenders, "import the audit writer with `from app.frame import audit`: " + ", ".join(offenders)
