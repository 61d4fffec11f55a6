"""Registration numbers made offline, unique across the regency: kecamatan + counter PC + sequence.

'350807-01-000123': the kecamatan's Kemendagri code (unique in the regency), the counter PC's
DEVICE_ID (unique in the kecamatan, from config), and that PC's own running sequence.
"""
import re

from app.frame.db import database

SEQUENCE_DIGITS = 6
_DEVICE = re.compile(r"[0-9A-Za-z]{1,4}")


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
    row = database.execute_sql(
        'INSERT INTO "registration_sequence" ("prefix", "last_value") VALUES (?, 1) '
        'ON CONFLICT ("prefix") DO UPDATE SET "last_value" = "last_value" + 1 RETURNING "last_value"',
        (prefix,)).fetchone()
    return format_number(prefix, row[0])


def reserve(prefix: str, count: int) -> int:
    """Take `count` numbers at once (bulk import, demo); returns the first sequence value."""
    row = database.execute_sql(
        'INSERT INTO "registration_sequence" ("prefix", "last_value") VALUES (?, ?) '
        'ON CONFLICT ("prefix") DO UPDATE SET "last_value" = "last_value" + ? RETURNING "last_value"',
        (prefix, count, count)).fetchone()
    return row[0] - count + 1
