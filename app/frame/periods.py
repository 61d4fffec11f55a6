"""Reporting periods: quarters (triwulan) and years, in the office's local dates.

Moments are stored as naive UTC; a period is a range of local dates, so its bounds in UTC
depend on the office's time zone (zoneinfo; WIB/WITA/WIT have no daylight saving).
"""
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from app.frame.dates import MONTHS, DEFAULT_TIME_ZONE, utc_offset_hours

ROMAN = ("I", "II", "III", "IV")


@dataclass(frozen=True, order=True)
class Period:
    """Local dates `start` .. `end` inclusive."""
    start: date
    end: date

    @property
    def label(self) -> str:
        return f"{self.start.day} {MONTHS[self.start.month - 1]} {self.start.year} – " \
               f"{self.end.day} {MONTHS[self.end.month - 1]} {self.end.year}"

    def utc_bounds(self, zone: str = DEFAULT_TIME_ZONE) -> tuple[datetime, datetime]:
        """[from, to) in naive UTC: local midnight of `start` to local midnight after `end`."""
        offset = timedelta(hours=utc_offset_hours(zone))
        start = datetime.combine(self.start, datetime.min.time()) - offset
        end = datetime.combine(self.end + timedelta(days=1), datetime.min.time()) - offset
        return start, end

    def has_started(self, today: date) -> bool:
        return self.start <= today

    def has_ended(self, today: date) -> bool:
        return self.end < today


@dataclass(frozen=True, order=True)
class Quarter(Period):
    year: int = 0
    number: int = 0

    @classmethod
    def of(cls, year: int, number: int) -> "Quarter":
        if number not in (1, 2, 3, 4):
            raise ValueError(f"quarter {number} is not 1-4")
        first_month = 3 * (number - 1) + 1
        start = date(year, first_month, 1)
        end = (date(year + 1, 1, 1) if number == 4 else date(year, first_month + 3, 1)) - timedelta(days=1)
        return cls(start, end, year, number)

    @classmethod
    def containing(cls, day: date) -> "Quarter":
        return cls.of(day.year, (day.month - 1) // 3 + 1)

    @property
    def key(self) -> str:
        return f"{self.year}-T{self.number}"

    @property
    def label(self) -> str:
        return f"Triwulan {ROMAN[self.number - 1]} {self.year}"

    @property
    def months(self) -> str:
        return f"{MONTHS[self.start.month - 1]} – {MONTHS[self.end.month - 1]} {self.year}"

    def previous(self) -> "Quarter":
        return Quarter.of(self.year - 1, 4) if self.number == 1 else Quarter.of(self.year, self.number - 1)

    def next(self) -> "Quarter":
        return Quarter.of(self.year + 1, 1) if self.number == 4 else Quarter.of(self.year, self.number + 1)

    def last(self, count: int) -> list["Quarter"]:
        """This quarter and the count-1 before it, oldest first."""
        found = [self]
        while len(found) < count:
            found.append(found[-1].previous())
        return found[::-1]


def year_period(year: int) -> Period:
    return Period(date(year, 1, 1), date(year, 12, 31))


def parse_quarter(year_text, number_text) -> Quarter | None:
    """Form/URL values -> Quarter; None when they are not a year 2000-2100 and 1-4."""
    try:
        year, number = int(str(year_text).strip()), int(str(number_text).strip())
    except (TypeError, ValueError):
        return None
    if not 2000 <= year <= 2100 or number not in (1, 2, 3, 4):
        return None
    return Quarter.of(year, number)
