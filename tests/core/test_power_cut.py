"""A power cut loses nothing a clerk was told was saved (issue 33, finding 1).

Each program's database, through its own factory and pragmas and (office, desa) its encryption,
under a writing load; at a random write or sync the power goes off and every write not yet synced
is gone (tests/support/power_cut.py). The full run is bench/bench_power_cut.py.
"""
import pytest

from tests.support.power_cut import run_cuts


@pytest.mark.parametrize("program, cuts, seed", [("kecamatan", 120, 11), ("desa", 90, 12), ("center", 90, 13)])
def test_power_cut_loses_no_acknowledged_write_and_corrupts_nothing(tmp_path, program, cuts, seed):
    report = run_cuts(program, cuts, seed=seed)
    assert report.cuts == cuts
    assert report.writes > cuts  # the cuts fell under a real load, not on an idle file
    assert (report.lost, report.half, report.corrupt) == (0, 0, 0), report.problems[:5]
    assert not report.problems


def test_the_simulated_cut_does_lose_writes_a_lazy_sync_left_in_the_cache():
    """The simulator can fail: with synchronous=NORMAL (what the office ran before) a cut rolls
    back commits that were already answered."""
    report = run_cuts("kecamatan", 25, seed=3, synchronous="normal")
    assert report.lost > 0
    assert report.corrupt == 0  # WAL keeps the file whole; it is durability it gives up
