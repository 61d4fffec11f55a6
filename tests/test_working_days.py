from datetime import date, timedelta

import pytest

from app.frame.working_days import WorkCalendar, national_holidays

D = date


@pytest.fixture
def calendar():
    return WorkCalendar()


# --- the national calendar, checked by hand against SKB 3 Menteri 2026 ------------------------

@pytest.mark.parametrize("day, name", [
    (D(2026, 1, 1), "Tahun Baru Masehi"),
    (D(2026, 3, 20), "Cuti Bersama Hari Raya Idul Fitri"),
    (D(2026, 3, 21), "Hari Raya Idul Fitri"),
    (D(2026, 3, 23), "Cuti Bersama Hari Raya Idul Fitri"),
    (D(2026, 3, 24), "Cuti Bersama Hari Raya Idul Fitri"),
    (D(2026, 8, 17), "Hari Kemerdekaan Republik Indonesia"),
    (D(2026, 12, 24), "Cuti Bersama Hari Raya Natal"),
])
def test_holiday_names_are_indonesian(calendar, day, name):
    assert calendar.closed_days(day.year).get(day) == name


def test_cuti_bersama_is_in_the_national_calendar():
    assert "Cuti Bersama" in national_holidays(2026)[D(2026, 2, 16)]


def test_national_holidays_stay_in_their_year():
    assert all(day.year == 2026 for day in national_holidays(2026))


@pytest.mark.parametrize("day", [
    D(2026, 8, 17),   # Hari Kemerdekaan, a Monday
    D(2026, 3, 18), D(2026, 3, 19), D(2026, 3, 20), D(2026, 3, 23), D(2026, 3, 24),  # Nyepi + Lebaran
    D(2026, 3, 21), D(2026, 3, 22),  # Idul Fitri on the weekend
    D(2026, 8, 15), D(2026, 8, 16),  # an ordinary weekend
    D(2027, 1, 1),
])
def test_closed_days(calendar, day):
    assert not calendar.is_working_day(day)


@pytest.mark.parametrize("day", [D(2026, 3, 17), D(2026, 3, 25), D(2026, 8, 18), D(2026, 12, 31)])
def test_open_days(calendar, day):
    assert calendar.is_working_day(day)


def test_ordinary_day_has_no_holiday_name(calendar):
    assert calendar.closed_days(2026).get(D(2026, 3, 25)) is None


def test_2026_has_240_working_days(calendar):
    # 261 weekdays, minus 21 holidays and cuti bersama falling on weekdays (counted by hand).
    assert calendar.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 240


# --- adding working days ----------------------------------------------------------------------

@pytest.mark.parametrize("start, n, expected", [
    (D(2026, 3, 16), 1, D(2026, 3, 17)),   # Monday + 1 = Tuesday: the start day does not count
    (D(2026, 3, 17), 1, D(2026, 3, 25)),   # over Nyepi, Idul Fitri and four cuti bersama days
    (D(2026, 3, 13), 5, D(2026, 3, 27)),   # 16, 17, then 25, 26, 27 March
    (D(2026, 8, 14), 1, D(2026, 8, 18)),   # Friday, weekend, 17 Agustus, then Tuesday
    (D(2026, 8, 15), 1, D(2026, 8, 18)),   # complete on a Saturday
    (D(2026, 8, 17), 1, D(2026, 8, 18)),   # complete on a holiday
    (D(2026, 12, 23), 1, D(2026, 12, 28)),  # cuti bersama Natal, Natal, weekend
    (D(2026, 12, 23), 5, D(2027, 1, 4)),   # 28, 29, 30, 31 Dec; 1 Jan closed; 4 Jan
    (D(2026, 12, 31), 1, D(2027, 1, 4)),
    (D(2026, 3, 17), 0, D(2026, 3, 17)),
    (D(2026, 3, 21), 0, D(2026, 3, 21)),
])
def test_add_working_days(calendar, start, n, expected):
    assert calendar.add_working_days(start, n) == expected


@pytest.mark.parametrize("start, n, expected", [
    (D(2026, 3, 25), -1, D(2026, 3, 17)),
    (D(2027, 1, 4), -5, D(2026, 12, 23)),
    (D(2026, 8, 16), -1, D(2026, 8, 14)),  # from a Sunday back to Friday
])
def test_add_negative_working_days_counts_back(calendar, start, n, expected):
    assert calendar.add_working_days(start, n) == expected


def test_fourteen_working_days_over_lebaran_2026(calendar):
    # Complete Friday 13 March: 16, 17, 25, 26, 27, 30, 31 March, 1, 2, 6, 7, 8, 9, 10 April
    # (3 April is Wafat Yesus Kristus).
    assert calendar.add_working_days(D(2026, 3, 13), 14) == D(2026, 4, 10)


