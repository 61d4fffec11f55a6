"""Every page a person prints prints well (issue 62, findings 3 and 4): the indicators and the IKM the Camat
and the Kasi take to meetings, with the kop surat, a print button, each card whole with its chart and each
heading on the page of what it heads, on A4 and F4; and the center's print run of a night's cards with long
real names: its actions above the list, every registration number on one line, the last column inside the
margin, and about thirty cards a sheet (bench/print_run_sheets.py measures a whole night)."""
import re
import subprocess

import pytest

from tests.browser.helpers import new_context, settled, sign_in
from tests.browser.paper import PAPERS, print_check

pytestmark = [pytest.mark.browser]

MARGIN_MM = 15  # print.css's @page margin at the sides


# --- The office's indicators and IKM --------------------------------------------------------------------------

@pytest.fixture(scope="module")
def demo_office(tmp_path_factory, cheap_password_hashing):
    """The office as `run.py demo` fills it: a year of applications, complaints and survey answers."""
    from argparse import Namespace

    from app import demo
    from tests.browser.office import live_office
    with live_office(tmp_path_factory.mktemp("print-pages-office")) as live:
        with live.db():
            demo.fill(Namespace(seed=2026, password=live.password, applications=300, complaints=600, surveys=400,
                                recaps=0))
        yield live


# The headings and what each heads, as the page shows them: the heading's text and its next block's first and
# last lines (a table's first and last body rows, a list's first item)
_HEADED_JS = """() => [...document.querySelectorAll('main h2')].filter(h => h.getClientRects().length).map(h => {
  const next = h.nextElementSibling;
  const line = el => el ? el.innerText.trim().split(/\\n/)[0].replace(/\\s+/g, ' ').trim() : '';
  const rows = next ? next.querySelectorAll('tbody tr') : [];
  return [h.innerText.trim(), line(rows[0] || (next && next.querySelector('li')) || next),
          rows.length ? line(rows[rows.length - 1]) : ''];
})"""
# Where the page breaks depends on what the period holds (a longer note, a third card): a blank block of
# `height` px put above the cards moves a heading to the foot of a sheet.
_SPACER_JS = """(height) => { let s = document.getElementById('uji-spacer');
  if (!s) { s = document.createElement('div'); s.id = 'uji-spacer'; document.querySelector('main .cards').before(s); }
  s.style.height = height + 'px'; }"""
# The heading's top in the printed flow (px from the first sheet's top margin), at the paper's printable width
_TOP_JS = """(text) => { const h = [...document.querySelectorAll('main h2')].find(h => h.innerText.trim() === text);
  return [h.getBoundingClientRect().top + scrollY, h.getBoundingClientRect().height]; }"""
PX_PER_MM = 96 / 25.4


# A chart's value axis title is turned a quarter (rotate(-90)): its size reads 0 pt from the PDF's text matrix
# (text_sizes_pt takes the horizontal scale), though it is printed at the chart's 12 px
_TURNED = re.compile(r"^page \d+: '(Persen \(%\)|Nilai indeks)' at 0\.0 pt")


def _sheet_of(printed, text: str) -> int | None:
    """The first sheet that holds `text` on one line: its words in order, or all on one printed line (a table's
    row: the PDF gives the cells in its own order). Never each word somewhere on the sheet ("Mutu pelayanan"
    is not found in "Mutu B" and "Unsur pelayanan")."""
    wanted = text.split()
    for number, p in enumerate(printed.pages, start=1):
        if f" {text} " in f" {' '.join(w[4] for w in p['words'])} ":
            return number
        lines = {}
        for x0, y0, x1, y1, word in p["words"]:
            lines.setdefault(round(y1), []).append(word)
        if any(all(line.count(w) >= wanted.count(w) for w in wanted) for line in lines.values()):
            return number
    return None


