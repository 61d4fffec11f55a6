"""Each registration indicator counted once per application per period, as its definition words it
(docs/recap.md): hand-computed cases from issue 27, and random histories (returns, reopenings,
readiness, handovers, complaints, quarter ends) against a plain recount written here."""
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st

from app.frame import store
from app.frame.db import database
from app.frame.working_days import WorkCalendar
from app.frame.periods import Quarter, year_period
from app.frame.rounding import percent_text
from app.indicators.definitions import BY_KEY, Measure, meets_target, target_problem
from app.indicators.figures import indicator_rows
from tests.indicators.test_application_indicators import section
from tests.support.factory import application_row, complaint_row, status_event

ZONE = "Asia/Jakarta"  # WIB, UTC+7: stored moments are naive UTC


def rows_for(period, today):
    return {row.indicator.key: row.measure for row in indicator_rows(period, period.start.year, ZONE, today)}


# --- Berkas dikembalikan ---------------------------------------------------------------------------

def test_an_application_returned_in_two_quarters_counts_once_in_its_own_quarter(client_for, db):
    # 19 registered in 2026: 10 in Q1, 9 in Q2. B (Q1) returned once; A (Q2) returned in Q2 and again in Q3.
    apps = [application_row(n, datetime(2026, 2, 2, 2)) for n in range(1, 11)]
    apps += [application_row(n, datetime(2026, 5, 4, 2)) for n in range(11, 20)]
    status_event(apps[0], "dikembalikan", datetime(2026, 2, 3, 2))
    status_event(apps[10], "dikembalikan", datetime(2026, 5, 5, 2))
    status_event(apps[10], "lengkap", datetime(2026, 5, 6, 2))
    status_event(apps[10], "dikembalikan", datetime(2026, 7, 6, 2))
    camat = client_for("camat")
    year = section(camat.get("/indikator?tahun=2026").get_data(as_text=True), "berkas_dikembalikan")
    # 2 / 19 = 10,526...% -> 10,5% (was 3 / 19 = 15,79%)
    assert "2 permohonan yang didaftarkan dalam periode dan pernah dikembalikan" in year and "/ 19 permohonan" in year
    assert ">10,5%<" in year
    q3 = section(camat.get("/indikator?tahun=2026&triwulan=3").get_data(as_text=True), "berkas_dikembalikan")
    assert "0 permohonan yang didaftarkan" in q3 and "/ 0 permohonan didaftarkan" in q3  # was 1 / 0
    q2 = section(camat.get("/indikator?tahun=2026&triwulan=2").get_data(as_text=True), "berkas_dikembalikan")
    assert "1 permohonan yang didaftarkan" in q2 and ">11,1%<" in q2  # 1 / 9


# --- Siap diambil tepat waktu, beside diambil warga -------------------------------------------------

def test_readiness_on_time_counts_overdue_unready_and_uncollected_cards(client_for, db):
    created = datetime(2025, 1, 2, 2)
    # Ready on time and collected on time (3), ready on time but collected late (2).
    for n, handed in ((1, datetime(2025, 2, 5, 2)), (2, datetime(2025, 2, 7, 2)), (3, datetime(2025, 2, 10, 2)),
                      (4, datetime(2025, 2, 20, 2)), (5, datetime(2025, 3, 3, 2))):
        app = application_row(n, created, "diserahkan", date(2025, 2, 10), handed)
        status_event(app, "siap_diambil", datetime(2025, 2, 3, 2))
    # Ready on time, never collected.
    status_event(application_row(6, created, "siap_diambil", date(2025, 2, 12)), "siap_diambil", datetime(2025, 2, 7, 2))
    # Complete, never sent: promised 15 Jan, overdue from 16 Jan.
    application_row(7, created, "lengkap", date(2025, 1, 15))
    page = client_for("camat").get("/indikator?tahun=2025&triwulan=1").get_data(as_text=True)
    ready = section(page, "siap_tepat_waktu")
    assert "6 permohonan yang KTP-el-nya siap diambil paling lambat pada tanggal janji / 7 permohonan" in ready
    assert ">85,7%<" in ready  # 6 / 7 = 85,714...
    collected = section(page, "serah_tepat_waktu")
    assert "3 permohonan diambil warga paling lambat pada tanggal janji / 5 permohonan" in collected
    assert ">60,0%<" in collected


