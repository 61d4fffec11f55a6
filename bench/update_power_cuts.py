"""Power cuts through updates, with clerks saving throughout (issue 60, findings 5 and 6).

    python bench/update_power_cuts.py                  # 100 cuts
    python bench/update_power_cuts.py --cuts 30 --seed 2
    STROOM_KEEP=1 python bench/update_power_cuts.py    # a run with a problem keeps its folder

`kill` (SIGTERM) or Ctrl-C ends a run early with the figures so far.

A real center publishes releases of this tree (one wheel, each a higher version; one in five, and
every one aimed at going back, with a page that answers 500 only in the launched program); the
kecamatan's data folder is on the FUSE power-cut layer (tests/support/fuse_power_cut.py), four
clerks save through the forms the whole time and the admin applies each release through the
update page (tests/support/fuse_update.py). The cuts aim at the phases in turn (download,
install, pre-check, switch, first start or came up, going back), at a random moment within each (a download
cut at one of the pass's changes in the update folder, most often); after each the disk is put
back to what it kept, `run.py serve` starts again, and the PC must settle on a version within
--bound seconds, take a new registration and hold every acknowledged write.

Printed per phase (the one the cut fell in): cuts, PCs that started on a working version, writes
lost, releases without a defect taken back ("blamed"), which version it settled on, the slowest
start to settled. Then the run's totals and every problem. Progress goes to stderr.
"""
import argparse
import os
import signal
import subprocess
import sys
import time
from pathlib import Path

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")  # keys in DATA/kunci/
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from tests.support.fuse_power_cut import fuse_available  # noqa: E402
from tests.support.fuse_update import PHASES, UpdateCuts  # noqa: E402


def plan(cuts: int) -> list[str]:
    """The phases in a journey's order, again and again: each release is cut as it goes on. A journey
    is cut either in its first start or in the seconds after it came up (both cannot be had of one)."""
    first, then = [p for p in PHASES if p != "came up"], [p for p in PHASES if p != "first start"]
    order = []
    while len(order) < cuts:
        order += first if len(order) // len(first) % 2 == 0 else then
    return order[:cuts]


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--cuts", type=int, default=100)
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--bound", type=float, default=300, help="seconds a PC may take to settle after a cut")
    parser.add_argument("--work", type=Path, default=None, help="folder for the run's files (default: the temp folder)")
    options = parser.parse_args()
    missing = fuse_available()
    if missing:
        sys.exit(f"no FUSE here: {missing}")
    began = time.monotonic()
    signal.signal(signal.SIGTERM, signal.default_int_handler)  # `kill` ends the run with the figures so far

    def say(line: str) -> None:
        print(f"{time.monotonic() - began:7.0f} s  {line}", file=sys.stderr, flush=True)

    commit = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True,
                            text=True).stdout.strip()
    report = UpdateCuts(options.work, seed=options.seed, bound=options.bound, say=say).run(plan=plan(options.cuts))
    print(f"Updates through power cuts: {report.cuts} cuts (asked {options.cuts}), seed {options.seed}, "
          f"commit {commit}, {time.monotonic() - began:.0f} s, load {os.getloadavg()[0]:.1f}")
    for line in report.lines():
        print("  " + line)
    for problem in report.problems + report.office.problems:
        print("  problem: " + problem)
    figures = report.phases.values()
    sound = (report.cuts >= options.cuts and all(f.working == f.cuts for f in figures)
             and not any(f.blamed for f in figures)
             and (report.office.lost, report.office.half, report.office.corrupt, report.office.doubled) == (0, 0, 0, 0))
    sys.exit(0 if sound else 1)


if __name__ == "__main__":
    main()
