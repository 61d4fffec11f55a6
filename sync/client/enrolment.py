"""Before a PC spends its one-time enrolment code: is the address a center, and do the clocks agree?
Said in Indonesian for the admin. Both office programs enrol this way (the kecamatan's sync page, the
desa PC's admin page), so it lives in the sync client.
"""
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from urllib.parse import urlsplit

import requests

from app.frame import dates
from sync import protocol

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
