"""Recap figures from the complaint book: counts, working-day timing, privacy of the list."""
from collections import Counter
from datetime import datetime, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st

from app.frame.office_calendar import office_calendar
from app.frame.periods import Quarter
from app.frame.charts import bar_chart
from app.recap.figures import complaint_figures, complaint_list, median_of
from tests.support.factory import complaint_row

Q1_2025 = Quarter.of(2025, 1)


def figures(quarter=Q1_2025):
    return complaint_figures(quarter, "WIB", office_calendar(), 1, 5)


def test_counts_by_channel_category_and_status_with_local_quarter_bounds(db):
    complaint_row(datetime(2025, 1, 6, 2), channel="kiosk", category_name="KTP-el")
    complaint_row(datetime(2025, 2, 10, 3), channel="kiosk", category_name="Perilaku petugas", status="selesai",
              followed_up_at=datetime(2025, 2, 11, 3))
    complaint_row(datetime(2024, 12, 31, 17, 30), channel="sms")  # 1 Jan 2025 00.30 WIB: first quarter
    complaint_row(datetime(2025, 3, 31, 17, 30), channel="surat")  # 1 Apr 2025 WIB: second quarter
    complaint_row(datetime(2024, 12, 31, 16, 59), channel="surat")  # 31 Dec 2024 23.59 WIB: not this year
    f = figures()
    assert f["total"] == 3
    assert {r["key"]: r["count"] for r in f["by_channel"]} == {
        "meja_informasi": 0, "kiosk": 2, "kotak_saran": 0, "telepon": 0, "sms": 1, "surat": 0}
    assert f["by_category"] == [{"label": "KTP-el", "count": 2}, {"label": "Perilaku petugas", "count": 1}]
    assert {r["key"]: r["count"] for r in f["by_status"]}["selesai"] == 1
    assert {r["key"]: r["count"] for r in f["by_status"]}["baru"] == 2


def test_days_to_response_and_follow_up_are_working_days(db):
    # Friday 3 Jan 2025 10.00 WIB, done Monday 6 Jan: 1 working day (on time for 1 and for 5).
    complaint_row(datetime(2025, 1, 3, 3), first_response_at=datetime(2025, 1, 6, 2), followed_up_at=datetime(2025, 1, 6, 4))
    # Monday 6 Jan, first response Wednesday 8 Jan (2 days: late for 1), done Monday 20 Jan (10 days: late for 5).
    complaint_row(datetime(2025, 1, 6, 3), first_response_at=datetime(2025, 1, 8, 3), followed_up_at=datetime(2025, 1, 20, 3))
    # Monday 13 Jan, done Friday 17 Jan: 4 working days, on time.
    complaint_row(datetime(2025, 1, 13, 3), first_response_at=datetime(2025, 1, 13, 5), followed_up_at=datetime(2025, 1, 17, 3))
    complaint_row(datetime(2025, 1, 14, 3))  # still open: not followed up
    f = figures()
    assert f["first_response"] == {"count": 3, "on_time": 2, "target_days": 1, "median_days": 1, "worst_days": 2}
    assert f["follow_up"] == {"count": 3, "on_time": 2, "target_days": 5, "median_days": 4, "worst_days": 10}


def test_a_saturday_follow_up_after_a_friday_deadline_is_late(db):
    # Received Friday 3 Jan 2025; 1 working day -> due Monday 6 Jan. Done Tuesday 7 Jan: late.
    complaint_row(datetime(2025, 1, 3, 3), first_response_at=datetime(2025, 1, 7, 3))
    assert figures()["first_response"]["on_time"] == 0


def test_median_of_a_histogram():
    assert median_of(Counter()) is None
    assert median_of(Counter({3: 1})) == 3
    assert median_of(Counter({1: 1, 4: 1})) == 2.5
    assert median_of(Counter({0: 2, 5: 1, 9: 4})) == 9
    assert median_of(Counter({2: 3, 7: 3})) == 4.5


def test_list_leaves_out_confidential_and_anonymous_identity(db):
    complaint_row(datetime(2025, 1, 6, 2), complainant_name="Sutrisno", complainant_contact="0812")
    complaint_row(datetime(2025, 1, 7, 2), complainant_name="Tak Dikenal", is_anonymous=True)
    complaint_row(datetime(2025, 1, 8, 2), complainant_name="Rahasia", is_confidential=True, text="isi rahasia")
    items = complaint_list(Q1_2025, "WIB")
    assert [i["complainant"] for i in items] == ["Sutrisno", ""]
    assert all("0812" not in str(i) for i in items)
    assert "isi rahasia" not in str(items)
    assert figures()["confidential"] == 1


def test_bar_chart_escapes_labels():
    svg = bar_chart([("<script>x</script>", 3, 1)], "Judul & uji", "T1", "T4")
    assert svg.startswith("<svg") and "<script>" not in svg and "&lt;script&gt;" in svg
    assert "Judul &amp; uji" in svg


def test_trend_chart_marks_missing_quarters_and_the_target():
    from app.frame.charts import trend_chart
    svg = trend_chart([("1/25", 80.0), ("2/25", None), ("3/25", 95.5)], 90.0, "Tren")
    assert svg.count("<rect") == 2 and ">–<" in svg
    assert "target 90" in svg and 'stroke-dasharray' in svg


