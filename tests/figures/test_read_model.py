"""The read model of the figures sits below the pages that show them (issue 31)."""
import ast
from functools import lru_cache
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


@lru_cache(maxsize=None)
def _tree(path: Path) -> ast.Module:
    return ast.parse(path.read_text(encoding="utf-8"))


@lru_cache(maxsize=1)
def _product_files() -> list[Path]:
    return sorted([*(ROOT / "app").rglob("*.py"), *(ROOT / "sync").rglob("*.py")])


def _imports(path: Path) -> list[tuple[str, bool]]:
    """(module, imported inside a function) of every import in the file."""
    tree = _tree(path)
    nested = {id(n) for f in ast.walk(tree) if isinstance(f, (ast.FunctionDef, ast.AsyncFunctionDef))
              for n in ast.walk(f)}
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.ImportFrom) and node.module:
            found += [(node.module, id(node) in nested)] + [(f"{node.module}.{a.name}", id(node) in nested)
                                                             for a in node.names]
        elif isinstance(node, ast.Import):
            found += [(a.name, id(node) in nested) for a in node.names]
    return found


def test_the_read_model_imports_the_frame_only():
    for path in sorted((ROOT / "app" / "figures").glob("*.py")):
        above = [m for m, _ in _imports(path) if m.startswith(("app.", "sync")) and not m.startswith(
            ("app.frame", "app.figures"))]
        assert above == [], path.name


def test_survey_reads_the_tallies_from_the_read_model_not_from_indicators():
    for path in sorted((ROOT / "app" / "survey").glob("*.py")):
        assert [m for m, _ in _imports(path) if m.startswith("app.indicators")] == [], path.name
    for capability in ("indicators", "survey", "recap"):
        for path in sorted((ROOT / "app" / capability).glob("*.py")):
            assert "tallies" not in [m.rsplit(".", 1)[-1] for m, lazy in _imports(path) if lazy], path


def test_no_module_adds_indexes_to_a_table_declared_elsewhere():
    for path in _product_files():
        tree = _tree(path)
        declared = {n.name for n in ast.walk(tree) if isinstance(n, ast.ClassDef)}
        for node in ast.walk(tree):
            if (isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr == "add_index"
                    and isinstance(node.func.value, ast.Name)):
                assert node.func.value.id in declared, f"{path.relative_to(ROOT)} adds an index to {node.func.value.id}"


def test_the_tallies_checker_lives_with_the_tests():
    """live_<reader>: the same figures counted from the rows, an oracle for tests and benches only."""
    readers = {n.name for n in ast.walk(_tree(ROOT / "app" / "figures" / "tallies.py"))
               if isinstance(n, ast.FunctionDef)}
    for path in _product_files():
        tree = _tree(path)
        oracles = [n.name for n in ast.walk(tree) if isinstance(n, ast.FunctionDef) and n.name.startswith("live_")
                   and n.name[len("live_"):] in readers]
        assert oracles == [], path.relative_to(ROOT)


def test_survey_views_write_through_its_records_module():
    """One path for each change (issue 31): the views parse and answer; app/survey/records.py writes."""
    source = (ROOT / "app" / "survey" / "views.py").read_text(encoding="utf-8")
    assert "database.atomic" not in source and "audit.record" not in source


def test_recap_views_write_through_its_records_module():
    source = (ROOT / "app" / "recap" / "views.py").read_text(encoding="utf-8")
    assert "database.atomic" not in source and "audit.record" not in source
