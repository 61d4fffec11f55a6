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

# Paper sizes in mm, portrait (width, height). F4 (folio) is the common paper in Indonesian offices.
PAPERS = {"A4": (210, 297), "F4": (215, 330)}
MM_PER_PT = 25.4 / 72
SMALLEST_PT = 8

# The page's words as the browser lays them out for print (innerText: what is shown, not what is hidden).
_WORDS_JS = "() => document.body.innerText"
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
        shown_words = {_core(w) for w in page.evaluate(_WORDS_JS).split()}
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
            if _core(word) and _core(word) not in shown_words and not _broken_at_its_hyphen(words, index, shown_words):
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


def png_of(printed: PrintedPaper, dpi: int = 50) -> list[Path]:
    """The pages as PNG images (pdftoppm) beside the PDF, to look at a print as its reader would."""
    prefix = printed.path.with_suffix("")
    subprocess.run(["pdftoppm", "-png", "-r", str(dpi), str(printed.path), str(prefix)], check=True)
    return sorted(prefix.parent.glob(prefix.name + "-*.png"))
