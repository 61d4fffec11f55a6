"""A year of office life, long mode: seeded walks through the three programs (tests/simulation), every
invariant after every step; each broken invariant is shrunk to a short sequence and reported.

    python bench/office_year.py --steps 300 --seed 1 --walks 3 [--off NAME,...] [--report FILE]
                                [--center postgres]

Each walk is one world (a center, counter PCs P1 P2 of Yosowilangun, K1 of Kunir, desa laptops) living
`--steps` operations from seed S, S+1, ... A broken invariant is recorded, switched off for the rest
of that walk (so one walk can find several seams), and shrunk by replaying shorter sequences on fresh
worlds. The report (stdout, and markdown in --report) gives steps, operations per kind, invariant
checks, faults, kills, time, and the shrunk sequences as test lines.

Among the operations, `relayed_application_renumbered` (issue 72): a relayed desa form's application is given a
new number by the center operator's decision (keep or accept); the desa laptop, the citizen's /cek of the F-1.07,
the center's relay record and both counter PCs are checked after it (operations `nomor_pra_diganti_*`).

`--center postgres` runs each world's center on PostgreSQL (LOKET_SIM_CENTER=postgres): on the server of
LOKET_TEST_PG_URL when it is set, else on a throwaway cluster started for the run (tests/support/pgcluster.py).
"""
import argparse
import os
import sys
import time
from collections import Counter
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--steps", type=int, default=300, help="operations per walk (one world)")
    parser.add_argument("--seed", type=int, default=None, help="first seed (default: from the clock)")
    parser.add_argument("--walks", type=int, default=1, help="walks, seeds S, S+1, ...")
    parser.add_argument("--off", default="", help="rules or invariants to leave out (comma list; known_seams)")
    parser.add_argument("--no-shrink", action="store_true")
    parser.add_argument("--shrink-seconds", type=float, default=600, help="time limit per shrink")
    parser.add_argument("--fast-shrink", action="store_true",
                        help="cut idle steps, menu walks and whole kinds of operation first (docs/testing.md)")
    parser.add_argument("--report", type=Path, help="write the report as markdown here too")
    parser.add_argument("--minutes", type=float, default=None,
                        help="stop walking after this many minutes (the walk in progress ends there; shrinking follows)")
    parser.add_argument("--center", choices=("sqlite", "postgres"), default=None,
                        help="the center's database (default: LOKET_SIM_CENTER, else sqlite)")
    options = parser.parse_args(argv)
    if options.center:
        os.environ["LOKET_SIM_CENTER"] = options.center
    if os.environ.get("LOKET_SIM_CENTER") in ("postgres", "postgresql", "pg") and not os.environ.get("LOKET_TEST_PG_URL"):
        from tests.support.pgcluster import throwaway_cluster
        with throwaway_cluster() as url:
            os.environ["LOKET_TEST_PG_URL"] = url
            try:
                return run(options)
            finally:
                from tests.simulation.world import _drop_spare
                _drop_spare()  # its database, while the cluster still runs
    return run(options)


def run(options) -> int:
    from app.frame import passwords
    passwords.HASH_METHOD = "pbkdf2:sha256:1000"  # accounts are made per world; their hashing is not measured
    from tests.simulation import machine
    from tests.simulation.walk import as_code, shrink, walk

    seed = options.seed if options.seed is not None else int(time.time()) % 100_000
    off = {n.strip() for n in options.off.split(",") if n.strip()}
    if "known_seams" in off:
        off |= machine.KNOWN_SEAMS
    started = time.perf_counter()
    found, shrunk = {}, {}
    walk_seconds = 0.0
    deadline = started + options.minutes * 60 if options.minutes else None
    for number in range(options.walks):
        if deadline is not None and time.perf_counter() >= deadline:
            break
        this_seed = seed + number
        print(f"walk {number + 1}/{options.walks}, seed {this_seed}, {options.steps} steps", flush=True)
        result = walk(this_seed, options.steps, off, deadline=deadline, on_step=lambda i, name, problems: problems and print(
            f"  step {i + 1} {name}: {', '.join(sorted({p[0] for p in problems}))}\n    {problems[0][1][:300]}",
            flush=True))
        walk_seconds += result.seconds
        print(f"  walk {number + 1} done: {len(result.steps)} steps drawn, {machine.STATS['steps']} acted so far, "
              f"{result.seconds:.0f} s", flush=True)
        for failure in result.failures:
            if failure.invariant not in found:
                found[failure.invariant] = (this_seed, failure)
    stats = {key: (value.copy() if isinstance(value, Counter) else value) for key, value in machine.STATS.items()}
    shrink_started = time.perf_counter()
    if not options.no_shrink:
        for invariant, (this_seed, failure) in found.items():
            print(f"shrinking {invariant} (seed {this_seed}, {len(failure.steps)} steps) ...", flush=True)
            shrunk[invariant] = shrink(failure, off, options.shrink_seconds, fast=options.fast_shrink)
    shrink_seconds = time.perf_counter() - shrink_started
    report = render(options, seed, off, stats, found, shrunk, walk_seconds, shrink_seconds,
                    time.perf_counter() - started, as_code)
    print(report)
    if options.report:
        options.report.write_text(report, encoding="utf-8")
    return 1 if found else 0


