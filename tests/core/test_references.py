"""What a reader follows is there: every function and class of the product is used somewhere, every
file a comment or doc names exists, and the repository's docs carry what a reader needs (no page
outside the repository is cited)."""
import ast
import re
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).parents[2]
PRODUCT = ("app", "sync")


def _files(folders, pattern):
    return [path for folder in folders for path in sorted((ROOT / folder).rglob(pattern))]


def test_every_definition_is_used():
    """A top-level function or class whose name appears nowhere else (product, templates, scripts,
    benches or tests) is dead. Models are tables: the migrations and the schema check use them."""
    texts = [path.read_text(encoding="utf-8") for path in
             _files(PRODUCT + ("scripts", "bench", "tests"), "*.py") + _files(("templates",), "*.html")]
    texts.append((ROOT / "run.py").read_text(encoding="utf-8"))
    counts = Counter(re.findall(r"[A-Za-z_]\w*", "\n".join(texts)))
    dead = []
    for path in _files(PRODUCT, "*.py"):
        for node in ast.parse(path.read_text(encoding="utf-8")).body:
            table = isinstance(node, ast.ClassDef) and any("Model" in ast.unparse(base) for base in node.bases)
            if (isinstance(node, (ast.FunctionDef, ast.ClassDef)) and not node.decorator_list
                    and not table and counts[node.name] <= 1):
                dead.append(f"{path.relative_to(ROOT)}:{node.lineno} {node.name}")
    assert dead == []


NAMED_FILE = re.compile(r"\b((?:app|sync|tests|templates|bench|scripts|docs|static)/[\w./-]+?\.(?:py|html|md|json|js|css))\b")


def test_every_file_a_comment_or_doc_names_exists():
    sources = (_files(PRODUCT + ("tests", "scripts", "bench"), "*.py") + _files(("docs",), "*.md")
               + _files(("templates",), "*.html") + [ROOT / "README.md", ROOT / "run.py"])
    missing = [f"{path.relative_to(ROOT)}:{number} {name}" for path in sources
               for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
               for name in NAMED_FILE.findall(line) if not (ROOT / name).exists() and "*" not in name]
    assert missing == []


def test_no_page_outside_the_repository_is_cited():
    sources = (_files(PRODUCT + ("tests", "scripts", "bench"), "*.py") + _files(("docs",), "*.md")
               + _files(("templates",), "*.html") + [ROOT / "README.md", ROOT / "run.py"])
    cited = [str(path.relative_to(ROOT)) for path in sources
             if "shared/" + "DESIGN.md" in path.read_text(encoding="utf-8")
             or "shared/" + "STYLE.md" in path.read_text(encoding="utf-8")]
    assert cited == []