def test_a_promise_is_settled_the_day_the_card_is_ready_or_the_day_after_the_promise(db):
    created = datetime(2025, 1, 2, 2)
    # Ready 28 Mar for a promise of 4 Apr: kept, settled in Q1.
    status_event(application_row(1, created, "siap_diambil", date(2025, 4, 4)), "siap_diambil", datetime(2025, 3, 28, 2))
    # Promise 31 Mar, ready 1 Apr: late, settled 1 Apr (Q2).
    status_event(application_row(2, created, "siap_diambil", date(2025, 3, 31)), "siap_diambil", datetime(2025, 4, 1, 2))
    # Ready 10 Feb 17:30 UTC = 11 Feb 00:30 WIB for a promise of 10 Feb: late, settled 11 Feb (Q1).
    status_event(application_row(3, created, "siap_diambil", date(2025, 2, 10)), "siap_diambil", datetime(2025, 2, 10, 17, 30))
    # Promise 20 May, not ready: overdue from 21 May; on 20 May it is not due yet.
    application_row(4, created, "lengkap", date(2025, 5, 20))
    q1, q2 = Quarter.of(2025, 1), Quarter.of(2025, 2)
    assert (rows_for(q1, date(2025, 8, 1))["siap_tepat_waktu"].numerator,
            rows_for(q1, date(2025, 8, 1))["siap_tepat_waktu"].denominator) == (1, 2)
    assert rows_for(q2, date(2025, 5, 20))["siap_tepat_waktu"].denominator == 1  # only no. 2
    assert rows_for(q2, date(2025, 5, 21))["siap_tepat_waktu"].denominator == 2  # no. 4 appears the day after
    assert rows_for(q2, date(2025, 5, 21))["siap_tepat_waktu"].numerator == 0


# --- Random histories against a plain recount by definition ----------------------------------------

START = datetime(2024, 12, 1)
hours = st.integers(0, 420 * 24)
history = st.tuples(
    hours,                                                             # registered, hours after START
    st.lists(st.tuples(st.sampled_from(["dikembalikan", "lengkap", "siap_diambil", "ditolak_pusat"]),
                       st.integers(0, 90 * 24)), max_size=5),          # steps, hours after registration
    st.one_of(st.none(), st.integers(0, 60)),                          # promised: days after registration
    st.one_of(st.none(), st.integers(0, 120 * 24)),                    # handed over: hours after registration
)


complaint_history = st.tuples(hours, st.one_of(st.none(), st.integers(0, 40 * 24)))  # received, followed up after


def local(moment: datetime) -> date:
    return (moment + timedelta(hours=7)).date()


def recount(histories, period, today):
    """The three registration indicators by their words, one application at a time."""
    returned = registered = ready_kept = ready_due = handed_kept = handed = 0
    for created, steps, promised, handed_at in histories:
        if period.start <= local(created) <= period.end:
            registered += 1
            returned += any(kind == "dikembalikan" for kind, _ in steps)
        if handed_at is not None and period.start <= local(handed_at) <= period.end:
            handed += 1
            handed_kept += promised is not None and local(handed_at) <= promised
        if promised is None:
            continue
        ready_days = [local(at) for kind, at in steps if kind == "siap_diambil"]
        if handed_at is not None:
            ready_days.append(local(handed_at))
        ready = min(ready_days) if ready_days else None
        if ready is not None and ready <= promised:
            settled, kept = ready, True
        else:
            settled, kept = promised + timedelta(days=1), False
        if period.start <= settled <= period.end and settled <= today:
            ready_due += 1
            ready_kept += kept
    return {"berkas_dikembalikan": (returned, registered), "siap_tepat_waktu": (ready_kept, ready_due),
            "serah_tepat_waktu": (handed_kept, handed)}


def recount_complaints(complaints, period, today, days):
    """Pengaduan ditindaklanjuti tepat waktu, by its words: of the complaints received in the period, those
    followed up by the due day (the days-th working day after receipt) / those followed up, plus those
    still open whose due day has passed."""
    calendar = WorkCalendar()  # the national calendar: this office has no corrections
    kept = counted = 0
    for received, followed in complaints:
        if not period.start <= local(received) <= period.end:
            continue
        due = calendar.add_working_days(local(received), days)
        if followed is not None:
            counted += 1
            kept += local(followed) <= due
        elif due < today:
            counted += 1
    return kept, counted


@settings(max_examples=25, deadline=None, suppress_health_check=list(HealthCheck))
@given(histories=st.lists(history, max_size=25), complaints=st.lists(complaint_history, max_size=15),
       today_offset=st.integers(0, 40))
