"""Issue 74: a name the program shows is marked in the guides (guide/_nama.html's n(), or its <span class="ui-nama">), so
the names test (test_guide_names.py) checks it. Buttons shown only in some states were written bold (<b>Tolak</b>,
<b>Pasang pembaruan sekarang</b>) and no test saw them. In a guide a name is marked and <strong> is only emphasis:
no <b>, and no <strong> on a text another step marks as a menu item, button, link or page."""
import html
import re
from pathlib import Path

GUIDES = Path(__file__).resolve().parents[2] / "templates" / "guide"
CONTROLS = ("menu", "tombol", "tautan", "halaman")  # the kinds a reader looks for on the screen
MACRO = re.compile(r'\bn\(\s*"(\w+)"\s*,\s*"[^"]*"\s*,\s*"([^"]*)"\s*\)')
SPAN = re.compile(r'<span class="ui-nama" data-jenis="(\w+)"[^>]*>(.*?)</span>', re.S)
STRONG = re.compile(r"<strong>(.*?)</strong>", re.S)


def words(text: str) -> str:
    return " ".join(html.unescape(re.sub(r"<[^>]+>", "", text)).split())


def sources() -> dict[str, str]:
    return {path.name: path.read_text(encoding="utf-8") for path in sorted(GUIDES.glob("*.html"))}


def marked_controls(texts) -> set[str]:
    return {words(label) for text in texts for pattern in (MACRO, SPAN) for kind, label in pattern.findall(text)
            if kind in CONTROLS}


def unmarked(name: str, text: str, controls: set[str]) -> list[str]:
    found = [f"{name}: <b>{words(bold)}</b> (mark it with n(), or write <strong> for emphasis)"
             for bold in re.findall(r"<b>(.*?)</b>", text, re.S)]
    return found + [f"{name}: <strong>{words(strong)}</strong> names a control: mark it with n()"
                    for strong in STRONG.findall(text) if words(strong) in controls]


def test_every_name_in_the_guides_is_marked():
    guides = sources()
    controls = marked_controls(guides.values())
    problems = [problem for name, text in guides.items() for problem in unmarked(name, text, controls)]
    assert not problems, "\n".join(problems)


def test_a_bold_button_is_found_unmarked():
    """The rule itself: a button written bold, or as emphasis while another step marks it, is found."""
    controls = marked_controls(['{{ n("tombol", "center.application", "Tolak") }}',
                                '<span class="ui-nama" data-jenis="tombol" data-halaman="x">Minta kirim ulang</span>',
                                '{{ n("pesan", "", "Ruang disk menipis") }}'])
    assert controls == {"Tolak", "Minta kirim ulang"}
    assert unmarked("g", "tekan <b>Pasang pembaruan sekarang</b>", controls)
    assert unmarked("g", "lalu <strong>Tolak</strong>", controls)
    assert not unmarked("g", "<strong>Ruang disk menipis</strong>, <strong>tidak ada yang hilang</strong>", controls)


QUOTED = re.compile(r"[“«]([^”»]+)[”»]")


def unmarked_quotes(name: str, text: str) -> list[str]:
    """What a guide quotes outside a marked name: a sentence of the screen that no test would compare (issue 83: the
    checker read the names the guides mark, not what they quote). One word ("ditolak") is a way of speaking."""
    outside = SPAN.sub("", MACRO.sub("", text))
    return [f"{name}: “{words(quote)}” is quoted but not marked: mark it with n() so the names test reads it"
            for quote in QUOTED.findall(outside) if len(words(quote).split()) > 1]


def test_every_quote_of_the_screen_in_the_guides_is_marked():
    problems = [problem for name, text in sources().items() for problem in unmarked_quotes(name, text)]
    assert not problems, "\n".join(problems)


def test_a_quoted_message_is_found_unmarked():
    assert unmarked_quotes("g", "program menampilkan “Kunci pemulihan salah, coba lagi.”")
    assert not unmarked_quotes("g", 'menyebut “ditolak” atau “gagal”; tanda “…”')
    assert not unmarked_quotes("g", '{{ n("pesan", "", "Kunci “lama” salah") }}')
