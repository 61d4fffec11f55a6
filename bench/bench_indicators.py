"""Benchmark: the registration indicators (returned files by cohort, service time by readiness) from
their per-day cohort tallies, for the indicators page's trend window of 8 quarters.

    python bench/bench_indicators.py --applications 200000 --runs 5 [--data FOLDER (reused when filled)]

Fills a fresh data folder with the demo loader (applications over up to two years, as `run.py demo`),
then prints the median time of the three registration indicators over the whole trend window, read
at once as the page reads them (sources.registration_indicators: what a view computes after a write;
between writes the page is kept, app/frame/figure_cache.py), and their CPU against their own reads
(the CPU inside SQLite, bench/reads_cpu.py: issue 73's goal for the page, within 2x).
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
sys.path.insert(0, str(Path(__file__).resolve().parent))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--applications", type=int, default=200_000)
    parser.add_argument("--runs", type=int, default=5)
    parser.add_argument("--data", type=Path, default=None)
    args = parser.parse_args(argv)
    folder = args.data or Path(tempfile.mkdtemp(prefix="bench-indicators-"))

    import reads_cpu
    reads_cpu.watch_statements()
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
        for name, read in (("the three registration indicators (one read of each tally)",
                            lambda: sources.registration_indicators(quarters, "WIB", today)),):
            times, cpu, reads = [], [], []
            for _ in range(args.runs):
                begin = time.perf_counter()
                with reads_cpu.Measured() as measured:
                    read()
                times.append((time.perf_counter() - begin) * 1000)
                cpu.append(measured.cpu_ms)
                reads.append(measured.reads_ms)
            print(f"{name}: median {statistics.median(times):.1f} ms over {args.runs} runs; CPU "
                  f"{statistics.median(cpu):.2f} ms, of it reads {statistics.median(reads):.2f} ms "
                  f"({len(measured.statements)} statements), CPU/reads "
                  f"{statistics.median(c / r for c, r in zip(cpu, reads) if r):.2f}x", flush=True)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
