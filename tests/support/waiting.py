"""Waiting for a state, never for a time: a test that sleeps a fixed time fails on a busy machine
and wastes the time on an idle one. `wait_until` polls the state the test reads next."""
import time
from collections.abc import Callable


def wait_until(condition: Callable[[], object], seconds: float = 30, what: str = "the state",
               every: float = 0.02) -> object:
    """Return `condition()`'s first true value; fail the test when `seconds` pass without one. The
    limit is an upper bound for a loaded machine: the wait ends the moment the state is there."""
    deadline = time.monotonic() + seconds
    while True:
        value = condition()
        if value:
            return value
        if time.monotonic() >= deadline:
            raise AssertionError(f"waited {seconds} s for {what}")
        time.sleep(every)
