"""The office year in CI: a few short, fixed-seed runs of the state machine (tests/simulation/machine.py)
through the three programs, every invariant checked after every step. The long run with random seeds
is `python bench/office_year.py` (docs/testing.md)."""
import pytest
from hypothesis import HealthCheck, Phase, settings
from hypothesis.stateful import run_state_machine_as_test

from tests.simulation.machine import OfficeYear

pytestmark = pytest.mark.soak  # subprocesses, a fault proxy and a SIGKILLed center: the normal pass only

CI = settings(max_examples=2, stateful_step_count=15, deadline=None, derandomize=True, database=None,
              suppress_health_check=list(HealthCheck), phases=[Phase.explicit, Phase.generate])


@pytest.fixture(autouse=True)
def no_switches(monkeypatch):
    monkeypatch.delenv("LOKET_SIM_OFF", raising=False)
    monkeypatch.delenv("LOKET_SIM_COMMANDS", raising=False)


def test_an_office_year_keeps_every_invariant():
    run_state_machine_as_test(OfficeYear, settings=CI)


def test_an_office_year_away_from_the_known_seams_keeps_every_invariant(monkeypatch):
    """The same runs without the rules and the invariant that reach issue 24's findings on this
    commit: the harness itself holds, so the test above fails only on those findings."""
    from tests.simulation.machine import KNOWN_SEAMS
    if not KNOWN_SEAMS:
        pytest.skip("no known seam is switched off today: the run above is this run")
    monkeypatch.setenv("LOKET_SIM_OFF", "known_seams")
    run_state_machine_as_test(OfficeYear, settings=CI)


def test_a_seeded_walk_away_from_the_known_seams_keeps_every_invariant():
    """Thirty steps of an office's mix in one world (bench/office_year.py's walk, a fixed seed): longer
    chains than hypothesis's short runs reach (restore after sync after acceptance ...)."""
    from tests.simulation.machine import switched_off
    from tests.simulation.walk import walk
    result = walk(seed=2026, count=30, off={"known_seams"} | switched_off(), keep_going=False)
    assert not result.failures, "\n".join(f"[{f.invariant}] {f.messages[:3]}" for f in result.failures)
    assert len({name for name, _ in result.steps}) >= 10  # the walk reached most kinds of operation
