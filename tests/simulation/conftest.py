import pytest


@pytest.fixture
def office(monkeypatch):
    """A fresh office-year world (the center, P1 P2 K1, desa laptop D1) with the simulation's own switches off."""
    from tests.simulation.machine import OfficeYear
    monkeypatch.delenv("LOKET_SIM_OFF", raising=False)
    monkeypatch.delenv("LOKET_SIM_COMMANDS", raising=False)
    machine = OfficeYear()
    yield machine
    machine.teardown()
