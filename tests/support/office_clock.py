"""The suite at any hour (issue 93 finding 6): the tests marked `clock` (their outcome could hang on the hour or
the date) run, when LOKET_TEST_CLOCK=1, once at each office hour and at the edges of a day, a month, a quarter and
a year, the process clock moved there by time-machine (ticking on from it). tests/core/test_any_hour.py runs
`pytest -m clock` so in a process of its own.

Each moment lies after the real now, so that what the session made before (the set-up office folder) is never
from the future. Moving the clock reaches this process only: a marked test starts no server of its own."""
import os
from datetime import datetime, time, timedelta, timezone

import pytest

from app.frame.dates import to_local, utc_now

ENV = "LOKET_TEST_CLOCK"
WIB = timedelta(hours=7)  # the westmost office zone; WITA and WIT offices reach midnight an hour or two sooner


# The hours where an office's day turns (WIB): the night after midnight, before opening (the two failing tests
# lived there), opening, midday, closing and the last hour. A run of every hour took 12 min 49 s at load 10
# for nothing more found: each marked test at each moment is a test of its own.
HOURS = (0, 3, 7, 8, 12, 16, 23)


def office_moments(now: datetime | None = None) -> dict[str, datetime]:
    """{id: naive UTC}: the next HH:30 WIB of each of HOURS, the last seconds of the next month,
    quarter and year end in WIB (the test crosses midnight as it runs), the next Saturday and Sunday at 10:00
    WIB and the last seconds of a UTC day (07:00 WIB, where the two dates part)."""
    now = now or utc_now()
    local = to_local(now, "WIB").replace(tzinfo=None)
    moments = {}
    for hour in HOURS:
        at = datetime.combine(local.date(), time(hour, 30))
        moments[f"{hour:02d}.30-WIB"] = (at if at > local + timedelta(minutes=10) else at + timedelta(days=1)) - WIB

    def last_seconds_of(year, month):  # 23:59:50 WIB of the month's last day
        first_of_next = datetime(year + month // 12, month % 12 + 1, 1)
        return first_of_next - timedelta(seconds=10) - WIB

    ends = [(year, month) for year in (local.year, local.year + 1) for month in range(1, 13)]
    ahead = [(year, month) for year, month in ends if last_seconds_of(year, month) > now]
    moments["akhir-bulan"] = last_seconds_of(*ahead[0])
    moments["akhir-triwulan"] = last_seconds_of(*next(end for end in ahead if end[1] % 3 == 0))
    moments["akhir-tahun"] = last_seconds_of(*next(end for end in ahead if end[1] == 12))
    for name, weekday in (("sabtu", 5), ("minggu", 6)):
        day = local.date() + timedelta(days=(weekday - local.weekday()) % 7 or 7)
        moments[f"{name}-10.00-WIB"] = datetime.combine(day, time(10)) - WIB
    moments["akhir-hari-UTC"] = datetime.combine(now.date() + timedelta(days=1), time(23, 59, 50))
    named = {at: name for name, at in moments.items()}  # a year's end is a quarter's too: one run, the later name
    return {name: at for at, name in named.items()}


def pytest_generate_tests(metafunc):
    if os.environ.get(ENV) and metafunc.definition.get_closest_marker("clock"):
        moments = office_moments()
        metafunc.parametrize("office_clock", list(moments.values()), ids=list(moments), indirect=True)


@pytest.hookimpl(trylast=True)
def pytest_collection_modifyitems(items):
    """Every marked test at the first moment, then every one at the next: the clock only goes forward in a
    process, as on an office PC: run test by test, the clock went back between them, and what the process had
    kept of a later moment (the daily backup's clock-jump guard, the figures' parts) failed tests that pass."""
    if not os.environ.get(ENV):
        return
    def moment(item):
        spec = getattr(item, "callspec", None)
        return spec.params["office_clock"] if spec and "office_clock" in spec.params else datetime.min
    items.sort(key=moment)


@pytest.fixture(autouse=True)
def office_clock(request, monkeypatch):
    """Without LOKET_TEST_CLOCK, nothing; with it, a marked test runs with the clock at its moment, as a program
    started then: the clock-jump guard (app/backups/clock.py) compares the wall clock's move with the monotonic
    clock's, which time-machine leaves, so its last look from before the move is set aside (and put back after)."""
    if not hasattr(request, "param"):
        yield None
        return
    import time_machine

    from app.backups import clock
    monkeypatch.setattr(clock, "_last_look", None)
    with time_machine.travel(request.param.replace(tzinfo=timezone.utc), tick=True):
        yield request.param
