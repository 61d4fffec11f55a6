"""The desa's numbers stay in the format the center accepts (desa PC codes, pre-registration numbers) across
restores and re-enrolments (issue 24, finding 3); a signed F-1.07 QR holds a number of its own PC's series,
dated within its validity, and a number already held answers a clear refusal (finding 7); a refusal reaches
the desa's pages with its reason."""
import html
from datetime import timedelta

import pytest

from app.backups.engine import backup_database, restore_database
from app.desa import mode, qr
from app.desa import records as pre_records
from app.desa.models import PreRegistration
from app.frame import dates, store
from app.frame.db import database
from sync import protocol
from tests.desa.conftest import DARUNGAN, pre_register
from tests.desa.test_desa_mode import desa_app, kecamatan  # noqa: F401  (fixtures)
from tests.support.factory import applicant_form


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


def restore_an_earlier_backup(app, backup):
    restore_database(backup, app.config["DATABASE_PATH"], app.config["BACKUP_DIR"])


def pc_of(enrolment: str) -> dict:
    return mode.read_enrolment_code(enrolment)


def test_a_desa_pc_code_issued_after_restores_fits_the_centers_number_format(app, db, office):
    backup = backup_database(app.config["DATABASE_PATH"], app.config["BACKUP_DIR"] / "manual-20260817-090000.sqlite3")
    codes = [pc_of(mode.issue_enrolment_code(DARUNGAN))["pc"]]
    for _ in range(3):
        restore_an_earlier_backup(app, backup)
        codes.append(pc_of(mode.issue_enrolment_code(DARUNGAN))["pc"])
    assert len(set(codes)) == len(codes), codes  # a restore never hands a code out again
    for code in codes:
        assert protocol.DESA_PC_CODE.fullmatch(code), code
        number = protocol.pre_registration_number("3508072001", code, 1)
        assert protocol.PRE_REGISTRATION_NUMBER.fullmatch(number), number


def test_the_format_of_each_number_is_defined_once_and_refuses_what_the_other_end_would():
    assert protocol.pre_registration_number("3508072001", "D1", 7) == "PRA-3508072001-D1-000007"
    assert protocol.desa_pc_code(1) == "D1" and protocol.desa_pc_code(36) == "D10"
    assert protocol.desa_pc_code(protocol.DESA_PC_CODES) == "DZZZ"
    for bad in (0, protocol.DESA_PC_CODES + 1):
        with pytest.raises(ValueError):
            protocol.desa_pc_code(bad)
    with pytest.raises(ValueError):
        protocol.pre_registration_number("3508072001", "D1000001", 1)
    with pytest.raises(ValueError):
        protocol.pre_registration_number("3508072001", "D1", 10 ** 9)
    # Numbers made before this definition stay accepted: decimal desa PC codes, a counter PC's own.
    for old in ("PRA-3508072001-D3-000001", "PRA-3508072001-01-1000001", "PRA-3508072001-P3-000009"):
        assert protocol.PRE_REGISTRATION_NUMBER.fullmatch(old)


# --- finding 7: a signed QR is bounded -------------------------------------------------------------

def desa_pc_form(darungan, number: str, *, nik="3508071205900001", full_name="Budi Santoso", entered_at=None,
                 pc=None) -> str:
    """The QR a desa PC enrolled as `pc` prints for a form numbered `number` (typed here, signed as the laptop
    would sign it, then gone from the kecamatan's database: it arrives on paper)."""
    assert pre_register(darungan, applicant_form(nik=nik, full_name=full_name)).status_code == 302
    pre = PreRegistration.select().order_by(PreRegistration.id.desc()).get()
    with database.atomic():
        PreRegistration.delete().where(PreRegistration.id == pre.id).execute()
    pre.number = number
    pre.entered_at = entered_at or pre.entered_at
    pc = protocol.PRE_REGISTRATION_NUMBER.fullmatch(number).group(2) if pc is None else pc
    return qr.encode(pre, key=qr.desa_key(DARUNGAN, pc=pc))  # pc "": the desa's key (PCs enrolled before)


def scan(client, code):
    return client.post("/pra-pendaftaran/pindai", data={"kode": code})


