"""The per-day tallies that triggers keep (schema 0008_i16_daily_tallies.sql, 0013, 0015) equal a rebuild from
the rows, the live computation from the rows (live_tallies.live_*, the benchmark's peer) and a count done
here in Python, after any mix of writes."""
from collections import Counter
from datetime import date, datetime, timedelta

from hypothesis import HealthCheck, given, settings, strategies as st

from app.complaints.models import CHANNELS, STATUSES, Complaint, ComplaintCategory
from app.frame.db import database
from app.figures import tallies
from tests.support import live_tallies
from app.frame.periods import Period, Quarter
from app.frame.working_days import WorkCalendar
from app.registration.models import Application, StatusEvent
from app.survey.ikm import ELEMENT_KEYS
from app.survey.models import SurveyAnswer, SurveyResponse
from tests.support.factory import application_row, complaint_category, complaint_row, status_event, survey_response

KNOWN = {"channel": CHANNELS, "status": STATUSES}

START = datetime(2024, 12, 25)
moments = st.integers(0, 200 * 24 * 4).map(lambda quarter_hours: START + timedelta(minutes=15 * quarter_hours))
maybe = st.one_of(st.none(), moments)

application_step = st.one_of(
    st.tuples(st.just("new"), moments, maybe, st.one_of(st.none(), moments.map(lambda m: m.date()))),
    st.tuples(st.just("hand"), st.integers(0, 50), maybe),
    st.tuples(st.just("promise"), st.integers(0, 50), moments.map(lambda m: m.date())),
    st.tuples(st.just("return"), st.integers(0, 50), moments),
    st.tuples(st.just("ready"), st.integers(0, 50), moments),
    st.tuples(st.just("drop_step"), st.integers(0, 50)),
    st.tuples(st.just("move"), st.integers(0, 50), moments),
    st.tuples(st.just("delete"), st.integers(0, 50)),
)
# The recap's counts (0015_p20_recap_tallies.sql): channel, status, category, confidential; "old"
# stands for a channel or status written by an older version (the recap counts it under the total).
channels = st.sampled_from(["meja_informasi", "kiosk", "telepon", "old"])
statuses = st.sampled_from(["baru", "diteruskan", "selesai", "bukan_kewenangan", "old"])
categories = st.sampled_from(["KTP-el", "Antrean", "Biaya"])
complaint_step = st.one_of(
    st.tuples(st.just("new"), moments, maybe, maybe, channels, statuses, categories, st.booleans()),
    st.tuples(st.just("status"), st.integers(0, 50), statuses),
    st.tuples(st.just("channel"), st.integers(0, 50), channels),
    st.tuples(st.just("category"), st.integers(0, 50), categories),
    st.tuples(st.just("confidential"), st.integers(0, 50), st.booleans()),
    st.tuples(st.just("respond"), st.integers(0, 50), maybe),
    st.tuples(st.just("follow"), st.integers(0, 50), maybe),
    st.tuples(st.just("move"), st.integers(0, 50), moments),
    st.tuples(st.just("delete"), st.integers(0, 50)),
)
survey_step = st.one_of(
    st.tuples(st.just("new"), moments, st.lists(st.integers(1, 4), min_size=1, max_size=len(ELEMENT_KEYS)),
              st.sampled_from(["sah", "menunggu", "batal"])),
    st.tuples(st.just("status"), st.integers(0, 50), st.sampled_from(["sah", "menunggu", "batal"])),
    st.tuples(st.just("move"), st.integers(0, 50), moments),
    st.tuples(st.just("rescore"), st.integers(0, 50), st.integers(1, 4)),
    st.tuples(st.just("drop_answer"), st.integers(0, 50)),
    st.tuples(st.just("delete"), st.integers(0, 50)),
)


def pick(model, index):
    rows = list(model.select(model.id).order_by(model.id))
    return model.get_by_id(rows[index % len(rows)].id) if rows else None


