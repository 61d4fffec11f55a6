"""A declaration that a write is no one's act covers statements, never a whole function (issue 91, finding 4):
an operator's act added later inside a function declared whole (`authenticate`, `note_delivery`) would have
been exempt from the trail guard. The three stores of what an office or a desa sends (store_application,
store_packet_items, relay._store_whole) were the last declared whole: now around their transaction or statement."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
DECLARATIONS = {"no_ones_act", "without_trail", "declaring"}
STILL_WHOLE: set[str] = set()


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