def test_a_qr_claiming_the_kecamatans_own_next_number_is_refused_and_the_counter_keeps_numbering(
        db, office, loket, darungan):
    own_next = pre_records.number_prefix(DARUNGAN) + "-000003"  # the helper's typing takes -000001 and -000002
    squat = scan(loket, desa_pc_form(darungan, own_next, pc="D1"))  # a PC's own key: not its series
    assert squat.status_code == 422 and "bukan nomor komputer desa yang menandatanganinya" in text(squat)
    squat = scan(loket, desa_pc_form(darungan, own_next, pc=""))  # the desa's key a PC enrolled before holds
    assert squat.status_code == 422 and "bukan nomor komputer desa" in text(squat), text(squat)[:600]
    assert PreRegistration.select().count() == 0
    typed = pre_register(darungan, applicant_form(nik="3508071205900002", full_name="Agus Salim"))
    assert typed.status_code == 302, text(typed)[:600]
    assert PreRegistration.get().number == own_next


def test_a_qr_claiming_another_desa_pcs_series_is_refused(db, office, loket, darungan):
    forged = scan(loket, desa_pc_form(darungan, "PRA-3508072001-D2-000001", pc="D1"))
    assert forged.status_code == 422 and "Tanda tangan kode QR tidak cocok" in text(forged)
    assert PreRegistration.select().count() == 0
    own = scan(loket, desa_pc_form(darungan, "PRA-3508072001-D1-000001", pc="D1"))
    assert own.status_code == 302, text(own)[:600]


def test_a_number_already_held_by_another_form_answers_a_refusal_not_500(db, office, loket, darungan):
    assert scan(loket, desa_pc_form(darungan, "PRA-3508072001-D1-000001")).status_code == 302
    same_number = scan(loket, desa_pc_form(darungan, "PRA-3508072001-D1-000001", nik="3508071205900002",
                                           full_name="Agus Salim"))
    assert same_number.status_code == 422 and "sudah dipakai" in text(same_number), text(same_number)[:600]
    # Created straight from a payload (the relay's path): the same clear refusal.
    payload = qr.verify(desa_pc_form(darungan, "PRA-3508072001-D1-000001", nik="3508071205900003",
                                     full_name="Joko Widodo"))
    with pytest.raises(pre_records.Refused, match="sudah dipakai"):
        pre_records.pre_registration_from_payload(payload, source="qr")
    assert PreRegistration.select().count() == 1


@pytest.mark.parametrize("shift,message", [(timedelta(days=365 * 4), "masa depan"),
                                           (timedelta(days=-365), "sudah lewat masa berlaku")])
def test_a_qr_dated_in_the_future_or_past_its_validity_is_refused(db, office, loket, darungan, shift, message):
    code = desa_pc_form(darungan, "PRA-3508072001-D1-000001", entered_at=dates.utc_now() + shift)
    response = scan(loket, code)
    assert response.status_code == 422 and message in text(response), text(response)[:600]
    assert PreRegistration.select().count() == 0


def test_a_desa_laptops_clock_a_few_hours_ahead_is_tolerated(db, office, loket, darungan):
    response = scan(loket, desa_pc_form(darungan, "PRA-3508072001-D1-000001", entered_at=dates.utc_now() + timedelta(hours=8)))
    assert response.status_code == 302, text(response)[:600]


# --- every refusal reaches the desa's pages ---------------------------------------------------------

@pytest.mark.parametrize("status,reason", [("ditolak_pusat_relai", "nomor pra-pendaftaran tidak sah"),
                                           ("ditolak_kecamatan", "NIK ini sudah dipra-daftarkan (PRA-1)")])
def test_a_refused_form_shows_its_reason_on_the_desa_list_and_detail(db, office, darungan, status, reason):
    assert pre_register(darungan, applicant_form()).status_code == 302
    pre = PreRegistration.get()
    with database.atomic():
        PreRegistration.update(relay_status=status, relay_note=reason).where(PreRegistration.id == pre.id).execute()
    for page in (darungan.get("/desa"), darungan.get(f"/desa/pra-pendaftaran/{pre.id}")):
        assert reason in text(page), text(page)[:2000]
        assert "Alasan penolakan" in text(page)


def test_a_desa_pc_holding_a_number_the_center_refuses_says_to_enrol_again(desa_app):
    """A desa PC enrolled, before this fix, with a code made after a restore ('D1000001'): its forms cannot be
    numbered in a format the center takes, so typing one answers what to do, not a 500 or a doomed number."""
    from tests.desa.test_desa_mode import bound_to
    from tests.desa.test_desa_mode import operator_client
    with bound_to(desa_app), database.atomic():
        store.put("desa_pc_desa_code", DARUNGAN)
        store.put("desa_pc_number", "D1000001")
        store.put("kecamatan_code", "35.08.07")
    operator = operator_client(desa_app)
    with bound_to(desa_app):
        response = pre_register(operator, applicant_form())
        assert response.status_code == 422 and "Minta kode pendaftaran baru" in text(response), text(response)[:900]
        assert PreRegistration.select().count() == 0