def apply_application_step(step, counter):
    kind = step[0]
    if kind == "new":
        _, created, handed, promised = step
        counter[0] += 1
        application_row(counter[0], created, promised_date=promised, handed_over_at=handed)
        return
    row = pick(Application, step[1])
    if row is None:
        return
    if kind == "hand":
        Application.update(handed_over_at=step[2]).where(Application.id == row.id).execute()
    elif kind == "promise":
        Application.update(promised_date=step[2]).where(Application.id == row.id).execute()
    elif kind == "return":
        status_event(row, "dikembalikan", step[2])
    elif kind == "ready":
        status_event(row, "siap_diambil", step[2], from_status="dikirim")
    elif kind == "drop_step":
        event = StatusEvent.select().where(StatusEvent.application == row).order_by(StatusEvent.id).first()
        if event is not None:
            event.delete_instance()
    elif kind == "move":
        Application.update(created_at=step[2]).where(Application.id == row.id).execute()
    else:
        row.delete_instance(recursive=True)


def apply_complaint_step(step):
    kind = step[0]
    if kind == "new":
        _, received, first, follow, channel, status, category_name, confidential = step
        complaint_row(received, first_response_at=first, followed_up_at=follow, channel=channel, status=status,
                  category_name=category_name, is_confidential=confidential)
        return
    row = pick(Complaint, step[1])
    if row is None:
        return
    column = {"respond": "first_response_at", "follow": "followed_up_at", "move": "received_at",
              "status": "status", "channel": "channel", "confidential": "is_confidential"}.get(kind)
    if column:
        Complaint.update({column: step[2]}).where(Complaint.id == row.id).execute()
    elif kind == "category":
        Complaint.update(category=complaint_category(step[2])).where(Complaint.id == row.id).execute()
    else:
        row.delete_instance(recursive=True)


def apply_survey_step(step):
    kind = step[0]
    if kind == "new":
        _, submitted, scores, status = step
        response = survey_response(submitted, dict(zip(ELEMENT_KEYS, scores)))
        SurveyResponse.update(status=status).where(SurveyResponse.id == response.id).execute()
        return
    if kind in ("rescore", "drop_answer"):
        answer = pick(SurveyAnswer, step[1])
        if answer is None:
            return
        if kind == "rescore":
            SurveyAnswer.update(score=step[2]).where(SurveyAnswer.id == answer.id).execute()
        else:
            answer.delete_instance()
        return
    row = pick(SurveyResponse, step[1])
    if row is None:
        return
    if kind == "status":
        SurveyResponse.update(status=step[2]).where(SurveyResponse.id == row.id).execute()
    elif kind == "move":
        SurveyResponse.update(submitted_at=step[2]).where(SurveyResponse.id == row.id).execute()
    else:
        row.delete_instance(recursive=True)


def survey_tally_rows():
    return {(day, element): (answers, score) for day, element, answers, score in
            database.execute_sql('SELECT * FROM "survey_day"') if answers or score}


def surveys_counted_here(hours: int):
    found = {}
    for a in SurveyAnswer.select(SurveyAnswer, SurveyResponse).join(SurveyResponse).where(SurveyResponse.status == "sah"):
        day = str((datetime.fromisoformat(str(a.response.submitted_at)) + timedelta(hours=hours)).date())
        answers, score = found.get((day, a.element), (0, 0))
        found[(day, a.element)] = (answers + 1, score + a.score)
    return found


def same_day(first: date, last: date) -> list[int]:
    """follow_up_sums's due days when each receipt day is its own due day."""
    return list(range((last - first).days + 1))


def check_readers_against_live(zone: str):
    """The readers the pages use give what their live twins give (the benchmark's peer)."""
    quarters = Quarter.of(2025, 4).last(6)
    assert tallies.survey_totals(quarters, zone) == live_tallies.live_survey_totals(quarters, zone)
    first = quarters[0].start  # each receipt day due 0-4 days after it (its day of the month)
    due = [i + (first + timedelta(days=i)).day % 5 for i in range((quarters[-1].end - first).days + 1)]
    for kind in ("first", "follow"):
        for open_before in (date(2024, 10, 1), date(2025, 3, 31), date(2025, 4, 1), date(2026, 1, 1)):
            assert tallies.follow_up_sums(quarters, zone, kind, due, open_before) == live_tallies.live_follow_up_sums(
                quarters, zone, kind, due, open_before)
    assert tallies.application_sums(quarters, zone) == live_tallies.live_application_sums(quarters, zone)
    for quarter in Quarter.of(2025, 4).last(5):
        calendar = WorkCalendar()
        days = [quarter.start + timedelta(days=i) for i in range((quarter.end - quarter.start).days + 1)]
        due = {"first": list(range(len(days))), "follow": [i + day.day % 5 for i, day in enumerate(days)]}
        assert sorted(tallies.complaint_done_counts(quarter.start, quarter.end, zone, calendar.running_counts, due)) == sorted(
            live_tallies.live_complaint_done_counts(quarter.start, quarter.end, zone, calendar.running_counts, due))
        assert tallies.recap_counts(quarter.start, quarter.end, zone, KNOWN) == recap_counted_here(quarter, zone)
        assert tallies.recap_counts(quarter.start, quarter.end, zone, KNOWN) == live_tallies.live_recap_counts(
            quarter.start, quarter.end, zone)


