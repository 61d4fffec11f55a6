"""The link is down: no usable answer from the center. Its own module because both the client's
requests (sync/client/transport.py) and the pass's pipelined connection (sync/client/pipeline.py)
raise it, and the transport opens that connection."""
import logging


class LinkDown(Exception):
    """No usable answer from the center (network, 5xx, unsigned or altered answer): retry later."""


# What the clerk reads when the network fails (CLI, Sinkronisasi, desa page): what it means for the
# data and what happens next, no Python word. The exception's name goes to the log only.
UNREACHABLE = ("Pusat tidak dapat dihubungi; data aman di komputer ini dan dikirim otomatis saat "
               "jaringan kembali")


def unreachable(problem: Exception) -> LinkDown:
    """The LinkDown for a failed request; `problem` is logged for whoever looks at the log."""
    logging.getLogger(__name__).info("center unreachable: %s", type(problem).__name__)
    return LinkDown(UNREACHABLE)
