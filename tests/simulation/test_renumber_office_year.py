"""The office year's renumber of a relayed application (issue 72, finding 1), replayed on a fresh world (the
center, P1 P2 K1, desa laptop D1) through the simulation's own rule (tests/simulation/renumber_relayed.py):
each decision that gives P1's application a new number, with every invariant after it. On the commit before
the fix the rule's own check failed: P1 called its renumbered application a duplicate of another counter."""
import pytest

from tests.simulation.machine import STATS

pytestmark = pytest.mark.soak  # a center subprocess per test: the normal pass only


@pytest.mark.parametrize("decision", ["keep", "accept"])
def test_a_relayed_application_renumbered_in_the_office_year_keeps_every_invariant(office, decision):
    done = STATS["ops"][f"nomor_pra_diganti_{decision}"]  # the process's count: other walks may have run here
    office.relayed_application_renumbered(decision=decision)
    assert STATS["ops"][f"nomor_pra_diganti_{decision}"] == done + 1  # it ran to its checks, not past a cut link
    assert office.broken_invariants() == []
