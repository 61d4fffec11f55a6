"""Every change to a quarter's recap, each with its audit record in one transaction (issue 31: one
path for each change; the views check the workflow's rules and answer, these write)."""
import json

from app.frame import audit
from app.frame import store, versions
from app.frame.audit_rule import act, nothing_done
from app.frame.dates import utc_now
from app.frame.db import database
from app.frame.periods import Quarter
from app.recap import sync_records, workflow
from app.recap.contents import freeze_list, snapshot_of
from app.recap.models import QuarterRecap, RecapLateEntry, RecapStatus


DRAFT_LABELS = {"promises": "Janji perbaikan", "narrative": "Uraian singkat"}


class EditRefused(Exception):
    """The recap left the draft (submitted or approved) since the page was read; str() is the message."""


def draft_values(recap: QuarterRecap | None) -> dict:
    """What the draft form shows (its version: the information officers at two PCs)."""
    return {"promises": recap.promises if recap else "", "narrative": recap.narrative if recap else ""}


@act("ajukan", "ubah")
def save_draft(quarter: Quarter, zone: str, form: dict, submitting: bool, user, read=None) -> versions.Conflict | None:
    """The promises and narrative saved; with `submitting`, also handed to the Camat. Refused when
    another officer saved the draft since `read` (the posted form, with the version it was read at)
    was read: the conflict, nothing saved; EditRefused when it is no longer a draft."""
    now = utc_now()
    with database.atomic():  # read again under the write lock: another officer's save may have come first
        recap = QuarterRecap.get_or_none(QuarterRecap.year == quarter.year, QuarterRecap.quarter == quarter.number)
        problem = workflow.edit_problem(recap.status if recap else None)
        if problem:
            raise EditRefused(problem)
        if read is not None:
            conflict = versions.conflict(read, draft_values(recap), {key: form[key] for key in DRAFT_LABELS},
                                         DRAFT_LABELS)
            if conflict:
                return nothing_done(conflict)
        before = {"status": recap.status, "promises": recap.promises, "narrative": recap.narrative} if recap else None
        if recap is None:
            starts_at, ends_at = quarter.utc_bounds(zone)
            recap = QuarterRecap(year=quarter.year, quarter=quarter.number, starts_at=starts_at, ends_at=ends_at,
                                 created_at=now)
        recap.promises, recap.narrative, recap.drafted_by, recap.updated_at = (
            form["promises"], form["narrative"], user.id, now)
        if submitting:
            recap.status, recap.submitted_at = RecapStatus.SUBMITTED, now
        recap.save()
        audit.record("ajukan" if submitting else "ubah", "rekap_triwulan", recap.id,
                     f"Rekap {quarter.label} {'diajukan kepada Camat' if submitting else 'disimpan sebagai draf'}",
                     before, {"status": recap.status, "promises": recap.promises, "narrative": recap.narrative})
    return None


@act("kembalikan")
def send_back(recap: QuarterRecap, quarter: Quarter, remark: str, user) -> None:
    with database.atomic():
        recap.status, recap.camat_remark = RecapStatus.SENT_BACK, remark
        recap.reviewed_by, recap.reviewed_at, recap.updated_at = user.id, utc_now(), utc_now()
        recap.save()
        audit.record("kembalikan", "rekap_triwulan", recap.id, f"Rekap {quarter.label} dikembalikan Camat",
                     after={"remark": remark})


@act("setujui")
def approve(recap: QuarterRecap, quarter: Quarter, zone: str, today, remark: str, user) -> None:
    """Approve and freeze: the snapshot is written once and never recomputed; the regency's copy queued."""
    now = utc_now()
    with database.atomic():
        snapshot = snapshot_of(quarter, zone)
        freeze_list(recap, snapshot.pop("complaints"))
        recap.status, recap.snapshot = RecapStatus.APPROVED, json.dumps(snapshot, ensure_ascii=False)
        recap.reviewed_by, recap.reviewed_at, recap.approved_at, recap.updated_at = user.id, now, now, now
        recap.signer_name = store.get("camat_name") or user.full_name
        recap.signer_nip = store.get("camat_nip") or user.nip
        recap.camat_remark = remark[:workflow.TEXT_MAX]
        recap.save()
        late = [item["id"] for item in snapshot["addendum"]] + snapshot["addendum_confidential_ids"]
        if late:
            RecapLateEntry.update(listed_in=recap.id).where(RecapLateEntry.complaint.in_(late)).execute()
        sync_records.queue_report(recap, snapshot, quarter, zone, today)  # the regency's copy (issue 29)
        sync_records.queue_addenda(recap)
        audit.record("setujui", "rekap_triwulan", recap.id, f"Rekap {quarter.label} disetujui Camat",
                     after={"total": snapshot["figures"]["total"], "addendum": len(late)})


@act("ekspor")
def exported(quarter: Quarter) -> None:
    with database.atomic():
        audit.record("ekspor", "rekap_triwulan", f"{quarter.year}-T{quarter.number}",
                     f"Ekspor XLSX rekap {quarter.label}")
