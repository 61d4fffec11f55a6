"""Numbers made offline, unique across the regency: kecamatan + counter PC + sequence (the counter's
registration numbers; the desa PC's pre-registration numbers reserve from the same sequences).

'350807-P3-000123': the kecamatan's Kemendagri code (unique in the regency), the counter PC's
device code (issued by the center at enrolment; LOKET_DEVICE_ID before), and that PC's own
running sequence, which starts at generation * 1,000,000 + 1 (app/frame/installation.py): after a
restore the sequence jumps past anything handed out before ('350807-P3-1000001').
"""
import re

from peewee import CharField, IntegerField

from app.frame import installation
from app.frame.db import BaseModel, database

SEQUENCE_DIGITS = 6
_DEVICE = re.compile(r"[0-9A-Za-z]{1,4}")


class RegistrationSequence(BaseModel):
    """Last sequence used per number prefix (kecamatan code + counter PC, or a desa PC's series), so
    numbers are made offline; written by the statements below (one round trip per number)."""
    prefix = CharField(primary_key=True)
    last_value = IntegerField()


def number_prefix(kecamatan_code: str, device_id: str) -> str:
    digits = kecamatan_code.replace(".", "")
    if not (len(digits) == 6 and digits.isdigit()):
        raise ValueError("Kode kecamatan belum diisi di Pengaturan Kantor; nomor pendaftaran tidak dapat dibuat.")
    if not _DEVICE.fullmatch(device_id or ""):
        raise ValueError("DEVICE_ID komputer loket tidak valid (1-4 huruf/angka).")
    return f"{digits}-{device_id}"


def format_number(prefix: str, sequence: int) -> str:
    return f"{prefix}-{sequence:0{SEQUENCE_DIGITS}d}"


def next_number(prefix: str) -> str:
    """Take the next number for this prefix; call inside the transaction that stores the application."""
    return format_number(prefix, reserve(prefix, 1))


def reserve(prefix: str, count: int) -> int:
    """Take `count` numbers at once (bulk import, demo); returns the first sequence value.

    The sequence never falls below this installation's generation floor, so a restored
    database continues above every number the PC handed out before the restore.
    """
    _, generation = installation.identity(database)
    floor = generation * installation.GENERATION_SPAN
    row = database.execute_sql(
        'INSERT INTO "registration_sequence" ("prefix", "last_value") VALUES (?, ?) '
        'ON CONFLICT ("prefix") DO UPDATE SET "last_value" = MAX("last_value", ?) + ? RETURNING "last_value"',
        (prefix, floor + count, floor, count)).fetchone()
    first = row[0] - count + 1
    if row[0] >= floor + installation.GENERATION_SPAN:
        raise ValueError("Nomor pendaftaran komputer ini habis untuk generasi ini; hubungi admin.")
    return first
