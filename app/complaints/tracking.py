"""Tracking numbers for the public status page: short to read out, hard to guess.

PGD- and six symbols from 29 that cannot be mistaken for one another on a slip or over the
phone (no 0/O, 1/I/L, U/V): 29^6 = 595 million numbers, so with the status page throttled a
forged number is found only by chance.
"""
import re
import secrets

from app.frame import codes

PREFIX = "PGD-"
ALPHABET = "23456789ABCDEFGHJKMNPQRSTWXYZ"
LENGTH = 6
_WELL_FORMED = re.compile(rf"{PREFIX}[{ALPHABET}]{{{LENGTH}}}")


def new_tracking_number() -> str:
    return PREFIX + "".join(secrets.choice(ALPHABET) for _ in range(LENGTH))


def normalise(text: str | None) -> str | None:
    """A typed number in canonical form ('pgd 7k3m9q' -> 'PGD-7K3M9Q'), or None when it cannot be one."""
    compact = codes.compact(text, ALPHABET, max_length=40)[:20]
    if compact.startswith("PGD"):
        compact = compact[3:]
    candidate = PREFIX + compact
    return candidate if _WELL_FORMED.fullmatch(candidate) else None
