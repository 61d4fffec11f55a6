"""Service time in Indonesian working days: Senin-Jumat, minus national holidays and cuti bersama.

The office can close on extra dates (e.g. a local event) and reopen on dates the national calendar
closes (e.g. a cuti bersama day when the counter must stay open); both come from the admin.
Each year is turned once into a running count of working days, so the calls a list page makes
for every row take a few microseconds.
"""
from array import array
from bisect import bisect_left
from collections.abc import Iterable, Mapping
from datetime import date
from functools import lru_cache
from itertools import compress
from operator import lt
from types import MappingProxyType

# Perpres 21/2023 (hari kerja ASN): five working days, Senin-Jumat.
WORKING_WEEKDAYS = frozenset({0, 1, 2, 3, 4})
# SKB 3 Menteri (yearly) lists hari libur nasional ('public') and cuti bersama ('government').
HOLIDAY_CATEGORIES = ("public", "government")
HOLIDAY_LANGUAGE = "id"
EXTRA_CLOSED_NAME = "Kantor tutup"


@lru_cache(maxsize=128)
def national_holidays(year: int) -> Mapping[date, str]:
    """Hari libur nasional and cuti bersama of `year`, named in Indonesian (estimates end in '(perkiraan)')."""
    import holidays  # on the first count (the warm-up's), not at the start: its country tables cost ~70 ms of CPU
    found = holidays.country_holidays("ID", years=year, categories=HOLIDAY_CATEGORIES,
                                      language=HOLIDAY_LANGUAGE)
    return MappingProxyType({day: name for day, name in found.items() if day.year == year})


ESTIMATE_MARK = "(perkiraan)"


@lru_cache(maxsize=128)
def undecreed(year: int) -> bool:
    """True when the calendar package does not know `year`'s decree: no cuti bersama listed (the SKB
    3 Menteri sets them each year), or holidays it only estimates (names ending in '(perkiraan)')."""
    import holidays
    found = holidays.country_holidays("ID", years=year, categories=("government",), language=HOLIDAY_LANGUAGE)
    return not any(day.year == year for day in found) or any(
        ESTIMATE_MARK in name for name in national_holidays(year).values())


class _Year:
    """One year's working days as a running count: rank[i] = working days from 1 January to day i."""
    __slots__ = ("first_ordinal", "rank", "total")

    def __init__(self, year: int, is_working):
        self.first_ordinal = date(year, 1, 1).toordinal()
        days = date(year + 1, 1, 1).toordinal() - self.first_ordinal
        self.rank = array("H")
        count = 0
        for i in range(days):
            count += is_working(date.fromordinal(self.first_ordinal + i))
            self.rank.append(count)
        self.total = count

    def is_working(self, index: int) -> bool:
        return self.rank[index] > (self.rank[index - 1] if index else 0)


