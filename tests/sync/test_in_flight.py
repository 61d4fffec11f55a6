"""What the pass keeps in flight follows the link: about twice its rate times its round trip.

CUBIC filled the flapping link's 100-packet queue (about 4.7 s of it); a segment dropped at the
queue's tail left a hole, and when the outage came the center's kernel held 95 KB it could not
hand to the center, so a whole packet crossed the link again (docs/benchmarks.md as of 8fbf717, "How the link
got here": "Why CUBIC gains only in some repetitions"). A fixed 48 KB send buffer took the holes
away but would bound a fast link to 6.5 Mbit/s at 60 ms; the cap here follows the measured rate
instead.
"""
import socket

from sync.client import in_flight, pipeline, stall
from sync.client.transport import CenterClient
from tests.sync.test_pipeline import served_center  # noqa: F401  (fixture)

RURAL_RATE, RURAL_RTT = 32_000, 0.45  # 256 kbit/s; 200 ms each way plus a segment's serialisation


def feed(cap, rate_of, seconds, start=0.0, acked=0, rtt=RURAL_RTT, every=0.25):
    """Readings every `every` s for `seconds`, acknowledging `rate_of(t)` bytes/s; returns (t, acked)."""
    t = start
    while t < start + seconds:
        t += every
        acked += int(rate_of(t) * every)
        cap.observe(acked, rtt, t)
    return t, acked


def test_a_rural_link_is_capped_near_twice_what_it_holds():
    sizes = []
    cap = in_flight.InFlightCap(on_set=sizes.append)
    feed(cap, lambda t: RURAL_RATE, 20)
    held = RURAL_RATE * RURAL_RTT
    assert sizes, "a slow link gets a cap"
    assert 1.7 * held <= cap.applied <= 2.3 * held  # about 29 KB, not the 145 KB of a full queue
    assert len(sizes) <= 3  # set when it moves, not at every reading


def test_a_faster_link_raises_the_cap_within_seconds():
    """While capped, the link can carry at most cap / RTT; the cap is twice what it carries, so a
    link with room doubles it every measurement until the link is full."""
    sizes = []
    cap = in_flight.InFlightCap(on_set=sizes.append)
    link_rate = 2_000_000  # 16 Mbit/s, 60 ms: 120 KB in flight fills it
    t, acked = feed(cap, lambda t: min(link_rate, RURAL_RATE * (2 ** t)), 2, rtt=0.06)

    def capped(_):
        return min(link_rate, cap.applied / 0.06)
    feed(cap, capped, 10, t, acked, rtt=0.06)
    assert 1.7 * link_rate * 0.06 <= cap.applied <= 2.3 * link_rate * 0.06
    assert sizes == sorted(sizes)


def test_an_outage_does_not_shrink_the_cap():
    sizes = []
    cap = in_flight.InFlightCap(on_set=sizes.append)
    t, acked = feed(cap, lambda t: RURAL_RATE, 15)
    before = cap.applied
    feed(cap, lambda t: 0, 9, t, acked)  # down 9 s: nothing acknowledged
    assert cap.applied == before


def test_a_link_that_wants_more_than_the_ceiling_keeps_the_system_s_autotuning():
    sizes = []
    cap = in_flight.InFlightCap(on_set=sizes.append)
    feed(cap, lambda t: 100_000_000, 5, rtt=0.05)  # 800 Mbit/s x 50 ms: 10 MB in flight
    assert sizes == [] and cap.applied == 0
    capped = in_flight.InFlightCap(on_set=sizes.append)
    feed(capped, lambda t: RURAL_RATE, 5)
    feed(capped, lambda t: 100_000_000, 5, 5, 10**6, rtt=0.05)
    assert sizes[-1] == in_flight.CEILING  # a buffer once set cannot go back to the system's


def test_no_round_trip_known_no_cap():
    sizes = []
    cap = in_flight.InFlightCap(on_set=sizes.append)
    feed(cap, lambda t: RURAL_RATE, 10, rtt=0)
    assert sizes == []


def test_a_fresh_connection_starts_with_the_last_one_s_send_buffer(served_center, monkeypatch):
    """After a move, slow start on the fresh connection would fill the queue again before the first
    measurement: it starts where the last connection ended."""
    _, _, server = served_center
    monkeypatch.setattr(stall, "read_state", lambda sock: None)
    client = CenterClient(server.url, "k", "rahasia")
    with socket.socket() as plain:
        system_default = plain.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    client.send_buffer = 24_576
    pipe = pipeline.Pipeline(client)
    try:
        size = pipe.sock.getsockopt(socket.SOL_SOCKET, socket.SO_SNDBUF)
    finally:
        pipe.close()
    assert size != system_default
    assert size in (24_576, 2 * 24_576)  # Linux doubles it for its own bookkeeping; Windows keeps it
