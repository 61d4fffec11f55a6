"""The heavy pages' figures kept in parts (issue 32, schema 0026_figures_by_quarter.sql): a base part
and one part per local quarter, each changed by the writes it counts. After every kind of write
that feeds a figure, dated in this quarter or an earlier one, the kept pages equal the pages
computed afresh from tallies rebuilt from the raw rows; a complaint of today leaves the earlier
quarters' parts kept."""
from datetime import datetime, timedelta

import pytest

from app.figures import tallies
from app.frame import figure_cache, store
from app.frame.dates import local_today
from app.frame.db import database
from app.frame.periods import Quarter
from tests.support.factory import (application_row, box_opening, closed_day, complaint_category, complaint_row,
                                   survey_response)
from tests.support.table_reads import reads_into


def _now() -> datetime:
    return datetime.utcnow().replace(microsecond=0)


def _quarters() -> tuple[Quarter, Quarter, Quarter]:
    current = Quarter.containing((_now() + timedelta(hours=7)).date())  # the office's zone (WIB) by default
    return current, current.previous(), current.previous().previous()


def _mid(quarter: Quarter, days: int = 20) -> datetime:
    return datetime.combine(quarter.start + timedelta(days=days), datetime.min.time()) + timedelta(hours=3)


def _working_day(quarter: Quarter, after: int):
    from app.frame.office_calendar import office_calendar
    day = quarter.start + timedelta(days=after)
    while not office_calendar().is_working_day(day):
        day += timedelta(days=1)
    return day


def _fill() -> dict:
    current, previous, before = _quarters()
    now = _now()
    held = {"quarters": (current, previous, before)}
    complaint_category("Antrean")  # there before: an edit to it is a complaint's write only
    held["complaint_previous"] = complaint_row(_mid(previous), channel="kiosk")
    held["complaint_before"] = complaint_row(_mid(before, 30), channel="surat")
    complaint_row(_mid(before, 5), status="selesai", first_response_at=_mid(before, 6),
              followed_up_at=_mid(before, 9), tindak_lanjut="Selesai")  # three working days or so: late at one
    # 23.30 WIB on the previous quarter's last day: 00.30 WITA, the next quarter's first day.
    complaint_row(datetime.combine(previous.end, datetime.min.time()) + timedelta(hours=16, minutes=30), channel="sms")
    complaint_row(now - timedelta(hours=2))
    held["registered_previous"] = application_row(1, _mid(previous), status="diterima")
    held["shipped"] = application_row(2, _mid(before), status="dikirim", promised_date=(now + timedelta(days=5)).date())
    held["ready"] = application_row(3, _mid(previous, 40), status="siap_diambil",
                                promised_date=(now + timedelta(days=3)).date())
    held["sent"] = application_row(4, _mid(previous, 10), status="terkirim")
    held["survey"] = survey_response(_mid(previous, 15), 4)
    survey_response(_mid(before, 15), 3)
    box_opening(_working_day(previous, 3), now)
    return held


def _transition(application_row, to_status, note=""):
    from app.registration.models import Application
    from app.registration.status import transition
    with database.atomic():
        transition(Application.get_by_id(application_row.id), to_status, note=note)


# --- the writes: (function, whether the pages show a change) ------------------------------------

def _complaint_of_today(held):
    complaint_row(_now() - timedelta(minutes=5), channel="sms")


def _complaint_entered_late(held):  # received last quarter, typed in today
    complaint_row(_mid(held["quarters"][1], 30), channel="surat", created_at=_now())


def _complaint_passed_on(held):
    row = held["complaint_previous"]
    row.status, row.first_response_at, row.section = "diteruskan", _now(), "Kasi Pemerintahan"
    row.save()


def _complaint_closed(held):
    row = held["complaint_before"]
    row.status, row.followed_up_at, row.tindak_lanjut = "selesai", _now(), "Sudah ditindaklanjuti"
    row.save()


def _complaint_edited(held):
    row = held["complaint_previous"]
    row.channel, row.category = "telepon", complaint_category("Antrean")
    row.save()


def _complaint_moved_to_another_quarter(held):
    row = held["complaint_previous"]
    row.received_at = _mid(held["quarters"][2], 40)
    row.save()


def _application_registered(held):
    application_row(90, _now() - timedelta(minutes=5))


def _application_returned(held):
    _transition(held["registered_previous"], "dikembalikan", "KK belum dilampirkan")


def _application_completed(held):  # its promise settles in the future: nothing shown changes yet
    _transition(held["registered_previous"], "lengkap")


def _status_from_the_center(held):  # printed: no figure counts it
    from sync.client import records
    application_row = held["sent"]
    _transition(application_row, "diterima_pusat")
    with database.atomic():  # the kind's one way of settling the center's statuses (a settlement of one)
        settled = records.kind().settle_many([])
        assert settled.apply_status({"status": "printed", "id": application_row.registration_number,
                                     "version": application_row.version}, lambda: None)
        settled.write()


