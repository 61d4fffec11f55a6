"""Dates the Indonesian way: stored in UTC, shown in the office's time zone as '17 Agustus 2026'."""
from datetime import date, datetime, timezone
from zoneinfo import ZoneInfo

MONTHS = ["Januari", "Februari", "Maret", "April", "Mei", "Juni", "Juli",
          "Agustus", "September", "Oktober", "November", "Desember"]
DAYS = ["Senin", "Selasa", "Rabu", "Kamis", "Jumat", "Sabtu", "Minggu"]

# Indonesia's three legal time zones (UU/Keppres 41/1987).
TIME_ZONES = {"WIB": "Asia/Jakarta", "WITA": "Asia/Makassar", "WIT": "Asia/Jayapura"}
DEFAULT_TIME_ZONE = "WIB"


def utc_now() -> datetime:
    """Naive UTC, whole seconds: how every moment is stored (sorts as text, parses back)."""
    return datetime.now(timezone.utc).replace(microsecond=0, tzinfo=None)


def utc_offset_hours(zone: str) -> int:
    """The zone's offset from UTC today, from zoneinfo (WIB +7, WITA +8, WIT +9; no daylight saving)."""
    info = ZoneInfo(TIME_ZONES.get(zone, TIME_ZONES[DEFAULT_TIME_ZONE]))
    return int(datetime.now(info).utcoffset().total_seconds() // 3600)


def to_local(moment: datetime, zone: str = DEFAULT_TIME_ZONE) -> datetime:
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=timezone.utc)
    return moment.astimezone(ZoneInfo(TIME_ZONES.get(zone, TIME_ZONES[DEFAULT_TIME_ZONE])))


def day_start_utc(day: date, zone: str = DEFAULT_TIME_ZONE) -> datetime:
    """Naive UTC of 00:00 on `day` in the zone: the lower bound when filtering stored moments by a local day."""
    local = datetime.combine(day, datetime.min.time(), ZoneInfo(TIME_ZONES.get(zone, TIME_ZONES[DEFAULT_TIME_ZONE])))
    return local.astimezone(timezone.utc).replace(tzinfo=None)


def local_today(zone: str = DEFAULT_TIME_ZONE) -> date:
    return to_local(utc_now(), zone).date()


def format_date(day: date | datetime | None, with_weekday: bool = False) -> str:
    """date(2026, 8, 17) -> '17 Agustus 2026' (or 'Senin, 17 Agustus 2026')."""
    if day is None:
        return ""
    text = f"{day.day} {MONTHS[day.month - 1]} {day.year}"
    return f"{DAYS[day.weekday()]}, {text}" if with_weekday else text


def format_datetime(moment: datetime | None, zone: str = DEFAULT_TIME_ZONE) -> str:
    """A UTC moment shown in the office's zone: '17 Agustus 2026 09.30 WIB'."""
    if moment is None:
        return ""
    local = to_local(moment, zone)
    # hour and minute as numbers: strftime cost 1.4 µs a moment, ~70 on a view of the recap (issue 73)
    return f"{format_date(local)} {local.hour:02d}.{local.minute:02d} {zone}"


def duration_words(seconds: float) -> str:
    """A gap as a clerk reads it: '2 hari', '1 hari 3 jam', '5 jam 10 menit', '25 menit' (never '2880 menit')."""
    minutes = max(1, round(abs(seconds) / 60))
    days, rest = divmod(minutes, 24 * 60)
    hours, minutes = divmod(rest, 60)
    if days:
        return f"{days} hari" + (f" {hours} jam" if hours else "")
    if hours:
        return f"{hours} jam" + (f" {minutes} menit" if minutes else "")
    return f"{minutes} menit"


# Every date a person types must lie here: 0001-01-01 or 9999-12-31 overflow date arithmetic
# (a day more, a time zone shift) and answer nothing a kecamatan office asks.
EARLIEST_DATE = date(1000, 1, 1)
LATEST_DATE = date(8999, 12, 31)


def within_sane_range(day: date | datetime) -> bool:
    day = day.date() if isinstance(day, datetime) else day
    return EARLIEST_DATE <= day <= LATEST_DATE


def parse_iso_date(text: str | None) -> date | None:
    """'2026-08-17' -> date; anything else, or a date outside 1000-8999, -> None
    (callers give the Indonesian message)."""
    try:
        day = date.fromisoformat((text or "").strip())
    except ValueError:
        return None
    return day if within_sane_range(day) else None


def read_date_args(args, fields, found, message: str, parse=parse_iso_date) -> None:
    """A list's date filters: each (query key, attribute) of `fields` read into `found` with `parse`; a value
    that is no date leaves None there and `message` in `found.errors[key]`, so the list still shows."""
    for key, attr in fields:
        text = (args.get(key) or "").strip()
        if text:
            value = parse(text)
            if value is None:
                found.errors[key] = message
            setattr(found, attr, value)
