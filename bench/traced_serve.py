"""`run.py serve` under tracemalloc, for `bench/bench_soak.py --tracemalloc`: on SIGUSR1 it writes a
snapshot of the Python allocations to the file named by LOKET_TRACE_SNAPSHOT (whole, then renamed into
place, so the bench reads it once it exists). Linux only, like the soak."""
import os
import signal
import sys
import tracemalloc
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


def dump(signum, frame) -> None:
    target = Path(os.environ["LOKET_TRACE_SNAPSHOT"])
    part = target.with_name(target.name + ".part")
    tracemalloc.take_snapshot().dump(str(part))
    os.replace(part, target)


if __name__ == "__main__":
    tracemalloc.start(int(os.environ.get("LOKET_TRACE_FRAMES", "6")))
    signal.signal(signal.SIGUSR1, dump)
    import run
    sys.exit(run.main(sys.argv[1:]))
