"""The messages a module's code can show a person (issue 74): its whole string expressions rendered with "…"
for what the program fills in, and the message boxes of its templates. tests/guide/test_guide_messages.py looks each one up in a program's "pesan" page,
and tests/guide/names.py finds a guide's marked message among them."""
import ast
import re
from html.parser import HTMLParser

# Common Indonesian words: a string with one of them and a space is words for a person, not a key or a name.
INDONESIAN = frozenset("yang dan tidak di ke dari ini itu untuk sudah belum dengan atau ada akan bila lalu pada masih "
                       "dulu sedang oleh tanpa karena agar jangan bukan dapat harus minta coba tetap lagi "
                       # and the words of these pages, for a card's short title ("Ruang disk menipis")
                       "komputer disk cadangan kunci pusat pembaruan versi berkas sinkronisasi rilis".split())
# Calls whose strings go to a log or the audit trail, never to the screen as a message to act on;
# a command's --help stays in English for the project (README, "Commands").
# (password_again: its purpose goes into the trail's sentence; its refusal is throttle's, named in the guide)
QUIET_CALLS = frozenset({"debug", "info", "warning", "error", "exception", "critical", "record", "password_again",
                         "getLogger",
                         "add_argument", "add_parser", "add_subparsers", "ArgumentParser"})
PLACEHOLDER = "…"


def _is_text(node) -> bool:
    if isinstance(node, ast.JoinedStr):
        return True
    if isinstance(node, ast.Constant):
        return isinstance(node.value, str)
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return _is_text(node.left) or _is_text(node.right)
    if isinstance(node, ast.IfExp):
        return _is_text(node.body) and _is_text(node.orelse)
    return False


def _empty(node) -> bool:
    return isinstance(node, ast.Constant) and node.value == ""


def _forms(node) -> list[str]:
    """The texts an expression can show, with "…" for what it fills in. A clause added only sometimes
    (`x if n else ""`) is read in its fullest form; two real alternatives are two messages."""
    if isinstance(node, ast.Constant) and isinstance(node.value, str):
        # a str.format field ("PC {code}") and a %-field ("%d MB") are filled in too
        return [re.sub(r"\{\w*\}|%[sd]", PLACEHOLDER, node.value)]
    if isinstance(node, ast.JoinedStr):
        forms = [""]
        for part in node.values:
            pieces = _forms(part) if isinstance(part, ast.Constant) else [PLACEHOLDER]
            forms = [a + b for a in forms for b in pieces]
        return forms
    if isinstance(node, ast.BinOp) and isinstance(node.op, ast.Add):
        return [a + b for a in _forms(node.left) for b in _forms(node.right)]
    if isinstance(node, ast.IfExp):
        if _empty(node.orelse):
            return _forms(node.body)
        if _empty(node.body):
            return _forms(node.orelse)
        return _forms(node.body) + _forms(node.orelse)
    return [PLACEHOLDER]


def _is_message(text: str) -> bool:
    words = re.findall(r"[a-z]+", text.lower())
    placeholder = re.fullmatch(r"<[^<>]+>", text)  # a command's <folder data pusat>: the reader types a name there
    return (" " in text and not text.startswith("/") and not placeholder and len(words) >= 3
            and not INDONESIAN.isdisjoint(words))


def messages_in_source(source: str) -> list[str]:
    """Every sentence for a person a module's code can make: its whole string expressions (docstrings,
    dictionary keys, comparisons, log and audit calls left out), each rendered with "…" for its
    placeholders, whitespace collapsed."""
    tree = ast.parse(source)
    inside = set()
    for node in ast.walk(tree):
        if isinstance(node, (ast.Module, ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)) and node.body \
                and isinstance(node.body[0], ast.Expr) and isinstance(node.body[0].value, ast.Constant):
            inside.add(id(node.body[0].value))
        quiet = []
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and node.func.attr in QUIET_CALLS:
            quiet = [*node.args, *(keyword.value for keyword in node.keywords)]
        elif isinstance(node, ast.Dict):
            quiet = [key for key in node.keys if key is not None]
        elif isinstance(node, ast.Compare):
            quiet = [node]
        for part in quiet:
            inside.update(id(child) for child in ast.walk(part))
        if _is_text(node) and id(node) not in inside:
            inside.update(id(child) for child in ast.walk(node) if child is not node)
    found = []
    shown = [node for node in ast.walk(tree) if _is_text(node) and id(node) not in inside]
    for node in sorted(shown, key=lambda node: (node.lineno, node.col_offset)):
        for form in _forms(node):
            text = re.sub(r"\s+", " ", form).strip()
            if _is_message(text) and text not in found:
                found.append(text)
    return found


class _Flashes(HTMLParser):
    """The texts of a template's message boxes (class "flash"), its Jinja already turned into text."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self._depth, self._text = [], 0, []

    def handle_starttag(self, tag, attrs):
        if self._depth:
            self._depth += 1
            self._text.append(" ")
        elif "flash" in (dict(attrs).get("class") or "").split() and tag not in ("br", "input", "img"):
            self._depth, self._text = 1, []

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1
            self._text.append(" ")
            if not self._depth:
                self.found.append("".join(self._text))

    def handle_data(self, data):
        if self._depth:
            self._text.append(data)


def messages_in_template(source: str) -> list[str]:
    """The sentences of a template's message boxes (<p class="flash …">): what it prints as "…", its tags
    and comments left out; a part shown only sometimes (`{% if %} … {% endif %}`) read in its fullest form."""
    source = re.sub(r"\{#.*?#\}", "", source, flags=re.S)
    source = re.sub(r"\{\{.*?\}\}", PLACEHOLDER, source, flags=re.S)
    source = re.sub(r"\{%.*?%\}", "", source, flags=re.S)
    parser = _Flashes()
    parser.feed(source)
    found = []
    for text in parser.found:
        text = re.sub(r"\s+([.,:;)])", r"\1", re.sub(r"\s+", " ", text)).strip()
        if _is_message(text) and text not in found:
            found.append(text)
    return found
