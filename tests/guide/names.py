"""Checking a guide's marked names against the program (issue 74): a menu item in the role's menu, a button,
a link or a page heading on the page the name says, a message somewhere in the program's source. Used by
tests/guide/test_guide_names.py for the office, the desa PC and the center, and by the journeys that follow
a guide's names in order."""
import ast
import re
from functools import lru_cache
from html.parser import HTMLParser
from pathlib import Path

from app.frame.guide_content import KINDS, read_sections
from tests.guide.messages import messages_in_source, messages_in_template

ROOT = Path(__file__).resolve().parents[2]
MARKED = re.compile(r'class="ui-nama"')


def label_pattern(label: str) -> re.Pattern:
    """A label as a whole text; "…" stands for a part the program fills in (a number, a name)."""
    return re.compile(".+?".join(re.escape(part.strip()) for part in label.split("…")), re.S)


def words(text: str) -> str:
    return " ".join(text.split())


class PageReader(HTMLParser):
    """The texts a person reads as names on a page: its menu, its buttons, its links, its heading."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found = {kind: [] for kind in KINDS}
        self._open = []   # [tag, kinds, text parts, href] of the elements being read
        self._menu = 0    # inside <nav class="menu">
        self._hidden = 0  # inside an element the person does not see as its text (badge counts stay)

    def handle_starttag(self, tag, attrs):
        attributes = dict(attrs)
        classes = (attributes.get("class") or "").split()
        if tag == "nav" and "menu" in classes:
            self._menu += 1
        if tag == "input" and attributes.get("type") in ("submit", "button"):
            self.found["tombol"].append(words(attributes.get("value") or ""))
            return
        kinds = []
        if tag in ("button", "summary") or (tag == "a" and "button" in classes):
            kinds.append("tombol")
        if tag == "a":
            kinds.append("menu" if self._menu else "tautan")
        if tag == "h1":
            kinds.append("halaman")
        if kinds:
            self._open.append([tag, kinds, [], attributes.get("href")])
        if "sr-only" in classes:
            self._hidden += 1
            self._open.append(["sr-only:" + tag, [], [], None])

    def handle_endtag(self, tag):
        if tag == "nav" and self._menu:
            self._menu -= 1
        for index in range(len(self._open) - 1, -1, -1):
            name = self._open[index][0]
            if name == tag or name == "sr-only:" + tag:
                opened, kinds, text, href = self._open.pop(index)
                if opened.startswith("sr-only:"):
                    self._hidden -= 1
                for kind in kinds:
                    self.found[kind].append((words("".join(text)), href) if kind == "menu" else words("".join(text)))
                return

    def handle_data(self, data):
        if not self._hidden:
            for element in self._open:
                element[2].append(data)


def page_names(html: str) -> dict:
    reader = PageReader()
    reader.feed(html)
    reader.close()
    return reader.found


def on_page(kind: str, label: str, page, href: str | None = None) -> bool:
    """Does the page (its HTML, or its page_names) show `label` as a name of `kind` (a menu item: the link to
    `href`, its badge aside)?"""
    pattern = label_pattern(words(label))
    for found in (page_names(page) if isinstance(page, str) else page)[kind]:
        if kind == "menu":
            text, link = found
            text = re.sub(r"\s+\d+$", "", text)  # the badge's count
            if pattern.fullmatch(text) and (href is None or link == href):
                return True
        elif pattern.fullmatch(found):
            return True
    return False


@lru_cache(maxsize=1)
def program_texts() -> tuple[str, ...]:
    """Every text the programs can show: the string constants of app/ and sync/ (an f-string's fixed parts
    joined by "…") and the text of the templates (their Jinja parts as "…")."""
    texts = []
    for folder in ("app", "sync"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            source = path.read_text(encoding="utf-8")
            texts.extend(messages_in_source(source))  # a message made of pieces ("Ruang disk " + "menipis"), whole
            for node in ast.walk(ast.parse(source)):
                if isinstance(node, ast.Constant) and isinstance(node.value, str):
                    texts.append(words(node.value))
                elif isinstance(node, ast.JoinedStr):
                    texts.append(words("…".join(part.value if isinstance(part, ast.Constant) else ""
                                                for part in node.values)))
    for path in sorted((ROOT / "templates").rglob("*.html")):
        if path.parent.name == "guide":
            continue  # the guides themselves say everything
        text = path.read_text(encoding="utf-8")
        texts.extend(messages_in_template(text))  # a message box's sentence as the "pesan" pages quote it
        text = re.sub(r"\{\{.*?\}\}|\{%.*?%\}|\{#.*?#\}", "…", text, flags=re.S)
        texts.append(words(re.sub(r"<[^>]+>", " ", text)))
    return tuple(texts)


@lru_cache(maxsize=1)
def _whole_texts() -> frozenset:
    return frozenset(program_texts())


@lru_cache(maxsize=None)
def message_in_program(label: str) -> bool:
    if words(label) in _whole_texts():  # quoted whole, as the "pesan" pages do: no pattern to try on every text
        return True
    pattern = label_pattern(words(label))
    return any(pattern.search(text) for text in program_texts())


def marked_names(html: str) -> list:
    """(section, name) for every marked name of a rendered guide; a name outside a section is an error."""
    sections = read_sections(html)
    pairs = [(section, name) for section in sections for name in section.names]
    assert len(pairs) == len(MARKED.findall(html)), "a marked name outside a <section data-halaman>"
    return pairs