def render(options, seed, off, stats, found, shrunk, walk_seconds, shrink_seconds, total, as_code) -> str:
    import platform
    center = os.environ.get("LOKET_SIM_CENTER", "sqlite")
    lines = [f"# Office year: {options.walks} walk(s) of {options.steps} steps from seed {seed}, center on {center}",
             ""]
    if off:
        lines.append(f"Left out: {', '.join(sorted(off))}")
    lines += [f"- steps done: {stats['steps']} (operations that acted; a rule with nothing to act on is skipped)",
              f"- worlds: {stats['examples']}, set-up {stats['seconds_in_setup']:.0f} s",
              f"- faults injected by the proxy: {stats['faults']}, SIGKILLs: {stats['kills'] + stats['office_kills']} "
              f"(center {stats['kills']}, office programs {stats['office_kills']})",
              "- sync passes SIGKILLed as their own process (`run.py sync --full`): "
              f"{sum(stats['pass_kills'][k] for k in ('before', 'mid', 'after'))}; mid-pass {stats['pass_kills']['mid']} "
              f"(in a request {stats['pass_kills']['in_request']}, after the upload began "
              f"{stats['pass_kills']['upload_begun']}), before the first request {stats['pass_kills']['before']}, "
              f"after the pass ended {stats['pass_kills']['after']}",
              "- office programs (`run.py serve`) SIGKILLed: inside the start's daily backup "
              f"{stats['office_kills_at']['backup']}, inside a request of its sync probe {stats['office_kills_at']['sync_probe']}, "
              f"after its sync began {stats['office_kills_at']['sync_begun']}, elsewhere {stats['office_kills_at']['elsewhere']}",
              f"- invariant checks: {sum(stats['invariants'].values())}",
              f"- load average at the end: {' '.join(f'{x:.1f}' for x in os.getloadavg())} "
              f"({os.cpu_count()} cores, {platform.python_version()})",
              f"- time: walks {walk_seconds:.0f} s, shrinking {shrink_seconds:.0f} s, total {total:.0f} s", "",
              "| operation | count | seconds |", "| --- | ---: | ---: |"]
    for kind, count in stats["ops"].most_common():
        lines.append(f"| {kind} | {count} | {stats['seconds_per_op'][kind]:.1f} |")
    # Per counter PC, the invariants that skip a PC whose state did not change since they last passed
    # there (tests/simulation/invariants.py, _office_unchanged): PCs checked and skipped.
    from tests.simulation.invariants import STATS_OF_SKIPS
    lines += ["", "| invariant | checks | PCs checked | PCs skipped (unchanged) | seconds |",
              "| --- | ---: | ---: | ---: | ---: |"]
    for name, count in stats["invariants"].most_common():
        per_pc = STATS_OF_SKIPS.get(name)
        checked, skipped = (per_pc["checked"], per_pc["skipped"]) if per_pc else ("", "")
        lines.append(f"| {name} | {count} | {checked} | {skipped} | {stats['seconds_per_invariant'][name]:.1f} |")
    lines += ["", f"## Broken invariants: {len(found)}", ""]
    for invariant, (seed_of, failure) in found.items():
        lines += [f"### {invariant} (seed {seed_of}, step {len(failure.steps)})", ""]
        lines += [f"    {message}" for message in failure.messages[:4]]
        if invariant in shrunk:
            lines += ["", f"Shrunk to {len(shrunk[invariant])} steps:", "", "```python",
                      as_code(shrunk[invariant]), "```"]
        lines.append("")
    return "\n".join(lines)


if __name__ == "__main__":
    sys.exit(main())
