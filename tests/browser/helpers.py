"""What the browser journeys share: screenshots, printing to PDF, and checks a person would notice.

Kept out of conftest.py so journeys can import them by name.
"""
import os
import re
from dataclasses import dataclass, field
from io import BytesIO
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]

DESKTOP = {"width": 1366, "height": 768}   # the office PC's screen (docs/architecture.md: small Windows PCs)
TABLET = {"width": 800, "height": 1280}    # the kiosk tablet, portrait

# Upper bounds for waiting on a state, not delays: a check passes as soon as the page gets there.
# CI runs two passes of the suite at once on two cores, where a page can take seconds.
ACTION_TIMEOUT_MS = 20_000
EXPECT_TIMEOUT_MS = 20_000


def new_context(browser, base_url: str, viewport=DESKTOP, reduced_motion="reduce", **options):
    """A browser context as every journey uses it: the office PC's screen, Indonesian, WIB, and
    reduced motion (app.css then has no transitions, so colours are read at their final value).
    Every page of it is watched (`watch_context`): a CSP violation or console error fails the test."""
    context = browser.new_context(base_url=base_url, viewport=viewport, locale="id-ID", timezone_id="Asia/Jakarta",
                                  reduced_motion=reduced_motion, **options)
    context.set_default_timeout(ACTION_TIMEOUT_MS)
    watch_context(context)
    return context


# --- The guard: no CSP violation, no console error, in any journey (issue 25) -------------------
# What the pages of every watched context reported during the running test; the autouse fixture
# `page_problems_fail_the_test` (tests/browser/conftest.py) empties it before a test and fails the
# test when something is left after it. A blocked inline handler is silent on screen (the button
# just does nothing), so the suite, not an admin, has to notice it.
PAGE_PROBLEMS: list[str] = []

# An answer the app means: a refused form (422) or a page that is not there (404) is logged by
# Chromium ("Failed to load resource ... status of 4xx") and by htmx ("Response Status Error Code
# 4xx"). A request that a newer one replaced (hx-sync "replace": a newer choice in the region lists)
# is aborted on purpose: htmx logs "htmx:sendAbort" and the "htmx:afterRequest" that goes with it
# (a failed request logs "htmx:sendError" and Chromium's "net::ERR_..." beside it). A 5xx, a failed
# request or any script's console.error is a problem.
_MEANT_ANSWERS = re.compile(r"status of 4\d\d|Response Status Error Code 4\d\d|^htmx:(sendAbort|afterRequest)$")

# The browser tells a page about a refused inline script or handler with this event; the console
# message it also writes is not sent for every kind of violation, so the event is reported too.
_VIOLATION_JS = """document.addEventListener('securitypolicyviolation', (e) => {
  console.error('CSP violation: ' + e.violatedDirective + ' blocked ' + (e.blockedURI || 'inline')
                + ' at ' + e.sourceFile + ':' + e.lineNumber + ' ' + (e.sample || ''));
}, true);"""


def watch_page(page):
    """Report the page's console errors, CSP violations and uncaught exceptions to PAGE_PROBLEMS."""
    def on_console(message):
        if message.type == "error" and not _MEANT_ANSWERS.search(message.text):
            PAGE_PROBLEMS.append(f"{page.url}: console error: {message.text}")
        elif "Content Security Policy" in message.text:
            PAGE_PROBLEMS.append(f"{page.url}: {message.text}")
    page.on("console", on_console)
    page.on("pageerror", lambda error: PAGE_PROBLEMS.append(f"{page.url}: uncaught: {error}"))


def watch_context(context):
    context.add_init_script(_VIOLATION_JS)
    context.on("page", watch_page)
    for page in context.pages:
        watch_page(page)
    return context


