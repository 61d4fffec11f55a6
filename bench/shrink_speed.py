"""How long a shrink takes: the plain shrinker (last steps alone, then delta debugging) against the fast
one (idle steps, read-only steps and whole kinds of operation cut first), on one failing walk.

    python bench/shrink_speed.py [--seed 5] [--steps 80] [--budget 900]

The failure is planted: a test-only invariant that breaks when two capabilities meet on one PC (an
application returned as incomplete and a complaint closed, anywhere), so the walk fails the same way on any
commit and both shrinkers start from the same sequence. Prints each shrinker's time, replays and
the length it reached.
"""
import argparse
import os
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


def a_returned_application_meets_a_closed_complaint(world, touched) -> list[str]:
    from app.complaints.models import Complaint
    from app.registration.models import Application
    from tests.simulation import invariants as inv
    returned = any(office.read(lambda: Application.select().where(Application.status == "dikembalikan").exists())
                   for office in inv.kecamatan_pcs(world))
    closed = any(office.read(lambda: Complaint.select().where(Complaint.status == "selesai").exists())
                 for office in inv.kecamatan_pcs(world))
    if not (returned and closed):
        return []
    if LATE:  # the longer seam: also the last quarter's recap approved (drafted, submitted, approved)
        from app.recap.models import QuarterRecap
        if not any(office.read(lambda: QuarterRecap.select().where(QuarterRecap.status == "disetujui").exists())
                   for office in inv.kecamatan_pcs(world)):
            return []
    return ["planted seam: a returned application and a closed complaint"]


LATE = False


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--seed", type=int, default=5)
    parser.add_argument("--steps", type=int, default=80)
    parser.add_argument("--budget", type=float, default=900, help="seconds per shrink")
    parser.add_argument("--late", action="store_true", help="the seam also needs an approved recap (a longer walk)")
    options = parser.parse_args(argv)
    global LATE
    LATE = options.late
    from app.frame import passwords
    passwords.HASH_METHOD = "pbkdf2:sha256:1000"
    from tests.simulation import invariants as inv
    from tests.simulation import walk as walks
    inv.INVARIANTS.insert(0, a_returned_application_meets_a_closed_complaint)
    others = {check.__name__ for check in inv.INVARIANTS} - {a_returned_application_meets_a_closed_complaint.__name__}
    for seed in range(options.seed, options.seed + 10):  # the first seed whose walk reaches the seam
        result = walks.walk(seed, options.steps, off=others, keep_going=False)
        planted = [f for f in result.failures if f.invariant == a_returned_application_meets_a_closed_complaint.__name__]
        if planted:
            break
        print(f"seed {seed}: the planted seam was not reached in {options.steps} steps", flush=True)
    else:
        return 1
    failure = planted[0]
    print(f"seed {seed}: planted seam broken at step {len(failure.steps)} "
          f"({len(failure.idle)} idle steps), walk {result.seconds:.0f} s", flush=True)
    replays = {"n": 0}
    real_replay = walks.replay

    def counted(*args, **kwargs):
        replays["n"] += 1
        return real_replay(*args, **kwargs)
    walks.replay = counted
    for fast in (False, True):
        replays["n"] = 0
        started = time.perf_counter()
        steps = walks.shrink(failure, others, options.budget, fast=fast)
        print(f"{'fast' if fast else 'plain'} shrinker: {len(failure.steps)} -> {len(steps)} steps, "
              f"{replays['n']} replays, {time.perf_counter() - started:.0f} s", flush=True)
        print("    " + walks.as_code(steps).replace("\n", "\n    "), flush=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