def _card_ready(held):
    _transition(held["shipped"], "siap_diambil")


def _handed_over(held):
    from app.registration.models import Application
    from app.registration.records import hand_over
    hand_over(Application.get_by_id(held["ready"].id), "Warga Tiga", "", "")


def _application_date_edited(held):
    row = held["registered_previous"]
    row.created_at = _mid(held["quarters"][2], 50)
    row.save()


def _survey_answered_late(held):
    survey_response(_mid(held["quarters"][1], 25), 1)


def _survey_voided(held):
    held["survey"].status = "batal"
    held["survey"].save()


def _box_opened_late(held):
    box_opening(_working_day(held["quarters"][1], 30), _now())


def _office_closed(held):  # a holiday entered for a day of last quarter
    closed_day(_working_day(held["quarters"][1], 3), "Banjir", _now())


def _zone_changed(held):
    store.put("timezone", "Asia/Makassar")


def _follow_up_days_set(held):
    store.put("complaint_follow_up_days", 1)


def _target_set(held):
    from app.indicators.models import IndicatorTarget
    IndicatorTarget.create(year=held["quarters"][1].year, indicator="kotak_saran", target=42.5, updated_at=_now())


def _category_renamed(held):
    renamed = complaint_category("KTP-el")
    renamed.name = "KTP elektronik"
    renamed.save()


WRITES = [(_complaint_of_today, True), (_complaint_entered_late, True), (_complaint_passed_on, True),
          (_complaint_closed, True), (_complaint_edited, True), (_complaint_moved_to_another_quarter, True),
          (_application_registered, True), (_application_returned, True), (_application_completed, False),
          (_status_from_the_center, False), (_card_ready, True), (_handed_over, True),
          (_application_date_edited, True), (_survey_answered_late, True), (_survey_voided, True),
          (_box_opened_late, True), (_office_closed, True), (_zone_changed, True), (_follow_up_days_set, True),
          (_target_set, True), (_category_renamed, True)]


def _pages(client_for, quarters) -> dict[str, str]:
    """Every page a kept figure shows on, for this quarter and the two before it."""
    current, previous, before = quarters
    urls = [f"/indikator?tahun={current.year}", f"/indikator?tahun={before.year}&triwulan={before.number}",
            f"/indikator?tahun={previous.year}", "/",
            *(f"/rekap/{q.year}/{q.number}" for q in quarters)]
    camat = client_for("camat")
    shown = {}
    for url in urls:
        response = camat.get(url)
        assert response.status_code == 200, url
        shown[url] = response.get_data(as_text=True)
    return shown


def _recounted(client_for, quarters, monkeypatch) -> dict[str, str]:
    """The pages computed afresh, nothing kept, from tallies rebuilt from the raw rows."""
    with monkeypatch.context() as scoped:
        scoped.setattr(figure_cache, "kept_figure", lambda name, key, compute, quarters=None: compute())
        tallies.rebuild(store.get("timezone"))
        return _pages(client_for, quarters)


def _shown_and_recounted(client_for, quarters, monkeypatch) -> tuple[dict, dict]:
    """The pages as kept and as recounted, read on one office day. Every period's figures count up to
    today, so the office's midnight between the two reads (17:00 UTC in WIB) makes them differ, rightly
    (the kept ones are kept per day): read both again then. CI met it once (216 against 217 service days)."""
    for _ in range(2):
        day = local_today(store.get("timezone"))
        shown = _pages(client_for, quarters)
        recounted = _recounted(client_for, quarters, monkeypatch)
        if local_today(store.get("timezone")) == day:
            break
    return shown, recounted


@pytest.mark.parametrize("write, shows", WRITES, ids=[w.__name__.strip("_") for w, _ in WRITES])
def test_after_each_write_the_kept_pages_equal_a_recount_from_the_rows(client_for, db, monkeypatch, write, shows):
    held = _fill()
    quarters = held["quarters"]
    before = _pages(client_for, quarters)
    assert _pages(client_for, quarters) == before  # computed once, then kept
    write(held)
    shown, recounted = _shown_and_recounted(client_for, quarters, monkeypatch)
    for url in shown:
        assert shown[url] == recounted[url], url
    figures = [url for url in shown if url != "/"]  # the dashboard also lists live counts of every kind
    assert any(shown[url] != before[url] for url in figures) == shows


