"""The office's own bookkeeping of the center's answers and statuses (issue 45), in CPU time.

    python bench/bench_statuses.py usb  [--count 2000] [--reps 3] [--profile FILE]
        # a month's USB status file: `count` statuses (received, printed) for count/2 applications
        # sent by USB (their acknowledgements never came), imported as the sync page imports it;
        # beside it, the same file applied one status at a time (engine.apply_event, the path
        # before issue 45) on a copy of the same database, in the same run
    python bench/bench_statuses.py pass [--sizes 50,200] [--reps 3]
        # a whole sync pass at the office against a real center (subprocess): CPU of the pass in the
        # office process for two sizes, split into per pass + per application

The office runs with the public status on (PUBLIC_STATUS), as offices do. CPU is time.process_time
of the office process (all its threads); medians of `reps`. Prints JSON for docs/benchmarks.md.
"""
import argparse
import json
import os
import shutil
import statistics
import sys
import tempfile
import time
from datetime import datetime
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))


def _office(folder: Path, count: int):
    """`count` complete applications, enrolled by hand (key "kunci"), nothing acknowledged."""
    from tests.sync.harness import fill_kecamatan, kecamatan_app
    app = kecamatan_app(folder, public_status=True)
    fill_kecamatan(app, count, photo_size=(30, 40))
    with app.app_context(), app.extensions["database"].connection_context():
        from app.frame.db import database
        from sync.client.models import OutboxItem, SyncLink
        with database.atomic():
            SyncLink.create(center_url="http://pusat", kecamatan_code="35.08.07", key_id="kunci", secret="rahasia-bench",
                            enrolled_at=datetime(2026, 1, 1))
        items = [(i.registration_number, i.version, i.content_hash)
                 for i in OutboxItem.select().where(OutboxItem.kind == "permohonan").order_by(OutboxItem.id)]
    app.extensions["database"].close()
    return items


def _status_file(items, count: int) -> bytes:
    from types import SimpleNamespace
    from sync import usb
    steps = ("received", "printed")
    events = [{"seq": seq, "id": number, "version": version, "status": steps[k], "reason": "", "at": "", "hash": digest}
              for seq, (k, (number, version, digest)) in
              enumerate(((k, item) for k in range(2) for item in items), start=1)][:count]
    return usb.write_status_file(SimpleNamespace(key_id="kunci", secret="rahasia-bench"), events), events


def bench_usb(count: int, reps: int, profile: Path | None = None) -> dict:
    from tests.sync.harness import kecamatan_app
    base = Path(tempfile.mkdtemp(prefix="bench-statuses-"))
    items = _office(base / "made", (count + 1) // 2)
    content, events = _status_file(items, count)
    together, one_by_one = [], []
    for rep in range(reps):
        for name, runs in (("together", together), ("one", one_by_one)):
            folder = base / f"{name}-{rep}"
            shutil.copytree(base / "made", folder)
            app = kecamatan_app(folder, public_status=True)
            with app.app_context(), app.extensions["database"].connection_context():
                from app.sync_page import records as page
                from sync.client import engine
                profiler = None
                if profile and name == "together" and rep == 0:
                    import cProfile
                    profiler = cProfile.Profile()
                    profiler.enable()
                cpu, wall = time.process_time(), time.perf_counter()
                if name == "together":
                    with app.test_request_context():
                        applied = page.import_status_file(content)
                else:
                    link_id = engine.current_link().id
                    applied = sum(engine.apply_event(link_id, event) == "applied" for event in events)
                cpu, wall = time.process_time() - cpu, time.perf_counter() - wall
                if profiler:
                    profiler.disable()
                    profiler.dump_stats(str(profile))
            app.extensions["database"].close()
            assert applied == count, (name, applied)
            runs.append((cpu, wall))
            shutil.rmtree(folder)
    shutil.rmtree(base, ignore_errors=True)
    cpu = statistics.median(c for c, _ in together)
    reference = statistics.median(c for c, _ in one_by_one)
    return {"statuses": count, "applications": len(items), "reps": reps,
            "cpu_seconds": round(cpu, 2), "wall_seconds": round(statistics.median(w for _, w in together), 2),
            "cpu_ms_per_status": round(cpu * 1000 / count, 3),
            "one_by_one_cpu_ms_per_status": round(reference * 1000 / count, 3),
            "one_by_one_to_together": round(reference / cpu, 1),
            "load_average": [round(x, 1) for x in os.getloadavg()]}


def bench_pass(sizes: list[int], reps: int) -> dict:
    """A full pass (manifest, packets, acknowledgements, received statuses, the status pull) against
    a real center; CPU of the office process during sync_once."""
    from sync.client import engine
    from tests.sync.harness import CenterServer, enrol_kecamatan, fill_kecamatan, kecamatan_app, prepare_center
    rows = {}
    for size in sizes:
        cpus = []
        for rep in range(reps):
            base = Path(tempfile.mkdtemp(prefix="bench-pass-"))
            _, code = prepare_center(base / "center")
            center = CenterServer(base / "center").start()
            try:
                app = kecamatan_app(base / "kecamatan", public_status=True)
                fill_kecamatan(app, size, photo_size=(30, 40))
                enrol_kecamatan(app, center.url, code)
                with app.app_context(), app.extensions["database"].connection_context():
                    cpu = time.process_time()
                    report = engine.sync_once(full=True)
                    cpus.append(time.process_time() - cpu)
                    assert report.sent == size and not report.error, report
                app.extensions["database"].close()
            finally:
                center.stop()
                shutil.rmtree(base, ignore_errors=True)
        rows[size] = statistics.median(cpus)
    small, large = min(sizes), max(sizes)
    per_app = (rows[large] - rows[small]) / (large - small)
    return {"sizes": sizes, "reps": reps, "cpu_seconds_per_pass": {s: round(c, 3) for s, c in rows.items()},
            "cpu_ms_per_application": round(per_app * 1000, 2),
            "cpu_seconds_per_pass_fixed": round(rows[small] - per_app * small, 3),
            "load_average": [round(x, 1) for x in os.getloadavg()]}


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("what", choices=["usb", "pass"])
    parser.add_argument("--count", type=int, default=2000)
    parser.add_argument("--sizes", default="50,200")
    parser.add_argument("--reps", type=int, default=3)
    parser.add_argument("--profile", type=Path, help="usb: cProfile's statistics of the first import, here")
    options = parser.parse_args()
    if options.what == "usb":
        result = bench_usb(options.count, options.reps, options.profile)
    else:
        result = bench_pass([int(s) for s in options.sizes.split(",")], options.reps)
    print(json.dumps(result, indent=2))
    return 0


if __name__ == "__main__":
    sys.exit(main())
