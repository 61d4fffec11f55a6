"""The print check (issue 43): a printed document rendered to PDF by Chromium on A4 or F4, and read back
as its reader would see the paper.

`print_check(page, url, ...)` prints the page and returns every problem a person would notice on the paper:
  - text past the page's edge (a word within `edge_mm` of the paper's edge: out of its margin) or an element
    wider than the printable width (what the PDF does not carry at all: a cut column);
  - a word broken inside: each word on the paper (pdftotext -bbox) must be a whole word of the page's text;
  - an expected text (a column's header, each kecamatan's name) not on the paper;
  - a signature on a page without the data it signs;
  - text under 8 pt.
"""
import re
import subprocess
import tempfile
from dataclasses import dataclass, field
from html import unescape
from io import BytesIO
from pathlib import Path

from tests.browser.helpers import _OVERFLOW_JS, _safe, artifacts_dir, text_sizes_pt

# Paper sizes in mm, portrait (width, height). F4 (folio) is the common paper in Indonesian offices. A thermal
# roll (the kiosk's printer) is printed as one strip of 400 mm: one sheet is one strip.
PAPERS = {"A4": (210, 297), "F4": (215, 330), "80mm": (80, 400), "58mm": (58, 400)}
ROLL_MARGIN_MM = 3  # print.css's roll margins (4 mm 3 mm)

# What a citizen keeps and a village head signs is printed at these (issue 62): the longest values the forms
# accept (app/frame/person_rules.LIMITS: name 100, birth place 60, address 200, occupation 60; the hand-over's
# relation 40, app/registration/views.validate_handover; the collective letter's number 80 and sender 120,
# app/registration/collective.validate_letter), in real Indonesian words, so a word is never longer than a real one.
LONGEST = {
    "full_name": "Raden Roro Siti Nurhaliza Kusumawardhani Puspitasari Ningrum Prawiroatmodjo Hadiningrat Wiryo Kusumo",
    "birth_place": "Tanjung Balai Karimun, Kabupaten Karimun, Kepulauan Riau, RI",
    "address": "Jl. Letnan Jenderal Soeprapto Gang Masjid Baiturrahman No. 117 Dusun Krajan Kidul, Perumahan Griya "
               "Permata Asri Blok C-12, belakang Pondok Pesantren Miftahul Ulum, seberang Balai Desa yang lama, timur",
    "occupation": "Karyawan Badan Usaha Milik Negara/Badan Usaha Milik Daerah X",
    "relation": "Kakak kandung (saudara perempuan) ibunya",
    "letter_number": "421.3/1178/SMKN1-YSW/101.6.5.1/2026 perihal Permohonan Perekaman KTP-el Kolektif",
    "sender": "Sekolah Menengah Kejuruan Negeri 1 Yosowilangun, Dinas Pendidikan Provinsi Jawa Timur, Cabang Dinas "
              "Kabupaten Lumajang I",
    # Catatan (500): the dispensation of a marriage below 19 the F-1.07 carries to the Kepala Desa's signature
    "notes": "Dispensasi kawin dari Pengadilan Agama Lumajang Nomor 1178/Pdt.P/2025/PA.Lmj tanggal 3 Maret 2025, "
             "diajukan oleh kedua orang tua pemohon dan dikabulkan setelah sidang pemeriksaan; akta nikah Kantor "
             "Urusan Agama Kecamatan Yosowilangun Nomor 0117/021/III/2025 tanggal 10 Maret 2025. Salinan penetapan "
             "pengadilan dan akta nikah sudah diperiksa oleh Kepala Desa dan dilampirkan bersama fotokopi Kartu "
             "Keluarga. Pemohon tinggal bersama suami di rumah orang tuanya dan belum pernah memiliki KTP-el.",
}
# The real person: a 71-character name and a 104-character address put the counter receipt on two A4 sheets.
LONG_PERSON = {
    "full_name": "Raden Ayu Siti Nurhaliza Kusumawardhani Puspitasari Ningrum Hadiningrat",
    "birth_place": "Pangkalan Kerinci, Kabupaten Pelalawan",
    "address": "Jl. Letnan Jenderal Soeprapto Gang Masjid Baiturrahman No. 117/A Dusun Krajan Kidul, belakang Balai Desa",
    "occupation": "Mengurus Rumah Tangga",
    "relation": "Ibu kandung",
    "letter_number": "421.3/117/SMAN1/2026",
    "sender": "SMA Negeri 1 Yosowilangun",
    "notes": "Dispensasi kawin PA Lumajang Nomor 117/Pdt.P/2025/PA.Lmj",
}
# The long addresses an office really gives (a regency's subdomain, a port): printed whole, never broken inside
PUBLIC_ADDRESS = "https://yosowilangun.lumajangkab.go.id:8443"
STATUS_ADDRESS = "https://dukcapil.lumajangkab.go.id:8443"
MM_PER_PT = 25.4 / 72
# The words print.css's page margin boxes print ("Lembar 2 dari 3" under a long list): on the paper, not in the DOM
PAGE_BOX_WORDS = {"lembar", "dari"}
SMALLEST_PT = 8

