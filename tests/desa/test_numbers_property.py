"""Property (issue 24): whatever order of restores (kecamatan and desa PC, from any earlier backup) and
re-enrolments an office goes through, every number its programs make is one the other end accepts: desa PC
codes (the center's ticket check), pre-registration numbers (the center's relay check), registration numbers
(the center's format); and none is made twice."""
import tempfile
from pathlib import Path

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from app import create_app
from app.backups.engine import backup_database, restore_database
from app.desa import mode
from app.desa import records as pre_records
from app.firstrun import seed_identity
from app.frame import store
from app.frame.db import database
from app.frame import numbering
from sync import protocol
from sync.center.relay import _header_basics
from tests.desa.conftest import DARUNGAN

STEPS = st.lists(st.sampled_from(["backup_kecamatan", "restore_kecamatan", "backup_desa", "restore_desa",
                                  "enrol_desa_pc", "number_pre_registration", "number_registration"]),
                 min_size=1, max_size=14)


class Office:
    """A kecamatan PC and a desa PC, each its own real database, bound in turn."""

    def __init__(self, folder: Path):
        self.kecamatan = create_app({"DATA_DIR": folder / "kecamatan", "SECRET_KEY": "k", "TESTING": True})
        self.desa = create_app({"DATA_DIR": folder / "desa", "SECRET_KEY": "d", "TESTING": True, "MODE": "desa"})
        with self.bound(self.kecamatan):
            seed_identity("35.08.07")
        self.backups = {self.kecamatan: [], self.desa: []}

    def bound(self, app):
        database.initialize(app.extensions["database"])
        context = app.test_request_context()

        class Bound:
            def __enter__(self):
                context.push()
                app.extensions["database"].connect(reuse_if_open=True)

            def __exit__(self, *exc):
                app.extensions["database"].close()
                context.pop()
        return Bound()

    def backup(self, app):
        made = backup_database(app.config["DATABASE_PATH"],
                               app.config["BACKUP_DIR"] / f"manual-{len(self.backups[app]):04d}.sqlite3")
        self.backups[app].append(made)

    def restore(self, app, which: int):
        if self.backups[app]:
            restore_database(self.backups[app][which % len(self.backups[app])], app.config["DATABASE_PATH"],
                             app.config["BACKUP_DIR"])


def center_accepts_pre_registration(number: str) -> bool:
    record = {"v": 1, "k": "35.08.07", "n": number, "f": {"desa_code": DARUNGAN}}
    header = {"id": number, "version": 1, "hash": protocol.content_hash(record, protocol.sha256_hex(b"")),
              "record": record}
    refusal = _header_basics(header, b"")[0]
    return refusal is None


@settings(max_examples=12, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(steps=STEPS, picks=st.lists(st.integers(0, 50), min_size=14, max_size=14))
def test_numbers_after_any_restores_and_enrolments_are_accepted_and_unique(steps, picks):
    with tempfile.TemporaryDirectory() as folder:
        office = Office(Path(folder))
        codes, pre_numbers, registration_numbers = [], [], []
        enrolled = False
        for step, pick in zip(steps, picks):
            if step in ("backup_kecamatan", "restore_kecamatan"):
                app = office.kecamatan
            elif step in ("backup_desa", "restore_desa"):
                app = office.desa
            if step.startswith("backup"):
                office.backup(app)
            elif step.startswith("restore"):
                office.restore(app, pick)
            elif step == "enrol_desa_pc":
                with office.bound(office.kecamatan):
                    code = mode.issue_enrolment_code(DARUNGAN)
                with office.bound(office.desa):
                    payload = mode.enrol_this_pc(code)
                codes.append(payload["pc"])
                enrolled = True
            elif step == "number_pre_registration" and enrolled:
                with office.bound(office.desa), database.atomic():
                    pre_numbers.append(pre_records.next_number(DARUNGAN))
            elif step == "number_registration":
                with office.bound(office.kecamatan), database.atomic():
                    prefix = numbering.number_prefix(store.get("kecamatan_code"), "01")
                    registration_numbers.append(numbering.next_number(prefix))
        for code in codes:
            assert protocol.DESA_PC_CODE.fullmatch(code), code
        assert len(codes) == len(set(codes)), codes
        for number in pre_numbers:
            assert center_accepts_pre_registration(number), number
        assert len(pre_numbers) == len(set(pre_numbers)), pre_numbers
        for number in registration_numbers:
            assert protocol.REGISTRATION_NUMBER.fullmatch(number), number
        assert len(registration_numbers) == len(set(registration_numbers)), registration_numbers


# --- The numbering rule by hand: the prefix, the sequence from its generation's floor, its last number --
import pytest  # noqa: E402

from app.frame import installation  # noqa: E402

PREFIX_REFUSED = "Kode kecamatan belum diisi di Pengaturan Kantor; nomor pendaftaran tidak dapat dibuat."
DEVICE_REFUSED = "DEVICE_ID komputer loket tidak valid (1-4 huruf/angka)."


def test_a_prefix_is_the_kecamatans_six_digits_and_a_pc_code_of_one_to_four_letters_or_digits():
    assert numbering.number_prefix("35.08.07", "P3") == "350807-P3"
    assert numbering.number_prefix("350807", "abC9") == "350807-abC9"
    for code in ("35.08.0", "35.08.071", "35.08.0A", ""):
        with pytest.raises(ValueError) as refused:
            numbering.number_prefix(code, "P3")
        assert str(refused.value) == PREFIX_REFUSED
    for device in ("P3456", "", None, "P-3"):
        with pytest.raises(ValueError) as refused:
            numbering.number_prefix("35.08.07", device)
        assert str(refused.value) == DEVICE_REFUSED


def set_generation(generation: int) -> int:
    installation.identity(database)  # the row exists once the app started
    database.execute_sql('UPDATE "installation" SET "generation" = ? WHERE "id" = 1', (generation,))
    return generation * installation.GENERATION_SPAN


def test_numbers_run_on_from_the_generations_floor_one_prefix_at_a_time(db):
    floor = set_generation(2)  # 2 000 000: a PC restored twice
    assert [numbering.next_number("350807-P3"), numbering.next_number("350807-P3")] == [
        "350807-P3-2000001", "350807-P3-2000002"]
    assert numbering.reserve("350807-P3", 5) == floor + 3  # 2 000 003 to 2 000 007
    assert numbering.next_number("350807-P3") == "350807-P3-2000008"
    assert numbering.next_number("350807-P4") == "350807-P4-2000001"
    set_generation(3)  # a restore: the sequence jumps past everything handed out before
    assert numbering.next_number("350807-P3") == "350807-P3-3000001"


def test_generation_0_numbers_from_000001_in_six_digits():
    assert numbering.format_number("350807-01", 1) == "350807-01-000001"
    assert numbering.format_number("350807-01", 1_000_001) == "350807-01-1000001"


def test_the_last_number_of_a_generation_is_made_and_the_next_is_refused(db):
    floor = set_generation(1)
    database.execute_sql('INSERT INTO "registration_sequence" ("prefix", "last_value") VALUES (?, ?)',
                         ("350807-P3", floor + installation.GENERATION_SPAN - 2))
    assert numbering.next_number("350807-P3") == "350807-P3-1999999"
    with pytest.raises(ValueError) as refused:
        numbering.next_number("350807-P3")
    assert str(refused.value) == "Nomor pendaftaran komputer ini habis untuk generasi ini; hubungi admin."
