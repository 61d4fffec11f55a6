"""Issue 70: a function in a product module that only tests call pins a rule the product may not follow
(`ikm.quality_of` graded by the NI column, while every page grades the published IKM) or lets a test
reach into the product's memory. Every module-level function of app/ and sync/ is named somewhere in the
product besides its definition (code, templates, scripts, run.py); a test's own helpers live in tests/
(tests/support/fresh_process.py, ...). A function registered by a decorator is called by the framework."""
import ast
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
PRODUCT_SUFFIXES = (".py", ".html", ".txt", ".toml", ".json", ".cfg", ".ini")


def product_files() -> list[Path]:
    files = [p for folder in ("app", "sync") for p in (ROOT / folder).rglob("*") if p.suffix in PRODUCT_SUFFIXES]
    return files + [ROOT / "run.py", *(ROOT / "scripts").rglob("*.py")]


def only_tests_call(texts: dict[Path, str]) -> list[str]:
    """`path: name` of each undecorated module-level function named nowhere in the product but its definition."""
    seen = {}
    for path, text in texts.items():
        for word in set(re.findall(r"\w+", text)):
            seen.setdefault(word, set()).add(path)
    found = []
    for path, text in texts.items():
        if path.suffix != ".py" or path.parts[len(ROOT.parts)] not in ("app", "sync"):
            continue
        for node in ast.parse(text).body:
            if isinstance(node, ast.FunctionDef) and not node.decorator_list and seen[node.name] == {path} \
                    and len(re.findall(rf"\b{node.name}\b", text)) == 1:
                found.append(f"{path.relative_to(ROOT).as_posix()}: {node.name}")
    return sorted(found)


def test_every_product_function_is_called_by_the_product():
    texts = {path: path.read_text(encoding="utf-8") for path in product_files()}
    assert len(texts) > 200
    assert only_tests_call(texts) == []


def test_the_guard_finds_a_function_only_tests_call():
    made_up = ROOT / "app" / "made_up"
    texts = {made_up / "one.py": "def used():\n    return 1\n\n\ndef lonely():\n    return used()\n",
             made_up / "two.py": "from app.made_up.one import used\nused()\n"}
    assert only_tests_call(texts) == [f"{(made_up / 'one.py').relative_to(ROOT).as_posix()}: lonely"]
