"""Soak: the office server under steady work for a long time, watched for what grows (issue 33).

    python bench/bench_soak.py                      # 3 minutes without pause, a sample every 15 s
    python bench/bench_soak.py --burst 300          # and then 300 browsers at once
    python bench/bench_soak.py --office-day --speed 16 --interval 60   # an 8-hour day's work in 30 min
    python bench/bench_soak.py --office-day --speed 1 --interval 300   # the 8-hour day on the clock
    python bench/bench_soak.py --minutes 10 --interval 60 --tracemalloc   # and what grew, by source line
    python bench/bench_soak.py --clerks 6 --passes 20 --minutes 5   # 8 people, a sync pass beside every 20 s

`--passes S` starts the regency center behind the rural link (bench_day.Center), enrols the office and
runs `run.py sync` (a process of its own, sharing the database file with the server, as an office's
scheduled pass does) every S seconds while the people work (issue 61: "database is locked" while
passes ran). `--clerks N` sets the counter clerks (3; with the information officer and the kiosk,
N + 2 people).

The people of bench/bench_day.py (three counter clerks, the information officer, the kiosk)
work without pause against `run.py serve` (waitress with the office's limits, app/frame/serving.py)
on a fresh office. Every interval the server process is sampled from /proc (Linux): resident
memory, open file handles, threads, and the requests and errors so far. A leak shows as a line
that keeps rising after the warm-up; the summary compares the second half with the first.
At the end, `--burst N` browsers open a connection each at once and keep it (as browsers keep
idle connections alive) while asking for a page: how many were served, how many got the
"server penuh" 503 at the limit, and the longest wait.

Without pause the five people send an office's week in an hour (about 20 requests a second, a
registration with its photo every few seconds): a stress test, whose data folder grows by gigabytes
in 8 hours. `--office-day` paces each person at an office's rate instead (OFFICE_PACE: actions an
hour, each one to four requests) for `--minutes` of office time (480 by default: the 8-hour day),
`--speed` times faster on the clock: `--speed 16` is the day's request volume in 30 minutes,
`--speed 1` the day itself. Samples are labelled in office minutes; the data folder's size is sampled
too.
"""
import argparse
import os
import random
import signal
import subprocess
import sys
import tempfile
import threading
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench import bench_day  # noqa: E402
from bench.bench_day import (PASSWORD, Center, Clerk, InformationOfficer, KioskVisitor, Recorder,  # noqa: E402
                             free_port, memory_mb, photo_jpeg, prepare_office, start_server)


def sample(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    threads = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("Threads:"))
    return {"rss": memory_mb(pid, "VmRSS"), "files": len(os.listdir(f"/proc/{pid}/fd")), "threads": threads}


# An office's rate, in actions an hour of each person (bench_day's act(): a page, a search, or a
# registration with its photo and the pages around it). A counter clerk serves an applicant every
# 8-10 minutes, with searches and register look-ups between; the information desk takes a call or a
# visitor every few minutes; the kiosk sees a visitor every few minutes. About 3,000 actions a day.
OFFICE_PACE = {"Clerk": 90, "InformationOfficer": 60, "KioskVisitor": 30}
DAY_MINUTES = 480


def keep_working(person, deadline: float, stop: threading.Event, per_second: float | None = None) -> None:
    """Act until the deadline: without pause, or `per_second` actions on average (random gaps)."""
    person.login()
    person.setup()
    person.can_sync = False  # no center here: bench_sync.py measures the link
    while time.monotonic() < deadline and not stop.is_set():
        if getattr(person, "serial", 0) >= 500:  # bench_day's names grow with the serial: past ~700 saves
            person.serial = 0                   # a clerk's name passes the form's 100 characters (a 422)
        person.act()
        if per_second:
            stop.wait(person.rng.expovariate(per_second))


def add_clerks(data: Path, count: int) -> None:
    """Counter clerks beyond bench_day's three (loket4, loket5, ...), made by the app's own code."""
    from app import create_app
    from app.auth.accounts import create_user
    app = create_app({"DATA_DIR": data})
    with app.app_context(), app.extensions["database"].connection_context():
        for n in range(4, count + 1):
            create_user(f"loket{n}", f"Pegawai loket{n}", "petugas_loket", password=PASSWORD,
                        must_change_password=False)
    app.extensions["database"].close_all()


def keep_syncing(data: Path, every: float, stop: threading.Event, passes: list, preexec_fn=None) -> None:
    """`run.py sync` beside the server every `every` seconds: (exit code, seconds, what it printed, start).
    `preexec_fn`: run in each pass's process first (bench/slow_pc.py: into a CPU-limited cgroup)."""
    while not stop.wait(every):
        began = time.monotonic()
        done = subprocess.run([sys.executable, str(ROOT / "run.py"), "sync", "--data", str(data)], cwd=ROOT,
                              capture_output=True, text=True, timeout=900, preexec_fn=preexec_fn)
        passes.append((done.returncode, time.monotonic() - began, (done.stdout + done.stderr).strip(), began))