# htmx marks what it is doing with classes: htmx-request while a request is in flight (on the
# element or its indicator), htmx-swapping / htmx-settling / htmx-added while new content goes in
# and is wired (base.html sets no settle delay, so that is one task after the swap). A boosted
# link pushes the new address before it swaps, so "the URL changed" is not "the page is there".
_HTMX_BUSY = ".htmx-request, .htmx-swapping, .htmx-settling, .htmx-added"


def settled(page):
    """Wait until the page has loaded and htmx has no request in flight and nothing left to swap
    or settle: what a person sees once the screen stops changing. Call it after an action whose
    result is read without an auto-waiting expect() (page.evaluate, all_inner_texts, checks)."""
    page.wait_for_load_state()
    page.wait_for_function(f"() => document.readyState === 'complete' && !document.querySelector({_HTMX_BUSY!r})")


def sign_in(page, username: str, password: str):
    """Sign in through the login form (the office's or the center's) and wait for the answer: the
    signed-in page, or the form with its message when the sign-in is refused.

    The session cookie arrives with the POST's answer, a redirect. The browser is still following
    it when that answer is seen, so this waits for the page it leads to (a signed-in page has
    "Keluar"): a page.goto right after must not cancel the navigation that carries the sign-in."""
    from playwright.sync_api import expect

    page.goto("/masuk")
    page.get_by_label("Nama pengguna").fill(username)
    page.get_by_label("Kata sandi").fill(password)
    with page.expect_response(lambda r: r.request.method == "POST" and r.url.split("?")[0].endswith("/masuk")) as answer:
        page.get_by_role("button", name="Masuk").click()
    if answer.value.status in (302, 303):  # signed in (a refusal is the form again, with its message)
        expect(page.get_by_role("button", name="Keluar")).to_be_visible()
    settled(page)
    return page


def artifacts_dir() -> Path:
    return Path(os.environ.get("LOKET_TEST_ARTIFACTS") or ROOT / "test-artifacts")


def _safe(name: str) -> str:
    return re.sub(r"[^\w.-]+", "_", name).strip("_") or "page"


def screenshot(page, name: str) -> Path:
    """Save a full-page PNG under <artifacts>/screenshots/ so a failure can be looked at."""
    path = artifacts_dir() / "screenshots" / f"{_safe(name)}.png"
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path), full_page=True)
    return path


@dataclass
class Printed:
    texts: list        # the text of each page, as pypdf extracts it
    path: Path
    overflow: list     # elements wider than the printable width of the paper (cut off on paper)
    empty: list = field(default_factory=list)  # printed fields with nothing in them (_EMPTY_FIELDS_JS)

    @property
    def pages(self) -> int:
        return len(self.texts)

    @property
    def text(self) -> str:
        return "\n".join(self.texts)

    def page_text(self, number: int) -> str:
        return self.texts[number - 1]


# Printable width of A4 with print.css margins (210 mm - 2 x 15 mm) in CSS pixels (96 per inch).
A4_PRINTABLE_PX = round((210 - 30) / 25.4 * 96)

# A printed field with nothing in it: a table cell or a labelled value that prints blank, or words
# around a value that was missing ("(NIK )", "RT /RW"). Signature lines are meant to be filled by hand.
_EMPTY_FIELDS_JS = """() => {
  const out = [];
  const shown = el => { const s = getComputedStyle(el); return s.display !== 'none' && s.visibility !== 'hidden'
    && el.getClientRects().length; };
  for (const cell of document.querySelectorAll('main td, main dd')) {
    if (!shown(cell) || cell.closest('.no-print')) continue;
    if (!cell.textContent.trim() && !cell.querySelector('img, svg, input')) out.push(cell.parentElement.textContent.trim().slice(0, 60) || cell.outerHTML.slice(0, 60));
  }
  const text = [...document.querySelectorAll('main')].map(m => m.innerText).join('\\n');
  for (const gap of [/\\(\\s*\\)/, /\\(NIK\\s*\\)/, /RT\\s*\\/\\s*RW\\s*[,.]/, /\\bNone\\b/, /,\\s*,/, /,\\s*\\.(?!\\.)/]) {
    const found = text.match(gap);
    if (found) out.push(JSON.stringify(text.slice(Math.max(0, found.index - 30), found.index + 30)));
  }
  return out;
}"""

