"""How long the center keeps an applicant's photo and personal fields (issue 30).

A card shipped to its kecamatan more than PURGE_AFTER_DAYS ago (the center's setting, default 90;
LOKET_CENTER_PURGE_DAYS) is handed over or waiting at the kecamatan, which keeps its own copy:
the center drops the photo and the record's personal fields. What was printed and shipped stays
(number, version, kecamatan, status, print run, shipment, dates, content hash: a re-sent copy is
still answered "duplicate"), with the NIK masked and no name. Each run that drops anything leaves
one audit line, which the dashboard shows the operator as the purge report.

A desa's form relayed to its kecamatan (relay_item) is settled once the center itself holds its
outcome: the kecamatan's refusal or expiry of it, or its acceptance together with the application
made from it. Only then are its record and photo dropped (number, version and hash stay): a
kecamatan restored from an older backup asks the inbox again from its older cursor and gets that
outcome instead of the form, while a form whose outcome is not here yet is still served whole.
"""
import json
from datetime import timedelta

from peewee import JOIN

from app.frame import statements
from app.frame.dates import utc_now
from app.frame.privacy import BULLET, mask
from app.frame.audit_rule import act, nothing_done
from sync.center.audit import audit
from sync.center.db import center_database
from sync.center.models import CenterAudit, Kecamatan, ReceivedApplication, RelayItem, RelayStatus

PURGE_AFTER_DAYS = 90
PURGED_PHOTO_SHA = "dihapus"  # in photo_sha256: this row's photo and personal fields are gone
PURGE_ACTION = "hapus_data_pribadi"
BATCH = 500


@act(PURGE_ACTION)
def purge_due(days: int = PURGE_AFTER_DAYS, now=None) -> dict[str, int]:
    """Drop the photo and personal fields of applications shipped more than `days` ago; returns
    {kecamatan name: count}. Batch by batch, each in its own transaction with its audit line."""
    cutoff = (now or utc_now()) - timedelta(days=days)
    purged: dict[str, int] = {}
    while True:
        with center_database.atomic():
            rows = list(ReceivedApplication
                        .select(ReceivedApplication.id, ReceivedApplication.registration_number,
                                ReceivedApplication.nik, ReceivedApplication.kecamatan)
                        .where((ReceivedApplication.status == "shipped") & (ReceivedApplication.shipped_at < cutoff)
                               & (ReceivedApplication.photo_sha256 != PURGED_PHOTO_SHA))
                        .order_by(ReceivedApplication.id).limit(BATCH))
            if not rows:
                break
            for row in rows:
                (ReceivedApplication
                 .update(photo=b"", photo_sha256=PURGED_PHOTO_SHA, nik=mask("nik", row.nik), full_name=BULLET * 3,
                         record_json=json.dumps({"registration_number": row.registration_number}))
                 .where(ReceivedApplication.id == row.id).execute())
            names = {k.id: k.name for k in Kecamatan.select(Kecamatan.id, Kecamatan.name)}
            batch: dict[str, int] = {}
            for row in rows:
                name = names.get(row.kecamatan_id, str(row.kecamatan_id))
                batch[name] = batch.get(name, 0) + 1
            audit(PURGE_ACTION, "permohonan", "", sentence(batch, days), username="sistem")
        for name, count in batch.items():
            purged[name] = purged.get(name, 0) + count
    return purged if purged else nothing_done(purged)  # nothing was due


def sentence(counts: dict[str, int], days: int) -> str:
    where = ", ".join(f"{name} {count}" for name, count in sorted(counts.items()))
    return (f"Foto dan data pribadi {sum(counts.values())} permohonan yang kartunya dikirim lebih dari {days} hari "
            f"lalu dihapus dari pusat ({where}); nomor, status, daftar cetak dan daftar kirim tetap tersimpan")


def is_purged(item) -> bool:
    return item.photo_sha256 == PURGED_PHOTO_SHA


def last_reports(limit: int = 5) -> list:
    """The latest purge lines, newest first, for the operator's dashboard."""
    return list(CenterAudit.select().where(CenterAudit.action == PURGE_ACTION)
                .order_by(CenterAudit.id.desc()).limit(limit))


def purge_job(app) -> None:
    """Background job (hourly): the purge, with the center's setting, and settled relay forms."""
    purge_due(int(app.config.get("PURGE_AFTER_DAYS") or PURGE_AFTER_DAYS))
    with center_database.atomic():
        settle_relay()


RELAY_SETTLED = "{}"  # in relay_item.record_json: its outcome is held here; record and photo are gone
RELAY_FINAL = ("ditolak_kecamatan", "kedaluwarsa")  # app/desa/relay.py REFUSED, EXPIRED
RELAY_ACCEPTED = "diterima_loket"  # final once the application it names is held here too


def relay_settled_ids(kecamatan_id: int | None = None) -> list[int]:
    """Relayed forms still held whole whose outcome the center holds."""
    if kecamatan_id is None:
        return [row.id for row in statements.rows(_settled, False)]
    return [row.id for row in statements.rows(_settled, True, each_run=(kecamatan_id,))]


def _settled(one_kecamatan: bool):  # asked on every pass's inbox: its SQL built once (app/frame/statements.py)
    query = (RelayItem.select(RelayItem.id).distinct()
             .join(RelayStatus, on=((RelayStatus.kecamatan == RelayItem.kecamatan)
                                    & (RelayStatus.number == RelayItem.number)
                                    & (RelayStatus.pra_version == RelayItem.version)
                                    & (RelayStatus.pra_hash == RelayItem.content_hash)))
             .join(ReceivedApplication, JOIN.LEFT_OUTER,
                   on=((ReceivedApplication.kecamatan == RelayStatus.kecamatan)
                       & (ReceivedApplication.registration_number == RelayStatus.application_number)))
             .where((RelayItem.record_json != RELAY_SETTLED)
                    & (RelayStatus.status.in_(RELAY_FINAL)
                       | ((RelayStatus.status == RELAY_ACCEPTED) & ReceivedApplication.id.is_null(False)))))
    if one_kecamatan:
        query = query.where(RelayItem.kecamatan == statements.each_run(0))
    return query


@act(PURGE_ACTION)
def settle_relay(kecamatan_id: int | None = None) -> int:
    """Drop the record and photo of relayed forms whose outcome is held here; how many. Call inside a
    transaction: the forms and their audit line go together."""
    ids = relay_settled_ids(kecamatan_id)
    if not ids:
        return nothing_done(0)
    for start in range(0, len(ids), BATCH):
        RelayItem.update(record_json=RELAY_SETTLED, photo=None).where(
            RelayItem.id.in_(ids[start:start + BATCH])).execute()
    audit(PURGE_ACTION, "pra_pendaftaran", "",
          f"Isi dan foto {len(ids)} pra-pendaftaran desa dihapus dari pusat: keputusan kecamatan atas "
          "formulir itu (permohonan yang dibuat darinya, penolakan atau kedaluwarsa) sudah tersimpan di pusat",
          username="sistem")
    return len(ids)


def relay_outcomes(numbers: list[str], kecamatan_id: int) -> dict[str, RelayStatus]:
    """The latest status of each settled form: what a kecamatan asking again is told instead of the form."""
    latest: dict[str, RelayStatus] = {}
    if not numbers:  # a pass's inbox without a form asked again
        return latest
    for row in (RelayStatus.select().where((RelayStatus.kecamatan == kecamatan_id) & RelayStatus.number.in_(numbers))
                .order_by(RelayStatus.step)):
        latest[row.number] = row
    return latest