class WorkCalendar:
    """Working days of the office: national calendar, plus the admin's closed and reopened dates.

    A date in both `extra_closed` and `reopened` is closed: closing is the more specific statement.
    """

    def __init__(self, extra_closed: Mapping[date, str] | Iterable[date] = (),
                 reopened: Iterable[date] = (), decreed_years: Iterable[int] = ()):
        if isinstance(extra_closed, Mapping):
            self._extra_closed = {day: name or EXTRA_CLOSED_NAME for day, name in extra_closed.items()}
        else:
            self._extra_closed = dict.fromkeys(extra_closed, EXTRA_CLOSED_NAME)
        self._reopened = frozenset(reopened).difference(self._extra_closed)
        self._decreed = frozenset(decreed_years)  # years the admin checked against the SKB
        self._years: dict[int, _Year] = {}

    def is_estimated(self, year: int) -> bool:
        """True while `year`'s holidays are an estimate: the package lacks its decree and the admin has
        not entered the SKB's dates."""
        return year not in self._decreed and undecreed(year)

    def estimated_between(self, start: date, end: date) -> bool:
        """True when a count of working days from `start` to `end` crosses an estimated year."""
        return any(self.is_estimated(year) for year in range(min(start, end).year, max(start, end).year + 1))

    def _year(self, year: int) -> _Year:
        found = self._years.get(year)
        if found is None:
            found = self._years[year] = _Year(year, self._compute_is_working)
        return found

    def _compute_is_working(self, day: date) -> bool:
        if day in self._extra_closed:
            return False
        if day in self._reopened:
            return True
        return day.weekday() in WORKING_WEEKDAYS and day not in national_holidays(day.year)

    def _rank(self, day: date) -> int:
        year = self._year(day.year)
        return year.rank[day.toordinal() - year.first_ordinal]

    def closed_days(self, year: int) -> dict[date, str]:
        """Named closed dates of `year` (holidays, cuti bersama, office closures), in date order; weekends not listed."""
        closed = {day: name for day, name in national_holidays(year).items() if day not in self._reopened}
        closed.update((day, name) for day, name in self._extra_closed.items() if day.year == year)
        return dict(sorted(closed.items()))

    def is_working_day(self, day: date) -> bool:
        year = self._year(day.year)
        return year.is_working(day.toordinal() - year.first_ordinal)

    def add_working_days(self, start: date, n: int) -> date:
        """The n-th working day after `start` (start itself never counts); negative n counts back."""
        if n == 0:
            return start
        year_number = start.year
        year = self._year(year_number)
        index = start.toordinal() - year.first_ordinal
        if n > 0:
            target = year.rank[index] + n  # the working day whose running count reaches this
            while target > year.total:
                target -= year.total
                year_number += 1
                year = self._year(year_number)
        else:
            target = year.rank[index] - year.is_working(index) + n + 1
            while target <= 0:
                year_number -= 1
                year = self._year(year_number)
                target += year.total
        return date.fromordinal(year.first_ordinal + bisect_left(year.rank, target))

    def running_counts(self, start: date, end: date) -> list[int]:
        """For each day from `start` to `end`: the working days from `start` up to and including it
        (working_days_between(start - 1 day, day)), read off each year's running count."""
        counts: list[int] = []
        year = self._year(start.year)
        index = start.toordinal() - year.first_ordinal
        base = (year.rank[index - 1] if index else 0)  # working days of the year before `start`
        ordinal, last = start.toordinal(), end.toordinal()
        while ordinal <= last:
            year = self._year(date.fromordinal(ordinal).year)
            first = ordinal - year.first_ordinal
            upto = min(last - year.first_ordinal, len(year.rank) - 1)
            counts.extend(count - base for count in year.rank[first:upto + 1])
            base -= year.total
            ordinal = year.first_ordinal + upto + 1
        return counts

    def due_offsets(self, start: date, end: date, n: int) -> list[int]:
        """add_working_days(day, n) for each day from `start` to `end` (n >= 0), as days after `start`,
        from the running count: the due day of a day counted c is the first day counted c + n, the
        (c + n)-th step of the count. Made in C, no loop per day: the indicators ask for ~730 days a
        view (issue 73)."""
        days = max(0, end.toordinal() - start.toordinal() + 1)
        if n <= 0 or not days:
            return list(range(days))
        counts = self.running_counts(start, self.add_working_days(end, n))
        steps = list(compress(range(len(counts)), map(lt, [0, *counts], counts)))  # offset of the day counted i + 1
        return list(map(steps.__getitem__, map((n - 1).__add__, counts[:days])))

    def working_days_between(self, start: date, end: date) -> int:
        """Working days after `start` up to and including `end`; negative when `end` is earlier.

        working_days_between(d, add_working_days(d, n)) == n for n >= 0. From today to a promised date this is
        the days left; 0 on the promised date; negative once overdue.
        """
        if start.year == end.year:
            return self._rank(end) - self._rank(start)
        sign = 1
        if end < start:
            start, end, sign = end, start, -1
        whole_years = sum(self._year(y).total for y in range(start.year, end.year))
        return sign * (whole_years - self._rank(start) + self._rank(end))
