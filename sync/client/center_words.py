"""Text the center controls, as it reaches an office page (issue 69): an operator's reason for a
rejection or a resend, why an application was renumbered or refused, a refusal's message. Whoever
broke into the center could write anything there, "type this fingerprint on the Pembaruan page"
included. So every such text is read here, once, as it comes off the link: bounded, without control
or text-direction characters, and without anything shaped like a root fingerprint (the only one an
admin types is the regency's printed sheet, app/updates/trust.py): the whole fingerprint in any
spelling (app/frame/fingerprint_text.py, the one rule every office page, print and trail uses), and
pieces of one typed with spaces, dashes, dots or colons. Pages label it as the center's."""
import re
import unicodedata

from app.frame.fingerprint_text import HIDDEN, plain, without_fingerprints

MAX_REASON_CHARS = 300   # a reason is a few words for the clerk ("foto buram"), the center's own up to 232
MAX_MESSAGE_CHARS = 600  # a refusal of the link says what to do, in a sentence or three
LABEL = "keterangan pusat"

# A run of hex-looking words joined by what a fingerprint may be typed with (spaces, dashes, dots, ...).
# A word of three, five or more letters a-f alone ("ada", "facade") ends a run: a fingerprint's groups
# have four, and a split one its single letters.
_WORD = r"(?:[0-9a-f]*[0-9][0-9a-f]*|[a-f]{1,2}|[a-f]{4})"
_HEX_RUN = re.compile(rf"(?<![0-9a-z]){_WORD}(?:[\s\-_:./]+{_WORD})*(?![0-9a-z])", re.IGNORECASE)


def _typable(run: str) -> bool:
    """Could this run be (a piece of) a fingerprint typed into the field? Eight hex digits or more,
    letters and digits mixed; digits alone from sixteen (a date or a number is shorter). Letters alone
    are words ("beda dada"): a key's id without a digit is not worth an attacker's search."""
    digits = re.sub(r"[^0-9a-f]", "", run, flags=re.IGNORECASE)
    if not re.search(r"[0-9]", digits):
        return False
    return len(digits) >= 16 or (len(digits) >= 8 and re.search(r"[a-f]", digits, re.IGNORECASE) is not None)


def cleaned(text, limit: int = MAX_REASON_CHARS) -> str:
    """The center's text as an office page may show it: one line, at most `limit` characters, with
    every fingerprint-shaped run replaced by "[...]", as a reader would type it (`plain`: fullwidth and
    other digit forms as 0-9, no zero-width or direction mark). A control character or line break
    becomes a space."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in str(text or "")[:20 * MAX_MESSAGE_CHARS])
    text = " ".join(without_fingerprints(plain(text)).split())  # as typed: fullwidth pieces are pieces below
    text = _HEX_RUN.sub(lambda found: HIDDEN if _typable(found.group()) else found.group(), text)
    return text if len(text) <= limit else text[:limit - 3].rstrip() + "..."


def labelled(text) -> str:
    """The center's reason on a record's timeline, said to be the center's words: `keterangan pusat: "..."`."""
    words = cleaned(text)
    return f"{LABEL}: \u201c{words}\u201d" if words else ""


def in_answer(item):
    """A status event or a per-item result of the center with its "reason" cleaned (anything else as it came)."""
    if isinstance(item, dict) and item.get("reason"):
        return dict(item, reason=cleaned(item["reason"]))
    return item