def test_every_indicator_equals_a_recount_by_its_definition(db, histories, complaints, today_offset):
    written = []
    with database.atomic() as transaction:
        for n, (created_hours, steps, promised_days, handed_hours) in enumerate(histories, 1):
            created = START + timedelta(hours=created_hours)
            promised = local(created) + timedelta(days=promised_days) if promised_days is not None else None
            handed_at = created + timedelta(hours=handed_hours) if handed_hours is not None else None
            app = application_row(n, created, promised_date=promised, handed_over_at=handed_at)
            moments = [(kind, created + timedelta(hours=h)) for kind, h in steps]
            for kind, at in moments:
                status_event(app, kind, at)
            written.append((created, moments, promised, handed_at))
        received = []
        for received_hours, followed_hours in complaints:
            at = START + timedelta(hours=received_hours)
            followed = at + timedelta(hours=followed_hours) if followed_hours is not None else None
            complaint_row(at, followed_up_at=followed, status="selesai" if followed else "baru")
            received.append((at, followed))
        # Today: some days after the last thing that happened (promises may still lie ahead).
        today = max([date(2025, 1, 1)] + [local(m) for created, moments, _, handed_at in written
                                            for m in [created, handed_at, *(at for _, at in moments)] if m]
                    + [local(m) for pair in received for m in pair if m])
        today += timedelta(days=today_offset)
        days = int(store.get("complaint_follow_up_days"))
        periods = [q for q in (Quarter.of(2025, n) for n in (1, 2, 3, 4)) if q.start <= today]
        periods += [year_period(2025)]
        for period in periods:
            measures = rows_for(period, today)
            expected = recount(written, period, today)
            expected["pengaduan_tepat_waktu"] = recount_complaints(received, period, today, days)
            for key, (numerator, denominator) in expected.items():
                measure = measures[key]
                assert (measure.numerator, measure.denominator) == (numerator, denominator), (key, period)
                assert measure.numerator <= measure.denominator
                assert measure.text == percent_text(numerator, denominator)
        transaction.rollback()


# --- A share, an index and a target at their edges ---------------------------------------------------

def test_a_share_is_its_percentage_and_prints_to_one_decimal_half_up():
    """1 of 8 is 12,5% exactly; 1 of 3 is 33,33...%, printed 33,3%; 0 of 0 has no value and prints a dash."""
    assert Measure.share(1, 8) == Measure(1, 8, 12.5) and Measure.share(1, 8).text == "12,5%"
    assert Measure.share(1, 3).text == "33,3%" and Measure.share(2, 3).text == "66,7%"
    assert Measure.share(0, 0) == Measure(0, 0, None) and Measure.share(0, 0).text == "–"


def test_an_index_prints_to_two_decimals_and_a_missing_one_as_a_dash():
    assert Measure.index("76.61") == Measure(None, None, 76.61) and Measure.index("76.61").text == "76,61"
    assert Measure.index(100).text == "100,00"
    assert Measure.index(None) == Measure.missing() == Measure(None, None, None)
    assert Measure.missing().text == "–"


def test_a_figure_equal_to_its_target_meets_it_either_way():
    """At the target itself both kinds meet it; a hundredth on the wrong side does not."""
    on_time, returned = BY_KEY["siap_tepat_waktu"], BY_KEY["berkas_dikembalikan"]
    assert (meets_target(on_time, 90.0, 90.0), meets_target(on_time, 89.99, 90.0)) == (True, False)
    assert (meets_target(returned, 10.0, 10.0), meets_target(returned, 10.01, 10.0)) == (True, False)
    assert meets_target(on_time, 90.0, None) is None and meets_target(on_time, None, 90.0) is None


def test_a_target_is_taken_at_the_ends_of_its_range_and_refused_past_them():
    """A share's target 0-100, the IKM's 25-100 (its lowest converted value); a comma or a point,
    spaces around, rounded to two decimals."""
    share, ikm = BY_KEY["kotak_saran"], BY_KEY["ikm"]
    assert [target_problem(share, text) for text in ("0", "100", " 90,456 ", "-0,01", "100,01")] == [
        (0.0, None), (100.0, None), (90.46, None),
        (None, "Target harus antara 0 dan 100."), (None, "Target harus antara 0 dan 100.")]
    assert [target_problem(ikm, text) for text in ("25", "100", "24,99", "100.01")] == [
        (25.0, None), (100.0, None),
        (None, "Target harus antara 25 dan 100."), (None, "Target harus antara 25 dan 100.")]
    assert target_problem(share, "  ") == (None, "Isi target (angka).")
    assert target_problem(share, "90%") == (None, "Target harus berupa angka, misalnya 90 atau 76,61.")
