"""Storage modules import no view: a record write or a sync kind that needs a page's helper loads the
whole page module (and its capability's imports) in a process that serves no page, and runs back up
the layers. Read from the source, lazy imports inside functions included."""
import ast
from pathlib import Path

ROOT = Path(__file__).parents[2]


def _storage_modules():
    for folder in ("app", "sync"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            named_for_storage = path.name in ("models.py", "records.py", "sync_records.py", "relay.py")
            # the desa's non-page modules (its programs' capabilities, kecamatan.py and pc.py, build the pages)
            in_desa = (path.parent == ROOT / "app" / "desa" and "views" not in path.name
                       and path.name not in ("__init__.py", "kecamatan.py", "pc.py"))
            if named_for_storage or in_desa:
                yield path


def _imported_names(tree):
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            yield node.lineno, node.module
            yield from ((node.lineno, f"{node.module}.{alias.name}") for alias in node.names)
        elif isinstance(node, ast.Import):
            yield from ((node.lineno, alias.name) for alias in node.names)


def test_no_storage_module_imports_a_view():
    found = [f"{path.relative_to(ROOT)}:{line} {name}" for path in _storage_modules()
             for line, name in _imported_names(ast.parse(path.read_text(encoding="utf-8")))
             if name.rsplit(".", 1)[-1].endswith("views")]
    assert found == []


def test_the_guard_reads_the_storage_modules():
    paths = {str(path.relative_to(ROOT)) for path in _storage_modules()}
    assert {"app/desa/records.py", "app/registration/sync_records.py", "app/desa/relay.py",
            "sync/center/records.py"} <= paths
