"""Issue 25: "Reset sandi" and "server" were left in English on the admin's and clerk's screens."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
ENGLISH = re.compile(r"\b(server|reset)\b", re.I)


def _shown_text(path: Path) -> str:
    text = path.read_text(encoding="utf-8")
    if path.suffix == ".html":
        text = re.sub(r"\{#.*?#\}", "", text, flags=re.S)  # template comments
        text = re.sub(r"\{[{%].*?[%}]\}", "", text, flags=re.S)  # template code
        return re.sub(r"<[^>]*>", " ", text)  # tags and their attributes
    # JavaScript: only its string literals with a space reach the screen (not selectors or attributes)
    return " ".join(t for t in re.findall(r'"([^"\n]*)"', text) if " " in t)


def test_no_english_word_on_the_screens():
    files = [*(ROOT / "templates").rglob("*.html"), *(ROOT / "static" / "js").glob("*.js")]
    found = [f"{p.relative_to(ROOT)}: {m.group(0)}" for p in files for m in ENGLISH.finditer(_shown_text(p))]
    assert found == []
