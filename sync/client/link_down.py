"""The link is down: no usable answer from the center. Its own module because both the client's
requests (sync/client/transport.py) and the pass's pipelined connection (sync/client/pipeline.py)
raise it, and the transport opens that connection."""
import logging


class LinkDown(Exception):
    """No usable answer from the center (network, 5xx, unsigned or altered answer): retry later."""


class MovedOn(LinkDown):
    """The connection stalled in TCP's retransmission back-off and the pass moved to a fresh one
    (sync/client/stall.py): what it carried unanswered goes again on the fresh one. Not a failure
    of the link: the fresh connection shows it is back."""

    def __init__(self):
        super().__init__("sambungan macet; pengiriman pindah ke sambungan baru")


# What the clerk reads when the network fails (CLI, Sinkronisasi, desa page): what it means for the
# data and what happens next, no Python word. The exception's name goes to the log only.
UNREACHABLE = ("Pusat tidak dapat dihubungi; data aman di komputer ini dan dikirim otomatis saat "
               "jaringan kembali")


def unreachable(problem: Exception) -> LinkDown:
    """The LinkDown for a failed request; `problem` is logged for whoever looks at the log."""
    logging.getLogger(__name__).info("center unreachable: %s", type(problem).__name__)
    return LinkDown(UNREACHABLE)
