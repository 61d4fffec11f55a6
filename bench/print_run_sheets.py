"""Sheets of paper the center's print run takes (issue 62): the operator's night of 1,250 cards and a
350-card shipment, with long real Indonesian names, printed by Chromium as the operator's "Cetak lembar ini".

    python bench/print_run_sheets.py [--cards 1250 350] [--paper A4 F4] [--keep FOLDER]

Fills a fresh center (SQLite in a temp folder) through its own storing path with applications of three
kecamatan whose applicants carry the long names real registers hold (34 to 100 characters, the most the
counter accepts; tests/sync/night.py), makes one print run per figure of `--cards`, starts the center, signs
in as the operator and prints each run's page to PDF on each paper (Chromium at /usr/bin/chromium, or
LOKET_CHROMIUM). Prints JSON: per run and paper, the sheets, the cards on a full sheet, and the page's
height on the screen in px.
"""
import argparse
import json
import os
import subprocess
import sys
import tempfile
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PAPERS = {"A4": (210, 297), "F4": (215, 330)}


def pages_of(pdf: bytes) -> list[str]:
    """Each page's text (pdftotext), split at form feeds."""
    with tempfile.NamedTemporaryFile(suffix=".pdf") as file:
        file.write(pdf)
        file.flush()
        text = subprocess.run(["pdftotext", "-layout", file.name, "-"], capture_output=True, check=True).stdout
    return text.decode("utf-8").split("\f")[:-1]


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cards", type=int, nargs="+", default=[1250, 350])
    parser.add_argument("--paper", nargs="+", default=["A4", "F4"], choices=sorted(PAPERS))
    parser.add_argument("--keep", type=Path, help="a folder to keep each PDF in, to look at")
    args = parser.parse_args()
    from playwright.sync_api import sync_playwright

    from tests.browser.helpers import sign_in
    from tests.sync.night import fill_night, make_runs
    from tests.sync.harness import CenterServer
    results = []
    with tempfile.TemporaryDirectory() as folder:
        app = fill_night(Path(folder), sum(args.cards))
        runs = make_runs(app, args.cards)
        server = CenterServer(Path(folder)).start()
        try:
            with sync_playwright() as playwright:
                browser = playwright.chromium.launch(executable_path=os.environ.get("LOKET_CHROMIUM", "/usr/bin/chromium"))
                page = browser.new_page(base_url=server.url, viewport={"width": 1366, "height": 768}, locale="id-ID")
                sign_in(page, "operator", "operator-rahasia-1")
                for cards, run in zip(args.cards, runs):
                    page.goto(f"/cetak/{run}")
                    height = page.evaluate("() => document.documentElement.scrollHeight")
                    for paper in args.paper:
                        width, length = PAPERS[paper]
                        page.emulate_media(media="print")
                        pdf = page.pdf(width=f"{width}mm", height=f"{length}mm", prefer_css_page_size=True)
                        page.emulate_media(media="screen")
                        if args.keep:
                            args.keep.mkdir(parents=True, exist_ok=True)
                            (args.keep / f"print-run-{cards}-{paper}.pdf").write_bytes(pdf)
                        sheets = pages_of(pdf)
                        per_sheet = max(text.count("-01-") for text in sheets)
                        results.append({"cards": cards, "paper": paper, "sheets": len(sheets),
                                        "cards_on_a_full_sheet": per_sheet, "screen_height_px": height})
                browser.close()
        finally:
            server.stop()
    print(json.dumps(results, indent=1))


if __name__ == "__main__":
    main()