def trace_snapshot(server, target: Path):
    """The traced server's (bench/traced_serve.py) Python allocations now: asked by SIGUSR1, read once written."""
    import tracemalloc
    target.unlink(missing_ok=True)
    server.send_signal(signal.SIGUSR1)
    for _ in range(600):
        if target.exists():
            return tracemalloc.Snapshot.load(str(target))
        time.sleep(0.1)
    raise SystemExit("the traced server wrote no snapshot")


def print_growth(first, last, top: int = 15) -> None:
    """What grew between two snapshots, by source line, the largest first (tracemalloc's compare_to)."""
    import tracemalloc
    ours = [tracemalloc.Filter(False, tracemalloc.__file__), tracemalloc.Filter(False, "<frozen importlib._bootstrap*>")]
    growth = last.filter_traces(ours).compare_to(first.filter_traces(ours), "traceback")
    total = sum(stat.size_diff for stat in growth)
    print(f"traced Python allocations grew {total / 1024 ** 2:+.2f} MB after the warm-up; the largest growths:")
    for stat in growth[:top]:
        frame = stat.traceback[-1]  # a traceback runs from the oldest frame to the allocating one
        # and the nearest line of ours that led there (a library's line alone does not say who keeps it)
        ours = next((f for f in reversed(stat.traceback)
                     if str(ROOT / "app") in f.filename or str(ROOT / "sync") in f.filename), None)
        caller = f"  <- {Path(ours.filename).relative_to(ROOT)}:{ours.lineno}" if ours and ours is not frame else ""
        print(f"  {stat.size_diff / 1024:+9.1f} KiB {stat.count_diff:+7d} blocks  {frame.filename}:{frame.lineno}{caller}")


def folder_mb(folder: Path) -> float:
    return sum(p.stat().st_size for p in folder.rglob("*") if p.is_file()) / 1024 ** 2


