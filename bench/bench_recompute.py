"""The heavy pages' full recompute: the CPU one view costs when no figure is kept (the first view after
a restart, after a change to an older quarter), in this process, on a folder bench_recap.py filled.

    python bench/bench_recompute.py --data /tmp/fig-bench/n1000000 [--runs 31] [--rounds 5] [--before DIR]

Each page (the indicators over eight quarters, the live recap of Triwulan I 2025) is requested `--runs`
times through the app's own test client (no waitress, no network) with the figure cache off
(app/frame/figure_cache.py), signed in as the Camat; printed: the median of the request's CPU
(`time.process_time`) and of its wall time. With `--before DIR` (another checkout, e.g. `git worktree add
DIR <commit>`) the same runs alternate between that tree and this one, `--rounds` times each, in
separate processes, so a shared machine's load falls on both alike; printed: each round's medians and
the median of the rounds per tree. With `--parts`, before the pages: the parts the pages compute
(the recap's live contents, one quarter's complaint figures, the indicators' eight quarters, the
complaints followed up on time, the three registration indicators), each called 101 times in one
process per tree; printed: the minimum and the first quartile of its CPU, the least disturbed by load.
"""
import argparse
import ast
import os
import statistics
import subprocess
import sys
import time
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PAGES = {"indicators": f"/indikator?tahun={date.today().year}", "recap": "/rekap/2025/1"}


def measure(folder: str, runs: int) -> dict:
    """In this process, on the tree first on sys.path: {page: (CPU ms median, wall ms median)}."""
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    from app.frame import figure_cache
    figure_cache.kept = lambda name, key, compute, stamp=None: compute()
    figure_cache.kept_figure = lambda name, key, compute, quarters=None: compute()
    figure_cache.kept_quarters = lambda name, keys, compute_many: compute_many(list(keys))  # where it exists
    from app import create_app
    from app.auth.models import User
    from app.frame.db import database
    from tests.conftest import CsrfClient, sign_in_as
    app = create_app({"DATA_DIR": folder, "SECRET_KEY": "bench-recompute", "TESTING": False})
    app.test_client_class = CsrfClient
    client = app.test_client()
    with app.app_context(), database.connection_context():
        sign_in_as(client, User.get(User.username == "camat"))
    found = {}
    for name, path in PAGES.items():
        cpu, wall = [], []
        for _ in range(runs):
            started, used = time.perf_counter(), time.process_time()
            response = client.get(path)
            cpu.append((time.process_time() - used) * 1000)
            wall.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 200, (path, response.status_code)
        found[name] = (statistics.median(cpu), statistics.median(wall))
    return found


def measure_parts(folder: str, calls: int = 101) -> dict:
    """In this process, on the tree first on sys.path: {part: (CPU ms minimum, first quartile)}."""
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    from app.frame import figure_cache
    figure_cache.kept_figure = lambda name, key, compute, quarters=None: compute()
    from app import create_app
    from app.frame import store
    from app.frame.db import database
    from app.frame.dates import local_today
    from app.frame.office_calendar import office_calendar
    from app.frame.periods import Quarter
    from app.indicators import figures as indicator_figures, sources
    from app.recap import contents, figures as recap_figures
    app = create_app({"DATA_DIR": folder, "SECRET_KEY": "bench-recompute", "TESTING": False})
    found = {}
    with app.app_context(), database.connection_context():
        zone, calendar = store.get("timezone"), office_calendar()
        today, quarter = local_today(zone), Quarter.of(2025, 1)
        follow_up_days = int(store.get("complaint_follow_up_days"))
        first_days = int(store.get("complaint_first_response_days"))
        read = indicator_figures.indicator_quarters(Quarter.containing(today), today)[1]
        parts = {
            "recap live contents": lambda: contents.live_contents(quarter, zone),
            "complaint figures, 1 quarter": lambda: recap_figures.complaint_figures(
                quarter, zone, calendar, first_days, follow_up_days),
            "indicators, 8 quarters": lambda: indicator_figures._quarters_figures(
                read, zone, calendar, follow_up_days, today),
            "complaints followed up on time": lambda: sources.complaints_followed_up_on_time(
                read, zone, calendar, follow_up_days, today),
            "3 registration indicators": lambda: sources.registration_indicators(read, zone, today),
        }
        for name, part in parts.items():
            part()
            cpu = []
            for _ in range(calls):
                used = time.process_time()
                part()
                cpu.append((time.process_time() - used) * 1000)
            cpu.sort()
            found[name] = (cpu[0], cpu[len(cpu) // 4])
    return found


def in_tree(tree: Path, folder: str, runs: int, what: str = "measure") -> dict:
    """measure() (or measure_parts()) in a fresh process importing `tree`'s app."""
    call = f"measure({folder!r}, {runs})" if what == "measure" else f"measure_parts({folder!r})"
    code = (f"import sys; sys.path.insert(0, {str(tree)!r}); sys.path.insert(1, {str(ROOT / 'bench')!r}); "
            f"import bench_recompute; print(repr(bench_recompute.{call}))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, check=True)
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a folder bench/bench_recap.py filled (--cache DIR/n<N>)")
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another checkout to alternate with")
    parser.add_argument("--parts", action="store_true", help="first time the parts the pages compute")
    options = parser.parse_args()
    trees = {"this tree": ROOT} if options.before is None else {"before": options.before.resolve(), "this tree": ROOT}
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    if options.parts:
        for name, tree in trees.items():
            for part, (least, quartile) in in_tree(tree, options.data, 0, "parts").items():
                print(f"{name:9} {part:32} cpu min {least:5.2f} ms, first quartile {quartile:5.2f} ms", flush=True)
    rounds = {name: [] for name in trees}
    for number in range(options.rounds):
        for name, tree in trees.items():
            found = in_tree(tree, options.data, options.runs)
            rounds[name].append(found)
            print(f"round {number + 1} {name:9}  " + "  ".join(
                f"{page} cpu {cpu:.1f} ms wall {wall:.1f} ms" for page, (cpu, wall) in found.items()), flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for name in trees:
        print(f"{name:9} median of rounds: " + "  ".join(
            f"{page} cpu {statistics.median(r[page][0] for r in rounds[name]):.1f} ms"
            f" wall {statistics.median(r[page][1] for r in rounds[name]):.1f} ms" for page in PAGES))
    return 0


if __name__ == "__main__":
    sys.exit(main())
