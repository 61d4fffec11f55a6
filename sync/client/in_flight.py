"""What the pass keeps in flight: about what the link holds, not what the queue before it holds.

A loss-driven sender (CUBIC, the offices' Windows default) grows its window until the queue in
front of the rural link overflows: tunlink's 100 packets are about 4.7 s of a 256 kbit/s link.
That queue is the data an outage takes, and a segment dropped at its tail leaves a hole that holds
back everything behind it: when the outage comes, the center's kernel holds items it cannot hand
to the center (TCP delivers in order), and they cross the link again (issue 32, the flapping link).
The link needs no more in flight than its rate times its round trip; a little more keeps it busy
between acknowledgements. So the send buffer (which holds what is in flight and what waits) is kept
to GAIN x the measured rate x the least round trip, as BBR keeps its window, whatever the
congestion control. It follows the link: the rate is the best seen over a recent span, measured
while the cap allows twice the link, so a faster link raises it within a few measurements.

Only links that need it are capped: above CEILING the system's own autotuning stays (a send
buffer set by hand stays fixed, and Linux bounds it by net.core.wmem_max).
"""
from collections import deque
from collections.abc import Callable
from dataclasses import dataclass, field

GAIN = 2.0  # in flight: twice the link's rate x round trip (an ACK every two segments, the writer's wake-ups)
FLOOR = 16 * 1024  # never less than about ten segments
CEILING = 1024 * 1024  # a link that wants more than this is left to the system's autotuning
SPAN_SECONDS = 1.0  # the rate is measured over at least this long, and at least a round trip
REMEMBER_SECONDS = 10.0  # the best rate of this recent span counts (a pause or a flap does not shrink the cap)
CHANGE = 0.125  # the buffer is set again only when the cap moved by more than this share


@dataclass
class InFlightCap:
    """Fed the connection's acknowledged bytes and least round trip every few hundred
    milliseconds; sets the send buffer through `on_set(size)` when the cap moves."""
    on_set: Callable[[int], None]
    samples: deque = field(default_factory=deque)  # (time, acknowledged bytes), the last REMEMBER_SECONDS
    rates: deque = field(default_factory=deque)  # (time, bytes/s measured over a span ending then)
    applied: int = 0  # the send buffer set last (0: the system's own)

    def set(self, size: int) -> None:
        self.applied = size
        self.on_set(size)

    def observe(self, acked: int, min_rtt_seconds: float, now: float) -> None:
        self.samples.append((now, acked))
        while now - self.samples[0][0] > REMEMBER_SECONDS:
            self.samples.popleft()
        if min_rtt_seconds <= 0:
            return
        span = max(SPAN_SECONDS, min_rtt_seconds)
        start = next(((t, a) for t, a in reversed(self.samples) if now - t >= span), None)
        if start is None:
            return
        self.rates.append((now, (acked - start[1]) / (now - start[0])))
        while now - self.rates[0][0] > REMEMBER_SECONDS:
            self.rates.popleft()
        wanted = max(FLOOR, int(GAIN * max(rate for _, rate in self.rates) * min_rtt_seconds))
        if wanted > CEILING:
            wanted = CEILING if self.applied else 0  # once set, a send buffer cannot go back to autotuning
        if wanted and not (self.applied and abs(wanted - self.applied) <= CHANGE * self.applied):
            self.set(wanted)