def test_an_indicators_trend_bar_says_the_figure_as_its_headline_rounds_it():
    """Issue 61, finding 5: 37 of 48 was "77,1%" on the page and "77,08" in its bar's tooltip."""
    from app.frame.periods import Quarter
    from app.indicators.definitions import BY_KEY, Measure
    from app.indicators.figures import IndicatorRow
    share, index = Measure.share(37, 48), Measure.index(75.0)
    row = IndicatorRow(BY_KEY["ikm"], index, 76.61, None, None, True, [(Quarter.of(2026, 1), index)])
    assert index.text == "75,00" and "<title>1/26: 75,00</title>" in row.chart()
    other = next(i for i in BY_KEY.values() if not i.is_index)
    row = IndicatorRow(other, share, 90.0, None, None, True, [(Quarter.of(2026, 1), share)])
    assert share.text == "77,1%" and "<title>1/26: 77,1%</title>" in row.chart() and "77,08" not in row.chart()


def _svg_facts(svg: str) -> dict:
    import re
    return {"width": int(re.search(r'<svg[^>]* width="(\d+)"', svg)[1]),
            "height": int(re.search(r'<svg[^>]* height="(\d+)"', svg)[1]),
            "font_sizes": [float(size) for size in re.findall(r'font-size="([\d.]+)"', svg)],
            "texts": re.findall(r">([^<>]+)</text>", svg)}


def test_bar_chart_is_drawn_large_with_labelled_axis_and_every_value():
    """Issue 15: "the recap charts are tiny"."""
    svg = bar_chart([("Meja informasi", 12, 7), ("Kios pengaduan", 3, 0), ("Kotak saran", 0, 2)],
                    "Pengaduan menurut saluran", "Triwulan I 2025", "Triwulan IV 2024")
    facts = _svg_facts(svg)
    assert facts["width"] >= 600 and facts["height"] >= 3 * 40
    assert min(facts["font_sizes"]) >= 12
    assert {"Meja informasi", "Kios pengaduan", "Kotak saran", "Jumlah pengaduan",
            "Triwulan I 2025", "Triwulan IV 2024"} <= set(facts["texts"])
    assert {"12", "7", "3", "2", "0", "6"} <= set(facts["texts"])  # bar values and axis ticks 0/6/12


def test_trend_chart_is_drawn_large_with_both_axes_titled():
    from app.frame.charts import trend_chart
    svg = trend_chart([(f"{n}/25", 80.0 + n) for n in range(1, 5)], 90.0, "Tren", value_label="Nilai indeks")
    facts = _svg_facts(svg)
    assert facts["width"] >= 380 and facts["height"] >= 220
    assert min(facts["font_sizes"]) >= 12
    assert {"Nilai indeks", "Triwulan/tahun", "0", "50", "100", "1/25", "4/25"} <= set(facts["texts"])


def test_a_response_on_the_holiday_right_after_its_due_day_is_late_with_the_due_days_count(db):
    """Received Monday 16 March 2026, due Tuesday 17 March (1 working day); answered Wednesday 18 March,
    Nyepi: still 1 working day after receipt (a holiday adds none), yet after the due day, so late."""
    complaint_row(datetime(2026, 3, 16, 3), first_response_at=datetime(2026, 3, 18, 3))
    assert figures(Quarter.of(2026, 1))["first_response"] == {
        "count": 1, "on_time": 0, "target_days": 1, "median_days": 1, "worst_days": 1}


def naive_timing(quarter, zone, calendar, days, column):
    """Count, on time, median and worst working days counted complaint by complaint (the rule as the
    complaint book states it: app/complaints/deadlines.py)."""
    from app.complaints.deadlines import due_date
    from app.complaints.models import Complaint
    from app.frame.dates import to_local
    histogram, on_time = Counter(), 0
    for c in Complaint.select():
        received = to_local(datetime.fromisoformat(str(c.received_at)), zone).date()
        done = getattr(c, column)
        if not quarter.start <= received <= quarter.end or done is None:
            continue
        done = to_local(datetime.fromisoformat(str(done)), zone).date()
        histogram[calendar.working_days_between(received, done)] += 1
        on_time += done <= due_date(received, calendar, days)
    return {"count": sum(histogram.values()), "on_time": on_time, "target_days": days,
            "median_days": median_of(histogram), "worst_days": max(histogram) if histogram else None}


moments = st.datetimes(min_value=datetime(2025, 12, 20), max_value=datetime(2026, 4, 10))


@settings(max_examples=15, deadline=None, suppress_health_check=list(HealthCheck))
@given(rows=st.lists(st.tuples(moments, st.none() | st.integers(0, 40 * 24), st.none() | st.integers(0, 40 * 24)),
                     max_size=25),
       zone=st.sampled_from(["WIB", "WITA", "WIT"]), days=st.tuples(st.integers(0, 3), st.integers(0, 12)))
def test_timing_equals_a_count_complaint_by_complaint(db, rows, zone, days):
    """Random complaints around Q1 2026 (new year, Nyepi, Lebaran; responses up to 40 days later, also
    before receipt never): the recap's timing figures are what a count complaint by complaint gives."""
    from app.figures import tallies
    from app.frame.db import database
    calendar, quarter = office_calendar(), Quarter.of(2026, 1)
    with database.atomic() as transaction:
        tallies.ready(zone)
        for received, first_hours, follow_hours in rows:
            complaint_row(received, first_response_at=None if first_hours is None else received + timedelta(hours=first_hours),
                      followed_up_at=None if follow_hours is None else received + timedelta(hours=follow_hours))
        found = complaint_figures(quarter, zone, calendar, *days)
        assert found["first_response"] == naive_timing(quarter, zone, calendar, days[0], "first_response_at")
        assert found["follow_up"] == naive_timing(quarter, zone, calendar, days[1], "followed_up_at")
        transaction.rollback()
