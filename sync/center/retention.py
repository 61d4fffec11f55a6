"""How long the center keeps an applicant's photo and personal fields (issue 30).

A card shipped to its kecamatan more than PURGE_AFTER_DAYS ago (the center's setting, default 90;
LOKET_CENTER_PURGE_DAYS) is handed over or waiting at the kecamatan, which keeps its own copy:
the center drops the photo and the record's personal fields. What was printed and shipped stays
(number, version, kecamatan, status, print run, shipment, dates, content hash: a re-sent copy is
still answered "duplicate"), with the NIK masked and no name. Each run that drops anything leaves
one audit line, which the dashboard shows the operator as the purge report.
"""
import json
from datetime import timedelta


from app.frame.dates import utc_now
from app.frame.privacy import BULLET, mask
from sync.center.audit import audit
from sync.center.db import center_database
from sync.center.models import CenterAudit, Kecamatan, ReceivedApplication

PURGE_AFTER_DAYS = 90
PURGED_PHOTO_SHA = "dihapus"  # in photo_sha256: this row's photo and personal fields are gone
PURGE_ACTION = "hapus_data_pribadi"
BATCH = 500


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
    return purged


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
    """Background job (hourly): the purge, with the center's setting."""
    purge_due(int(app.config.get("PURGE_AFTER_DAYS") or PURGE_AFTER_DAYS))
