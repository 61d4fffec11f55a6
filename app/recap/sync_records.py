"""Approved recaps travel up to the regency (issue 29), as records of the sync outbox (sync/client/records.py).

When the Camat approves a quarter's recap, its frozen figures, the quarter's IKM and service
indicators and the public notice enter the outbox in the approval's transaction, and go to the
center in the same passes and USB files as the applications. Only counts and the notice travel:
no complaint text, no complainant, no name (the notice's signer stays here too). An addendum
(complaints entered after approval, listed by a later recap) sends the quarter again as a new
version; the center keeps every version.
"""
import hashlib
import json

from app.frame import store
from app.frame.dates import utc_now
from app.frame.periods import Quarter
from app.recap.models import QuarterRecap, RecapLateEntry
from sync.client import outbox, records
from sync.client.models import OutboxItem

KIND = "kinerja"
RECORD_FORMAT = 1


def key_of(year: int, quarter: int) -> str:
    """The outbox key of a quarter's report (never a registration number's shape)."""
    return f"KINERJA-{year}-{quarter}"


def definition_version(indicator) -> str:
    """Changes whenever what an indicator counts changes, so the center can label the break."""
    text = "|".join((indicator.key, indicator.numerator, indicator.denominator, str(indicator.higher_is_better),
                     str(indicator.is_index)))
    return hashlib.sha256(text.encode()).hexdigest()[:8]


def _complaints(figures: dict, first_days: int, follow_days: int) -> dict:
    first, follow = figures["first_response"], figures["follow_up"]
    return {"received": figures["total"], "confidential": figures["confidential"],
            "closed": follow["count"], "closed_on_time": follow["on_time"], "follow_up_days": follow_days,
            "responded": first["count"], "responded_on_time": first["on_time"], "first_response_days": first_days,
            "by_channel": [{"key": r.get("key", ""), "label": r["label"], "count": r["count"]}
                           for r in figures["by_channel"]],
            "by_status": [{"key": r.get("key", ""), "label": r["label"], "count": r["count"]}
                          for r in figures["by_status"]],
            "by_category": [{"label": r["label"], "count": r["count"]} for r in figures["by_category"]]}


def _ikm(quarter: Quarter, zone: str) -> dict:
    """Respondents and per-unsur (answers, total score): the unit data a combined IKM is computed from."""
    from app.survey.figures import ikm_for_period
    result = ikm_for_period(quarter, zone)
    return {"respondents": result.respondents, "ikm": str(result.ikm) if result.ikm is not None else None,
            "grade": result.quality.grade if result.quality else None,
            "elements": [{"key": e.key, "answers": e.answers, "total": e.total,
                          "nrr": str(e.nrr_rounded) if e.answers else None} for e in result.elements]}


def _indicators(quarter: Quarter, zone: str, today) -> list[dict]:
    from app.indicators.figures import indicator_rows  # the indicators draw with the recap's charts
    found = []
    for row in indicator_rows(quarter, quarter.year, zone, today):
        indicator, measure = row.indicator, row.measure
        found.append({"key": indicator.key, "name": indicator.name, "numerator": measure.numerator,
                      "denominator": measure.denominator, "value": measure.value, "target": row.target,
                      "higher_is_better": indicator.higher_is_better, "is_index": indicator.is_index,
                      "available": row.available, "definition": definition_version(indicator)})
    return found


def report_of(recap: QuarterRecap, snapshot: dict, quarter: Quarter, zone: str, today) -> dict:
    """What travels for an approved recap: counts, IKM, indicators and the public notice."""
    addendum = RecapLateEntry.select().where((RecapLateEntry.late_for == recap.id)
                                             & RecapLateEntry.listed_in.is_null(False)).count()
    return {"format": RECORD_FORMAT, "kecamatan": store.get("kecamatan_code"), "year": quarter.year,
            "quarter": quarter.number, "approved_at": recap.approved_at.isoformat(timespec="seconds"),
            "complaints": _complaints(snapshot["figures"], snapshot["first_response_days"],
                                      snapshot["follow_up_days"]),
            "ikm": _ikm(quarter, zone), "indicators": _indicators(quarter, zone, today),
            "notice": {"promises": recap.promises, "narrative": recap.narrative},
            "addendum": {"count": addendum, "at": None, "listed_in": None}}


def queue_report(recap: QuarterRecap, snapshot: dict, quarter: Quarter, zone: str, today) -> None:
    """In the approval's transaction: the next version of the quarter's report waits in the outbox."""
    key = key_of(quarter.year, quarter.number)
    record = report_of(recap, snapshot, quarter, zone, today)
    latest = OutboxItem.select().where(OutboxItem.registration_number == key).order_by(
        OutboxItem.version.desc()).first()
    if latest is not None and json.loads(latest.record_json) == record:
        return  # nothing new to tell the center
    version = latest.version + 1 if latest is not None else 1
    outbox.enqueue(recap.id, key, version, record, b"", kind=KIND)


def queue_addenda(listing: QuarterRecap) -> None:
    """The recap just approved lists late complaints of earlier approved quarters: each of those
    quarters travels again as a new version, its figures as they went at approval (the earlier
    version is kept at the center) and its addendum count updated."""
    earlier = (QuarterRecap.select().join(RecapLateEntry, on=(RecapLateEntry.late_for == QuarterRecap.id))
               .where(RecapLateEntry.listed_in == listing.id).distinct())
    for recap in earlier:
        key = key_of(recap.year, recap.quarter)
        latest = OutboxItem.select().where(OutboxItem.registration_number == key).order_by(
            OutboxItem.version.desc()).first()
        if latest is None:
            continue  # approved before reports travelled: nothing at the center to add to
        count = RecapLateEntry.select().where((RecapLateEntry.late_for == recap.id)
                                              & RecapLateEntry.listed_in.is_null(False)).count()
        record = json.loads(latest.record_json)
        record["addendum"] = {"count": count, "at": utc_now().isoformat(timespec="seconds"),
                              "listed_in": f"{listing.year}-{listing.quarter}"}
        outbox.enqueue(recap.id, key, latest.version + 1, record, b"", kind=KIND)


class PerformanceReports:
    name, path, photo_codecs = KIND, "/kinerja", False
    by_usb = True  # in the same USB files as the applications (the center's import reads `kind`)

    def payloads(self, source_ids: list[int]) -> dict[int, bytes]:
        return dict.fromkeys(source_ids, b"")  # counts only, nothing beside the record

    def acknowledged(self, source_id: int, version: int) -> None:
        pass  # the recap stays as approved; the outbox row says it arrived

    def rejected(self, source_id: int, version: int, reason: str) -> None:
        pass  # kept on the outbox row (sync page, "gagal") for the admin

    def apply_status(self, event: dict, arrived) -> bool:
        raise records.StatusNotApplied("Status laporan kinerja tidak datang dari pusat.")

    def renumber(self, source_id: int, record: dict, reason: str):
        raise records.StatusNotApplied("Kunci laporan kinerja tidak diganti oleh pusat.")


records.plug(PerformanceReports())
