"""The desa PC's enrolment (`run.py serve --mode desa`, app/programs/desa.py): the code the kecamatan
admin issues (Operator Desa page) ties a PC to one desa: it carries the kecamatan's identity, the desa,
this PC's number and the desa's own F-1.07 signing key. Issued at the kecamatan, read at the desa PC.
"""
from flask import current_app
from itsdangerous import URLSafeSerializer

from app.frame import audit, dates, regions
from app.frame.db import database
from app.frame.places import desa_names
from app.desa import qr
from app.frame import installation, store
from app.frame.audit_rule import act
from sync import protocol

store.register_defaults(desa_pc_desa_code="")
ENROLMENT_PREFIX = "DESAPC1:"
ENROLMENT_SALT = "loket-desa-pc-v1"


class EnrolmentRefused(ValueError):
    """str() is the Indonesian message for the desa admin."""


# Desa PC codes (sync/protocol.py DESA_PC_CODE): each counter PC of the kecamatan issues them from blocks
# of its own (two counter PCs gave two laptops of one desa the same code, found by the office-year
# simulation), and each restore of the kecamatan's data starts a fresh block, above every code an earlier
# generation could have handed out, so a restored backup never gives a second PC a code in use. The codes
# stay 1-3 characters for 143 restores (1,295 blocks of 36 shared by PC_SLOTS counter PCs).
DESA_PC_BLOCK = 36
PC_SLOTS = 9  # counter PCs with blocks of their own: P1..P9 (or LOKET_DEVICE_ID 01..09)


class PcCodeRefused(ValueError):
    """No desa PC code now (this desa's numbers are used up, or this PC holds its numbers);
    str() is the Indonesian message for the kecamatan admin."""


def _legacy_floor(digits: str) -> int:
    """Codes issued before base 36 were "D" + decimal from the sequence "DESA-PC-<desa>": read as base 36,
    none of them is above its last value read so (codes past D999 never fitted the format: not counted)."""
    row = database.execute_sql('SELECT "last_value" FROM "registration_sequence" WHERE "prefix" = ?',
                               (f"DESA-PC-{digits}",)).fetchone()
    last = int(row[0]) if row else 0
    return int(str(min(last, 999)), 36) if 0 < last < installation.GENERATION_SPAN else 0


def _pc_slot(device: str | None) -> int:
    """Which counter PC issues the code: P1 (or an unlinked '01') 0, P2 (or '02') 1, ..."""
    digits = (device or current_app.config["DEVICE_ID"]).lstrip("P")
    return (int(digits) - 1) % PC_SLOTS if digits.isdigit() and int(digits) > 0 else 0


def next_pc_code(desa_code: str) -> str:
    """At the kecamatan, inside the caller's transaction: the next desa PC code of this desa."""
    held = installation.numbering_refusal(database)
    if held:  # a desa PC's code is a number from this PC's block too (found by the office year)
        raise PcCodeRefused(f"{held} Kode komputer desa juga bernomor dari PC ini, jadi belum dapat dibuat.")
    digits = desa_code.replace(".", "")
    device, generation = installation.identity(database)
    floor = max((generation * PC_SLOTS + _pc_slot(device)) * DESA_PC_BLOCK, _legacy_floor(digits))
    number = database.execute_sql(
        'INSERT INTO "registration_sequence" ("prefix", "last_value") VALUES (?, ?) '
        'ON CONFLICT ("prefix") DO UPDATE SET "last_value" = MAX("last_value", ?) + 1 RETURNING "last_value"',
        (f"DESA-PC36-{digits}", floor + 1, floor)).fetchone()[0]
    if number > protocol.DESA_PC_CODES:
        raise PcCodeRefused("Nomor komputer desa untuk desa ini sudah habis; hubungi pengelola aplikasi.")
    return protocol.desa_pc_code(number)


def issue_enrolment_code(desa_code: str) -> str:
    """At the kecamatan: a code for one more PC of this desa (shown once; it holds that PC's own key)."""
    with database.atomic():
        pc = next_pc_code(desa_code)
    office = store.all_settings()
    payload = {"k": office["kecamatan_code"], "kn": office["kecamatan_name"], "kab": office["kabupaten_name"],
               "prov": office["provinsi_name"], "d": desa_code, "pc": pc,
               "days": office["pre_registration_days"], "key": qr.desa_key(desa_code, pc=pc),
               "g": qr.generation_of(desa_code), "tz": office["timezone"]}
    from app.desa import relay
    payload.update(relay.ticket_for(desa_code, payload["pc"], payload["g"]))  # the center's part, if linked
    return ENROLMENT_PREFIX + URLSafeSerializer(payload["key"], salt=ENROLMENT_SALT).dumps(payload)


