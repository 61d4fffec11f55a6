"""Soak: the office server under steady work for a long time, watched for what grows (issue 33).

    python bench/bench_soak.py                      # 3 minutes, a sample every 15 s
    python bench/bench_soak.py --minutes 480 --interval 300      # the 8-hour day
    python bench/bench_soak.py --burst 300          # and then 300 browsers at once

The people of bench/bench_day.py (three counter clerks, the information officer, the kiosk)
work without pause against `run.py serve` (waitress with the office's limits, app/frame/serving.py)
on a fresh office. Every interval the server process is sampled from /proc (Linux): resident
memory, open file handles, threads, and the requests and errors so far. A leak shows as a line
that keeps rising after the warm-up; the summary compares the second half with the first.
At the end, `--burst N` browsers open a connection each at once and keep it (as browsers keep
idle connections alive) while asking for a page: how many were served, how many got the
"server penuh" 503 at the limit, and the longest wait.
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
from bench.bench_day import (Clerk, InformationOfficer, KioskVisitor, Recorder, free_port, memory_mb,  # noqa: E402
                             photo_jpeg, prepare_office, start_server)


def sample(pid: int) -> dict:
    status = Path(f"/proc/{pid}/status").read_text()
    threads = next(int(line.split()[1]) for line in status.splitlines() if line.startswith("Threads:"))
    return {"rss": memory_mb(pid, "VmRSS"), "files": len(os.listdir(f"/proc/{pid}/fd")), "threads": threads}


def keep_working(person, deadline: float, stop: threading.Event) -> None:
    person.login()
    person.setup()
    person.can_sync = False  # no center here: bench_sync.py measures the link
    while time.monotonic() < deadline and not stop.is_set():
        if getattr(person, "serial", 0) >= 500:  # bench_day's names grow with the serial: past ~700 saves
            person.serial = 0                   # a clerk's name passes the form's 100 characters (a 422)
        person.act()


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
    parser.add_argument("--minutes", type=float, default=3)
    parser.add_argument("--interval", type=float, default=15, help="seconds between samples")
    parser.add_argument("--burst", type=int, default=0, help="browsers at once at the end (0: none)")
    parser.add_argument("--seed", type=int, default=7)
    options = parser.parse_args(argv)
    if not sys.platform.startswith("linux"):
        raise SystemExit("samples the server from /proc: run it on Linux")

    with tempfile.TemporaryDirectory(prefix="loket-soak-") as folder:
        data = Path(folder)
        prepare_office(data)
        bench_day.PHOTOS[:] = [photo_jpeg(random.Random(n)) for n in range(4)]
        port = free_port()
        server = start_server(data, port)
        base = f"http://127.0.0.1:{port}"
        rec = Recorder()
        rng = random.Random(options.seed)
        people = [Clerk(base, f"loket{n}", rec, random.Random(rng.random())) for n in (1, 2, 3)]
        people += [InformationOfficer(base, "info", rec, random.Random(rng.random())),
                   KioskVisitor(base, "kios", rec, random.Random(rng.random()))]
        stop = threading.Event()
        started = time.monotonic()
        deadline = started + options.minutes * 60
        workers = [threading.Thread(target=keep_working, args=(p, deadline, stop)) for p in people]
        for worker in workers:
            worker.start()
        samples = []
        print(f"# soak: {len(people)} people without pause for {options.minutes:g} min, a sample every "
              f"{options.interval:g} s (server pid {server.pid})")
        print(f"{'minute':>7} {'requests':>9} {'errors':>7} {'RSS MB':>7} {'files':>6} {'threads':>8}")
        try:
            while True:
                now = time.monotonic()
                served = sum(len(v) for v in rec.latency.values())
                row = dict(sample(server.pid), minute=(now - started) / 60, requests=served, errors=len(rec.errors))
                samples.append(row)
                print(f"{row['minute']:7.1f} {served:9d} {row['errors']:7d} {row['rss']:7.1f} {row['files']:6d} "
                      f"{row['threads']:8d}", flush=True)
                if now >= deadline:
                    break
                time.sleep(min(options.interval, max(0.0, deadline - now)))
        finally:
            stop.set()
            for worker in workers:
                worker.join()
        end = sample(server.pid)
        if options.burst:
            served, busy, failed, longest = burst(base, options.burst)
            after = sample(server.pid)
        server.send_signal(signal.SIGINT)
        try:
            server.wait(20)
        except subprocess.TimeoutExpired:
            server.kill()
            server.wait()

    half = samples[len(samples) // 2]
    warm = samples[min(1, len(samples) - 1)]
    total = samples[-1]["requests"]
    print(f"requests: {total} ({total / max(1e-9, samples[-1]['minute'] * 60):.1f}/s), errors: {len(rec.errors)}")
    for error in rec.errors[:10]:
        print(f"  {error}")
    print(f"RSS MB: after warm-up {warm['rss']:.1f}, half-way {half['rss']:.1f}, end {end['rss']:.1f} "
          f"(second half {end['rss'] - half['rss']:+.1f} MB, first half {half['rss'] - warm['rss']:+.1f} MB)")
    print(f"open files: {warm['files']} / {half['files']} / {end['files']}; threads: {warm['threads']} / "
          f"{half['threads']} / {end['threads']}")
    if options.burst:
        print(f"burst of {options.burst} browsers at once: {served} served, {busy} answered 'server penuh' (503), "
              f"{failed} failed; longest wait {longest:.1f} s; after it: {after['files']} open files, "
              f"{after['threads']} threads, {after['rss']:.1f} MB")
    return 0 if not rec.errors else 1


if __name__ == "__main__":
    sys.exit(main())
