"""Issue 74: what to do when something goes wrong, keyed by the messages the program shows. Every
message a program can show about updates, sync, backups and a full disk is read from its code (not from a
list written here: a new message in those modules fails this test until the guide's "pesan" page names it
with what to do) and looked up among the page's marked messages
(<span class="ui-nama" data-jenis="pesan">), placeholders written "…"."""
import ast
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.guide.signed_in_pages import center_client, office_client, page

ROOT = Path(__file__).resolve().parents[2]

# The modules whose words reach the screen (a flash, a page's error, a health card, a sync or update
# state, a command's output) when an update, a sync, a backup or the disk goes wrong, per program.
UPDATES_BACKUPS = ("app/updates", "app/backups", "app/frame/errors.py")
MESSAGE_SOURCES = {
    "kantor": (*UPDATES_BACKUPS, "sync/client", "app/sync_page"),
    "desa": (*UPDATES_BACKUPS, "sync/client", "app/desa/relay.py"),
    "pusat": ("app/frame/errors.py", "sync/center/updates.py", "sync/center/release_commands.py",
              "sync/center/usb_files.py", "sync/releases.py", "sync/release_build.py", "sync/usb.py"),
}
# Common Indonesian words: a string with one of them and a space is words for a person, not a key or a name.
INDONESIAN = frozenset("yang dan tidak di ke dari ini itu untuk sudah belum dengan atau ada akan bila lalu pada masih "
                       "dulu sedang oleh tanpa karena agar jangan bukan dapat harus minta coba tetap lagi "
                       # and the words of these pages, for a card's short title ("Ruang disk menipis")
                       "komputer disk cadangan kunci pusat pembaruan versi berkas sinkronisasi rilis".split())
# Calls whose strings go to a log or the audit trail, never to the screen as a message to act on;
# a command's --help stays in English for the project (README, "Commands").
QUIET_CALLS = frozenset({"debug", "info", "warning", "error", "exception", "critical", "record", "getLogger",
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
        return [node.value]
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
    return " " in text and not text.startswith("/") and len(words) >= 3 and not INDONESIAN.isdisjoint(words)


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


def program_messages(program: str) -> dict[str, str]:
    """{message: the module that makes it} for a program's sources."""
    found = {}
    for source in MESSAGE_SOURCES[program]:
        path = ROOT / source
        for module in sorted(path.rglob("*.py")) if path.is_dir() else [path]:
            for text in messages_in_source(module.read_text(encoding="utf-8")):
                found.setdefault(text, module.relative_to(ROOT).as_posix())
    return found


class _MarkedMessages(HTMLParser):
    """The texts of <span class="ui-nama" data-jenis="pesan"> in a page."""

    def __init__(self):
        super().__init__(convert_charrefs=True)
        self.found, self._depth, self._text = [], 0, []

    def handle_starttag(self, tag, attrs):
        attrs = dict(attrs)
        if self._depth:
            self._depth += 1
        elif tag == "span" and "ui-nama" in (attrs.get("class") or "").split() and attrs.get("data-jenis") == "pesan":
            self._depth, self._text = 1, []

    def handle_endtag(self, tag):
        if self._depth:
            self._depth -= 1
            if not self._depth:
                self.found.append(re.sub(r"\s+", " ", "".join(self._text)).strip())

    def handle_data(self, data):
        if self._depth:
            self._text.append(data)


def marked_messages(page: str) -> set[str]:
    parser = _MarkedMessages()
    parser.feed(page)
    return {html.unescape(text) for text in parser.found}


def missing_from(page: str, program: str) -> list[str]:
    shown = marked_messages(page)
    return [f"{module}: {text}" for text, module in program_messages(program).items() if text not in shown]


# --- the collector itself ----------------------------------------------------------------------------

def test_the_collector_reads_a_new_message_however_it_is_written():
    """A message added tomorrow, as a flash, a raised error, an f-string or a sum of pieces, is found;
    logs, the audit trail, docstrings and keys are not messages."""
    source = '''
"""A module's docstring is not shown."""
log.warning("sinkronisasi gagal di jalan: %s", problem)
audit.record("cadangkan", "cadangan", name, "Cadangan manual dibuat di folder")
flash("Berkas pembaruan belum lengkap; colok ulang flashdisk lalu coba lagi.", "error")
raise BackupError(f"Cadangan {name} tidak dapat dibaca. Salin ulang dari flashdisk.")
WORDS = {"kunci yang hilang di sini": 1}
if kind == "tidak ada yang cocok di sini":
    pass
note = "Ruang disk " + ("hampir habis" if danger else "menipis") + " di komputer ini"
said = f"terkirim {n}" + (f", diberi nomor baru {m} di pusat" if m else "")
'''
    assert messages_in_source(source) == [
        "Berkas pembaruan belum lengkap; colok ulang flashdisk lalu coba lagi.",
        "Cadangan … tidak dapat dibaca. Salin ulang dari flashdisk.",
        "Ruang disk hampir habis di komputer ini", "Ruang disk menipis di komputer ini",
        "terkirim …, diberi nomor baru … di pusat"]


def test_the_collector_finds_the_messages_the_issue_names():
    kantor = program_messages("kantor")
    assert any(text.startswith("Kunci root dari sumber pembaruan ini TIDAK sama") and "ditolak" in text
               for text in kantor)
    assert "Ruang disk hampir habis" in kantor and "Ruang disk menipis" in kantor
    assert any(text.startswith("Hard disk komputer ini penuh") for text in kantor)
    assert any(text.startswith("Periksa sambungan internet, lalu buka Sinkronisasi") for text in kantor)
    assert any(text.startswith("Cetak sidik jari ini dan serahkan lembarnya") for text in program_messages("pusat"))


def test_a_marked_message_is_read_whole_and_unescaped():
    page = ('<p>Bila muncul <span class="ui-nama" data-jenis="pesan" data-halaman="updates.index">Kunci '
            '<b>root</b>\n  &amp; lain …</span>, <span class="ui-nama" data-jenis="tombol">Pasang</span></p>')
    assert marked_messages(page) == {"Kunci root & lain …"}


# --- the guides' pages --------------------------------------------------------------------------------

@pytest.mark.parametrize("program", sorted(MESSAGE_SOURCES))
def test_every_message_about_updates_sync_backups_and_disk_is_in_the_guide(program, guide_page):
    missing = missing_from(guide_page(program), program)
    assert missing == [], f"halaman pesan {program} belum memuat {len(missing)} pesan:\n" + "\n".join(missing)


@pytest.fixture
def guide_page(tmp_path, set_up_office_folder):
    """guide_page(program) -> the program's /bantuan/pesan as its admin reads it."""
    def read(program: str) -> str:
        if program == "pusat":
            _, client = center_client(tmp_path / program)
        else:
            _, client = office_client(tmp_path / program, set_up_office_folder, program)
        return page(client, "/bantuan/pesan")
    return read
