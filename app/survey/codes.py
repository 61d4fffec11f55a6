"""One-time survey codes: printed on the slip of a service received, accepted once by the kiosk.

PermenPANRB 14/2017 asks that IKM respondents be people who received the service. A code ties
an answer to one registration, handover or complaint, so one visitor cannot answer a hundred
times: without a code an answer is a walk-in answer, counted apart until the information
officer reviews it.
"""
import secrets
from datetime import timedelta

from peewee import IntegrityError

from app.frame import codes, statements
from app.frame.dates import utc_now
from app.frame.db import database
from app.survey.models import SurveyCode

# No 0/O, 1/I/L: an elderly visitor copies the code from paper onto a touch screen.
ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
LENGTH = 8  # 31^8 ~ 8.5e11: guessing a live code is hopeless
VALID_DAYS = 90  # long enough for the quarter in which the service was received
SERVICES = {"pendaftaran": "pendaftaran KTP-el", "penyerahan": "penyerahan KTP-el", "pengaduan": "pengaduan"}


class CodeRefused(ValueError):
    """The code cannot be used; the message is for the visitor."""


def display(code: str) -> str:
    """ABCD-EFGH: two groups of four are easier to copy."""
    return f"{code[:4]}-{code[4:]}"


def normalise(text: str) -> str:
    """What the visitor typed, in upper case, without spaces, dashes or dots (app/frame/codes.py)."""
    return codes.compact(text, ALPHABET)


def code_for(service: str, reference: str) -> SurveyCode:
    """The service's code, issued on first print (the same code on every reprint)."""
    if service not in SERVICES:
        raise ValueError(f"unknown service {service!r}")
    existing = next(iter(statements.rows(_issued, each_run=(service, reference))), None)
    if existing:
        return existing
    for _ in range(5):
        try:
            with database.atomic():
                return SurveyCode.create(code="".join(secrets.choice(ALPHABET) for _ in range(LENGTH)),
                                         service=service, reference=reference, issued_at=utc_now())
        except IntegrityError:  # a concurrent print of the same slip, or (never in practice) a clash
            existing = SurveyCode.get_or_none(SurveyCode.service == service, SurveyCode.reference == reference)
            if existing:
                return existing
    raise RuntimeError("could not issue a survey code")


def _issued():  # its SQL built once (app/frame/statements.py): a slip's save and its page both ask it (issue 73)
    return SurveyCode.select().where((SurveyCode.service == statements.each_run(0))
                                     & (SurveyCode.reference == statements.each_run(1))).limit(1)


def check_format(text: str) -> str:
    code = normalise(text)
    if len(code) != LENGTH or any(ch not in ALPHABET for ch in code):
        raise CodeRefused(f"Kode survei terdiri dari {LENGTH} huruf/angka, seperti tercetak di tanda terima "
                          "(contoh ABCD-EFGH). Periksa kembali kodenya.")
    return code


def claim(text: str) -> SurveyCode:
    """Mark the code used (call inside the transaction that stores the answer)."""
    code = check_format(text)
    found = SurveyCode.get_or_none(SurveyCode.code == code)
    if found is None:
        raise CodeRefused("Kode survei tidak dikenal. Periksa kembali kode di tanda terima Anda.")
    if found.used_at is not None:
        raise CodeRefused("Kode survei ini sudah dipakai. Setiap layanan hanya dapat dinilai satu kali.")
    if found.issued_at < utc_now() - timedelta(days=VALID_DAYS):
        raise CodeRefused(f"Kode survei ini sudah kedaluwarsa (berlaku {VALID_DAYS} hari sejak layanan).")
    # Only one of two concurrent posts of the same code can win this update.
    won = (SurveyCode.update(used_at=utc_now())
           .where(SurveyCode.id == found.id, SurveyCode.used_at.is_null()).execute())
    if not won:
        raise CodeRefused("Kode survei ini sudah dipakai. Setiap layanan hanya dapat dinilai satu kali.")
    return found


def printed(service: str, reference: str) -> dict:
    """What a printed slip shows: the code, grouped for reading, its kiosk address and QR."""
    from app.frame.templating import qr_svg
    from app.settings.identity import phones_reach, public_url
    code = code_for(service, reference).code
    url = public_url("survey.kiosk", kode=display(code))
    return {"code": code, "display": display(code), "url": url, "qr": qr_svg(url) if phones_reach(url) else None}
