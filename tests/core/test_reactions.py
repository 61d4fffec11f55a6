"""Who reacts to an act is read in one file (issue 91, finding 5): every listener point of the office
programs is declared in app/frame/reactions.py with a docstring saying when it fires, in which transaction
and what a listener may write. Before, ten `Listeners()` were made in seven modules of three packages."""
import ast
from pathlib import Path

from app.frame import reactions
from app.frame.listeners import Listeners

ROOT = Path(__file__).resolve().parents[2]
DECLARED_IN = ROOT / "app" / "frame" / "reactions.py"


def made_listener_points(path: Path) -> list[int]:
    """The lines of `path` that make a Listeners (a call of the name, however imported)."""
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [node.lineno for node in ast.walk(tree) if isinstance(node, ast.Call)
            and (getattr(node.func, "id", None) or getattr(node.func, "attr", None)) == "Listeners"]


def test_every_listener_point_is_declared_in_the_reactions_file():
    elsewhere = [f"{path.relative_to(ROOT)}:{line}" for folder in ("app", "sync") for path in (ROOT / folder).rglob("*.py")
                 if path != DECLARED_IN for line in made_listener_points(path)]
    assert elsewhere == [], "declare the listener point in app/frame/reactions.py, with its docstring"


def test_every_declared_listener_point_says_when_where_and_what():
    points = {name: value for name, value in vars(reactions).items() if isinstance(value, Listeners)}
    assert len(points) == len(made_listener_points(DECLARED_IN)) >= 10
    for name, point in points.items():
        doc = " ".join((point.__doc__ or "").split())
        assert doc.startswith("fn("), f"{name}: say what a listener is called with and when"
        assert "transaction" in doc, f"{name}: say in which transaction it fires"
        assert "may write" in doc or "no write" in doc, f"{name}: say what a listener may write"