def burst(base: str, count: int) -> tuple[int, int, int, float]:
    """count browsers at once, each keeping its connection: (served, busy 503, failed, longest wait s)."""
    results, sessions, lock = [], [], threading.Lock()
    start = threading.Barrier(count)

    def one():
        session = requests.Session()
        with lock:
            sessions.append(session)
        start.wait()
        began = time.monotonic()
        try:
            status = session.get(f"{base}/healthz", timeout=180).status_code
        except requests.RequestException:
            status = 0
        with lock:
            results.append((status, time.monotonic() - began))
    threads = [threading.Thread(target=one) for _ in range(count)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    for session in sessions:
        session.close()
    served = sum(1 for status, _ in results if status == 200)
    busy = sum(1 for status, _ in results if status == 503)
    return served, busy, len(results) - served - busy, max(wait for _, wait in results)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--minutes", type=float, default=None,
                        help="minutes to run (3); with --office-day, minutes of office time (480)")
    parser.add_argument("--interval", type=float, default=15, help="seconds between samples (on the clock)")
    parser.add_argument("--office-day", action="store_true", help="each person at an office's pace (OFFICE_PACE)")
    parser.add_argument("--speed", type=float, default=1, help="with --office-day: how many times faster")
    parser.add_argument("--burst", type=int, default=0, help="browsers at once at the end (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    parser.add_argument("--clerks", type=int, default=3, help="counter clerks (3); the people are these and two more")
    parser.add_argument("--passes", type=float, default=0,
                        help="a sync pass (run.py sync, its own process) every this many seconds (0: none)")
    parser.add_argument("--tracemalloc", action="store_true",
                        help="serve under tracemalloc (slower) and print what grew after the warm-up, by source line")
    options = parser.parse_args(argv)
    office_minutes = options.minutes if options.minutes is not None else (DAY_MINUTES if options.office_day else 3)
    speed = options.speed if options.office_day else 1
    if speed <= 0:
        parser.error("--speed must be above 0")
    if not sys.platform.startswith("linux"):
        raise SystemExit("samples the server from /proc: run it on Linux")

    with tempfile.TemporaryDirectory(prefix="loket-soak-") as folder:
        data = Path(folder) / "kantor"
        prepare_office(data)
        if options.clerks > 3:
            add_clerks(data, options.clerks)
        center = Center(Path(folder) / "pusat") if options.passes else None
        if center:
            center.enrol(data)
        bench_day.PHOTOS[:] = [photo_jpeg(random.Random(n)) for n in range(4)]
        port = free_port()
        snapshot_file = data / "trace.snapshot"
        server = (start_server(data, port, entry=ROOT / "bench" / "traced_serve.py",
                               env=dict(os.environ, LOKET_TRACE_SNAPSHOT=str(snapshot_file)))
                  if options.tracemalloc else start_server(data, port))
        snapshots = []
        base = f"http://127.0.0.1:{port}"
        rec = Recorder()
        rng = random.Random(options.seed)
        people = [Clerk(base, f"loket{n}", rec, random.Random(rng.random())) for n in range(1, options.clerks + 1)]
        people += [InformationOfficer(base, "info", rec, random.Random(rng.random())),
                   KioskVisitor(base, "kios", rec, random.Random(rng.random()))]
        stop = threading.Event()
        passes = []
        syncing = (threading.Thread(target=keep_syncing, args=(data, options.passes, stop, passes))
                   if center else None)
        started = time.monotonic()
        deadline = started + office_minutes * 60 / speed
        paces = [OFFICE_PACE[type(p).__name__] * speed / 3600 if options.office_day else None for p in people]
        workers = [threading.Thread(target=keep_working, args=(p, deadline, stop, pace)) for p, pace in zip(people, paces)]
        for worker in workers:
            worker.start()
        if syncing:
            syncing.start()
        samples = []
        how = (f"at an office's pace, {speed:g} times faster ({office_minutes / speed:g} min on the clock)"
               if options.office_day else "without pause")
        print(f"# soak: {len(people)} people {how} for {office_minutes:g} office minutes, a sample every "
              f"{options.interval:g} s (server pid {server.pid})")
        print(f"{'minute':>7} {'requests':>9} {'errors':>7} {'RSS MB':>7} {'files':>6} {'threads':>8} {'data MB':>8}")
        try:
            while True:
                now = time.monotonic()
                served = sum(len(v) for v in rec.latency.values())
                row = dict(sample(server.pid), minute=(now - started) * speed / 60, requests=served,
                           errors=len(rec.errors), data=folder_mb(data))
                samples.append(row)
                print(f"{row['minute']:7.1f} {served:9d} {row['errors']:7d} {row['rss']:7.1f} {row['files']:6d} "
                      f"{row['threads']:8d} {row['data']:8.1f}", flush=True)
                if options.tracemalloc and len(samples) == 2:  # after the warm-up, as the RSS summary's
                    snapshots.append(trace_snapshot(server, snapshot_file))
                if now >= deadline:
                    break
                time.sleep(min(options.interval, max(0.0, deadline - now)))
        finally:
            stop.set()
            for worker in workers:
                worker.join()
            if syncing:
                syncing.join()
        end = sample(server.pid)
        if options.tracemalloc and snapshots:
            snapshots.append(trace_snapshot(server, snapshot_file))
        if options.burst:
            served, busy, failed, longest = burst(base, options.burst)
            after = sample(server.pid)
        server.send_signal(signal.SIGINT)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()
        if center:
            center.stop()
        locked_in_log = (data / "server.log").read_text(errors="replace").count("database is locked")

    half = samples[len(samples) // 2]
    warm = samples[min(1, len(samples) - 1)]
    total = samples[-1]["requests"]
    clock = samples[-1]["minute"] * 60 / speed
    print(f"requests: {total} in {clock / 60:.1f} min on the clock ({total / max(1e-9, clock):.1f}/s), "
          f"errors: {len(rec.errors)}; data folder {samples[0]['data']:.1f} -> {samples[-1]['data']:.1f} MB")
    for error in rec.errors[:10]:
        print(f"  {error}")
    print(f"'database is locked' in the server's log: {locked_in_log} times")
    if center:
        failed = [p for p in passes if p[0]]
        print(f"sync passes beside: {len(passes)}, {len(failed)} failed; longest {max((p[1] for p in passes), default=0):.1f} s")
        if passes:
            print(f"  the last pass said: {passes[-1][2].splitlines()[-1][-300:] if passes[-1][2] else '(nothing)'}")
        for code, _, said in failed[:5]:
            print(f"  exit {code}: {said[-300:]}")
    print(f"RSS MB: after warm-up {warm['rss']:.1f}, half-way {half['rss']:.1f}, end {end['rss']:.1f} "
          f"(second half {end['rss'] - half['rss']:+.1f} MB, first half {half['rss'] - warm['rss']:+.1f} MB)")
    print(f"open files: {warm['files']} / {half['files']} / {end['files']}; threads: {warm['threads']} / "
          f"{half['threads']} / {end['threads']}")
    if len(snapshots) == 2:
        print_growth(*snapshots)
    if options.burst:
        print(f"burst of {options.burst} browsers at once: {served} served, {busy} answered 'server penuh' (503), "
              f"{failed} failed; longest wait {longest:.1f} s; after it: {after['files']} open files, "
              f"{after['threads']} threads, {after['rss']:.1f} MB")
    return 0 if not rec.errors else 1


if __name__ == "__main__":
    sys.exit(main())
