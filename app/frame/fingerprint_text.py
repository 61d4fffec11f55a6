"""Text an office page, print or trail shows, without a root key's fingerprint to type (issues 69, 79).

The only fingerprint an office admin types is the regency's printed sheet (app/updates/trust.py):
eight groups of four hexadecimal digits. Whoever writes a text an office shows (the center's words,
sync/client/center_words.py; the release notes) could spell a stranger's fingerprint so that an
admin reads it off the page, and the office's own trail of the typing must not show one either. So
any sheet-shaped run is taken out here, once, whatever the spelling:
- read as a reader would type it (`plain`): fullwidth, mathematical and circled forms (NFKC), the
  decimal digits of other scripts, letters that look like a-f in another alphabet, and nothing of
  the invisible characters (a zero-width space inside a group);
- 32 hexadecimal digits in a row; or
- eight groups of exactly four hexadecimal digits, each within GAP characters of the next, whatever
  is between them (", ", "(2)", "lalu", ";", "+", a newline, a few words), one digit among them.
Ordinary text keeps its numbers: a NIK (16 digits) or two joined by a comma, an application number
(350807-P1-000123) or a date are not eight groups of four; a letters-only run ("baca beda abad") has
no digit, and a fingerprint without one is beyond anyone's search (0.375^32)."""
import re
import unicodedata

HIDDEN = "[...]"
GROUPS, GROUP_DIGITS, GAP = 8, 4, 24
HEX_DIGITS = GROUPS * GROUP_DIGITS
_RUN = re.compile(r"[0-9a-f]+", re.IGNORECASE)
# Letters of other alphabets a reader types as a-f (Cyrillic, Greek): one character for one.
_LOOKALIKES = str.maketrans("аАВсСԁеЕΑΒΕϲ", "aABcCdeEABEc")


def _read(char: str) -> str:
    return "".join(str(unicodedata.decimal(c)) if unicodedata.decimal(c, None) is not None
                   else "" if unicodedata.category(c) == "Cf" else c
                   for c in unicodedata.normalize("NFKC", char).translate(_LOOKALIKES))


def _reading(text: str) -> tuple[str, list[int] | None]:
    """`text` as a reader would type it, and where in `text` each of its characters comes from (None:
    the same place, plain ASCII)."""
    if text.isascii():
        return text, None
    read, where = [], []
    for at, char in enumerate(text):
        for typed in _read(char):
            read.append(typed)
            where.append(at)
    return "".join(read), where


def plain(text) -> str:
    """`text` as a reader would type it: NFKC, other scripts' decimal digits as 0-9, lookalike letters,
    and without the invisible (zero-width and direction marks, which would split a group)."""
    return _reading(str(text or ""))[0]


def _spans(text: str) -> list[tuple[int, int]]:
    """Where in `text` (already plain) a fingerprint could be read, as (start, end), in order."""
    runs = [(m.start(), m.end()) for m in _RUN.finditer(text)]
    found = [(start, end) for start, end in runs if end - start >= HEX_DIGITS]
    chain: list[tuple[int, int]] = []
    for group in [run for run in runs if run[1] - run[0] == GROUP_DIGITS] + [None]:
        if chain and (group is None or group[0] - chain[-1][1] > GAP):
            if len(chain) >= GROUPS and any(re.search(r"[0-9]", text[s:e]) for s, e in chain):
                found.append((chain[0][0], chain[-1][1]))
            chain = []
        if group:
            chain.append(group)
    return sorted(found)


def without_fingerprints(text) -> str:
    """`text` with every run a fingerprint could be read from replaced by "[...]"; the rest as it was."""
    text = str(text or "")
    read, where = _reading(text)
    if len(read) < HEX_DIGITS:
        return text
    kept, at = [], 0
    for start, end in _spans(read):
        start, end = (where[start], where[end - 1] + 1) if where else (start, end)
        if end > at:
            kept += [text[at:start], HIDDEN] if start >= at else []
            at = end
    return "".join(kept) + text[at:]


# Pieces of one, typed as an admin would be told to (sync/client/center_words.py, the center's words): a run of
# hex-looking words joined by what a fingerprint may be typed with (spaces, dashes, dots, ...). A word of three,
# five or more letters a-f alone ("ada", "facade") ends a run: a fingerprint's groups have four, and a split one
# its single letters.
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


def without_pieces(text: str) -> str:
    """`text` with every typable piece of a fingerprint (spaces, dashes, dots or colons between) as "[...]"."""
    return _HEX_RUN.sub(lambda found: HIDDEN if _typable(found.group()) else found.group(), text)