_OVERFLOW_JS = """(limit) => {
  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const r = el.getBoundingClientRect();
    if (!r.width || getComputedStyle(el).display === 'none') continue;
    // the box itself past the edge, or its content spilling out of it (a long address, a code that may not wrap)
    const right = el instanceof HTMLElement ? Math.max(r.right, r.left + el.scrollWidth) : r.right;
    if (right > limit + 1 || r.left < -1) out.push(`${el.tagName.toLowerCase()}.${el.className} ${Math.round(r.left)}..${Math.round(right)}px`);
  }
  return out.slice(0, 20);
}"""


# A thermal receipt roll (58 or 80 mm wide): print.css's roll margins take 3 mm each side.
def roll_printable_px(width_mm: float) -> int:
    return round((width_mm - 6) / 25.4 * 96)


ROLL_80_PRINTABLE_PX = roll_printable_px(80)


def pdf_of(page, url: str | None = None, name: str | None = None, paper: str = "A4") -> Printed:
    """Print `url` (or the current page) with Chromium as the clerk's browser would: print CSS, on
    A4 (`paper="A4"`) or on a thermal roll (`paper="80mm"` or `"58mm"`, the printer's paper, long enough).

    Returns the PDF's text and page count, the elements that would not fit across the paper, and
    the fields printed empty.
    """
    if url:
        page.goto(url)
    page.emulate_media(media="print")
    roll = paper.endswith("mm")
    printable = roll_printable_px(float(paper[:-2])) if roll else A4_PRINTABLE_PX
    try:
        # Lay the page out at the paper's printable width to see what would be cut off.
        size = page.viewport_size
        page.set_viewport_size({"width": printable, "height": size["height"]})
        overflow = page.evaluate(_OVERFLOW_JS, printable)
        empty = page.evaluate(_EMPTY_FIELDS_JS)
        if roll:
            data = page.pdf(width=paper, height="400mm", print_background=True)
        else:
            data = page.pdf(format=paper, print_background=True, prefer_css_page_size=True)
        page.set_viewport_size(size)
    finally:
        page.emulate_media(media="screen")
    path = artifacts_dir() / "pdf" / f"{_safe(name or page.url.split('//', 1)[-1].split('/', 1)[-1])}.pdf"
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_bytes(data)
    from pypdf import PdfReader
    reader = PdfReader(BytesIO(data))
    return Printed(texts=[p.extract_text() or "" for p in reader.pages], path=path, overflow=overflow, empty=empty)


def text_sizes_pt(path, page: int = 1) -> list[tuple[float, str]]:
    """(size in pt as printed, text) of every run of text on one page of a PDF (`pdf_of(...).path`)."""
    from pypdf import PdfReader
    sizes = []

    def seen(text, cm, tm, font, size):
        if text.strip():
            sizes.append((round(size * tm[0] * cm[0], 1), text.strip()))
    PdfReader(path).pages[page - 1].extract_text(visitor_text=seen)
    return sizes


# --- Checks of what is on the screen ---------------------------------------------------------

_UNLABELLED_JS = """() => {
  const out = [];
  for (const el of document.querySelectorAll('input, select, textarea')) {
    if (el.type === 'hidden' || el.type === 'submit' || el.type === 'button' || el.type === 'reset') continue;
    const s = getComputedStyle(el);
    if (s.display === 'none' || s.visibility === 'hidden' || !el.getClientRects().length) continue;
    const named = (el.labels && [...el.labels].some(l => l.textContent.trim()))
      || (el.getAttribute('aria-label') || '').trim()
      || (el.getAttribute('aria-labelledby') && document.getElementById(el.getAttribute('aria-labelledby')));
    if (!named) out.push(el.outerHTML.slice(0, 120));
  }
  return out;
}"""