def _print_and_read(page, url, paper, name):
    printed = print_check(page, url, paper=paper, name=name, expect=["PEMERINTAH", "KECAMATAN"])
    problems = [p for p in printed.problems if not _TURNED.match(p)]
    assert problems == [], problems
    return printed


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_the_indicators_print_with_the_letterhead_and_each_card_whole_with_its_chart(browser, demo_office, paper):
    from app.frame.roles import KASI
    context = new_context(browser, demo_office.url)
    try:
        page = context.new_page()
        sign_in(page, demo_office.username[KASI], demo_office.password)
        page.goto("/indikator")
        settled(page)
        # on the screen: the print button, no letterhead (the page has its own heading and menu)
        assert page.get_by_role("button", name="Cetak", exact=True).is_visible()
        assert not page.locator(".letterhead").is_visible()
        cards = page.locator("section.indicator").evaluate_all(
            "cards => cards.map(c => [c.querySelector('h2').innerText.trim(), !!c.querySelector('svg.chart')])")
        assert len(cards) >= 4 and all(chart for _, chart in cards), cards
        printed = _print_and_read(page, None, paper, "indicators")
        assert printed.holds("Indikator Layanan", page=1)
        for name, _ in cards:  # a card's name and its chart's last words ("Triwulan/tahun") on one sheet
            where = printed.page_of(name)
            assert where is not None, name
        per_page = [(sum(printed.holds(name, page=n) for name, _ in cards),
                     " ".join(w[4] for w in p["words"]).count("Triwulan/tahun"))
                    for n, p in enumerate(printed.pages, start=1)]
        assert all(names == charts for names, charts in per_page), f"card names and charts per sheet: {per_page}"
        assert sum(names for names, _ in per_page) == len(cards)
    finally:
        context.close()


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_the_ikm_prints_with_the_letterhead_and_each_heading_on_the_page_of_what_it_heads(browser, demo_office, paper):
    from app.frame.dates import local_today
    from app.frame.periods import Quarter
    from app.frame.roles import KASI
    quarter = Quarter.containing(local_today()).previous()  # the demo's last whole quarter, with its suggestions
    context = new_context(browser, demo_office.url)
    try:
        page = context.new_page()
        sign_in(page, demo_office.username[KASI], demo_office.password)
        page.goto(f"/ikm?tahun={quarter.year}&triwulan={quarter.number}")
        settled(page)
        assert page.get_by_role("button", name="Cetak", exact=True).is_visible()
        assert not page.locator(".letterhead").is_visible()
        headed = page.evaluate(_HEADED_JS)
        assert "Mutu pelayanan" in [heading for heading, _, _ in headed], headed
        printed = _print_and_read(page, None, paper, "ikm")
        for title in ("Nilai IKM", "Responden sah"):  # the summary cards on the first sheet, under the kop
            assert printed.page_of(title) == 1, title
        # the grade table on the sheet of the figures it grades, not alone on a second sheet (issue 71)
        assert printed.page_of("Mutu pelayanan") == printed.page_of("Indeks (jumlah NRR tertimbang)") \
            == printed.page_of("25,00 – 64,99") == 1, [printed.page_of(t) for t in ("Mutu pelayanan", "Tidak Baik")]
        # Each heading put at the foot of the first sheet in turn: it goes with what it heads (a table whole)
        width, height = PAPERS[paper]
        sheet_px = (height - 15 - 18) * PX_PER_MM  # print.css's @page margins
        viewport = page.viewport_size
        for heading, first, last in headed:
            page.set_viewport_size({"width": round((width - 2 * MARGIN_MM) * PX_PER_MM), "height": viewport["height"]})
            page.emulate_media(media="print")
            page.evaluate(_SPACER_JS, 0)
            top, tall = page.evaluate(_TOP_JS, heading)
            if top + tall > sheet_px:
                continue  # below the first sheet whatever the spacer
            page.evaluate(_SPACER_JS, sheet_px - top - tall - 4)
            page.set_viewport_size(viewport)
            printed = _print_and_read(page, None, paper, "ikm-heading-at-the-foot")
            where = _sheet_of(printed, heading)
            assert where is not None, heading
            for line in (first, last):
                assert not line or _sheet_of(printed, line) == where, \
                    f"{heading!r} on sheet {where}, its line {line!r} on sheet {_sheet_of(printed, line)}"
    finally:
        context.close()


# --- The center's print run -----------------------------------------------------------------------------------

CARDS = 130  # a kecamatan's shipment: five sheets or so
NUMBER = re.compile(r"^\d{6}-\d{2}-\d{6}$")


SHIPPED = 300  # a second run, printed: a hundred cards for each kecamatan, one kecamatan's shipped


@pytest.fixture(scope="module")
def long_name_run(tmp_path_factory):
    """A center with one print run of CARDS applications of three kecamatan, each with a long real name (the
    bench's), and its operator; a second run printed and a hundred of its cards shipped to Pasirian."""
    from sync.center import desk_records
    from sync.center.models import Kecamatan, PrintRun
    from tests.sync.night import fill_night, make_runs
    from tests.sync.harness import CenterServer
    folder = tmp_path_factory.mktemp("print-run-center")
    app = fill_night(folder, CARDS + SHIPPED)
    run, printed = make_runs(app, [CARDS, SHIPPED])
    with app.extensions["center_database"].connection_context(), app.app_context():
        desk_records.mark_printed(PrintRun.get_by_id(printed), set())
        shipment = desk_records.create_shipment(Kecamatan.get(Kecamatan.code == "35.08.20"), "operator", "").id
    server = CenterServer(folder).start()
    try:
        yield server, run, shipment
    finally:
        server.stop()


def test_the_print_runs_actions_stand_above_its_list(browser, long_name_run):
    server, run, _ = long_name_run
    context = new_context(browser, server.url)
    try:
        page = context.new_page()
        sign_in(page, "operator", "operator-rahasia-1")
        page.goto(f"/cetak/{run}")
        table_top = page.locator("table.print-run-list").bounding_box()["y"]
        for name in (re.compile("^Tandai dicetak"), re.compile("^Cetak lembar ini$")):
            button = page.get_by_role("button", name=name)
            box = button.bounding_box()
            assert box["y"] + box["height"] <= min(table_top, page.viewport_size["height"]), name  # on the first screen
    finally:
        context.close()