def recap_counted_here(quarter: Quarter, zone: str) -> dict:
    """The recap's counts for complaints received in the quarter, counted in Python from the rows."""
    start, end = quarter.utc_bounds(zone)
    counts = {"channel": Counter(), "status": Counter(), "category": Counter(), "total": 0, "confidential": 0}
    for c in Complaint.select(Complaint, ComplaintCategory).join(ComplaintCategory):
        if start <= datetime.fromisoformat(str(c.received_at)) < end:
            counts["total"] += 1
            counts["confidential"] += bool(c.is_confidential)
            counts["category"][c.category.name] += 1
            for dimension, key in (("channel", c.channel), ("status", c.status)):
                if key != "old":
                    counts[dimension][key] += 1
    return {k: dict(v) if isinstance(v, Counter) else v for k, v in counts.items()}


def recap_tally_rows():
    return {r[:3]: r[3] for r in database.execute_sql('SELECT * FROM "complaint_count_day"') if r[3]}


def cohort_rows():
    return {r[0]: r[1:] for r in database.execute_sql('SELECT * FROM "application_cohort_day"') if any(r[1:])}


def tally_rows():
    applications = {r[0]: r[1:] for r in database.execute_sql(
        'SELECT "day", "registered", "handed_over", "handed_on_time", "returned" FROM "application_day"')
        if any(r[1:])}
    complaints = {r[:3]: r[3] for r in database.execute_sql('SELECT * FROM "complaint_day"') if r[3]}
    return applications, complaints


WINDOW = (date(2024, 10, 1), date(2025, 12, 31))  # whole quarters around every moment the steps make


def live_rows(zone: str):
    """The same figures from the live computation (the peer in bench/bench_recap.py)."""
    applications = {str(day): tuple(counts) for day, *counts in live_tallies.live_application_days(*WINDOW, zone)}
    complaints = {(str(day), kind, str(done) if done else ""): n for kind in ("received", "first", "follow")
                  for day, done, n in live_tallies.live_complaint_days(*WINDOW, zone, kind)}
    return applications, complaints