# The page's words as the browser lays them out for print (innerText: what is shown, not what is hidden), and
# the numbers of its numbered lists ("1.", "2.": markers, not in innerText)
_WORDS_JS = """() => document.body.innerText + ' ' + [...document.querySelectorAll('ol')].flatMap(
  ol => [...ol.children].map((item, i) => `${ol.start + i}.`)).join(' ')"""
# A table cell whose text runs over its border into the next one (a fixed-layout column too narrow for a
# header or a figure): whole on the paper, yet the reader sees "76,61" across a line.
_SPILLED_CELLS_JS = """() => {
  const out = [];
  for (const cell of document.querySelectorAll('th, td')) {
    if (!cell.getClientRects().length) continue;
    if (cell.scrollWidth > cell.clientWidth + 1) out.push(`${cell.tagName.toLowerCase()} "${cell.innerText.trim().slice(0, 40)}" ${cell.scrollWidth}px in ${cell.clientWidth}px`);
  }
  return out.slice(0, 20);
}"""

_WORD = re.compile(r'<word xMin="([\d.]+)" yMin="([\d.]+)" xMax="([\d.]+)" yMax="([\d.]+)">(.*?)</word>')
_PAGE = re.compile(r'<page width="([\d.]+)" height="([\d.]+)">(.*?)</page>', re.S)
# What may stand around a word without being part of it
_EDGE_PUNCTUATION = "()[]{}.,;:!?\"'«»“”‘’·–—-/|*"


@dataclass
class PrintedPaper:
    path: Path
    pages: list = field(default_factory=list)   # each page: {"width", "height" (pt), "words": [(x0, y0, x1, y1, word)]}
    problems: list = field(default_factory=list)

    @property
    def text(self) -> str:
        return "\n".join(" ".join(w[4] for w in p["words"]) for p in self.pages)

    def holds(self, text: str, page: int | None = None) -> bool:
        """`text` is on one page (or on page `page`): its words in order, or all of them in a cell that wraps
        (a header's words stand between its neighbours' in the order the paper is read)."""
        pages = self.pages if page is None else [self.pages[page - 1]]
        return any(text in " ".join(w[4] for w in p["words"]) or set(text.split()) <= {w[4] for w in p["words"]}
                   for p in pages)

    def page_of(self, text: str) -> int | None:
        """The first page (1-based) that holds `text`."""
        return next((n for n in range(1, len(self.pages) + 1) if self.holds(text, page=n)), None)

    def last_page_of(self, text: str) -> int | None:
        return next((n for n in range(len(self.pages), 0, -1) if self.holds(text, page=n)), None)


def _core(word: str) -> str:
    return word.strip(_EDGE_PUNCTUATION).casefold()


def _broken_at_its_hyphen(words: list, index: int, shown_words: set) -> bool:
    """A word of letters broken after its own hyphen ("KTP-" / "el" on the next line of its column), as
    typesetting allows; a number or a code ("PRA-3508072003-" / "01-000001") is copied by hand and must stay whole."""
    x0, y0, x1, y1, word = words[index]
    line = y1 - y0
    if word.endswith("-"):
        pairs = [(word, w[4]) for w in words if y0 < w[1] <= y0 + 2.5 * line]
    else:
        pairs = [(w[4], word) for w in words if w[4].endswith("-") and y0 - 2.5 * line <= w[1] < y0]
    return any(_core(a + b) in shown_words and not any(c.isdigit() for c in a + b) for a, b in pairs)


def _wrapped_address(words: list, index: int, shown_words: set) -> bool:
    """An address wrapped before its port's ":" or after a "/" of its path ("https://kecamatan.go.id:8443/" /
    "pengaduan/kios"), each part whole (templates/_whole_url.html): the only places a printed address may wrap."""
    x0, y0, x1, y1, word = words[index]
    line = y1 - y0
    below = [(word, w[4]) for w in words if y0 < w[1] <= y0 + 2.5 * line]
    above = [(w[4], word) for w in words if y0 - 2.5 * line <= w[1] < y0]
    if any((a.endswith("/") or b.startswith(":")) and _core(a + b) in shown_words for a, b in below + above):
        return True
    return _core("".join(_address_lines(words, index))) in shown_words


def _address_lines(words: list, index: int) -> list[str]:
    """The pieces of an address wrapped over more than two lines (issue 92: 200 characters on the complaint slip),
    read in order from the word at `index`: each line's last piece ends with "/" or the next begins with ":"."""
    def wraps(first, second):
        return (first[4].endswith("/") or second[4].startswith(":")) and second[1] > first[1]
    start, end = index, index
    while start > 0 and wraps(words[start - 1], words[start]):
        start -= 1
    while end + 1 < len(words) and wraps(words[end], words[end + 1]):
        end += 1
    return [word[4] for word in words[start:end + 1]]


