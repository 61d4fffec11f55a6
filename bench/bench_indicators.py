"""Benchmark: the registration indicators (returned files by cohort, service time by readiness) from
their per-day cohort tallies, for the indicators page's trend window of 8 quarters.

    python bench/bench_indicators.py --applications 200000 --runs 5 [--data FOLDER (reused when filled)]

Fills a fresh data folder with the demo loader (applications over up to two years, as `run.py demo`),
then prints the median time of each source over the whole trend window (what a view computes after
a write; between writes the page is kept, app/frame/figure_cache.py).
"""
import argparse
import random
import statistics
import sys
import tempfile
import time
from argparse import Namespace
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = args.data or Path(tempfile.mkdtemp(prefix="bench-indicators-"))

    from app import create_app
    from app.firstrun import DEMO_KECAMATAN, seed_identity
    from app.frame.dates import local_today
    from app.frame.periods import Quarter
    from app.indicators import sources
    from app.registration.demo import fill_demo

    reuse = (folder / "loket.sqlite3").exists()  # a folder this bench filled before
    app = create_app({"DATA_DIR": folder})
    with app.app_context(), app.extensions["database"].connection_context():
        started = time.perf_counter()
        if not reuse:
            seed_identity(DEMO_KECAMATAN)
            fill_demo(Namespace(applications=args.applications), random.Random(5))
            print(f"filled {args.applications} applications in {time.perf_counter() - started:.0f} s", flush=True)
        today = local_today("WIB")
        quarters = Quarter.containing(today).last(8)
        from app.figures import tallies
        begin = time.perf_counter()
        tallies.rebuild("WIB")
        print(f"rebuild of every tally (an upgrade, a zone change): {time.perf_counter() - begin:.1f} s", flush=True)
        for name, read in (("berkas dikembalikan (cohort)", lambda: sources.returned_incomplete(quarters, "WIB")),
                           ("siap diambil tepat waktu", lambda: sources.ready_on_time(quarters, "WIB", today)),
                           ("diambil warga (tallies)", lambda: sources.handed_over_on_time(quarters, "WIB"))):
            times = []
            for _ in range(args.runs):
                begin = time.perf_counter()
                read()
                times.append((time.perf_counter() - begin) * 1000)
            print(f"{name}: median {statistics.median(times):.1f} ms over {args.runs} runs", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
