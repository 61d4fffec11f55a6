"""The clerk's progress bar by the bytes the connection takes, not by the packets answered (issue 73).

On the rural link a packet is 2 MB: a bar that moves when a packet's answer comes moves once in
about a minute, and a clerk who sees it stand still closes the page or pulls the cable. The bytes are
counted as the connection takes them: the pipelined connection's each send() into the kernel's send
buffer (sync/client/pipeline.py, kept to about what the link holds by sync/client/in_flight.py), and
a request through requests as urllib3 reads its body in blocks to send them (CountingBody). So the
bar moves at the link's own pace, every second or so.

What the pass will hand over is known only roughly when it begins: the items' stored bytes, while
their photos travel recompressed. Each packet built tells how its wire bytes compare to its items'
stored ones, and the rest is estimated at that rate; a packet sent again (a broken connection) adds
its bytes to both sides, so the bytes of the pass are counted, and the bar never goes back.
"""
import threading
from dataclasses import dataclass, field

ALMOST_DONE = 99  # while the pass runs: its last answers and the status pull still to come


class CountingBody:
    """A request body that tells `took(n)` of each block as it is read to be sent (requests hands a
    body with read() and a length to urllib3, which reads it block by block into the socket)."""

    def __init__(self, data: bytes, took):
        self._data, self._at, self._took = memoryview(data), 0, took

    def __len__(self) -> int:
        return len(self._data) - self._at  # requests' Content-Length: what is left to read (all of it)

    def read(self, size: int = -1) -> bytes:
        end = len(self._data) if size is None or size < 0 else min(len(self._data), self._at + size)
        block = bytes(self._data[self._at:end])
        self._at = end
        if block:
            self._took(len(block))
        return block


@dataclass
class PassBytes:
    """What the pass has handed to the connection against what it will hand over, estimated."""
    stored: int = 0  # the stored bytes of what waited when the pass began (photos as kept, headers)
    packed_stored: int = 0  # of them, the items already packed once
    packed_wire: int = 0  # those packets' bodies
    again: int = 0  # the bodies of packets sent again
    handed: int = 0  # every byte the connection took in this pass
    lock: threading.Lock = field(default_factory=threading.Lock, repr=False, compare=False)

    def start(self, stored: int) -> None:
        with self.lock:
            self.stored, self.packed_stored, self.packed_wire, self.again, self.handed = stored, 0, 0, 0, 0

    def packet(self, stored: int, wire: int, again: bool) -> None:
        """A packet built: its items' stored bytes and its body's length; `again`: its items went
        out before in this pass (their bytes go again and count again)."""
        with self.lock:
            if again:
                self.again += wire
            else:
                self.packed_stored += stored
                self.packed_wire += wire

    def took(self, size: int) -> None:
        """`size` more bytes taken by the connection (the sending thread)."""
        with self.lock:
            self.handed += size

    def share(self) -> float | None:
        """handed / what the pass will hand over (None before anything is known to go)."""
        with self.lock:
            if not self.stored and not self.packed_wire:
                return None
            rate = self.packed_wire / self.packed_stored if self.packed_stored else 1.0
            expected = self.packed_wire + max(0, self.stored - self.packed_stored) * rate + self.again
            return min(1.0, self.handed / expected) if expected else None


def shown_percent(progress) -> int:
    """The bar of a running pass: the larger of the items answered and the bytes handed over, never
    less than it showed before in this pass, below 100 until the pass has ended."""
    items = progress.done / progress.total if progress.total else 0.0
    share = progress.sent.share() if progress.phase == "kirim" else None
    now = min(ALMOST_DONE, int(100 * max(items, share or 0.0)))
    pass_, before = progress.shown
    if pass_ != progress.started_at:
        before = 0
    progress.shown = (progress.started_at, max(before, now))
    return progress.shown[1]


def waiting_bytes(head_bytes: int) -> int:
    """The stored bytes of what waits to go: each item's photo as kept and its header (`head_bytes`)."""
    from peewee import fn

    from sync.client.models import OutboxItem
    size, count = (OutboxItem.select(fn.COALESCE(fn.SUM(OutboxItem.size), 0), fn.COUNT(OutboxItem.id))
                   .where(OutboxItem.state == "pending").tuples().get())
    return int(size) + count * head_bytes
