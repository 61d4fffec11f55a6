"""The center's changes made at its pages: print runs, shipments, operator decisions, kecamatan
enrolment, keys and accounts. Each function is the one path for its change: it checks, writes
and audits in one transaction; the views only read the form and show the answer.

Which applications a print run or a shipment takes is decided here (the status rules, beside
records.CENTER_TRANSITIONS), so the page's list and the write cannot disagree.
"""
from app.frame.audit_rule import act, nothing_done
from app.frame.dates import utc_now
from app.frame.signin import set_password
from sync import protocol
from sync.center import keys, records
from sync.center.accounts import create_operator
from sync.center.audit import audit
from sync.center.db import center_database
from sync.center.models import Conflict, DeviceKey, Kecamatan, Operator, PrintRun, ReceivedApplication, Shipment


# --- which applications a run or a shipment takes ----------------------------------------------

def awaiting_print():
    """Received and in no print run yet: what a new print run may take."""
    return (ReceivedApplication.status == "received") & ReceivedApplication.print_run.is_null()


def ready_to_ship():
    """Printed, not yet shipped: what a shipment to its kecamatan takes."""
    return ReceivedApplication.status == "printed"


# --- sign in and password ------------------------------------------------------------------------

@act("masuk", "masuk_gagal")
def record_sign_in(attempt) -> None:
    """The audit row of a sign-in attempt (called by app.frame.signin in the throttle's transaction)."""
    if attempt.ok:
        audit("masuk", "operator", attempt.account.id, f"{attempt.username} masuk", username=attempt.username)
    else:
        audit("masuk_gagal", "operator", attempt.account.id if attempt.account else "",
              "Nama pengguna tidak dikenal" if attempt.account is None else "Kata sandi salah atau akun tidak aktif",
              username=attempt.username or "(kosong)")


@act("ganti_sandi")
def change_password(operator: Operator, new: str) -> None:
    """A checked new password; the operator's sessions end on every PC."""
    with center_database.atomic():
        set_password(operator, new, must_change=False)
        audit("ganti_sandi", "operator", operator.id, "kata sandi diganti")


# --- an operator's decisions on one application ------------------------------------------------------

@act("rejected", "resend")
def move_with_reason(item: ReceivedApplication, to_status: str, reason: str, verb: str) -> bool:
    """Reject or ask for a resend, with the reason; False when the lifecycle does not allow it."""
    with center_database.atomic():
        if not records.move(item, to_status, reason[:500]):
            return nothing_done(False)
        audit(to_status, "permohonan", item.registration_number, f"{verb}: {reason}")
    return True


@act("selesaikan_konflik")
def resolve_conflict(conflict: Conflict, decision: str, note: str) -> bool:
    with center_database.atomic():
        if not records.resolve_conflict(conflict, decision, note):
            return nothing_done(False)
        audit("selesaikan_konflik", "permohonan", conflict.registration_number,
              f"{records.DECISIONS[decision]}: {note}")
    return True


# --- print runs and shipments ------------------------------------------------------------------------

@act("buat_cetak")
def create_print_run(picked: list[int], username: str) -> PrintRun | None:
    """A print run of the picked applications still awaiting print; None when none still is."""
    with center_database.atomic() as attempt:
        run = PrintRun.create(created_at=utc_now(), created_by=username)
        added = (ReceivedApplication.update(print_run=run)
                 .where(ReceivedApplication.id.in_(picked) & awaiting_print()).execute()) if picked else 0
        if not added:
            attempt.rollback()  # no run was made, so nothing to audit
            return nothing_done()
        audit("buat_cetak", "cetak", run.id, f"{added} permohonan")
    return run


@act("tandai_dicetak")
def mark_printed(run: PrintRun, picked: set[int]) -> int:
    """Mark the run's picked applications (all when none is picked) printed; how many moved."""
    with center_database.atomic():
        done = 0
        for item in run.applications:
            if (not picked or item.id in picked) and records.move(item, "printed"):
                done += 1
        if done:
            run.printed_at = utc_now()
            run.save()
        audit("tandai_dicetak", "cetak", run.id, f"{done} permohonan dicetak")
    return done


@act("kirim")
def create_shipment(kecamatan: Kecamatan, username: str, note: str) -> Shipment | None:
    """Ship every printed card of the kecamatan; None when there is none."""
    with center_database.atomic():
        items = list(ReceivedApplication.select().where((ReceivedApplication.kecamatan == kecamatan) & ready_to_ship()))
        if not items:
            return nothing_done()
        shipment = Shipment.create(kecamatan=kecamatan, created_at=utc_now(), created_by=username, note=note[:500])
        for item in items:
            item.shipment = shipment
            records.move(item, "shipped")
        audit("kirim", "pengiriman", shipment.id, f"{len(items)} kartu ke {kecamatan.name}")
    return shipment


# --- admin: kecamatan, keys, accounts ---------------------------------------------------------------

@act("daftar_kecamatan")
def register_kecamatan(code: str, name: str) -> tuple[Kecamatan, str]:
    """A checked new kecamatan and its first enrolment code."""
    with center_database.atomic():
        kecamatan = Kecamatan.create(code=code, digits=protocol.kecamatan_digits(code), name=name, created_at=utc_now())
        enrolment = keys.new_enrolment_code(kecamatan)
        audit("daftar_kecamatan", "kecamatan", kecamatan.code, kecamatan.name)
    return kecamatan, enrolment


def new_enrolment_code(kecamatan: Kecamatan) -> str:
    return keys.new_enrolment_code(kecamatan)  # audited there


def revoke_key(key: DeviceKey) -> None:
    keys.revoke(key)  # audited there


def create_account(username: str, full_name: str, role: str) -> tuple[Operator, str]:
    """A checked new account and its first password (shown once); create_operator writes its audit row."""
    return create_operator(username, full_name, role)


@act("impor_usb")
def record_usb_import(kecamatan: Kecamatan, filename: str, label: str, summary: dict, reports: int) -> None:
    """The audit row of one imported batch file (its applications were each stored in their own transaction)."""
    import json
    with center_database.atomic():
        audit("impor_usb", "kecamatan", kecamatan.code, f"{filename} ({label}): {json.dumps(summary)}"
              + (f", laporan kinerja {reports}" if reports else ""))
