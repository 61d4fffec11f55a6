"""One SMS by consent (issue 28): the consent box and phone of every form that offers it (the counter's
application, the complaint desk and the kiosk), checked the same way, and the consent handed to the
capability that keeps the phone (app/public_status subscribes with `add_consent_listener`), so the forms'
capabilities do not import the public status."""
import re

from app.frame import reactions

FIELD = "sms_consent"
PHONE = re.compile(r"(?:\+62|62|0)8\d{7,11}")  # as the counter's form checks a phone (app/frame/person_rules.py)

_consent = reactions.sms_consent_given


def phone_to_notify(form, phone: str, anonymous: bool = False) -> tuple[str, str | None]:
    """The phone to notify when the consent box is ticked, or an Indonesian reason it cannot be."""
    if not form.get(FIELD):
        return "", None
    if anonymous:
        return "", "SMS hanya untuk pelapor yang mencantumkan identitasnya (tidak anonim)."
    phone = re.sub(r"[\s\-().]", "", phone or "")
    if not PHONE.fullmatch(phone):
        return "", "Untuk SMS, isi nomor HP yang sah (contoh: 081234567890)."
    return phone, None


def add_consent_listener(fn) -> None:
    """fn(kind, source_id, phone) runs inside the write's transaction when a form's consent was given
    (kind: "ktp" for an application, "pgd" for a complaint)."""
    _consent.add(fn)


def consent_given(kind: str, source_id: int, phone: str) -> None:
    """Inside the write's transaction, after the record was created; nothing when no phone was given."""
    if not phone:
        return
    _consent.announce(kind, source_id, phone)
