"""Restore x desa relay, end to end (issue 24, finding 3): the kecamatan app restores a backup from Cadangan Data,
its admin issues a new desa PC code, a `--mode desa` PC enrols with it through the running center, types an
F-1.07 and syncs; and again after further restores of the kecamatan and of the desa PC. Invariants after every
round: every desa form reached the counter's queue exactly once or was refused with its reason on the desa's
pages; no pre-registration number is held twice (desa PCs, center, kecamatan)."""
import pytest

from app.backups.engine import backup_database, restore_database
from app.desa.models import PreRegistration
from app.frame.db import database
from sync.center.models import RelayItem
from tests.desa.conftest import pre_register
from tests.desa.test_desa_mode import bound_to, operator_client, text
from tests.desa.test_relay import center, enrolled_desa, linked_kecamatan, sync  # noqa: F401
from tests.desa.test_desa_mode import desa_app, kecamatan  # noqa: F401  (fixtures)
from tests.support.factory import applicant_form

PEOPLE = [("3508071205900001", "Budi Santoso"), ("3508071205900002", "Agus Salim"),
          ("3508071205900003", "Joko Widodo"), ("3508071205900004", "Dewi Lestari")]


def restore_from_cadangan_data(app, client_as, backup):
    """The admin's own way: Cadangan Data, pick the file, confirm."""
    database.initialize(app.extensions["database"])
    response = client_as("admin").post("/admin/cadangan/pulihkan", data={"name": backup.name, "confirm": "ya"})
    assert response.status_code == 303, text(response)[:800]


def check_invariants(kecamatan, center, desa_pcs, operators):
    """Each form typed on a desa PC is in the counter's queue once, or refused with its reason shown there."""
    with bound_to(kecamatan):
        at_counter = [p.number for p in PreRegistration.select()]
    assert len(at_counter) == len(set(at_counter))
    typed = []
    for pc, operator in zip(desa_pcs, operators):
        with bound_to(pc):
            forms = list(PreRegistration.select())
        typed += [p.number for p in forms]
        home = text(operator.get("/desa"))
        for form in forms:
            if form.number in at_counter:
                continue
            assert form.relay_status in ("ditolak_pusat_relai", "ditolak_kecamatan"), (form.number, form.relay_status)
            assert form.relay_note and form.relay_note in home, (form.number, form.relay_note)
    assert len(typed) == len(set(typed)), typed  # no number held by two forms across the desa PCs
    held = center_numbers(center)
    assert len(held) == len(set(held)), held


def center_numbers(center) -> list[str]:
    with center.app.extensions["center_database"].connection_context():
        return [row.number for row in RelayItem.select(RelayItem.number)]


@pytest.mark.parametrize("center", ["sqlite"], indirect=True)
def test_the_desa_relay_lives_through_restores_of_the_kecamatan_and_the_desa_pc(desa_app, linked_kecamatan,
                                                                              client_as, center, tmp_path):
    from app import create_app
    from tests.conftest import CsrfClient
    kecamatan = linked_kecamatan
    client_as("admin")  # the admin's account is in the backup
    backup = backup_database(kecamatan.config["DATABASE_PATH"],
                             kecamatan.config["BACKUP_DIR"] / "manual-20260817-090000.sqlite3")
    desa_pcs, operators = [], []
    for round_number, (nik, name) in enumerate(PEOPLE):
        restore_from_cadangan_data(kecamatan, client_as, backup)  # any restore raises the number generation
        if round_number < 2:  # a new desa PC enrolled with a code issued after the restore
            pc = desa_app if round_number == 0 else create_app(
                {"DATA_DIR": tmp_path / f"desa-pc-{round_number}", "SECRET_KEY": "s", "TESTING": True, "MODE": "desa"})
            pc.test_client_class = CsrfClient
            enrolled_desa(pc, kecamatan, client_as)
            desa_pcs.append(pc)
            operators.append(operator_client(pc) if round_number == 0 else second_operator(pc))
        else:  # the first desa PC restores its own backup, then types again
            pc, operator = desa_pcs[0], operators[0]
            with bound_to(pc):
                own = backup_database(pc.config["DATABASE_PATH"], pc.config["BACKUP_DIR"] / f"manual-{round_number}.sqlite3")
            restore_database(own, pc.config["DATABASE_PATH"], pc.config["BACKUP_DIR"])
        pc, operator = desa_pcs[min(round_number, len(desa_pcs) - 1)], operators[min(round_number, len(operators) - 1)]
        with bound_to(pc):
            saved = pre_register(operator, applicant_form(nik=nik, full_name=name))
            assert saved.status_code == 302, text(saved)[:800]
        report = sync(pc)
        assert (report.sent, report.rejected, report.error) == (1, 0, ""), report
        assert sync(kecamatan).error == ""
        with bound_to(kecamatan):
            assert PreRegistration.select().where(PreRegistration.nik == nik).count() == 1, name
        check_invariants(kecamatan, center, desa_pcs, operators)
    # The second PC types a villager the first PC sent already: refused at the kecamatan, the reason shown.
    with bound_to(desa_pcs[1]):
        assert pre_register(operators[1], applicant_form(nik=PEOPLE[0][0], full_name=PEOPLE[0][1])).status_code == 302
    assert sync(desa_pcs[1]).sent == 1
    assert sync(kecamatan).error == ""
    assert sync(desa_pcs[1]).statuses >= 1
    with bound_to(desa_pcs[1]):
        refused = PreRegistration.get(PreRegistration.nik == PEOPLE[0][0])
        assert refused.relay_status == "ditolak_kecamatan"
        page = text(operators[1].get(f"/desa/pra-pendaftaran/{refused.id}"))
        assert "Alasan penolakan: " + refused.relay_note in page
    check_invariants(kecamatan, center, desa_pcs, operators)


