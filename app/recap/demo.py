"""`run.py demo`: approved recaps for past quarters that have complaints, as an office would have."""
import json
from datetime import timedelta

from app.frame.dates import local_today, utc_now
from app.frame.db import database
from app.frame.periods import Quarter
from app.capabilities import DemoCount
from app.recap.contents import freeze_list, snapshot_of
from app.recap.models import QuarterRecap, RecapStatus

PROMISES = ("Menambah papan informasi persyaratan KTP-el di ruang tunggu.\n"
            "Menjawab setiap pengaduan telepon paling lambat satu hari kerja.\n"
            "Membuka kotak saran setiap akhir hari layanan dan mencatatnya.")


DEMO = DemoCount("recaps", 3, "past quarters to approve in the demo (default %(default)s)")
add_demo_arguments = DEMO.add_argument


@DEMO.filling(QuarterRecap)
def fill_demo(count, rng) -> None:
    from app.auth.models import User
    from app.frame.access import roles_with
    camat = User.select().where(User.role.in_(roles_with("rekap.setujui"))).order_by(User.id).first()
    info = User.select().where(User.role.in_(roles_with("rekap.susun"))).order_by(User.id).first()
    quarter = Quarter.containing(local_today()).previous()
    for old in reversed(quarter.last(count)):
        now = utc_now()
        with database.atomic():
            starts_at, ends_at = old.utc_bounds("WIB")
            snapshot = snapshot_of(old, "WIB")
            listed = snapshot.pop("complaints")
            recap = QuarterRecap.create(
                year=old.year, quarter=old.number, starts_at=starts_at, ends_at=ends_at,
                status=RecapStatus.SUBMITTED, promises=PROMISES,
                narrative=f"Selama {old.label} kantor menerima {snapshot['figures']['total']} pengaduan.",
                drafted_by=info, submitted_at=now - timedelta(days=2), reviewed_by=camat, reviewed_at=now,
                approved_at=now, signer_name=camat.full_name if camat else "", signer_nip=camat.nip if camat else "",
                snapshot=json.dumps(snapshot, ensure_ascii=False), created_at=now, updated_at=now)
            freeze_list(recap, listed)  # before the status turns approved: the table refuses rows after
            recap.status = RecapStatus.APPROVED
            recap.save()
