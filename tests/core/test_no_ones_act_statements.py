"""A declaration that a write is no one's act covers statements, never a whole function (issue 91, finding 4):
an operator's act added later inside a function declared whole (`authenticate`, `note_delivery`) would have
been exempt from the trail guard. Left whole, to be narrowed: the three stores of what an office or a desa
sends (their statements sit in savepoints and one PostgreSQL statement each; docs/architecture.md)."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DECLARATIONS = {"no_ones_act", "without_trail", "declaring"}
STILL_WHOLE = {"sync/center/records.py:store_application", "sync/center/records.py:store_packet_items",
               "sync/center/relay.py:_store_whole"}


def declared_whole() -> set[str]:
    found = set()
    for folder in ("app", "sync"):
        for path in (ROOT / folder).rglob("*.py"):
            for node in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) and any(
                        isinstance(decorator, ast.Call) and (getattr(decorator.func, "id", None)
                                                             or getattr(decorator.func, "attr", None)) in DECLARATIONS
                        for decorator in node.decorator_list):
                    found.add(f"{path.relative_to(ROOT).as_posix()}:{node.name}")
    return found


def test_no_function_is_declared_no_ones_act_as_a_whole():
    assert declared_whole() == STILL_WHOLE