def counted_here(hours: int):
    """The same figures counted in Python from the rows, for local days at UTC+hours."""
    local = lambda moment: (datetime.fromisoformat(str(moment)) + timedelta(hours=hours)).date()  # noqa: E731
    days = {}

    def bump(day, position):
        row = days.setdefault(str(day), [0, 0, 0, 0])
        row[position] += 1
    for a in Application.select():
        bump(local(a.created_at), 0)
        if a.handed_over_at:
            bump(local(a.handed_over_at), 1)
            if a.promised_date and date.fromisoformat(str(a.promised_date)) >= local(a.handed_over_at):
                bump(local(a.handed_over_at), 2)
    firsts = {}
    for e in StatusEvent.select().where(StatusEvent.to_status == "dikembalikan"):
        day = local(e.at)
        key = (e.application_id, day.year, (day.month - 1) // 3)
        firsts[key] = min(firsts.get(key, day), day)
    for day in firsts.values():
        bump(day, 3)
    complaints = Counter()
    for c in Complaint.select():
        received = str(local(c.received_at))
        complaints[(received, "received", "")] += 1
        for kind, moment in (("first", c.first_response_at), ("follow", c.followed_up_at)):
            if moment:
                complaints[(received, kind, str(local(moment)))] += 1
    return {d: tuple(v) for d, v in days.items() if any(v)}, dict(complaints)


@settings(max_examples=12, deadline=None, suppress_health_check=list(HealthCheck))
@given(application_steps=st.lists(application_step, max_size=30), complaint_steps=st.lists(complaint_step, max_size=30),
       survey_steps=st.lists(survey_step, max_size=30))
def test_tallies_kept_by_triggers_equal_a_rebuild_and_a_count_from_the_rows(db, application_steps, complaint_steps,
                                                                            survey_steps):
    with database.atomic() as transaction:
        tallies.ready("WIB")
        counter = [0]
        for step in application_steps:
            apply_application_step(step, counter)
        for step in complaint_steps:
            apply_complaint_step(step)
        for step in survey_steps:
            apply_survey_step(step)
        kept, kept_surveys, kept_recap = tally_rows(), survey_tally_rows(), recap_tally_rows()
        kept_cohorts = cohort_rows()
        assert kept == counted_here(7)
        assert kept_surveys == surveys_counted_here(7)
        assert live_rows("WIB") == kept
        check_readers_against_live("WIB")
        tallies.rebuild("WIB")
        assert tally_rows() == kept and survey_tally_rows() == kept_surveys and recap_tally_rows() == kept_recap
        assert cohort_rows() == kept_cohorts  # the cohort triggers (returns, readiness, moves, deletions)
        tallies.ready("WIT")  # the zone setting changed: days move by two hours, rebuilt once
        assert tally_rows() == counted_here(9)
        assert survey_tally_rows() == surveys_counted_here(9)
        assert live_rows("WIT") == counted_here(9)
        check_readers_against_live("WIT")
        transaction.rollback()  # the next example starts from an empty database


def test_tallies_are_filled_on_first_read_after_an_upgrade(db):
    application_row(1, datetime(2025, 1, 6, 3), promised_date=date(2025, 1, 20), handed_over_at=datetime(2025, 1, 20, 8))
    database.execute_sql('DELETE FROM "application_day"')
    database.execute_sql('UPDATE "tally_zone" SET "built" = 0')  # as the migration leaves an existing office
    assert tallies.application_sums([Quarter.of(2025, 1)], "WIB") == [(1, 1, 1)]
    assert tally_rows()[0] == {"2025-01-06": (1, 0, 0, 0), "2025-01-20": (0, 1, 1, 0)}


def test_each_reader_rebuilds_the_days_for_the_zone_it_is_asked_in(db):
    """31 December 2025 16:30 UTC is 1 January in WITA and still 31 December in WIB: read in WITA after
    the tallies were built for WIB, every reader counts WITA's days (and no day past its end)."""
    new_year, fifth = date(2026, 1, 1), date(2026, 1, 5)
    first = application_row(1, datetime(2025, 12, 31, 16, 30), promised_date=fifth,
                        handed_over_at=datetime(2026, 1, 4, 16, 30))  # 5 January 00.30 WITA
    StatusEvent.create(application=first, from_status="diterima", to_status="dikembalikan",
                       at=datetime(2025, 12, 31, 16, 40), username="loket")
    complaint_row(datetime(2025, 12, 31, 16, 30), first_response_at=datetime(2025, 12, 31, 16, 45))
    q4, q1 = Quarter.of(2025, 4), Quarter.of(2026, 1)
    tallies.ready("WIB")
    assert tallies.application_sums([q4, q1], "WITA") == [(0, 0, 0), (1, 1, 1)]
    assert tally_rows()[0] == {str(new_year): (1, 0, 0, 1), str(fifth): (0, 1, 1, 0)}  # no day past its end
    tallies.ready("WIB")
    assert tallies.cohort_sums([q4, q1], "WITA") == [(0, 0, 0), (1, 1, 1)]
    assert tallies.cohort_sums([q1], "WITA", until=fifth - timedelta(days=1)) == [(1, 0, 0)]
    tallies.ready("WIB")
    q1 = Quarter.of(2026, 1)
    assert tallies.follow_up_sums([q4, q1], "WITA", "first", same_day(q4.start, q1.end), new_year) == [(0, 0), (1, 1)]


def test_a_period_with_no_days_sums_to_nothing_of_its_own_width(db):
    """A period that ends before it starts (nothing received in it) is counted as zeros, as many as the
    reader gives for any other period."""
    complaint_row(datetime(2026, 1, 5, 3), first_response_at=datetime(2026, 1, 5, 4))
    q1 = Quarter.of(2026, 1)
    empty = Period(date(2026, 2, 1), date(2026, 1, 31))
    assert tallies.follow_up_sums([q1, empty], "WIB", "first", same_day(q1.start, q1.end), date(2026, 4, 1)) == [(1, 1), (0, 0)]
    assert tallies.application_sums([q1, empty], "WIB") == [(0, 0, 0), (0, 0, 0)]
    assert tallies.cohort_sums([q1, empty], "WIB") == [(0, 0, 0), (0, 0, 0)]
