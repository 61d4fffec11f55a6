"""An independent recount of the office's figures from its raw rows (the simulation's oracle).

The product reads the IKM, the complaint recap and the indicators from per-day tallies kept by
triggers (app/figures/tallies.py); a tally that misses a write (a restore, a void, a status
change, a zone change) shows a wrong figure with nothing failing. This module counts the same
things again from the rows themselves, in Python, with none of the product's figure code: local
days by zoneinfo, the IKM by the regulation's formula (PermenPANRB 14/2017, Lampiran Bab IV).
"""
from __future__ import annotations

from collections import Counter, defaultdict
from datetime import date, datetime, timezone
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from zoneinfo import ZoneInfo

ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "pengaduan", "sarana")


def local_day(moment, zone: str) -> date | None:
    if moment is None or moment == "":
        return None
    if isinstance(moment, str):
        moment = datetime.fromisoformat(moment)
    return moment.replace(tzinfo=timezone.utc).astimezone(ZoneInfo(ZONES.get(zone, zone))).date()


def quarter_of(day: date) -> tuple[int, int]:
    return day.year, (day.month - 1) // 3 + 1


def half_up(value: Fraction, places: int) -> Decimal:
    exact = Decimal(value.numerator) / Decimal(value.denominator)
    return exact.quantize(Decimal(1).scaleb(-places), rounding=ROUND_HALF_UP)


def ikm_recount(rows, quarter: tuple[int, int], zone: str, weight: Fraction) -> dict:
    """rows: (response id, status, submitted_at, element, score) of every answer. The quarter's
    valid respondents, per element (answers, total) and the converted IKM (None when an element
    has no answer)."""
    respondents, totals = set(), defaultdict(lambda: [0, 0])
    for response_id, status, submitted_at, element, score in rows:
        if status != "sah" or quarter_of(local_day(submitted_at, zone)) != quarter:
            continue
        respondents.add(response_id)
        totals[element][0] += 1
        totals[element][1] += score
    if not respondents or any(totals[key][0] == 0 for key in ELEMENTS):
        ikm = None
    else:
        index = sum((Fraction(totals[key][1], totals[key][0]) * weight for key in ELEMENTS), Fraction(0))
        ikm = half_up(index * 25, 2)
    return {"respondents": len(respondents), "ikm": ikm,
            "elements": {key: tuple(totals[key]) for key in ELEMENTS if totals[key][0]}}


def complaint_recount(rows, quarter: tuple[int, int], zone: str) -> dict:
    """rows: (channel, status, category name, is_confidential, received_at, first_response_at,
    followed_up_at) of every complaint. The recap's counts for complaints received in the quarter."""
    counts = {"total": 0, "confidential": 0, "channel": Counter(), "status": Counter(), "category": Counter(),
              "first_response": 0, "follow_up": 0}
    for channel, status, category, confidential, received_at, first_at, followed_at in rows:
        if quarter_of(local_day(received_at, zone)) != quarter:
            continue
        counts["total"] += 1
        counts["confidential"] += bool(confidential)
        counts["channel"][channel] += 1
        counts["status"][status] += 1
        counts["category"][category] += 1
        counts["first_response"] += first_at is not None and first_at != ""
        counts["follow_up"] += followed_at is not None and followed_at != ""
    return counts


def registration_recount(applications, returned_ids, quarter: tuple[int, int], zone: str) -> dict:
    """applications: (id, created_at, handed_over_at, promised_date); returned_ids: applications
    ever returned as incomplete. The registration indicators' numerators and denominators."""
    registered = returned = handed = handed_on_time = 0
    for application_id, created_at, handed_over_at, promised in applications:
        if quarter_of(local_day(created_at, zone)) == quarter:
            registered += 1
            returned += application_id in returned_ids
        handed_day = local_day(handed_over_at, zone)
        if handed_day is not None and quarter_of(handed_day) == quarter:
            handed += 1
            if promised is not None:
                promised = date.fromisoformat(str(promised)[:10])
                handed_on_time += promised >= handed_day
    return {"registered": registered, "returned": returned, "handed": handed, "handed_on_time": handed_on_time}
