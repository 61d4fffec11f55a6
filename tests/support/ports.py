"""A port for a server a test starts, claimed across every test process on this machine.

The kernel's free port is free only until the probe closes: two test processes (xdist workers, and
CI's two passes side by side) can be handed the same one before either server binds it, and then a
test talks to the other test's server (a center that calls the enrolment code wrong). Each port
handed out is claimed with a lock on a file named after it, held while this process lives, so no
other test process is handed it; the kernel drops the lock when the process ends.
"""
import fcntl
import os
import socket
import tempfile
from pathlib import Path

# the machine's temp folder, not a test's own (tests/support/own_folders.py): a process a test starts inherits the name
CLAIMS = Path(os.environ.get("LOKET_TEST_PORT_CLAIMS") or Path(tempfile.gettempdir()) / "loket-test-ports")
_held: list[int] = []  # open claim files, one per port handed out, never closed while the process lives


def free_port() -> int:
    CLAIMS.mkdir(exist_ok=True)
    for _ in range(200):
        with socket.socket() as probe:
            probe.bind(("127.0.0.1", 0))
            port = probe.getsockname()[1]
        claim = os.open(CLAIMS / str(port), os.O_CREAT | os.O_RDONLY, 0o666)
        try:
            fcntl.flock(claim, fcntl.LOCK_EX | fcntl.LOCK_NB)
        except BlockingIOError:  # another live test process was handed it
            os.close(claim)
            continue
        _held.append(claim)
        return port
    raise RuntimeError(f"no port left unclaimed under {CLAIMS}")
