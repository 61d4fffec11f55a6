"""The counter accepts a pre-registration: one application with the (possibly corrected) fields. The one
desa write that makes the counter's records, so it is the kecamatan's only (app/desa/kecamatan.py)."""
import json

from flask import g

from app.desa import relay
from app.desa.relay_records import DUPLICATE, DUPLICATE_CLOSED
from app.desa.records import FIELD_LABELS, Refused, announce_change, differences, is_expired, stored_photo
from app.desa.models import PreRegistration
from app.frame import audit, dates
from app.frame.audit_rule import act
from app.frame.db import database
from app.registration import records
from app.registration.models import Application, StatusEvent


@act("terima")
def accept(pre: PreRegistration, clean: dict, photo=None) -> Application:
    """The counter accepts the file: one application with the (possibly corrected) fields.

    Service time starts here (the application is 'Diterima loket' now), not when the desa typed it.
    """
    with database.atomic():
        pre = PreRegistration.get_by_id(pre.id)  # re-read under the write lock
        if pre.status == PreRegistration.ACCEPTED:
            raise Refused("Pra-pendaftaran ini sudah diterima di loket sebelumnya.")
        if is_expired(pre):
            raise Refused(f"Pra-pendaftaran {pre.number} sudah kedaluwarsa (berlaku sampai "
                          f"{dates.format_date(pre.expires_on)}). Daftarkan pemohon langsung di loket.")
        running = records.in_progress_with_nik(clean["nik"])
        if running:
            raise Refused(f"NIK ini sudah memiliki permohonan yang masih berjalan ({running[0].registration_number}).",
                          "nik")
        changed = differences(pre, clean, photo is not None)
        application = records.create_application(clean, photo or stored_photo(pre), None,
                                                 records.current_prefix())
        pre.status = PreRegistration.ACCEPTED
        pre.application = application
        pre.accepted_at = dates.utc_now()
        pre.accepted_by = g.get("user")
        pre.differences = json.dumps(changed, ensure_ascii=False)
        pre.save()
        summary = f"Pra-pendaftaran {pre.number} diterima di loket menjadi permohonan {application.registration_number}"
        summary += ("; diubah di loket: " + ", ".join(FIELD_LABELS[k] for k in changed)) if changed \
            else "; tanpa perubahan isian desa"
        audit.record("terima", "pra_pendaftaran", pre.id, summary, before={k: v[0] for k, v in changed.items()},
                     after={k: v[1] for k, v in changed.items()})
        relay.accepted(pre, application)  # a form relayed from a desa PC: the desa learns it, by the center
        announce_change(pre)
    return application


@act("tutup_duplikat")
def close_duplicate(pre: PreRegistration) -> Application:
    """The clerk marks this PC's application of a relayed form as the duplicate of the one another counter
    PC's acceptance made (relay.settle_duplicate): closed here, never sent, on its timeline and audited."""
    with database.atomic():
        pre = PreRegistration.get_by_id(pre.id)  # re-read under the write lock: one mark, one audit row
        if pre.relay_status != DUPLICATE or pre.application_id is None:
            raise Refused("Permohonan ini tidak (lagi) menunggu ditandai duplikat.")
        application = pre.application
        PreRegistration.update(relay_status=DUPLICATE_CLOSED, relay_at=dates.utc_now()).where(
            PreRegistration.id == pre.id).execute()
        pre.relay_status = DUPLICATE_CLOSED
        relay.hold_duplicate(application.id, pre)
        note = f"Ditandai duplikat dan dibatalkan di PC ini: {pre.relay_note}"
        user = g.get("user")
        StatusEvent.create(application=application, from_status=application.status, to_status=application.status,
                           at=dates.utc_now(), user_id=user.id if user else None,
                           username=user.username if user else "sistem", note=note)
        audit.record("tutup_duplikat", "permohonan_ktp", application.id,
                     f"{application.registration_number}: {note}")
    return application
