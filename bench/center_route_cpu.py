"""`run.py center` with each request's CPU counted by route, for `bench/bench_sync.py pass-cost`: the
process's CPU (every thread's, so Lepton's restores are in it) from the request's arrival at the app
to its answer's last byte, summed per method and path (numbers left out). On SIGUSR1 the sums, and
the process's whole CPU at that moment (`time.process_time`, to the microsecond: /proc counts in
10 ms ticks, 6 % of a pass of 20), are written to the file named by LOKET_ROUTE_CPU (whole, then
renamed into place). Linux only. The bench sends one pass at a time, so no other request's CPU falls
inside a request's window. With LOKET_ROUTE_PROFILE (a folder) each route's requests are also profiled
(cProfile on the CPU clock of the request's thread) and written there as ROUTE.prof. On SQLite each route's
reads are summed too ("reads": the request thread's CPU inside SQLite, bench/reads_cpu.py), for its CPU
against its own reads (issue 73)."""
import cProfile
import json
import os
import pstats
import re
import signal
import sys
import threading
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

import reads_cpu  # noqa: E402

ROUTES: dict[str, list] = {}  # "POST /api/v1/packets" -> [requests, CPU seconds, of them its own thread's]
READS: dict[str, float] = {}  # route -> seconds of its threads' CPU inside SQLite (a SQLite center)
PROFILES: dict = {}  # route -> pstats.Stats of its requests, with LOKET_ROUTE_PROFILE set
_lock = threading.Lock()


def counted(app):
    def middleware(environ, start_response):
        route = environ["REQUEST_METHOD"] + " " + re.sub(r"/\d+", "/N", environ.get("PATH_INFO", ""))
        profiler = cProfile.Profile(time.thread_time) if os.environ.get("LOKET_ROUTE_PROFILE") else None
        started, started_here = time.process_time(), time.thread_time()
        measured = reads_cpu.Measured().__enter__()
        try:
            if profiler:
                profiler.enable()  # this thread only: the request's own work
            yield from app(environ, start_response)
        finally:
            measured.__exit__(None, None, None)
            _count(route, time.process_time() - started, time.thread_time() - started_here)
            with _lock:
                READS[route] = READS.get(route, 0.0) + measured.reads_ms / 1000
            with _lock:
                if profiler:
                    profiler.disable()
                    if route in PROFILES:
                        PROFILES[route].add(profiler)
                    else:
                        PROFILES[route] = pstats.Stats(profiler)
    return middleware


def _count(label: str, spent: float, spent_here: float) -> None:
    with _lock:
        tally = ROUTES.setdefault(label, [0, 0.0, 0.0])
        tally[0] += 1
        tally[1] += spent
        tally[2] += spent_here


def timed(module, name: str, label: str) -> None:
    """Count the process's CPU inside `module.name` too, under `label` (here the floor's two steps,
    restoring a photo and its strict decode, as the center itself pays them; bench_sync.py store
    splits an application's store the same way)."""
    plain = getattr(module, name)

    def counting(*args, **kwargs):
        started, started_here = time.process_time(), time.thread_time()
        try:
            return plain(*args, **kwargs)
        finally:
            _count(label, time.process_time() - started, time.thread_time() - started_here)
    setattr(module, name, counting)


def dump(signum, frame) -> None:
    process_cpu = time.process_time()  # before the dump's own work
    target = Path(os.environ["LOKET_ROUTE_CPU"])
    part = target.with_name(target.name + ".part")
    with _lock:
        part.write_text(json.dumps({"routes": ROUTES, "reads": READS, "process_cpu": process_cpu}))
        for route, stats in PROFILES.items():
            stats.dump_stats(str(Path(os.environ["LOKET_ROUTE_PROFILE"]) / (re.sub(r"\W+", "-", route) + ".prof")))
    os.replace(part, target)


if __name__ == "__main__":
    signal.signal(signal.SIGUSR1, dump)
    reads_cpu.watch_statements()  # a SQLite center's every statement timed (PostgreSQL's are not)
    from sync import jpeg_transit
    from sync.center import keys, records, server

    timed(jpeg_transit, "decompress", "floor: decompress")
    timed(records, "photo_check", "floor: photo_check")
    # Inside the packets' route: restoring (the floor, then the photo's hashes), then each record's
    # rules and store; and inside every signed route, the key's check.
    timed(records, "restore_packet_item", "step: restore_packet_item")
    timed(records, "store_restored", "step: store_restored")
    timed(keys, "authenticate", "step: keys.authenticate")

    plain = server.center_server
    server.center_server = lambda app, *args, **kwargs: plain(counted(app), *args, **kwargs)
    import run
    sys.exit(run.main(sys.argv[1:]))