def unlabelled_fields(page) -> list[str]:
    """Visible form fields with no label (or aria-label) a screen reader could announce."""
    return page.evaluate(_UNLABELLED_JS)


def horizontal_overflow(page) -> int:
    """How many pixels the page is wider than the window (0 = no horizontal scrolling)."""
    return page.evaluate("() => document.scrollingElement.scrollWidth - window.innerWidth")


# Colour arithmetic shared by the contrast checks: parse rgb(a), relative luminance, alpha blend,
# and the opaque background an element sits on.
COLOUR_JS = """  const parse = c => { const m = c.match(/rgba?\\(([^)]+)\\)/); if (!m) return null;
    const p = m[1].split(/[ ,\\/]+/).filter(Boolean).map(Number); return [p[0], p[1], p[2], p.length > 3 ? p[3] : 1]; };
  const lum = ([r, g, b]) => { const f = v => { v /= 255; return v <= 0.03928 ? v / 12.92 : Math.pow((v + 0.055) / 1.055, 2.4); };
    return 0.2126 * f(r) + 0.7152 * f(g) + 0.0722 * f(b); };
  const blend = (top, under) => { const a = top[3]; return [0, 1, 2].map(i => top[i] * a + under[i] * (1 - a)).concat([1]); };
  const background = el => { const layers = [];
    for (let e = el; e; e = e.parentElement) { const c = parse(getComputedStyle(e).backgroundColor); if (c && c[3] > 0) { layers.push(c); if (c[3] >= 1) break; } }
    let bg = [255, 255, 255, 1]; for (const c of layers.reverse()) bg = blend(c, bg); return bg; };
"""

# WCAG 2.1 1.4.3: contrast at least 4.5:1, 3:1 for large text (24px, or 18.66px bold).
_CONTRAST_JS = """() => {
""" + COLOUR_JS + """  const out = [];
  for (const el of document.querySelectorAll('body *')) {
    const own = [...el.childNodes].some(n => n.nodeType === 3 && n.textContent.trim());
    if (!own || !el.getClientRects().length || el.closest(':disabled')) continue;  // WCAG exempts inactive controls
    const s = getComputedStyle(el);
    if (s.visibility === 'hidden' || parseFloat(s.opacity) === 0) continue;
    const r = el.getBoundingClientRect(); if (r.right < 0 || r.bottom < 0) continue;  // skip-link parked off screen
    let opacity = 1; for (let e = el; e; e = e.parentElement) opacity *= parseFloat(getComputedStyle(e).opacity);
    const bg = background(el); const fg = blend([...parse(s.color).slice(0, 3), parse(s.color)[3] * opacity], bg);
    const [hi, lo] = [lum(fg), lum(bg)].sort((a, b) => b - a); const ratio = (hi + 0.05) / (lo + 0.05);
    const size = parseFloat(s.fontSize), bold = parseInt(s.fontWeight) >= 700;
    const need = (size >= 24 || (bold && size >= 18.66)) ? 3 : 4.5;
    if (ratio < need) out.push(`${el.tagName.toLowerCase()}.${el.className} "${el.textContent.trim().slice(0, 30)}" ${ratio.toFixed(2)} < ${need}`);
  }
  return out;
}"""


def low_contrast_text(page) -> list[str]:
    """Text whose contrast with its background is below WCAG AA, once the page has settled."""
    settled(page)
    return page.evaluate(_CONTRAST_JS)