@act("buat")
def issue_pc_code(desa_code: str) -> str:
    """At the kecamatan, from the Operator Desa page: issue_enrolment_code, audited; raises PcCodeRefused."""
    with database.atomic():
        enrolment = issue_enrolment_code(desa_code)
        audit.record("buat", "perangkat_desa", desa_code,
                     f"Kode pendaftaran komputer desa {desa_names().get(desa_code, desa_code)} dibuat")
    return enrolment


def read_enrolment_code(text: str) -> dict:
    text = "".join((text or "").split())
    if not text.startswith(ENROLMENT_PREFIX) or len(text) > 2000:
        raise EnrolmentRefused("Ini bukan kode pendaftaran komputer desa. Minta kodenya kepada admin kecamatan.")
    body = text[len(ENROLMENT_PREFIX):]
    _, payload = URLSafeSerializer("-", salt=ENROLMENT_SALT).loads_unsafe(body)
    if not isinstance(payload, dict) or not isinstance(payload.get("key"), str):
        raise EnrolmentRefused("Kode pendaftaran terpotong atau salah ketik. Salin ulang seluruh kode.")
    if not URLSafeSerializer(payload["key"], salt=ENROLMENT_SALT).loads_unsafe(body)[0]:
        raise EnrolmentRefused("Kode pendaftaran rusak atau telah diubah. Minta kode baru kepada admin kecamatan.")
    desa = regions.region(str(payload.get("d", "")))
    if desa is None or desa.level != "desa" or not desa.code.startswith(str(payload.get("k")) + "."):
        raise EnrolmentRefused("Kode pendaftaran menyebut desa yang tidak dikenal.")
    return payload


ENROLMENT_SETTINGS = ("kecamatan_code", "kecamatan_name", "kabupaten_name", "provinsi_name", "desa_pc_desa_code",
                      "desa_pc_number", "desa_pc_key", "pre_registration_days", "desa_pc_generation",
                      "timezone")


def enrolment_settings() -> dict:
    """What enrol_this_pc changes, to put back when the center refuses the code's PC number."""
    return {key: store.get(key) for key in ENROLMENT_SETTINGS}


@act("ubah")
def undo_enrolment(before: dict, reason: str) -> None:
    with database.atomic():
        for key, value in before.items():
            store.put(key, value)
        audit.record("ubah", "pengaturan", "desa", f"Pendaftaran komputer desa dibatalkan: {reason}"[:500])


def _zone_in(payload: dict) -> str:
    zone = payload.get("tz")
    if zone in dates.TIME_ZONES:
        return zone
    return regions.zone_of(str(payload["k"])) or dates.DEFAULT_TIME_ZONE


@act("daftar_perangkat")
def enrol_this_pc(text: str) -> dict:
    """At the desa PC: store the kecamatan identity, the desa, the PC number and the desa's key."""
    from app.desa.models import PreRegistration
    payload = read_enrolment_code(text)
    current = store.get("desa_pc_desa_code")
    if current and current != payload["d"] and PreRegistration.select().exists():
        raise EnrolmentRefused("Komputer ini sudah berisi pra-pendaftaran desa lain; kode untuk desa berbeda ditolak.")
    if not protocol.DESA_PC_CODE.fullmatch(str(payload.get("pc", ""))):
        raise EnrolmentRefused("Nomor komputer desa di kode ini di luar format yang diterima pusat (aplikasi "
                               "kecamatan versi lama?). Perbarui aplikasi di kecamatan, lalu minta kode baru.")
    values = (payload["k"], payload["kn"], payload["kab"], payload["prov"], payload["d"], payload["pc"],
              payload["key"], int(payload["days"]), int(payload.get("g", 1)),
              _zone_in(payload))  # the kecamatan's zone (a code from before it was carried: the map's)
    with database.atomic():
        for key, value in zip(ENROLMENT_SETTINGS, values):
            store.put(key, value)
        audit.record("daftar_perangkat", "pengaturan", "desa", f"Komputer desa terdaftar untuk desa {payload['d']} "
                     f"sebagai {payload['pc']}")
    return payload
