"""The buku register: filters and search-as-you-type over the applications, built to stay fast at 200k rows.

Search: digits are a NIK prefix or a registration-number prefix (both indexed ranges); words are
prefixes of any word of the name, through the FTS5 table `application_fts`.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from peewee import SQL, fn

from app.frame.dates import TIME_ZONES, read_date_args
from app.registration.models import Application, ApplicationNameIndex, StatusEvent
from app.registration.status import IN_SERVICE, ApplicationStatus
from sync import protocol

_WORD = re.compile(r"[^\W_]+", re.UNICODE)
_NUMBER_CHARS = re.compile(r"[\d\-\s.]+")
# A number whose device part is the code the center issued at enrolment (350807-P1-000123), or a prefix of it.
_DEVICE_CODE_NUMBER = re.compile(r"\d{6}-[0-9A-Za-z]{1,4}(?:-\d*)?")


@dataclass
class RegisterFilter:
    q: str = ""
    status: str = ""
    desa: str = ""
    reason: str = ""
    date_from: date | None = None
    date_to: date | None = None
    overdue: bool = False
    due_until: date | None = None  # still in service and promised between today and this day
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
    read_date_args(args, (("dari", "date_from"), ("sampai", "date_to"), ("tempo_sampai", "due_until")), found,
                   "Tanggal tidak valid.", parse_date)
    return found


def _range(prefix: str) -> tuple[str, str]:
    """[prefix, prefix-with-last-char+1): an index range scan instead of LIKE."""
    return prefix, prefix[:-1] + chr(ord(prefix[-1]) + 1)


def fts_query(text: str) -> str | None:
    """'siti rah' -> '"siti"* AND "rah"*'; None when nothing searchable was typed."""
    words = _WORD.findall(text.lower())[:6]
    return " AND ".join(f'"{w}"*' for w in words) if words else None


# Above this many index matches, a number prefix ('3508', the kecamatan's own code) is better found
# by walking the newest applications than by sorting every match.
NARROW_MATCHES = 1000


def number_ranges(text: str):
    """For digits typed in the search box: the NIK prefix and registration-number prefix ranges."""
    digits = re.sub(r"\D", "", text)
    if not digits:
        return None
    if "-" in text.strip("-"):
        number = re.sub(r"[^\dA-Za-z\-]", "", text).upper()
    else:  # '350807010001' typed without dashes: rebuild the dashed form
        number = "-".join(p for p in (digits[:6], digits[6:8], digits[8:]) if p)
    return _range(digits), _range(number)


def _number_condition(ranges, indexed: bool):
    (nik_low, nik_high), (number_low, number_high) = ranges
    if indexed:
        return ((Application.nik >= nik_low) & (Application.nik < nik_high)) | \
            ((Application.registration_number >= number_low) & (Application.registration_number < number_high))
    # substr() hides the column from the planner: the newest rows are walked in id order instead.
    return (fn.substr(Application.nik, 1, len(nik_low)) == nik_low) | \
        (fn.substr(Application.registration_number, 1, len(number_low)) == number_low)


def _apply_filters(query, flt: RegisterFilter, today: date, zone: str):
    if flt.status:
        query = query.where(Application.status == flt.status)
    if flt.desa:
        query = query.where(Application.desa_code == flt.desa)
    if flt.reason:
        query = query.where(Application.reason == flt.reason)
    if flt.date_from or flt.date_to:
        period = Application.id.is_null(False)
        if flt.date_from:
            period &= Application.created_at >= utc_start_of(flt.date_from, zone)
        if flt.date_to:
            period &= Application.created_at < utc_start_of(flt.date_to + timedelta(days=1), zone)
        # Ids grow with time: bound the period by its first and last id (read from the created_at
        # index alone), so the newest-first walk is a primary-key range instead of a sort.
        low, high = Application.select(fn.MIN(Application.id), fn.MAX(Application.id)).where(period).scalar(
            as_tuple=True)
        query = query.where(period & Application.id.between(low or 0, high or -1))
    if flt.overdue:
        query = query.where(overdue_condition(today))
    if flt.due_until:
        query = query.where(due_between_condition(today, flt.due_until))
    if flt.collective_id:
        query = query.where(Application.collective == flt.collective_id)
    return query


def utc_start_of(day: date, zone: str) -> datetime:
    """Local midnight of `day` in the office's zone, as the naive UTC moment stored in created_at."""
    local = datetime.combine(day, time(), tzinfo=ZoneInfo(TIME_ZONES.get(zone, TIME_ZONES["WIB"])))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def register_query(flt: RegisterFilter, today: date, zone: str = "WIB", columns=()):
    """Applications matching the filters, newest first (date range in the office's local days).

    A name search drives the query from the FTS5 index in descending rowid order, so it stops
    after one page even when thousands of names match; a number search uses the NIK and number
    indexes when the prefix is narrow and walks the newest rows when it is broad.
    """
    text = flt.q.strip()
    query = Application.select(*columns)
    if text and (_NUMBER_CHARS.fullmatch(text) or _DEVICE_CODE_NUMBER.fullmatch(text)):
        ranges = number_ranges(text)
        if ranges is not None:
            narrow = _apply_filters(Application.select(Application.id).where(_number_condition(ranges, True)),
                                    flt, today, zone).limit(NARROW_MATCHES + 1).count() <= NARROW_MATCHES
            query = query.where(_number_condition(ranges, narrow))
    elif text and (match := fts_query(text)) is not None:
        return _apply_filters(
            query.join(ApplicationNameIndex, on=(ApplicationNameIndex.rowid == Application.id))
            .where(SQL('"application_fts" MATCH ?', [match])), flt, today, zone) \
            .order_by(ApplicationNameIndex.rowid.desc())
    return _apply_filters(query, flt, today, zone).order_by(Application.id.desc())


NUMBER_CHANGED = "Nomor pendaftaran diganti {old} → {new}"  # the timeline's note of a number given again


def given_again(text: str) -> tuple[int, str] | None:
    """(application id, its number now) of a number this PC gave again (before enrolment, or at the center's
    word): the citizen's old receipt still carries it. Asked only when a whole number finds nothing."""
    text = text.strip()
    if not protocol.REGISTRATION_NUMBER.match(text):
        return None
    start = NUMBER_CHANGED.format(old=text, new="")
    event = (StatusEvent.select(StatusEvent.application, StatusEvent.note).where(StatusEvent.note.startswith(start))
             .order_by(StatusEvent.id.desc()).first())
    if event is None:
        return None
    application = Application.select(Application.id, Application.registration_number).where(
        Application.id == event.application_id).first()
    return (application.id, application.registration_number) if application else None


def overdue_condition(today: date):
    """Still in service and past the promised date."""
    return (Application.status.in_([s.value for s in IN_SERVICE])) & (Application.promised_date < today)


def due_between_condition(first: date, last: date):
    return (Application.status.in_([s.value for s in IN_SERVICE])) & \
        (Application.promised_date >= first) & (Application.promised_date <= last)
