"""How long one working-day calculation takes once the calendar is warm (a list page makes ~100).

    python bench/bench_working_days.py [--calls 5000] [--rounds 7]

Prints the median and the slowest round, in microseconds per (add_working_days + working_days_between).
"""
import argparse
import statistics
import sys
import time
from datetime import date, timedelta
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from app.frame.working_days import WorkCalendar  # noqa: E402


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--calls", type=int, default=5000)
    parser.add_argument("--rounds", type=int, default=7)
    options = parser.parse_args()
    calendar = WorkCalendar()
    calendar.add_working_days(date(2026, 1, 1), 1)  # builds the holiday years once
    calendar.add_working_days(date(2027, 1, 1), 1)
    rounds = []
    for _ in range(options.rounds):
        started = time.perf_counter()
        for i in range(options.calls):
            day = date(2026, 1, 1) + timedelta(days=i % 365)
            calendar.working_days_between(day, calendar.add_working_days(day, 14))
        rounds.append((time.perf_counter() - started) / options.calls * 1e6)
    print(f"working days, per pair of calls: median {statistics.median(rounds):.1f} us, "
          f"slowest round {max(rounds):.1f} us ({options.rounds} rounds x {options.calls} calls)")


if __name__ == "__main__":
    main()
