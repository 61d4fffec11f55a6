"""Every period the product counts, guarded at its edges: a complaint or survey answer on a
quarter's or year's first and last local day is in it, one a minute outside is not, in each of the
three zones (the period's bounds move with the office's zone). The day tallies are read with
`day >= start AND day <= end`; a `<` at either end would drop 31 March's complaints."""
from datetime import date, datetime, timedelta

import pytest

from app.figures import tallies
from app.frame.dates import utc_offset_hours
from app.frame.office_calendar import office_calendar
from app.frame.periods import Quarter, year_period
from app.recap.figures import complaint_figures
from app.survey.figures import ikm_for_period
from app.indicators import sources
from app.indicators.definitions import Measure
from tests.support.factory import application_row, complaint_category, complaint_row, returned_event, survey_response

ZONES = ("WIB", "WITA", "WIT")
QUARTERS = [pytest.param(Quarter.of(2025, n), id=f"Q{n}") for n in (1, 2, 3, 4)]
PERIODS = [pytest.param(Quarter.of(2025, n), id=f"Q{n}") for n in (1, 2, 3, 4)] + [
    pytest.param(year_period(2025), id="year")]


def edges(period, zone):
    """(inside, outside): naive UTC moments of the period's first and last local minute, and of
    the minute before it and the minute after it."""
    offset = timedelta(hours=utc_offset_hours(zone))
    first = datetime.combine(period.start, datetime.min.time()) - offset
    after = datetime.combine(period.end + timedelta(days=1), datetime.min.time()) - offset
    return [first, after - timedelta(minutes=1)], [first - timedelta(minutes=1), after]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("period", PERIODS)
def test_complaints_on_the_first_and_last_day_count_in_the_recap(db, period, zone):
    inside, outside = edges(period, zone)
    for moment in inside + outside:
        complaint_row(moment, status="selesai", first_response_at=moment, followed_up_at=moment)
    figures = complaint_figures(period, zone, office_calendar(), 1, 5)
    assert figures["total"] == 2
    assert {row["key"]: row["count"] for row in figures["by_status"]}["selesai"] == 2
    assert figures["by_category"] == [{"label": "KTP-el", "count": 2}]
    assert figures["first_response"]["count"] == 2 and figures["follow_up"]["count"] == 2


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("period", PERIODS)
def test_survey_answers_on_the_first_and_last_day_count_in_the_ikm(db, period, zone):
    inside, outside = edges(period, zone)
    for moment in inside:
        survey_response(moment, 4)
    for moment in outside:
        survey_response(moment, 1)  # an answer outside would pull the IKM down from 100
    result = ikm_for_period(period, zone)
    assert result.respondents == 2
    assert [element.answers for element in result.elements] == [2] * len(result.elements)
    assert str(result.ikm) == "100.00"


def test_each_reader_counts_the_days_of_the_zone_it_is_asked_in(db):
    """00:30 WITA on 1 January 2026 is 23:30 WIB the day before: the complaint is in a WITA office's Q1
    2026 and a WIB office's Q4 2025, so each reader rebuilds the day tallies for its zone. The edge tests
    above cannot tell: with days of the wrong zone their inside and outside moments swap, still two."""
    complaint_row(datetime(2025, 12, 31, 16, 30), first_response_at=datetime(2025, 12, 31, 16, 45))
    q4, q1, new_year = Quarter.of(2025, 4), Quarter.of(2026, 1), date(2026, 1, 1)
    assert tallies.recap_counts(q4.start, q4.end, "WIB", {})["total"] == 1
    assert tallies.recap_counts(q1.start, q1.end, "WITA", {}) == {
        "channel": {}, "status": {}, "category": {"KTP-el": 1}, "total": 1, "confidential": 0}
    tallies.ready("WIB")
    every_day = lambda first, last: list(range(last.toordinal() - first.toordinal() + 1))  # noqa: E731
    due_same_day = {kind: list(range(90)) for kind in ("first", "follow")}
    assert tallies.complaint_done_counts(q1.start, q1.end, "WITA", every_day, due_same_day) == [("first", 0, 1, 1)]
    tallies.ready("WIB")
    assert tallies.follow_up_sums([q1], "WITA", "first", list(range(90)), new_year) == [(1, 1)]  # received and done


def test_a_complaint_moved_to_another_category_counts_once_under_the_new_one(db):
    """The move leaves the old category's day row at 0; the reader skips it and goes on to the channels
    (the total), which sort after the categories."""
    moved = complaint_row(datetime(2025, 2, 3, 3))
    tallies.ready("WIB")  # built before the move, as in an office (a rebuild leaves no 0 row)
    moved.category = complaint_category("Antrean")
    moved.save()
    counts = tallies.recap_counts(date(2025, 1, 1), date(2025, 3, 31), "WIB", {"channel": ("meja_informasi",)})
    assert (counts["total"], counts["category"], counts["channel"]) == (1, {"Antrean": 1}, {"meja_informasi": 1})


def test_a_response_after_its_due_day_is_done_but_not_on_time(db):
    """Due on the receipt day when the caller names no due day: answered the next day is late."""
    day = date(2025, 2, 3)
    complaint_row(datetime(2025, 2, 3, 3), first_response_at=datetime(2025, 2, 4, 3))
    quarter = [Quarter.of(2025, 1)]
    due = list(range(90))  # Q1 2025: each day its own due day, but 3 February due the 4th
    assert tallies.follow_up_sums(quarter, "WIB", "first", due, day) == [(1, 0)]
    due[(day - date(2025, 1, 1)).days] += 1
    assert tallies.follow_up_sums(quarter, "WIB", "first", due, day) == [(1, 1)]


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("period", PERIODS)
def test_services_on_the_first_and_last_day_are_the_ikm_population(db, period, zone):
    inside, outside = edges(period, zone)
    for number, moment in enumerate(inside + outside):
        application_row(number, moment)
    assert tallies.services_in_period(period, zone) == 2


@pytest.mark.parametrize("zone", ZONES)
@pytest.mark.parametrize("quarter", QUARTERS)
def test_applications_on_the_first_and_last_day_count_in_the_quarters_indicators(db, quarter, zone):
    """Registered, returned and handed over at the quarter's first and last local minute: 2 of 2 in its
    files returned and its cards collected on time (promised on its last day); the minute before and
    after belong to the quarters beside it."""
    inside, outside = edges(quarter, zone)
    for number, moment in enumerate(inside + outside):
        returned_event(application_row(number, moment, status="diserahkan", promised_date=quarter.end, handed_over_at=moment),
                 moment)
    found = sources.registration_indicators([quarter], zone)
    assert found["berkas_dikembalikan"] == {quarter: Measure.share(2, 2)}
    assert found["serah_tepat_waktu"] == {quarter: Measure(2, 2, 100.0)}


def test_a_service_at_half_past_midnight_wita_on_new_years_day_is_in_the_wita_offices_new_year(db):
    """00:30 WITA on 1 January 2026 is 23:30 WIB the day before: the IKM population of a WITA office's Q1
    2026, of a WIB office's Q4 2025 (the edge tests above cannot tell a zone lost: their moments swap)."""
    application_row(0, datetime(2025, 12, 31, 16, 30))
    q4, q1 = Quarter.of(2025, 4), Quarter.of(2026, 1)
    assert [tallies.services_in_period(q, "WITA") for q in (q4, q1)] == [0, 1]
    assert [tallies.services_in_period(q, "WIB") for q in (q4, q1)] == [1, 0]