def fit_problems(page) -> list[str]:
    """Everything a person would trip over on the current page: unlabelled fields, sideways
    scrolling, hard-to-read text. Empty when the page is fine."""
    settled(page)
    problems = [f"field without label: {f}" for f in unlabelled_fields(page)]
    wider = horizontal_overflow(page)
    if wider > 0:
        problems.append(f"page scrolls sideways by {wider}px at {page.viewport_size}")
    problems += [f"low contrast: {t}" for t in low_contrast_text(page)]
    problems += [f"marked hidden but shown: {t}" for t in page.evaluate(
        "() => [...document.querySelectorAll('[hidden]')].filter(e => e.getClientRects().length)"
        ".map(e => e.outerHTML.slice(0, 100))")]
    return problems


def logout(page):
    """Press "Keluar" and wait until the server has ended the session (htmx posts it)."""
    from playwright.sync_api import expect
    page.get_by_role("button", name="Keluar").click()
    expect(page.get_by_text("Anda telah keluar.")).to_be_visible()


def sync_now(page, shot=None, timeout=60_000):
    """Press "Sinkronkan sekarang" and watch the bar until the pass is over (the page polls every second).
    Returns the progress panel, whose flash says how the pass ended."""
    from playwright.sync_api import expect
    page.goto("/sinkronisasi")
    # The panel on the page still tells of the last pass ("Sinkronisasi terakhir", no bar): mark it,
    # and wait until the button's answer has replaced it, or the waits below pass before the pass runs.
    page.locator("#sync-progress").evaluate("panel => panel.dataset.before = 'ya'")
    with page.expect_response(re.compile(r"/sinkronisasi/mulai$")):
        page.get_by_role("button", name="Sinkronkan sekarang").click()
    expect(page.locator("#sync-progress[data-before]")).to_have_count(0)
    progress = page.locator("#sync-progress")
    if shot:
        screenshot(page, shot)
    expect(progress.locator("progress")).to_have_count(0, timeout=timeout)
    expect(progress.get_by_text("Sinkronisasi terakhir")).to_be_visible()
    return progress


def set_up_as_yosowilangun(page, password):
    """A fresh office's first-run setup (where the first sign-in leads) filled in as Kecamatan
    Yosowilangun, Lumajang, Jawa Timur. Each list is chosen after the one above it has been swapped
    in: the boosted page and each htmx answer are wired once they settle."""
    from playwright.sync_api import expect
    page.wait_for_url("**/admin/penyiapan")
    settled(page)
    page.get_by_label("Provinsi").select_option(label="Jawa Timur")
    settled(page)  # a person reads the new list before choosing from it
    page.get_by_label("Kabupaten/Kota").select_option(label="Kabupaten Lumajang")
    settled(page)
    page.get_by_label("Kecamatan", exact=True).select_option(value="35.08.07")
    page.get_by_label("Alamat kantor").fill("Jl. Raya Yosowilangun No. 1")
    page.get_by_label("Nama Camat").fill("Drs. Hadi Santoso, M.Si")
    page.get_by_label("NIP Camat (18 angka)").fill("197201141998031005")
    page.get_by_label("Alamat publik kantor (dicetak di tanda terima pengaduan dan slip survei)").fill("https://loket.lumajangkab.go.id")  # phones open it (issue 90)
    page.get_by_label("Kata sandi Anda (yang dipakai untuk masuk)").fill(password)  # checked against the names
    page.get_by_role("button", name="Simpan dan mulai").click()
    expect(page.get_by_text("Kantor Kecamatan Yosowilangun siap digunakan.")).to_be_visible()


def photo_file(folder: Path, name: str = "foto-pemohon.jpg", seed: int = 1) -> Path:
    """A passport-like photo as a phone gives it (1200x1600 JPEG, plain red background)."""
    import random

    from PIL import Image, ImageDraw
    rng = random.Random(seed)
    image = Image.new("RGB", (1200, 1600), (190, 30, 35))
    draw = ImageDraw.Draw(image)
    draw.ellipse((380, 300, 820, 900), fill=(200, 150, 110))
    draw.rectangle((250, 950, 950, 1600), fill=(30, 30, 30))
    for _ in range(400):
        draw.point((rng.randrange(1200), rng.randrange(1600)), fill=(rng.randrange(256),) * 3)
    path = folder / name
    image.save(path, "JPEG", quality=88)
    return path