def read_paper(data: bytes) -> list[dict]:
    """Every page of a PDF with its size and its words' boxes (poppler's pdftotext -bbox). Read from the
    bytes, not from the artifact (a second test run in the same folder starts by emptying it)."""
    with tempfile.TemporaryDirectory() as folder:
        source = Path(folder) / "printed.pdf"
        source.write_bytes(data)
        xhtml = subprocess.run(["pdftotext", "-bbox", str(source), "-"], capture_output=True,
                               check=True).stdout.decode("utf-8")
    pages = []
    for width, height, body in _PAGE.findall(xhtml):
        words = [(float(a), float(b), float(c), float(d), unescape(w)) for a, b, c, d, w in _WORD.findall(body)]
        pages.append({"width": float(width), "height": float(height), "words": words})
    return pages


def print_check(page, url: str | None = None, paper: str = "A4", landscape: bool = False, margin_mm: float = 15,
                expect=(), signed=None, name: str | None = None, edge_mm: float = 8) -> PrintedPaper:
    """Print `url` (or the current page) on `paper` ("A4" or "F4"; a page that names its own size keeps it)
    and check it as printed. `expect`: texts that must be on the paper; `signed`: (signature text, data
    text) that must be on the same page."""
    if url:
        page.goto(url)
    width_mm, height_mm = PAPERS[paper]
    if paper.endswith("mm"):  # a roll: its own narrow margins
        margin_mm, edge_mm = ROLL_MARGIN_MM, min(edge_mm, ROLL_MARGIN_MM / 2)
    if landscape:
        width_mm, height_mm = height_mm, width_mm
    page.emulate_media(media="print")
    try:
        data = page.pdf(width=f"{width_mm}mm", height=f"{height_mm}mm", print_background=True,
                        prefer_css_page_size=True)
        path = artifacts_dir() / "pdf" / f"{_safe(name or page.url.split('//', 1)[-1].split('/', 1)[-1])}-{paper}.pdf"
        path.parent.mkdir(parents=True, exist_ok=True)
        path.write_bytes(data)
        printed = PrintedPaper(path=path, pages=read_paper(data))
        shown_words = {_core(w) for w in page.evaluate(_WORDS_JS).split()} | PAGE_BOX_WORDS
        # Lay the page out at the printable width of the paper as printed (a page may name its own size)
        # to find what the PDF does not carry at all: a column cut at the edge.
        paper_width_mm = printed.pages[0]["width"] * MM_PER_PT
        printable = round((paper_width_mm - 2 * margin_mm) / 25.4 * 96)
        size = page.viewport_size
        page.set_viewport_size({"width": printable, "height": size["height"]})
        overflow = page.evaluate(_OVERFLOW_JS, printable)
        spilled = page.evaluate(_SPILLED_CELLS_JS)
        page.set_viewport_size(size)
    finally:
        page.emulate_media(media="screen")
    problems = printed.problems
    problems += [f"wider than the paper's printable width ({printable}px): {o}" for o in overflow]
    problems += [f"text over its cell's border: {cell}" for cell in spilled]
    edge = edge_mm / MM_PER_PT
    for number, p in enumerate(printed.pages, start=1):
        words = p["words"]
        for index, (x0, y0, x1, y1, word) in enumerate(words):
            if x0 < edge or x1 > p["width"] - edge or y1 > p["height"] - edge / 2:
                problems.append(f"page {number}: {word!r} at the paper's edge ({x0:.0f}..{x1:.0f} of {p['width']:.0f} pt)")
            if (_core(word) and _core(word) not in shown_words and not _broken_at_its_hyphen(words, index, shown_words)
                    and not _wrapped_address(words, index, shown_words)):
                problems.append(f"page {number}: {word!r} is part of a word broken at the line's end")
    problems += [f"not on the paper: {t!r}" for t in expect if not printed.holds(t)]
    if signed:
        signature, signs = signed
        where = printed.last_page_of(signature)
        if where is None or not printed.holds(signs, page=where):
            problems.append(f"the signature ({signature!r}, page {where}) stands apart from what it signs ({signs!r}, "
                            f"page {printed.page_of(signs)})")
    for number in range(1, len(printed.pages) + 1):
        small = sorted({(size, t[:30]) for size, t in text_sizes_pt(BytesIO(data), number) if size < SMALLEST_PT - 0.05})
        problems += [f"page {number}: {t!r} at {size} pt (< {SMALLEST_PT} pt)" for size, t in small[:5]]
    return printed


def lines_of(printed: PrintedPaper, text: str) -> int:
    """How many lines `text` (its words in order) takes on the paper; 0 when it is not on it."""
    wanted = text.split()
    for p in printed.pages:
        words = p["words"]
        for start in range(len(words) - len(wanted) + 1):
            if [w[4] for w in words[start:start + len(wanted)]] == wanted:
                return len({round(w[1]) for w in words[start:start + len(wanted)]})
    return 0


def png_of(printed: PrintedPaper, dpi: int = 50) -> list[Path]:
    """The pages as PNG images (pdftoppm) beside the PDF, to look at a print as its reader would."""
    prefix = printed.path.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(printed.path), str(prefix)], check=True)
    return sorted(prefix.parent.glob(prefix.name + "-*.png"))