# --- counting between dates -------------------------------------------------------------------

@pytest.mark.parametrize("start, end, expected", [
    (D(2026, 3, 17), D(2026, 3, 17), 0),
    (D(2026, 3, 17), D(2026, 3, 25), 1),
    (D(2026, 3, 25), D(2026, 3, 17), -1),   # one working day overdue
    (D(2026, 12, 23), D(2027, 1, 4), 5),
    (D(2027, 1, 4), D(2026, 12, 23), -5),
    (D(2026, 8, 14), D(2026, 8, 16), 0),    # only a weekend in between
    (D(2025, 12, 31), D(2028, 1, 3), None),  # checked against the day-by-day count below
])
def test_working_days_between(calendar, start, end, expected):
    if expected is None:
        expected = naive_between(calendar, start, end)
    assert calendar.working_days_between(start, end) == expected


def naive_between(calendar, start, end):
    step = 1 if end >= start else -1
    count, day = 0, start
    while day != end:
        day += timedelta(days=step)
        if step > 0 and calendar.is_working_day(day):
            count += 1
        if step < 0 and calendar.is_working_day(day + timedelta(days=1)):
            count -= 1
    return count


def naive_is_working(day, extra_closed=frozenset(), reopened=frozenset()):
    if day in extra_closed:
        return False
    if day in reopened:
        return True
    return day.weekday() < 5 and day not in national_holidays(day.year)


def naive_add(start, n, **admin):
    day, left, step = start, abs(n), (1 if n > 0 else -1)
    while left:
        day += timedelta(days=step)
        left -= naive_is_working(day, **admin)
    return day


ADMIN = {"extra_closed": frozenset({D(2026, 3, 25), D(2026, 12, 31)}),
         "reopened": frozenset({D(2026, 3, 23), D(2026, 12, 26)})}


@pytest.mark.parametrize("admin", [{}, ADMIN], ids=["national", "with admin dates"])
def test_add_and_between_agree_with_a_day_by_day_count(admin):
    calendar = WorkCalendar(**admin)
    day = D(2025, 12, 1)
    while day < D(2027, 2, 1):
        assert calendar.is_working_day(day) == naive_is_working(day, **admin), day
        for n in (-23, -6, -1, 1, 2, 7, 14, 40):
            promised = calendar.add_working_days(day, n)
            assert promised == naive_add(day, n, **admin), (day, n)
            if n > 0 or calendar.is_working_day(day):
                assert calendar.working_days_between(day, promised) == n, (day, n)
            else:  # back from a closed day: the day itself adds nothing to the count
                assert calendar.working_days_between(day, promised) == n + 1, (day, n)
            assert calendar.working_days_between(promised, day) == -calendar.working_days_between(day, promised)
        day += timedelta(days=3)


@pytest.mark.parametrize("admin", [{}, ADMIN], ids=["national", "with admin dates"])
@pytest.mark.parametrize("start, end", [
    (D(2026, 1, 1), D(2026, 1, 1)),    # one day, a holiday
    (D(2025, 12, 27), D(2027, 1, 9)),  # a Saturday, across two new years
    (D(2026, 12, 31), D(2027, 1, 1)),  # the year's last day to the next one's first
    (D(2026, 3, 16), D(2026, 3, 31)),  # Nyepi and Lebaran
])
def test_running_counts_and_due_offsets_agree_with_a_day_by_day_count(admin, start, end):
    """The sweeps the figures use: each day's count from `start`, and each day's due day for n working
    days (n = 0: the day itself), as a day-by-day count makes them."""
    calendar = WorkCalendar(**admin)
    days = [start + timedelta(days=i) for i in range((end - start).days + 1)]
    counts, count = [], 0
    for day in days:
        count += naive_is_working(day, **admin)
        counts.append(count)
    assert calendar.running_counts(start, end) == counts
    for n in (0, 1, 5, 14):
        due = [start + timedelta(days=offset) for offset in calendar.due_offsets(start, end, n)]
        assert due == [naive_add(day, n, **admin) if n else day for day in days], n


def test_an_empty_range_has_no_running_counts_or_due_offsets():
    """A range that ends before it starts (a quarter not begun) gives empty lists, for n = 0 too."""
    calendar = WorkCalendar()
    start = D(2026, 4, 1)
    assert calendar.running_counts(start, start - timedelta(days=1)) == []
    for n in (0, 3):
        assert calendar.due_offsets(start, start - timedelta(days=1), n) == [], n


# --- the admin's own dates --------------------------------------------------------------------

