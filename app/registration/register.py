"""The buku register: filters and search-as-you-type over the applications, built to stay fast at 200k rows.

Search: digits are a NIK prefix or a registration-number prefix (both indexed ranges); words are
prefixes of any word of the name, through the FTS5 table `application_fts`.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from peewee import SQL

from app.dates import TIME_ZONES
from app.registration.models import Application
from app.registration.status import IN_SERVICE, ApplicationStatus

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NUMBER_CHARS = re.compile(r"[\d\-\s.]+")


@dataclass
class RegisterFilter:
    q: str = ""
    status: str = ""
    desa: str = ""
    reason: str = ""
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    collective_id: int | None = None
    errors: dict = field(default_factory=dict)


def parse_filter(args, parse_date) -> RegisterFilter:
    """Read the filters from the query string; a bad value is reported, not fatal."""
    found = RegisterFilter(q=(args.get("q") or "").strip()[:80], desa=(args.get("desa") or "").strip()[:20],
                           reason=(args.get("alasan") or "").strip()[:30], overdue=args.get("terlambat") == "1")
    status = (args.get("status") or "").strip()
    if status:
        try:
            found.status = ApplicationStatus(status).value
        except ValueError:
            found.errors["status"] = "Status tidak dikenal."
    for key, attr in (("dari", "date_from"), ("sampai", "date_to")):
        text = (args.get(key) or "").strip()
        if text:
            value = parse_date(text)
            if value is None:
                found.errors[key] = "Tanggal tidak valid."
            setattr(found, attr, value)
    return found


def _range(prefix: str) -> tuple[str, str]:
    """[prefix, prefix-with-last-char+1): an index range scan instead of LIKE."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def fts_query(text: str) -> str | None:
    """'siti rah' -> '"siti"* AND "rah"*'; None when nothing searchable was typed."""
    words = _WORD.findall(text.lower())[:6]
    return " AND ".join(f'"{w}"*' for w in words) if words else None


def search_condition(text: str):
    """The WHERE part for the search box, or None when empty."""
    text = text.strip()
    if not text:
        return None
    if _NUMBER_CHARS.fullmatch(text):
        digits = re.sub(r"\D", "", text)
        if not digits:
            return None
        low, high = _range(digits)
        by_nik = (Application.nik >= low) & (Application.nik < high)
        if "-" in text.strip("-"):
            number = re.sub(r"[^\d\-]", "", text)
        else:  # '350807010001' typed without dashes: rebuild the dashed form
            number = "-".join(p for p in (digits[:6], digits[6:8], digits[8:]) if p)
        low, high = _range(number)
        by_number = (Application.registration_number >= low) & (Application.registration_number < high)
        return by_nik | by_number
    match = fts_query(text)
    if match is None:
        return None
    return Application.id.in_(SQL('(SELECT rowid FROM "application_fts" WHERE "application_fts" MATCH ?)', [match]))


def utc_start_of(day: date, zone: str) -> datetime:
    """Local midnight of `day` in the office's zone, as the naive UTC moment stored in created_at."""
    local = datetime.combine(day, time(), tzinfo=ZoneInfo(TIME_ZONES.get(zone, TIME_ZONES["WIB"])))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def register_query(flt: RegisterFilter, today: date, zone: str = "WIB"):
    """Applications matching the filters, newest first (date range in the office's local days)."""
    query = Application.select()
    condition = search_condition(flt.q)
    if condition is not None:
        query = query.where(condition)
    if flt.status:
        query = query.where(Application.status == flt.status)
    if flt.desa:
        query = query.where(Application.desa_code == flt.desa)
    if flt.reason:
        query = query.where(Application.reason == flt.reason)
    if flt.date_from:
        query = query.where(Application.created_at >= utc_start_of(flt.date_from, zone))
    if flt.date_to:
        query = query.where(Application.created_at < utc_start_of(flt.date_to + timedelta(days=1), zone))
    if flt.overdue:
        query = query.where(overdue_condition(today))
    if flt.collective_id:
        query = query.where(Application.collective == flt.collective_id)
    return query.order_by(Application.id.desc())


def overdue_condition(today: date):
    """Still in service and past the promised date."""
    return (Application.status.in_([s.value for s in IN_SERVICE])) & (Application.promised_date < today)


def due_between_condition(first: date, last: date):
    return (Application.status.in_([s.value for s in IN_SERVICE])) & \
        (Application.promised_date >= first) & (Application.promised_date <= last)
