"""No lost update: a form that edits a record carries the version it was read at.

The version is a fingerprint of the values the form showed. On save, inside the write's
transaction, the record's values are read again: when another person saved in between, the save
is refused (409) and the page shows both versions side by side; the form then carries the new
version, so saving again is a choice made with both in view.

The version also carries the values it was read at, so a refusal knows which fields this person
changed: the 409 form keeps the other person's fields and only this person's changes (`merged`), and
saving again never reverts a field this person did not touch. A second save of the same entry (a
double click on Simpan) finds its own entry stored and is no conflict.

    stored = values_of(record)                      # what the form shows
    with database.atomic():
        conflict = versions.conflict(request.form, values_of(reloaded))
        if not conflict: save(...)
    if conflict: render the form with conflict=conflict, version=conflict.version, status 409
"""
import base64
import hashlib
import json
import zlib
from dataclasses import dataclass
from typing import Mapping

from app.frame.audit_sentences import FIELD_LABELS

FIELD = "version_read"
MESSAGE = ("Data ini sudah diubah orang lain sejak Anda membukanya. Perubahan Anda BELUM disimpan. "
           "Formulir di bawah sudah memuat isian orang lain itu ditambah perubahan Anda sendiri; bandingkan "
           "kedua versi: jika isian Anda yang benar, periksa lalu simpan lagi; jika tidak, muat ulang halaman.")


def _shown(value) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    return str(value).strip()


def _fingerprint(shown: Mapping) -> str:
    text = json.dumps(dict(shown), sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


def version_of(values: Mapping) -> str:
    """The version a form carries: the fingerprint of what it showed (order-free, as text), then
    those values themselves (the form showed them already), so a refusal can tell whose change is whose."""
    shown = {key: _shown(value) for key, value in values.items()}
    packed = zlib.compress(json.dumps(shown, sort_keys=True, ensure_ascii=False).encode("utf-8"))
    return f"{_fingerprint(shown)}.{base64.urlsafe_b64encode(packed).decode('ascii')}"


def _read_values(read: str) -> dict | None:
    """The values a version was read at; None for a version without them or one that does not check out."""
    fingerprint, _, packed = read.partition(".")
    try:
        values = json.loads(zlib.decompress(base64.urlsafe_b64decode(packed.encode("ascii"))))
    except (ValueError, zlib.error, UnicodeError):
        return None
    if not isinstance(values, dict) or _fingerprint(values) != fingerprint:
        return None
    return values


@dataclass
class Conflict:
    version: str  # the version now stored: the form carries it from here on
    rows: list[tuple[str, str, str]]  # (field label, stored now, your entry) for the fields you changed
    merged: dict  # what the form shows now: the stored values with only your changes on top
    kept: list[str]  # labels of the fields the other person changed and you did not: kept as stored
    message: str = MESSAGE

    def over(self, form: Mapping) -> dict:
        """The 409 form: `form` (what was sent) with the merged value of every field it holds."""
        return {**form, **{key: value for key, value in self.merged.items() if key in form}}


def conflict(form, stored: Mapping, yours: Mapping | None = None, labels: Mapping | None = None) -> Conflict | None:
    """None when the form was read at the stored version (or carries none: a page from before), or
    when what is stored is already this entry (one's own double click).

    `yours`: the entry as the record would store it (the form, cleaned), shown beside `stored`."""
    read = (form.get(FIELD) or "").strip()
    current = version_of(stored)
    if not read or read.partition(".")[0] == current.partition(".")[0]:
        return None
    yours = form if yours is None else yours
    if all(_shown(value) == _shown(yours.get(key)) for key, value in stored.items()):
        return None  # the record already holds exactly this entry: saving it again changes nothing
    labels = {**FIELD_LABELS, **(labels or {})}
    read_values = _read_values(read)

    def changed_by_you(key) -> bool:
        return read_values is None or key not in read_values or _shown(yours.get(key)) != read_values[key]

    merged = {key: (yours.get(key) if changed_by_you(key) else value) for key, value in stored.items()}
    rows = [(labels.get(key, key), _shown(value), _shown(merged[key])) for key, value in stored.items()
            if _shown(value) != _shown(merged[key])]
    kept = [labels.get(key, key) for key, value in stored.items()
            if not changed_by_you(key) and _shown(value) != _shown(yours.get(key))]
    return Conflict(current, rows, merged, kept)
