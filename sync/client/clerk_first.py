"""A sync pass running in the office's server gives way to the clerks' requests (issue 73).

On the half core a kecamatan PC has, a pass's packet building, photo recompression and status
pages took the core (and Python's interpreter lock) from the clerk's request beside it: every
action over 300 ms at p95 in docs/benchmarks.md had met a pass. So the pass's heavy loops call
give_way() at their safe points (between packets, before applying an answer or a page of statuses,
before recompressing a photo): while a request of this process is in flight
(app/frame/request_cycle.RequestsInFlight) it waits, at most MOST_SECONDS at a time, so a pass
still ends on a day of steady requests. A wait is never between a request's bytes: the link keeps
carrying what was written, the stall watch reads the kernel's acknowledgements (sync/client/stall.py)
and the link-down timer runs only while an answer is read (sync/client/pipeline.py), so neither
reads a wait as a stalled link, and the progress bar counts bytes handed over, so it only pauses.
"""
from functools import wraps

from flask import current_app, g, has_app_context, has_request_context

from app.frame.request_cycle import REQUESTS_IN_FLIGHT

MOST_SECONDS = 1.0  # a wait at one safe point: a clerk's action takes 50-300 ms on a half core


def give_way(most: float | None = None) -> bool:
    """Wait while a clerk's request is in flight, `most` (MOST_SECONDS) at the longest; True when none is
    left. A pass run inside a request (a test, a command) is that request's own work: no wait; a
    pass outside a serving app (`run.py sync`) has no clerk to wait for."""
    if has_request_context() or not has_app_context():
        return True
    requests = current_app.extensions.get(REQUESTS_IN_FLIGHT)
    return requests.wait_idle(MOST_SECONDS if most is None else most) if requests is not None else True


def not_a_clerks_request(view):
    """A view no clerk waits on (the sync page's poll of the pass's own progress, every second while a pass
    runs): its request leaves the count of requests in flight as the view starts, so a pass does not give way
    to its own bar. The flag is request_cycle's own (set where it counts, popped where it ends one): its
    teardown then ends nothing twice."""
    @wraps(view)
    def uncounted(*args, **kwargs):
        if g.pop("counted_in_flight", False):
            current_app.extensions[REQUESTS_IN_FLIGHT].end()
        return view(*args, **kwargs)
    return uncounted
