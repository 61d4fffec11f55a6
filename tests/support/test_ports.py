"""free_port: a port another live test process was handed is never handed here (CI's failure: a test
enrolled at another test's center, which called its code wrong)."""
import socket
import subprocess
import sys
from pathlib import Path

from tests.support import ports

ROOT = Path(__file__).resolve().parents[2]
HOLDER = "from tests.support.ports import free_port; print(free_port(), flush=True); input()"


class KernelOffers:
    """The probe socket, with the ports the kernel offers in turn chosen by the test."""
    offers: list[int] = []

    def __init__(self, *args):
        self.port = self.offers.pop(0)

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        return False

    def bind(self, address):
        pass

    def getsockname(self):
        return ("127.0.0.1", self.port)


def unclaimed_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return probe.getsockname()[1]


def test_a_port_held_by_another_test_process_is_not_handed_out_until_that_process_ends(monkeypatch):
    holder = subprocess.Popen([sys.executable, "-c", HOLDER], cwd=ROOT, stdin=subprocess.PIPE,
                              stdout=subprocess.PIPE, text=True)
    try:
        held_there = int(holder.stdout.readline())
        held_here, spare = ports.free_port(), unclaimed_port()
        monkeypatch.setattr(ports.socket, "socket", KernelOffers)
        # The kernel offers the other process's port, then one handed out here before, then a free one.
        KernelOffers.offers = [held_there, held_here, spare]
        assert ports.free_port() == spare and KernelOffers.offers == []
    finally:
        holder.communicate("\n", timeout=10)
    KernelOffers.offers = [held_there]
    assert ports.free_port() == held_there  # its process ended, and the kernel dropped its claim