def test_when_a_desas_pc_codes_run_out_the_admin_reads_why(db, office, client_as):
    with database.atomic():
        db.execute_sql('INSERT INTO "registration_sequence" ("prefix", "last_value") VALUES (?, ?)',
                       ("DESA-PC36-3508072001", protocol.DESA_PC_CODES))
    response = client_as("admin").post("/admin/operator-desa/kode-komputer", data={"desa": DARUNGAN})
    assert response.status_code == 422 and "sudah habis" in text(response)
    assert client_as("admin").post("/admin/operator-desa/kode-komputer", data={"desa": "35.08.07.2002"}).status_code == 200


def test_desa_pc_codes_stay_in_format_up_to_the_last_restore_generation_and_never_beyond(db, office):
    """The real restores above take seconds each; the generation they raise is set here directly."""
    from app.frame import installation
    made = []
    for generation in (0, 1, 2, 35, 36, 100, 143):
        with database.atomic():
            installation.token(db)  # the row exists
            db.execute_sql('UPDATE "installation" SET "generation" = ? WHERE "id" = 1', (generation,))
            code = mode.next_pc_code(DARUNGAN)
        assert protocol.DESA_PC_CODE.fullmatch(code) and code not in made, (generation, code)
        assert int(code[1:], 36) > generation * mode.DESA_PC_BLOCK  # above every earlier generation's block
        made.append(code)
    with database.atomic():
        db.execute_sql('UPDATE "installation" SET "generation" = ? WHERE "id" = 1', (144,))
        with pytest.raises(mode.PcCodeRefused):
            mode.next_pc_code(DARUNGAN)


def test_two_counter_pcs_never_issue_the_same_desa_pc_code(app, db, office):
    """Found by the office-year simulation: P1 and P2 each numbered desa laptops from D1, so a laptop enrolled
    from P2 made the same pre-registration numbers as P1's. Each counter PC issues from blocks of its own."""
    from app.frame import installation
    issued = {}
    for device in ("P1", "P2", "P3", "01", "02"):
        for generation in (0, 1, 2):
            with database.atomic():
                installation.token(db)
                db.execute_sql('UPDATE "installation" SET "generation" = ?, "device_code" = ? WHERE "id" = 1',
                               (generation, None if device.isdigit() else device))
                db.execute_sql('DELETE FROM "registration_sequence"')  # each PC has its own database
                app.config["DEVICE_ID"] = device if device.isdigit() else "01"
                codes = [mode.next_pc_code(DARUNGAN) for _ in range(3)]
            issued[(device.lstrip("P0"), generation)] = codes
    by_pc = {}
    for (pc, generation), codes in issued.items():
        by_pc.setdefault(pc, set()).update(codes)
    assert not (by_pc["1"] & by_pc["2"]) and not (by_pc["1"] & by_pc["3"]) and not (by_pc["2"] & by_pc["3"]), by_pc


def test_a_legacy_decimal_desa_pc_code_is_never_issued_again(db, office):
    """Codes made before base 36 were 'D' + decimal (D1 ... D12 here): none comes back as a base-36 code."""
    with database.atomic():
        db.execute_sql('INSERT INTO "registration_sequence" ("prefix", "last_value") VALUES (?, ?)',
                       ("DESA-PC-3508072001", 12))
        code = mode.next_pc_code(DARUNGAN)
    assert code not in {f"D{n}" for n in range(1, 13)} and protocol.DESA_PC_CODE.fullmatch(code), code


def test_a_number_an_older_version_let_a_qr_take_is_passed_over_by_the_counter(db, office, darungan):
    """Before the series check a QR could take the kecamatan's own next number: the counter numbers past it."""
    assert pre_register(darungan, applicant_form()).status_code == 302
    first = PreRegistration.get()
    taken = first.number[:-6] + "000002"
    with database.atomic():
        PreRegistration.update(number=taken).where(PreRegistration.id == first.id).execute()
    typed = pre_register(darungan, applicant_form(nik="3508071205900002", full_name="Agus Salim"))
    assert typed.status_code == 302, text(typed)[:600]
    assert PreRegistration.get(PreRegistration.nik == "3508071205900002").number == first.number[:-6] + "000003"