def _right_border_mm(pdf_path, sheet: int) -> tuple[float, int]:
    """The rightmost vertical line down a band of `sheet` (the table's last border): where its right edge
    stands in mm from the paper's left edge, and how many pixel columns wide it is at 300 dpi."""
    from PIL import Image
    prefix = pdf_path.with_name(pdf_path.stem + "-edge")
    subprocess.run(["pdftoppm", "-png", "-r", "300", "-f", str(sheet), "-l", str(sheet), "-y", "900", "-H", "600",
                    "-singlefile", str(pdf_path), str(prefix)], check=True)
    image = Image.open(f"{prefix}.png").convert("L")
    width, height = image.size
    pixels = image.load()
    dark = [x for x in range(width) if sum(pixels[x, y] < 200 for y in range(height)) > height * 0.9]
    assert dark, "no table border on the sheet"
    right = dark[-1]
    columns = 1
    while right - columns in dark:
        columns += 1
    return (right + 1) / 300 * 25.4, columns


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_a_night_of_long_names_prints_whole_numbers_the_last_column_inside_and_thirty_cards_a_sheet(
        browser, long_name_run, paper):
    server, run, _ = long_name_run
    context = new_context(browser, server.url)
    try:
        page = context.new_page()
        sign_in(page, "operator", "operator-rahasia-1")
        page.goto(f"/cetak/{run}")
        printed = print_check(page, None, paper=paper, name="print-run-long-names",
                              expect=["PEMERINTAH", "Nomor pendaftaran", "NIK", "Nama", "Kecamatan", "Status",
                                      "Kusumawardhani", "Pasirian"],
                              signed=("Petugas cetak", "Pasirian"))
        assert printed.problems == [], printed.problems
        words = [w[4] for p in printed.pages for w in p["words"]]
        numbers = [w for w in words if re.match(r"^\d{6}-", w)]
        # each registration number one word on one line: a number "350807-01-" / "000030" is copied wrong
        assert [n for n in numbers if not NUMBER.match(n)] == []
        assert len(numbers) == CARDS
        full_sheets = [sum(bool(NUMBER.match(w[4])) for w in p["words"]) for p in printed.pages[1:-1]]
        assert full_sheets and min(full_sheets) >= 25, full_sheets  # the old layout: 12 long names a sheet
        for sheet in (1, 2):
            right_mm, columns = _right_border_mm(printed.path, sheet)
            assert right_mm <= PAPERS[paper][0] - MARGIN_MM + 0.05 and columns >= 2, (sheet, right_mm, columns)
    finally:
        context.close()


@pytest.mark.parametrize("paper", ["A4", "F4"])
def test_a_shipment_of_a_hundred_long_names_prints_whole_numbers_on_few_sheets_signed_under_its_last_rows(
        browser, long_name_run, paper):
    """The shipment list the kecamatan initials card by card: a hundred long names took 10 A4 sheets (8 F4), ten
    or eleven cards a sheet (the number and the NIK side by side, the name in a third of the width, four lines),
    the sheets after the first without the list's number; now the number over the NIK, the name in two lines, the
    initials column narrow, each sheet headed and numbered."""
    server, _, shipment = long_name_run
    context = new_context(browser, server.url)
    try:
        page = context.new_page()
        sign_in(page, "operator", "operator-rahasia-1")
        page.goto(f"/kirim/{shipment}")
        printed = print_check(page, None, paper=paper, name="shipment-long-names",
                              expect=["PEMERINTAH", "Nomor pendaftaran", "NIK", "Nama", "Pasirian", "Kusumawardhani"],
                              signed=("Yang menyerahkan", page.locator("tbody.signed-rows td").nth(1).inner_text().split()[0]))
        assert printed.problems == [], printed.problems
        numbers = [w[4] for p in printed.pages for w in p["words"] if re.match(r"^\d{6}-", w[4])]
        assert [n for n in numbers if not NUMBER.match(n)] == [] and len(numbers) == SHIPPED // 3
        full_sheets = [sum(bool(NUMBER.match(w[4])) for w in p["words"]) for p in printed.pages[1:-1]]
        assert len(printed.pages) <= 4 and min(full_sheets or [25]) >= 25, (len(printed.pages), full_sheets)
        sheets = len(printed.pages)  # each headed by the list and numbered: a loose sheet says whose it is
        assert [n for n in range(1, sheets + 1) if not (printed.holds(f"Daftar kirim #{shipment} · Kecamatan Pasirian", page=n)
                                                        and printed.holds(f"Lembar {n} dari {sheets}", page=n))] == []
    finally:
        context.close()