def second_operator(pc):
    from tests.conftest import sign_in_as
    from tests.support.factory import desa_operator
    with bound_to(pc):
        user = desa_operator("kaur.kedua", "Kaur Kedua")
    client = pc.test_client()
    sign_in_as(client, user)
    return client


@pytest.mark.parametrize("center", ["sqlite"], indirect=True)
def test_the_center_takes_from_a_desa_pc_only_numbers_of_its_own_series(desa_app, linked_kecamatan, client_as,
                                                                        center):
    import json
    from sync import protocol
    from sync.client.models import OutboxItem
    kecamatan = linked_kecamatan
    enrolled_desa(desa_app, kecamatan, client_as)
    operator = operator_client(desa_app)
    assert pre_register(operator, applicant_form()).status_code == 302
    with bound_to(desa_app):  # the laptop's database edited by hand: a number of another PC's series
        item = OutboxItem.get(OutboxItem.kind == "pra")  # the form (its public status rides beside it, issue 28)
        record = json.loads(item.record_json)
        record["n"] = record["n"].replace("-D1-", "-D2-")
        OutboxItem.update(record_json=json.dumps(record), registration_number=record["n"],
                          content_hash=protocol.content_hash(record, item.photo_sha256)).where(
                              OutboxItem.id == item.id).execute()
    report = sync(desa_app)
    assert report.rejected == 1 and "bukan seri komputer desa ini" in report.reasons[0], report
    assert "bukan seri komputer desa ini" in text(operator.get("/desa"))
    assert center_numbers(center) == []


def test_a_desa_pc_code_the_center_knows_from_another_pc_is_refused_at_enrolment(desa_app, linked_kecamatan,
                                                                                  client_as, center, tmp_path):
    """A kecamatan restored from a backup older than its last codes (or a second counter PC issuing codes)
    could hand one code to two PCs: the center, which saw the first, refuses the second with a clear word."""
    from app import create_app
    from app.desa import mode
    from tests.conftest import CsrfClient
    from tests.desa.test_desa_mode import desa_admin
    from tests.desa.test_relay import desa_code_from_kecamatan
    kecamatan = linked_kecamatan
    enrolled_desa(desa_app, kecamatan, client_as)
    with bound_to(kecamatan), kecamatan.test_request_context():  # the counter handed out again
        from app.frame.db import database as db
        db.execute_sql('UPDATE "registration_sequence" SET "last_value" = 0 WHERE "prefix" LIKE ?', ("DESA-PC36-%",))
    code = desa_code_from_kecamatan(kecamatan, client_as)
    assert mode.read_enrolment_code(code)["pc"] == "D1"
    second = create_app({"DATA_DIR": tmp_path / "desa-pc-2", "SECRET_KEY": "s", "TESTING": True, "MODE": "desa"})
    second.test_client_class = CsrfClient
    admin, _ = desa_admin(second)
    database.initialize(second.extensions["database"])
    response = admin.post("/admin/komputer-desa", data={"kode": code})
    assert response.status_code == 422 and "sudah dipakai komputer desa lain" in text(response), text(response)[:900]
    with bound_to(second):
        from app.frame import store
        assert store.get("desa_pc_number") == ""  # not numbering in the other PC's series, even on paper