# axe-core (WCAG 2.2 A/AA: 2.2 adds target-size, 2.5.8) from the pinned axe-playwright-python
# package: the script is injected from the package's own file, nothing is fetched from the internet.
AXE_TAGS = ["wcag2a", "wcag2aa", "wcag21a", "wcag21aa", "wcag22aa"]


def axe_violations(page) -> list[str]:
    """One line per axe-core violation on the current page (rule, impact, first targets)."""
    from axe_playwright_python.base import AXE_SCRIPT
    if not getattr(page, "_loket_axe_preloaded", False):
        # Walks check hundreds of pages: the page's later documents get axe-core (570 kB) from the
        # browser as they load instead of a fresh copy sent and compiled for every check.
        page.add_init_script(script=AXE_SCRIPT)
        page._loket_axe_preloaded = True
    settled(page)
    if page.evaluate("() => typeof window.axe === 'undefined'"):
        page.evaluate(AXE_SCRIPT)
    response = page.evaluate("options => axe.run(options)", {"runOnly": {"type": "tag", "values": AXE_TAGS},
                                                             "resultTypes": ["violations"]})
    return [f"{page.url} axe {v['id']} ({v['impact']}): " + ", ".join(str(n["target"]) for n in v["nodes"][:3])
            for v in response["violations"]]


def fill_desa_form(page, birth_date: str, photo):
    """The desa operator's F-1.07 after NIK and sex, for a man of Wotgalih (the operator's own desa, filled in by
    the form): the fields a desa journey types the same way."""
    from playwright.sync_api import expect
    page.get_by_label("Nomor KK").fill("3508071203110004")
    page.get_by_label("Nama lengkap (sesuai KK)").fill("Slamet Riyadi")
    page.get_by_label("Tempat lahir", exact=True).fill("Lumajang")
    page.get_by_label("Tanggal lahir", exact=True).fill(birth_date)
    page.get_by_label("Alamat (jalan/dusun)").fill("Dusun Krajan")
    page.get_by_label("RT", exact=True).fill("1")
    page.get_by_label("RW", exact=True).fill("4")
    expect(page.get_by_label("Desa/kelurahan (ketik untuk mencari)")).to_have_value("Wotgalih")
    page.get_by_label("Agama/kepercayaan").select_option("Islam")
    page.get_by_label("Status perkawinan").select_option("Kawin")
    page.get_by_label("Pekerjaan").fill("Petani/Pekebun")
    page.get_by_label("Alasan permohonan (ketik untuk mencari)").fill("Rusak")
    page.get_by_label(re.compile("^Foto pemohon")).set_input_files(photo)


def fill_application(page, full_name: str, address: str = "Dusun Krajan II", rt: str = "3", rw: str = "2"):
    """The KTP-el form's fields after NIK, sex and birth date (which each journey checks its own way)."""
    page.get_by_label("Nomor KK").fill("3508071203110004")
    page.get_by_label("Nama lengkap (sesuai KK)").fill(full_name)
    page.get_by_label("Tempat lahir", exact=True).fill("Lumajang")
    page.get_by_label("Alamat (jalan/dusun)").fill(address)
    page.get_by_label("RT", exact=True).fill(rt)
    page.get_by_label("RW", exact=True).fill(rw)
    page.get_by_label("Desa/kelurahan (ketik untuk mencari)").fill("Yosowilangun Lor")
    page.get_by_label("Agama/kepercayaan").select_option("Islam")
    page.get_by_label("Status perkawinan").select_option("Kawin")
    page.get_by_label("Pekerjaan").fill("Petani/Pekebun")
    page.get_by_label("Alasan permohonan (ketik untuk mencari)").fill("Rusak")
    page.get_by_label("Sudah perekaman biometrik").check()
