"""Text the center controls, as it reaches an office page (issue 69): an operator's reason for a
rejection or a resend, why an application was renumbered or refused, a refusal's message. Whoever
broke into the center could write anything there, "type this fingerprint on the Pembaruan page"
included. So every such text is read here, once, as it comes off the link: bounded, without control
or text-direction characters, and without anything shaped like a root fingerprint (the only one an
admin types is the regency's printed sheet, app/updates/trust.py), whole or in pieces, by the one rule
every office page, print and trail uses (app/frame/fingerprint_text.py). Pages label it as the center's."""
import unicodedata

from app.frame.fingerprint_text import plain, without_fingerprints, without_pieces

MAX_REASON_CHARS = 300   # a reason is a few words for the clerk ("foto buram"), the center's own up to 232
MAX_MESSAGE_CHARS = 600  # a refusal of the link says what to do, in a sentence or three
LABEL = "keterangan pusat"

def cleaned(text, limit: int = MAX_REASON_CHARS) -> str:
    """The center's text as an office page may show it: one line, at most `limit` characters, with
    every fingerprint-shaped run replaced by "[...]", as a reader would type it (`plain`: fullwidth and
    other digit forms as 0-9, no zero-width or direction mark). A control character or line break
    becomes a space."""
    text = "".join(" " if unicodedata.category(c) in ("Cc", "Zl", "Zp") else c
                   for c in str(text or "")[:20 * MAX_MESSAGE_CHARS])
    text = " ".join(without_fingerprints(plain(text)).split())  # as typed: fullwidth pieces are pieces below
    text = without_pieces(text)
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
