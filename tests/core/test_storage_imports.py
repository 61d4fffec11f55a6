"""Issue 31: one path for each change runs downwards. A storage module (records, models,
sync_records, queries) never imports a view module, not even lazily inside a function: a view
calls the storage, never the other way round."""
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