def test_reopened_cuti_bersama_counts_as_working():
    calendar = WorkCalendar(reopened={D(2026, 3, 23)})
    assert calendar.is_working_day(D(2026, 3, 23))
    assert calendar.add_working_days(D(2026, 3, 17), 1) == D(2026, 3, 23)
    assert D(2026, 3, 23) not in calendar.closed_days(2026)


def test_reopened_saturday_counts_as_working():
    calendar = WorkCalendar(reopened=[D(2026, 3, 28)])
    assert calendar.is_working_day(D(2026, 3, 28))
    assert calendar.add_working_days(D(2026, 3, 27), 1) == D(2026, 3, 28)


def test_extra_closed_day_is_skipped_with_its_name():
    calendar = WorkCalendar(extra_closed={D(2026, 3, 25): "Pilkades serentak"})
    assert not calendar.is_working_day(D(2026, 3, 25))
    assert calendar.add_working_days(D(2026, 3, 17), 1) == D(2026, 3, 26)
    assert calendar.closed_days(2026)[D(2026, 3, 25)] == "Pilkades serentak"


def test_extra_closed_given_as_plain_dates_gets_a_default_name():
    calendar = WorkCalendar(extra_closed=[D(2026, 3, 25)])
    assert calendar.closed_days(2026).get(D(2026, 3, 25)) == "Kantor tutup"


def test_closing_wins_over_reopening_the_same_date():
    calendar = WorkCalendar(extra_closed=[D(2026, 3, 23)], reopened=[D(2026, 3, 23)])
    assert not calendar.is_working_day(D(2026, 3, 23))


def test_closed_days_are_in_date_order_and_named():
    closed = WorkCalendar().closed_days(2026)
    assert list(closed) == sorted(closed)
    assert closed[D(2026, 8, 17)] == "Hari Kemerdekaan Republik Indonesia"
    assert D(2026, 8, 15) not in closed  # weekends are not listed


def test_a_local_day_starts_at_its_zone_offset_in_utc_from_zoneinfo():
    from datetime import date, datetime

    from app.frame.dates import day_start_utc
    assert day_start_utc(date(2026, 8, 17), "WIB") == datetime(2026, 8, 16, 17, 0)
    assert day_start_utc(date(2026, 8, 17), "WITA") == datetime(2026, 8, 16, 16, 0)
    assert day_start_utc(date(2026, 8, 17), "WIT") == datetime(2026, 8, 16, 15, 0)


def test_a_year_is_an_estimate_until_its_decree_is_known_or_entered():
    """The package knows the SKB of 2026, not of 2028; the admin's entry of 2028 ends its estimate."""
    assert (WorkCalendar().is_estimated(2026), WorkCalendar().is_estimated(2028)) == (False, True)
    assert WorkCalendar(decreed_years=[2028]).is_estimated(2028) is False


def test_a_count_is_estimated_when_either_end_lies_in_an_estimated_year():
    """With 2029 entered, 2028 is the only estimated year here: a count touching it from either side, in
    either order, is an estimate; one over 2026 alone, or 2029 alone, is not."""
    calendar = WorkCalendar(decreed_years=[2029])
    assert calendar.estimated_between(D(2028, 12, 31), D(2029, 1, 1)) is True
    assert calendar.estimated_between(D(2029, 1, 1), D(2028, 12, 31)) is True
    assert calendar.estimated_between(D(2026, 1, 1), D(2026, 12, 31)) is False
    assert calendar.estimated_between(D(2029, 1, 1), D(2029, 12, 31)) is False
    assert WorkCalendar(decreed_years=[2027]).estimated_between(D(2026, 1, 1), D(2027, 12, 31)) is False


def test_new_years_day_reopened_is_a_working_day_counted_in_its_own_year_only():
    """1 January 2027 (a Friday, Tahun Baru) reopened: one working day from 31 December 2026, counted in 2027;
    2026 keeps its 240."""
    calendar = WorkCalendar(reopened=[D(2027, 1, 1)])
    assert calendar.working_days_between(D(2026, 12, 31), D(2027, 1, 1)) == 1
    assert calendar.working_days_between(D(2027, 1, 1), D(2026, 12, 31)) == -1
    assert calendar.working_days_between(D(2025, 12, 31), D(2026, 12, 31)) == 240
    assert calendar.add_working_days(D(2026, 12, 31), 1) == D(2027, 1, 1)
    assert calendar.is_working_day(D(2027, 1, 1)) and not WorkCalendar().is_working_day(D(2027, 1, 1))
    assert calendar.add_working_days(D(2027, 1, 4), -1) == D(2027, 1, 1)  # Monday back over the weekend
