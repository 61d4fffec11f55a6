"""Codes as people say them: an enrolment code heard on the phone, a survey code or tracking number
copied from a slip, a recovery key read from paper. One normaliser for every code: any case, spaces,
dashes and dots anywhere, and a character the code's alphabet lacks read as its look-alike that the
alphabet has (an O typed into a number of digits is a 0)."""

# Characters people mix up when reading or typing; within a group, one stands for another.
LOOK_ALIKES = ("0O", "1IL", "2Z", "5S", "8B", "UV")


def _stand_in(ch: str, alphabet: str) -> str:
    """`ch` if the alphabet has it, else the first look-alike the alphabet has, else `ch` unchanged
    (the caller's check then refuses it)."""
    if ch in alphabet:
        return ch
    for group in LOOK_ALIKES:
        if ch in group:
            for other in group:
                if other in alphabet:
                    return other
    return ch


def compact(text: str | None, alphabet: str, max_length: int = 200) -> str:
    """What was typed, upper case, without separators, look-alikes read in `alphabet` (upper case).
    'fezv mxgs-22nw' -> 'FEZVMXGS22NW'; with a digits-only alphabet 'O12' -> '012'."""
    alphabet = alphabet.upper()
    kept = [ch for ch in (text or "")[:max_length].upper() if ch.isalnum()]
    return "".join(_stand_in(ch, alphabet) for ch in kept)


def grouped(code: str, size: int) -> str:
    """'FEZVMXGS22NW', 4 -> 'FEZV-MXGS-22NW': how a code is printed and read out."""
    return "-".join(code[i:i + size] for i in range(0, len(code), size))
