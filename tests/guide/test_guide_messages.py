"""Issue 74: what to do when something goes wrong, keyed by the messages the program shows. Every
message a program can show about updates, sync, backups and a full disk is read from its code (not from a
list written here: a new message in those modules fails this test until the guide's "pesan" page names it
with what to do) and looked up among the page's marked messages
(<span class="ui-nama" data-jenis="pesan">), placeholders written "…"."""
import html
import re
from html.parser import HTMLParser
from pathlib import Path

import pytest

from tests.guide.messages import messages_in_source, messages_in_template
from tests.guide.signed_in_pages import center_client, office_client, page

ROOT = Path(__file__).resolve().parents[2]

# The modules whose words reach the screen (a flash, a page's error, a health card, a sync or update
# state, a command's output) when an update, a sync, a backup or the disk goes wrong, per program.
# A template's message boxes (class "flash") count too.
UPDATES_BACKUPS = ("app/updates", "app/backups", "app/frame/errors.py", "templates/updates", "templates/backups")
# The center's answers (api.py to every PC's sync, relay.py to the desa PC's and to the kecamatan's pull of desa forms)
# are shown by the PC that asked; app/desa/admin_views.py speaks on the Operator Desa page of both programs.
CENTER_ANSWERS = ("sync/center/api.py", "sync/center/relay.py", "app/desa/admin_views.py")
MESSAGE_SOURCES = {
    # the center's answers to an enrolment are the PC's words: keys.py's refusals show on its Sinkronisasi page;
    # registration/center_notices.py words the center's notices on an applicant's page
    "kantor": (*UPDATES_BACKUPS, "sync/client", "app/sync_page", "templates/sync_page", "sync/center/keys.py",
               "app/registration/center_notices.py", *CENTER_ANSWERS),
    "desa": (*UPDATES_BACKUPS, "sync/client", "app/desa/relay.py", "app/desa/mode.py", "templates/desa/_sync_state.html",
             *CENTER_ANSWERS),
    "pusat": ("app/frame/errors.py", "sync/center/updates.py", "sync/center/release_commands.py", "sync/center/db.py",
              "sync/center/usb_files.py", "sync/release/key_signing.py", "sync/release/candidate_build.py", "sync/release/key_checker.py",
              "sync/release/candidate_sandbox.py", "sync/usb.py",
              "templates/center/releases.html", "templates/center/usb_import.html",
              "templates/center/_usb_file_result.html"),
}


# Modules of those folders whose words never reach a screen, and why.
NOT_ON_SCREEN = {
    "app/updates/lifecycle.py": "the update's state machine: its states, events and steps name the table for the "
                                "code's readers and its state-machine test; the update page reads the selection",
}


def program_messages(program: str) -> dict[str, str]:
    """{message: the module that makes it} for a program's sources."""
    found = {}
    for source in MESSAGE_SOURCES[program]:
        path = ROOT / source
        for module in sorted(p for p in path.rglob("*") if p.suffix in (".py", ".html")) if path.is_dir() else [path]:
            if module.relative_to(ROOT).as_posix() in NOT_ON_SCREEN:
                continue
            read = messages_in_template if module.suffix == ".html" else messages_in_source
            for text in read(module.read_text(encoding="utf-8")):
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
    assert messages_in_source("'x'\nlimit = 'paling banyak %d MB di disk ini' % size") == ["paling banyak … MB di disk ini"]


def test_the_collector_finds_the_messages_the_issue_names():
    kantor = program_messages("kantor")
    assert any(text.startswith("Kunci root dari sumber pembaruan ini TIDAK sama") and "ditolak" in text
               for text in kantor)
    assert "Ruang disk hampir habis" in kantor and "Ruang disk menipis" in kantor
    assert any(text.startswith("Hard disk komputer ini penuh") for text in kantor)
    assert any(text.startswith("Periksa sambungan internet, lalu buka Sinkronisasi") for text in kantor)
    assert any(text.startswith("Cetak sidik jari ini dan serahkan lembarnya") for text in program_messages("pusat"))
    for program in ("kantor", "desa"):  # the center's answers the PC shows, and the Operator Desa page's own words
        found = program_messages(program)
        assert any(text.startswith("Aplikasi Loket di komputer ini (versi …, protokol …) terlalu lama untuk komputer "
                                   "pusat") for text in found)
        assert any(text.startswith("Kode pendaftaran komputer desa sudah kedaluwarsa") for text in found)
        assert "Pilih desa dari daftar desa kecamatan ini." in found


def test_the_collector_reads_a_templates_message_boxes():
    source = ('{# a note #}<p class="flash flash-warn" role="alert">Komputer ini belum terdaftar di pusat cetak '
              '{{ name }}.{% if not admin %} Hubungi <a href="/x">admin kantor</a>.{% endif %}</p>'
              '<p>Teks biasa yang bukan pesan di halaman ini.</p>')
    assert messages_in_template(source) == ["Komputer ini belum terdaftar di pusat cetak …. Hubungi admin kantor."]


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
