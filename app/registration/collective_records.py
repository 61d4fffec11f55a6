"""A collective letter's changes (the letter, its recording session, its imported applicants, the
handover to its representative): each written with its audit row in one transaction."""
from app.frame import audit
from app.frame.audit_rule import act
from app.frame.dates import utc_now
from app.frame.db import database
from app.registration import records
from app.registration.models import CollectiveLetter
from app.registration.status import ApplicationStatus as S, transition


@act("buat")
def create_letter(clean: dict, user) -> CollectiveLetter:
    with database.atomic():
        letter = CollectiveLetter.create(created_at=utc_now(), created_by=user, **clean)
        audit.record("buat", "surat_kolektif", letter.id,
                     f"Surat kolektif {letter.letter_number} dari {letter.sender} dicatat", after=clean)
    return letter


@act("ubah")
def schedule_recording(letter: CollectiveLetter, day) -> None:
    with database.atomic():
        before = letter.recording_date
        letter.recording_date = day
        letter.save()
        audit.record("ubah", "surat_kolektif", letter.id, f"Jadwal perekaman {letter.letter_number}: {day}",
                     before={"recording_date": before}, after={"recording_date": day})


@act("impor")
def import_applicants(letter: CollectiveLetter, cleans: list[dict], prefix: str) -> None:
    """Checked rows: all of them or none."""
    with database.atomic():
        for clean in cleans:
            records.create_application(clean, None, letter, prefix)
        audit.record("impor", "surat_kolektif", letter.id,
                     f"{len(cleans)} pemohon diimpor ke surat kolektif {letter.letter_number}")


@act("serah")
def hand_over(letter: CollectiveLetter, ready: list, clean: dict):
    """Every ready card of the letter to its representative (checked by validate_handover); the moment."""
    now = utc_now()
    with database.atomic():
        for application in ready:
            application.handed_over_to = clean["name"]
            application.handover_relation = clean["relation"]
            application.handover_id_number = clean["id_number"]
            application.handed_over_at = now
            transition(application, S.HANDED_OVER,
                       note=f"Diserahkan secara kolektif kepada {clean['name']} ({clean['relation']})")
        letter.handed_over_at = now
        letter.handed_over_to = clean["name"]
        letter.handover_id_number = clean["id_number"]
        letter.save()
        audit.record("serah", "surat_kolektif", letter.id,
                     f"{len(ready)} KTP-el surat {letter.letter_number} diserahkan kepada {clean['name']}")
    return now
