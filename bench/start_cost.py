"""What `run.py serve` costs before its first page (issues 64 and 73): the server's CPU and the modules it
imports by the time /healthz and the sign-in page answer, with the page cache warm (bench/slow_pc.py
--only cold gives the cold start on the slow PC; this is the plain figure behind it).

Each start is a real `run.py serve` on one prepared office folder (bench/bench_day.prepare_office):
polled on /healthz every 10 ms, then /masuk asked; the server's CPU (all its threads, /proc/PID/stat)
read at each answer, and again `--settle` seconds later (the warm-up and the background jobs done: what
the start costs in all). The modules are counted in one more start under `python -X importtime`. With
`--before REV` the same is measured for that commit (its tree from `git archive`, the same Python and
folder), the two starts taken in turn, so both meet the same load.

    python bench/start_cost.py --before HEAD~3 --after HEAD --starts 5
"""
import argparse
import os
import signal
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_day import free_port, prepare_office  # noqa: E402

TICK = os.sysconf("SC_CLK_TCK") if hasattr(os, "sysconf") else 100


def cpu_seconds(pid: int) -> float:
    """user + system time of every thread of the process, ended ones included (/proc/PID/stat)."""
    fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
    return (int(fields[11]) + int(fields[12])) / TICK


def start(tree: Path, data: Path, settle: float, importtime: bool = False) -> dict:
    """One start of `tree`'s run.py serve: seconds and CPU to /healthz, to /masuk, and after `settle`."""
    port = free_port()
    env = dict(os.environ, PYTHONUNBUFFERED="1", PYTHONPYCACHEPREFIX=str(data.parent / f"pycache-{tree.name}"))
    env.pop("PYTHONDONTWRITEBYTECODE", None)  # an installed office has its .pyc files
    log = open(data.parent / f"serve-{tree.name}.log", "w")
    began = time.perf_counter()
    server = subprocess.Popen([sys.executable, *(["-X", "importtime"] if importtime else []), str(tree / "run.py"),
                               "serve", "--data", str(data), "--port", str(port)], cwd=tree, env=env,
                              stdout=subprocess.DEVNULL, stderr=log)
    figures = {}
    try:
        with requests.Session() as session:
            while True:
                try:
                    if session.get(f"http://127.0.0.1:{port}/healthz", timeout=5).ok:
                        break
                except requests.RequestException:
                    pass
                if server.poll() is not None or time.perf_counter() - began > 120:
                    raise SystemExit(f"the server did not start ({log.name})")
                time.sleep(0.01)
            figures["healthz"], figures["healthz_cpu"] = time.perf_counter() - began, cpu_seconds(server.pid)
            if not session.get(f"http://127.0.0.1:{port}/masuk", timeout=30).ok:
                raise SystemExit(f"the sign-in page failed ({log.name})")
            figures["signin"], figures["signin_cpu"] = time.perf_counter() - began, cpu_seconds(server.pid)
        if settle:
            time.sleep(settle)
            figures["settled_cpu"] = cpu_seconds(server.pid)
    finally:
        server.send_signal(signal.SIGINT)
        try:
            server.wait(30)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        log.close()
    if importtime:  # the modules imported by the time the sign-in page answered (and a little after)
        figures["modules"] = sum(1 for line in Path(log.name).read_text().splitlines()
                                 if line.startswith("import time:") and "| imported package" not in line)
    return figures


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--before", metavar="REV", help="measure this commit's tree too, in turn with the working tree")
    parser.add_argument("--after", metavar="REV", help="measure this commit's tree instead of the working tree")
    parser.add_argument("--starts", type=int, default=5, help="starts measured per tree (their median)")
    parser.add_argument("--settle", type=float, default=4, help="seconds after the sign-in page to read the CPU again")
    options = parser.parse_args(argv)
    signal.signal(signal.SIGINT, signal.default_int_handler)
    work = Path(tempfile.mkdtemp(prefix="loket-start-cost-"))
    data = work / "kantor"
    prepare_office(data)
    def tree_of(rev: str, name: str) -> Path:
        tree = work / name
        tree.mkdir()
        archive = subprocess.run(["git", "archive", rev], cwd=ROOT, capture_output=True, check=True).stdout
        subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
        return tree
    trees = [(f"after ({options.after})", tree_of(options.after, "after")) if options.after else ("working tree", ROOT)]
    if options.before:
        trees.insert(0, (f"before ({options.before})", tree_of(options.before, "before")))
    head = subprocess.run(["git", "rev-parse", "--short", "HEAD"], cwd=ROOT, capture_output=True, text=True).stdout.strip()
    print(f"# run.py serve to its first page, page cache warm; commit {head}"
          f"{' + working tree' if not options.after and subprocess.run(['git', 'diff', '--quiet'], cwd=ROOT).returncode else ''}; "
          f"load {os.getloadavg()[0]:.2f}")
    for _, tree in trees:
        start(tree, data, 0)  # .pyc files written, today's backup made: not counted
    results = {label: [] for label, _ in trees}
    for _ in range(options.starts):
        for label, tree in trees:
            results[label].append(start(tree, data, options.settle))
    modules = {label: start(tree, data, 0, importtime=True)["modules"] for label, tree in trees}
    print(f"load after: {os.getloadavg()[0]:.2f}; medians of {options.starts} starts, seconds")
    print(f"{'tree':24} {'to /healthz':>12} {'CPU':>6} {'to /masuk':>10} {'CPU':>6} {'CPU settled':>12} {'modules':>8}")
    for label, _ in trees:
        runs = results[label]

        def median(key):
            return statistics.median(run[key] for run in runs)
        print(f"{label:24} {median('healthz'):12.3f} {median('healthz_cpu'):6.2f} {median('signin'):10.3f} "
              f"{median('signin_cpu'):6.2f} {median('settled_cpu'):12.2f} {modules[label]:8d}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
