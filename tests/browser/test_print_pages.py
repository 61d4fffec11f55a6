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


# The headings and what each heads, as the page shows them: the heading's text and its next block's first line
_HEADED_JS = """() => [...document.querySelectorAll('main h2')].filter(h => h.getClientRects().length).map(h => {
  let next = h.nextElementSibling;
  const first = next && (next.querySelector('tbody tr') || next.querySelector('li') || next);
  return [h.innerText.trim(), first ? first.innerText.trim().split(/\\n/)[0].trim() : ''];
})"""


def _print_and_read(page, url, paper, name):
    printed = print_check(page, url, paper=paper, name=name, expect=["PEMERINTAH", "KECAMATAN"])
    assert printed.problems == [], printed.problems
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
        assert "Mutu pelayanan" in [heading for heading, _ in headed], headed
        printed = _print_and_read(page, None, paper, "ikm")
        for heading, first in headed:
            assert first, heading
            assert printed.page_of(heading) == printed.page_of(first), \
                f"{heading!r} on sheet {printed.page_of(heading)}, its first line {first!r} on {printed.page_of(first)}"
        # the summary cards whole: each card's title and its figure's note on one sheet
        for title in ("Nilai IKM", "Responden sah"):
            assert printed.page_of(title) == 1, title
    finally:
        context.close()


# --- The center's print run -----------------------------------------------------------------------------------

CARDS = 130  # a kecamatan's shipment: five sheets or so
NUMBER = re.compile(r"^\d{6}-\d{2}-\d{6}$")


@pytest.fixture(scope="module")
def long_name_run(tmp_path_factory):
    """A center with one print run of CARDS applications of three kecamatan, each with a long real name (the
    bench's), and its operator."""
    from tests.sync.night import fill_night, make_runs
    from tests.sync.harness import CenterServer
    folder = tmp_path_factory.mktemp("print-run-center")
    app = fill_night(folder, CARDS)
    run, = make_runs(app, [CARDS])
    server = CenterServer(folder).start()
    try:
        yield server, run
    finally:
        server.stop()


def test_the_print_runs_actions_stand_above_its_list(browser, long_name_run):
    server, run = long_name_run
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
    server, run = long_name_run
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
