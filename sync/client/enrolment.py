"""Enrolment at the office end. Before a PC spends its one-time enrolment code: is the address a
center, and do the clocks agree? (said in Indonesian for the admin). Then the trade of that code for
this PC's key (`enrol`). Both office programs enrol this way (the kecamatan's sync page, the desa PC's
admin page), so it lives in the sync client.
"""
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

from app.frame import codes, dates, installation
from app.frame.dates import utc_now
from app.frame.db import database
from app.frame.passwords import ALPHABET as ENROLMENT_ALPHABET
from sync import protocol
from sync.client import engine, records, transport
from sync.client.models import SyncLink, SyncLog

CLOCK_TOLERANCE = timedelta(seconds=protocol.TIMESTAMP_WINDOW_SECONDS - 60)  # signed requests need this


class EnrolmentError(Exception):
    """Indonesian message for the admin; nothing was stored. `field` is the form field the error
    summary points at (center_url, code), or "form" when no field is to blame."""

    def __init__(self, message: str, field: str = "center_url"):
        super().__init__(message)
        self.field = field


def clean_center_url(text: str) -> str:
    url = (text or "").strip().rstrip("/")
    parts = urlsplit(url)
    if parts.scheme not in ("http", "https") or not parts.hostname or parts.query or len(url) > 200:
        raise EnrolmentError("Alamat pusat seperti https://pusat-cetak.lumajangkab.go.id (diawali http:// atau https://).")
    return url


def check_center_and_clock(center_url: str, now: datetime) -> None:
    """Before the one-time code is spent: is it a center, and do our clocks agree?"""
    import requests  # here, not at the office's start
    try:
        response = requests.get(center_url + "/api/openapi.json", timeout=20, allow_redirects=False)
    except requests.RequestException:
        raise EnrolmentError(f"Pusat tidak dapat dihubungi di {center_url}. Periksa alamatnya dan sambungan "
                             "internet, lalu coba lagi.") from None
    if response.status_code >= 500:  # a center (or its proxy) in trouble is no stranger at the address
        raise EnrolmentError(f"Pusat di {center_url} sedang bermasalah (HTTP {response.status_code}). Kode "
                             "pendaftaran belum dipakai: coba lagi nanti, atau beri tahu admin pusat.")
    try:
        described = response.json()
    except ValueError:
        described = None
    if response.status_code != 200 or not isinstance(described, dict) or not any(
            "enrol" in path for path in (described.get("paths") or {})):
        raise EnrolmentError(f"Alamat {center_url} menjawab, tetapi bukan pusat cetak Loket Kecamatan. "
                             "Periksa alamat yang diberikan admin pusat.")
    try:
        their_time = parsedate_to_datetime(response.headers.get("Date", ""))
    except (TypeError, ValueError):
        return  # no clock to compare with; the signed probe after enrolment still checks
    ours = now.replace(tzinfo=timezone.utc)
    skew = ours - their_time
    if abs(skew) > CLOCK_TOLERANCE:
        side = "lebih cepat" if skew > timedelta(0) else "lebih lambat"
        raise EnrolmentError(f"Jam komputer ini {side} sekitar {dates.duration_words(skew.total_seconds())} dari jam pusat. Setel tanggal dan jam "
                             "komputer (Windows: Pengaturan > Waktu & bahasa > Setel waktu otomatis), lalu ulangi.", "form")


def enrol(center_url: str, kecamatan_code: str, code: str, device_id: str, session=None,
          previous: tuple[str, str] | None = None) -> SyncLink:
    """Trade the center's one-time code for this PC's key and device code, and keep them.

    Raises transport.EnrolmentError (kind + Indonesian message; not this module's EnrolmentError, which
    names a form's field). A retry with the same code after a lost answer gets the same key back (the
    installation token proves it is us). With
    kind "clock" the key IS stored: only the PC's clock needs fixing, not a new enrolment.
    `previous` (key id, secret): the key this PC held before, whose possession is proved
    (previous_key_proof).
    """
    token = installation.token(database)
    # As read out on the phone ("FEZV MXGS 22NW"): the center's own form of it (app/frame/codes.py).
    code = codes.compact(code, ENROLMENT_ALPHABET).lower()
    # A first enrolment: what this PC numbered until now under LOKET_DEVICE_ID, which another PC of the
    # office may have numbered under too (issue 61); the center says whether one did.
    first = previous is None and not installation.identity(database)[0]
    numbered = sum(each.renumber_before_enrolment(count_only=True) for each in _numbering_kinds()) if first else 0
    answer = transport.enrol(center_url, kecamatan_code, code, device_id, installation=token, session=session,
                             previous=previous_key_proof(previous, kecamatan_code, code), numbered_before=numbered)
    with engine.write_transaction():
        link = SyncLink.get_or_none(SyncLink.key_id == answer["key_id"])
        if link is None:
            link = SyncLink.create(center_url=center_url.rstrip("/"), kecamatan_code=answer["kecamatan_code"],
                                   key_id=answer["key_id"], secret=answer["secret"], enrolled_at=utc_now())
        taken_over = answer.get("taken_over")
        if isinstance(taken_over, dict) and taken_over.get("device_code") == installation.identity(database)[0]:
            # Another PC took over the code this PC numbered with (it had not heard): as the refusal
            # would have, this PC stops numbering under it and learns where that PC's backup ended.
            engine.retire(taken_over.get("restored_up_to"))
        if isinstance(answer.get("device_code"), str) and answer["device_code"]:
            # From now on this PC's numbers carry the device code only the center hands out.
            # Enrolled again (the previous key proved): numbers made under the old code stay this PC's.
            installation.set_device_code(database, answer["device_code"][:8], keep_former=previous is not None)
            if first and numbered and answer.get("renumber_before_enrolment") is True:
                renumbered = sum(each.renumber_before_enrolment() for each in _numbering_kinds())
                SyncLog.create(at=utc_now(), kind="daftar", summary=(
                    f"{renumbered} nomor pendaftaran yang dibuat sebelum pendaftaran juga dipakai PC lain kantor ini "
                    f"(LOKET_DEVICE_ID {device_id}): diganti nomor seri {answer['device_code'][:8]}; berikan "
                    "bukti pendaftaran baru kepada pemohonnya")[:500])
        SyncLog.create(at=utc_now(), kind="daftar",
                       summary=f"terdaftar di {answer.get('center_name', center_url)} sebagai {answer['key_id']}"
                       f" (perangkat {answer.get('device_code', '-')})")
    if answer.get("clock_problem"):
        raise transport.EnrolmentError("clock", "Pendaftaran berhasil, tetapi " + answer["clock_problem"])
    return link


def _numbering_kinds() -> list:
    """The plugged record kinds that number before enrolment (RecordKind.renumber_before_enrolment)."""
    return [each for each in records.kinds() if hasattr(each, "renumber_before_enrolment")]


def previous_key_proof(previous: tuple[str, str] | None, kecamatan_code: str, code: str) -> dict | None:
    """{key_id, proof} for the enrolment: this PC held the key `previous` (key id, secret), which the
    center may have revoked; with it the new key hears the statuses of what the old one sent. The
    proof is bound to this enrolment's one-time code, so the secret itself never travels."""
    if not previous:
        return None
    key_id, secret = previous
    return {"key_id": key_id, "proof": protocol.previous_key_proof(secret, kecamatan_code, code, key_id)}