@pytest.mark.clock
def test_a_complaint_of_today_computes_only_this_quarter_again(client_for, db, monkeypatch):
    import app.indicators.figures as indicator_figures
    import app.recap.figures as recap_figures
    held = _fill()
    current, previous, before = held["quarters"]
    computed = []
    real_indicators, real_recap = indicator_figures._quarters_figures, recap_figures.complaint_figures
    monkeypatch.setattr(indicator_figures, "_quarters_figures", lambda quarters, *a: computed.extend(
        ("_quarters_figures", q) for q in quarters) or real_indicators(quarters, *a))
    monkeypatch.setattr(recap_figures, "complaint_figures", lambda quarter, *a: computed.append(
        ("complaint_figures", quarter)) or real_recap(quarter, *a))
    shown = _pages(client_for, held["quarters"])
    assert ("_quarters_figures", before) in computed and ("complaint_figures", before) in computed
    computed.clear()
    _complaint_of_today(held)
    after = _pages(client_for, held["quarters"])
    assert sorted(set(computed)) == [("_quarters_figures", current), ("complaint_figures", current)]
    for q in (previous, before):  # their recaps were read as kept, every byte
        assert after[f"/rekap/{q.year}/{q.number}"] == shown[f"/rekap/{q.year}/{q.number}"]
    assert after[f"/rekap/{current.year}/{current.number}"] != shown[f"/rekap/{current.year}/{current.number}"]


def test_a_write_in_a_transaction_is_not_seen_until_it_commits(client_for, db):
    """A part is read outside transactions only: what a rolled-back write computed is never kept."""
    held = _fill()
    current = held["quarters"][0]
    stamp = figure_cache.parts_stamp([current])
    with database.atomic() as transaction:
        complaint_row(_now() - timedelta(minutes=1))
        assert figure_cache.parts_stamp([current]) is None
        transaction.rollback()
    assert figure_cache.parts_stamp([current]) == stamp


# --- every table a part reads changes a part ------------------------------------------------------

# Read by quarter parts: each row's local day names its quarter (the tallies, the survey responses,
# the kotak saran days); the other tables change the base part.
DAY_KEYED = {"application_day", "application_cohort_day", "complaint_day", "complaint_count_day", "survey_day",
             "survey_response", "suggestion_box_session"}


def test_every_table_read_under_parts_changes_a_part_when_written(client_for, db, monkeypatch):
    seen: set[tuple[str, str]] = set()
    real = figure_cache.kept_figure

    def watched(name, key, compute, quarters=None):
        if quarters is None:
            return real(name, key, compute)

        def traced():
            with reads_into(seen):
                return compute()
        return real(name, key, traced, quarters=quarters)
    held = _fill()
    tallies.ready(store.get("timezone"))  # a fresh database builds them on its first figure: a write
    monkeypatch.setattr(figure_cache, "kept_figure", watched)
    _pages(client_for, held["quarters"])
    tables = {table for table, _ in seen} - {"json_each", "figure_version", "figure_part"}
    assert {"complaint_day", "application_cohort_day", "survey_response", "suggestion_box_session", "quarter_recap", "complaint_category"} <= tables, tables
    for table in sorted(tables):
        operations = {op for op, in database.execute_sql(
            "SELECT upper(substr(sql, instr(sql, 'AFTER ') + 6, 6)) FROM sqlite_master "
            "WHERE type = 'trigger' AND tbl_name = ? AND name LIKE 'figure_part_%'", (table,))}
        if table == "complaint":  # read for the late entries: their own rows change the base part on insert
            assert {"UPDATE", "DELETE"} <= operations, table
            continue
        assert {"INSERT", "UPDATE", "DELETE"} <= operations, table
        writes_quarter = database.execute_sql(
            "SELECT count(*) FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? "
            "AND name LIKE 'figure_part_%' AND sql LIKE '%VALUES ('''', random())%'", (table,)).fetchone()[0] == 0
        assert writes_quarter == (table in DAY_KEYED), table


def test_an_upgraded_database_keeps_and_renews_its_parts(client_for, db, monkeypatch):
    """Upgraded to 0026 with rows of every kind and no quarter part yet (nothing is built: a part
    reads as none until its first write), the pages are kept, and a write shows at once."""
    held = _fill()
    database.execute_sql('DELETE FROM "figure_part" WHERE "part" <> \'\'')  # as 0026 leaves an older database
    quarters = held["quarters"]
    before = _pages(client_for, quarters)
    assert _pages(client_for, quarters) == before
    _complaint_entered_late(held)
    shown, recounted = _shown_and_recounted(client_for, quarters, monkeypatch)
    assert shown == recounted
    previous = quarters[1]
    assert shown[f"/rekap/{previous.year}/{previous.number}"] != before[f"/rekap/{previous.year}/{previous.number}"]


def test_the_migration_gives_an_older_database_its_base_part(tmp_path):
    from app.frame.db import make_database
    from app.frame.migrations import KECAMATAN_SCHEMA, migrate, migration_files
    older = tmp_path / "schema"
    older.mkdir()
    for number, path in migration_files():
        if number < 26:
            (older / path.name).write_text(path.read_text())
    old = make_database(tmp_path / "old.sqlite3")
    assert migrate(old, older) == 25
    migrate(old, KECAMATAN_SCHEMA)
    assert old.execute_sql('SELECT "part", "n" FROM "figure_part"').fetchall() == [("", 0)]
