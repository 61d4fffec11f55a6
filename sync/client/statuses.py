"""Every center event is applied or kept for a person (docs/sync-protocol.md, "Statuses back").

Generic: the outbox item of (number, version) says which content this PC sent; an event names
the content hash the center holds and is never applied to a record whose content differs (a
number that meant two applicants: a restore, two PCs on one device id). What the event does to
the record is the plugged kind's business (sync/client/records.py); what it refuses is kept as
a StatusIssue that the record's page and the sync page show. Call inside the transaction that
also moves the status cursor.
"""
import json

from app.frame import installation
from app.frame.dates import utc_now
from app.frame.db import database
from sync import protocol
from sync.client import outbox, records
from sync.client.models import OutboxItem, StatusIssue

RENUMBER = "renumber"  # the center kept another applicant under this number: take a fresh one
APPLIED, UNAPPLIED, NOT_OURS = "applied", "unapplied", "not_ours"


def new_issue(event: dict, problem: str) -> StatusIssue:
    return StatusIssue.create(seq=event["seq"], registration_number=str(event.get("id", ""))[:64],
                              version=event.get("version") if isinstance(event.get("version"), int) else 0,
                              status=str(event.get("status", ""))[:32], content_hash=str(event.get("hash") or "")[:64],
                              reason=str(event.get("reason") or "")[:500], problem=problem[:500], at=utc_now())


def _issue(event: dict, problem: str) -> str:
    new_issue(event, problem)
    return UNAPPLIED


NOT_HERE = ("Nomor/versi ini tidak ada di komputer ini (mungkin dicatat sesudah cadangan "
            "yang dipulihkan). Periksa bersama pusat.")


def _resolve_issues(number: str, version: int) -> None:
    """An event about our own content arrived: earlier problems with this version are settled."""
    (StatusIssue.update(resolved_at=utc_now())
     .where((StatusIssue.registration_number == number) & (StatusIssue.version == version)
            & StatusIssue.resolved_at.is_null()).execute())


def renumber(item: OutboxItem, reason: str) -> str:
    """Give the record a fresh key (the kind decides which) and queue it again under it."""
    new_key, record = records.kind(item.kind).renumber(item.source_id, json.loads(item.record_json), reason)
    item.state = "renumbered"
    item.last_error = f"nomor diganti menjadi {new_key}: {reason}"[:500]
    item.save()
    OutboxItem.create(kind=item.kind, source_id=item.source_id, registration_number=new_key, version=item.version,
                      content_hash=protocol.content_hash(record, item.photo_sha256),
                      record_json=json.dumps(record, ensure_ascii=False), photo_sha256=item.photo_sha256,
                      size=item.size, state="pending", attempts=0, last_error="", created_at=utc_now())
    return new_key


def apply_unplanned(event: dict, arrived) -> str:
    """What sync/client/settle.py leaves to the one-by-one way: other content under the number, a
    renumbering, a kind without a batch form. APPLIED, NOT_OURS (another applicant's events under a
    number we gave up), or UNAPPLIED with a StatusIssue saying why."""
    number, version, digest = event.get("id"), event.get("version"), event.get("hash") or ""
    # read again, as the page's settlement wrote it: an event about a version this PC holds no row of
    # (NOT_OURS, NOT_HERE) the settlement answers itself and never leaves here
    item = OutboxItem.get((OutboxItem.registration_number == number) & (OutboxItem.version == version))
    if digest and digest != item.content_hash:
        # The center holds other content under this number: nothing of it belongs to this applicant.
        if item.state == "renumbered":
            return NOT_OURS  # ours travels under its new number; these are the other applicant's
        already = (StatusIssue.select().where((StatusIssue.registration_number == number)
                                              & (StatusIssue.version == version)
                                              & StatusIssue.resolved_at.is_null()).exists())
        if item.state in ("pending", "acked"):
            item.state = "conflict"
            item.last_error = "pusat memegang isi lain untuk nomor ini; menunggu keputusan petugas pusat"
            item.save()
        if already:
            return UNAPPLIED  # shown once on the record's page; counted in the pass summary
        return _issue(event, "Konflik: pusat memegang data orang lain dengan nomor ini. Status tidak diterapkan; "
                             "petugas pusat memutuskan (nomor baru, terima versi ini, atau tolak).")
    _resolve_issues(number, version)
    if event.get("status") == RENUMBER:
        if item.state != "renumbered":
            renumber(item, event.get("reason") or "bentrok di pusat")
        return APPLIED
    was_conflict = item.state == "conflict"
    try:
        records.kind(item.kind).apply_status(event, arrived)
    except records.StatusNotApplied as problem:
        return _issue(event, f"{problem} Periksa bersama pusat.")
    if was_conflict:  # the operator's decision on it (issue 72): what follows its number leaves the list
        outbox.case_closed(item, event.get("status"), str(event.get("reason") or ""))
    return APPLIED


def _another_pcs(number) -> bool:
    """A registration number made under another counter PC's device code than this PC's: neither the
    code it numbers with now nor one it numbered with before it enrolled again (issue 26: a number made
    as P1 on a PC now P3 is its own, and a status for it is kept, never passed over)."""
    own = installation.own_codes(database)
    found = protocol.REGISTRATION_NUMBER.match(number) if isinstance(number, str) else None
    return bool(own and found and found.group(2) not in own)


def open_issues(limit: int = 200) -> list[StatusIssue]:
    return list(StatusIssue.select().where(StatusIssue.resolved_at.is_null()).order_by(StatusIssue.id.desc())
                .limit(limit))
