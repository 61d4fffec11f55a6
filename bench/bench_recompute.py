"""The heavy pages' full recompute: the CPU one view costs when no figure is kept (the first view after
a restart, after a change to an older quarter), in this process, on a folder bench_recap.py filled.

    python bench/bench_recompute.py --data /tmp/fig-bench/n1000000 [--runs 31] [--rounds 5] [--before DIR]

Each page (the indicators over eight quarters, the live recap of Triwulan I 2025) is requested `--runs`
times through the app's own test client (no waitress, no network) with the figure cache off
(app/frame/figure_cache.py), signed in as the Camat; printed: the median of the request's CPU
(`time.process_time`) and of its wall time. With `--before DIR` (another checkout, e.g. `git worktree add
DIR <commit>`) the same runs alternate between that tree and this one, `--rounds` times each, in
separate processes, so a shared machine's load falls on both alike; printed: each round's medians and
the median of the rounds per tree.
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


def in_tree(tree: Path, folder: str, runs: int) -> dict:
    """measure() in a fresh process importing `tree`'s app."""
    code = (f"import sys; sys.path.insert(0, {str(tree)!r}); sys.path.insert(1, {str(ROOT / 'bench')!r}); "
            f"import bench_recompute; print(repr(bench_recompute.measure({folder!r}, {runs})))")
    out = subprocess.run([sys.executable, "-c", code], cwd=tree, capture_output=True, text=True, check=True)
    return ast.literal_eval(out.stdout.strip().splitlines()[-1])


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--data", required=True, help="a folder bench/bench_recap.py filled (--cache DIR/n<N>)")
    parser.add_argument("--runs", type=int, default=31)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--before", type=Path, help="another checkout to alternate with")
    options = parser.parse_args()
    trees = {"this tree": ROOT} if options.before is None else {"before": options.before.resolve(), "this tree": ROOT}
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
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
