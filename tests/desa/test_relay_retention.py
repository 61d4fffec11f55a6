"""Issue 30, kept only as long as needed: a desa's form relayed through the center (NIK, address, photo) is
dropped there once the center itself holds its outcome (the application made from it, or its refusal or
expiry), never when a cursor passes it: a kecamatan restored from an older backup asks again from its older
cursor and is told the outcome instead of the form, and a form still undecided is served whole again."""
import io
from datetime import timedelta

from app.backups.engine import backup_database
from app.desa.models import PreRegistration
from app.frame.db import database
from app.registration.status import ApplicationStatus as S, transition
from sync.center.models import RelayItem
from tests.desa.conftest import pre_register
from tests.desa.test_desa_mode import bound_to, desa_app, kecamatan, operator_client, text  # noqa: F401  (fixtures)
from tests.desa.test_relay import center, enrolled_desa, linked_kecamatan, sync  # noqa: F401
from tests.desa.test_relay_restore import restore_from_cadangan_data
from tests.support.factory import applicant_form, photo_jpeg

BUDI, AGUS = ("3508071205900001", "Budi Santoso"), ("3508071205900002", "Agus Salim")


def held_at_center(center) -> dict[str, tuple[bool, bool]]:
    """{number: (record held, photo held)} of the center's relay items."""
    with center.app.extensions["center_database"].connection_context():
        return {row.number: (row.record_json != "{}", row.photo is not None) for row in RelayItem.select()}


def two_forms_at_the_counter(desa_app, kecamatan, client_as):
    enrolled_desa(desa_app, kecamatan, client_as)
    operator = operator_client(desa_app)
    for nik, name in (BUDI, AGUS):
        saved = pre_register(operator, applicant_form(nik=nik, full_name=name),
                             {"photo": (io.BytesIO(photo_jpeg(colour=(40, 70, 190))), "foto.jpg")})
        assert saved.status_code == 302, text(saved)[:800]
    assert sync(desa_app).sent == 2
    assert sync(kecamatan).relayed == 2
    database.initialize(kecamatan.extensions["database"])
    return {p.nik: p for p in PreRegistration.select()}


def accept(client_as, pre):
    """The counter turns the relayed form into an application (not yet complete: not sent to the center)."""
    loket = client_as("petugas_loket")
    accepted = loket.post(f"/pra-pendaftaran/{pre.id}/terima", content_type="multipart/form-data",
                          data=applicant_form(nik=pre.nik, full_name=pre.full_name, rt=pre.rt, rw=pre.rw))
    assert accepted.status_code == 302, text(accepted)[:800]
    return PreRegistration.get_by_id(pre.id).application


def expire(kecamatan, pre):
    from app.desa.records import today
    with bound_to(kecamatan), database.atomic():
        PreRegistration.update(expires_on=today() - timedelta(days=7)).where(PreRegistration.id == pre.id).execute()


def test_a_kecamatan_restored_from_an_older_backup_gets_outcomes_and_the_undecided_forms(desa_app, linked_kecamatan,
                                                                                        client_as, center):
    kecamatan = linked_kecamatan
    client_as("admin")  # the admin's account is in the backup
    backup = backup_database(kecamatan.config["DATABASE_PATH"],
                             kecamatan.config["BACKUP_DIR"] / "manual-20260817-090000.sqlite3")
    queued = two_forms_at_the_counter(desa_app, kecamatan, client_as)
    budi_number, agus_number = queued[BUDI[0]].number, queued[AGUS[0]].number
    assert sync(kecamatan).error == ""
    assert set(held_at_center(center).values()) == {(True, True)}  # taken, but nothing decided yet: kept
    application = accept(client_as, queued[BUDI[0]])
    assert sync(kecamatan).error == "" and sync(kecamatan).error == ""
    assert held_at_center(center)[budi_number] == (True, True)  # accepted; the application is not at the center
    database.initialize(kecamatan.extensions["database"])
    with database.atomic():
        transition(application, S.COMPLETE, note="berkas lengkap")  # queued for the printing center
    assert sync(kecamatan).error == "" and sync(kecamatan).error == ""
    assert held_at_center(center) == {budi_number: (False, False), agus_number: (True, True)}
    with center.app.extensions["center_database"].connection_context():  # number, version and hash stay
        assert {(r.number, r.version) for r in RelayItem.select()} == {(budi_number, 1), (agus_number, 1)}

    restore_from_cadangan_data(kecamatan, client_as, backup)  # its relay cursor is back before both forms
    report = sync(kecamatan)
    assert report.error == "" and report.relayed == 1, report  # Agus's form again; Budi's is an application
    database.initialize(kecamatan.extensions["database"])
    again = list(PreRegistration.select())
    assert [(p.nik, p.status) for p in again] == [(AGUS[0], "menunggu")]
    assert bytes(again[0].photo_jpeg) == bytes(queued[AGUS[0]].photo_jpeg)  # nothing lost: the photo too
    assert sync(kecamatan).relayed == 0
    # The application made from Budi's form is held at the center; the desa keeps its outcome, no refusal.
    from sync.center.models import ReceivedApplication
    with center.app.extensions["center_database"].connection_context():
        assert ReceivedApplication.select().where(
            ReceivedApplication.registration_number == application.registration_number).count() == 1
    assert sync(desa_app).error == ""
    with bound_to(desa_app):
        states = {p.nik: (p.relay_status, p.relay_application_number) for p in PreRegistration.select()}
    assert states == {BUDI[0]: ("diterima_pusat", application.registration_number), AGUS[0]: ("di_pusat", "")}

    # Agus's form decided after the restore is settled in turn.
    expire(kecamatan, again[0])
    assert sync(kecamatan).error == "" and sync(kecamatan).error == ""
    assert set(held_at_center(center).values()) == {(False, False)}
    database.initialize(kecamatan.extensions["database"])
