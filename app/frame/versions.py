"""No lost update: a form that edits a record carries the version it was read at.

The version is a fingerprint of the values the form showed. On save, inside the write's
transaction, the record's values are read again: when another person saved in between, the save
is refused (409) and the page shows both versions side by side; the form then carries the new
version, so saving again is a choice made with both in view.

    stored = values_of(record)                      # what the form shows
    with database.atomic():
        conflict = versions.conflict(request.form, values_of(reloaded))
        if not conflict: save(...)
    if conflict: render the form with conflict=conflict, version=conflict.version, status 409
"""
import hashlib
import json
from dataclasses import dataclass
from typing import Mapping

from app.frame.audit_sentences import FIELD_LABELS

FIELD = "version_read"
MESSAGE = ("Data ini sudah diubah orang lain sejak Anda membukanya. Perubahan Anda BELUM disimpan. "
           "Bandingkan kedua versi di bawah: jika isian Anda yang benar, periksa lalu simpan lagi; "
           "jika tidak, muat ulang halaman.")


def _shown(value) -> str:
    if value is None or value is False:
        return ""
    if value is True:
        return "1"
    return str(value).strip()


def version_of(values: Mapping) -> str:
    """The fingerprint of what a form showed (order-free, as text)."""
    text = json.dumps({key: _shown(value) for key, value in values.items()}, sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:20]


@dataclass
class Conflict:
    version: str  # the version now stored: the form carries it from here on
    rows: list[tuple[str, str, str]]  # (field label, stored now, your entry)
    message: str = MESSAGE


def conflict(form, stored: Mapping, yours: Mapping | None = None, labels: Mapping | None = None) -> Conflict | None:
    """None when the form was read at the stored version (or carries none: a page from before).

    `yours`: the entry as the record would store it (the form, cleaned), shown beside `stored`."""
    read = (form.get(FIELD) or "").strip()
    current = version_of(stored)
    if not read or read == current:
        return None
    labels = {**FIELD_LABELS, **(labels or {})}
    yours = form if yours is None else yours
    rows = [(labels.get(key, key), _shown(value), _shown(yours.get(key))) for key, value in stored.items()
            if _shown(value) != _shown(yours.get(key))]
    return Conflict(current, rows)
