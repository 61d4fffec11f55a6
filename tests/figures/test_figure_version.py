"""The heavy pages' figures are kept under the figures' version (issue 32): every row a kept figure
reads changes the version when written, and nothing else does (audit rows, sign-ins, views)."""
import re
from datetime import datetime, timedelta

import pytest

from app.frame import figure_cache
from app.frame.db import database
from tests.support.factory import application_row, box_opening, closed_day, complaint_row, returned_event, survey_response
from tests.support.table_reads import reads_into

def _read_while_computing(monkeypatch) -> set[tuple[str, str]]:
    """(table, column) of every read of the computations kept under the figures' version."""
    seen: set[tuple[str, str]] = set()
    real = figure_cache.kept_figure

    def watched(name, key, compute, quarters=None):
        def traced():
            with reads_into(seen):
                return compute()
        return real(name, key, traced, quarters=quarters)
    monkeypatch.setattr(figure_cache, "kept_figure", watched)
    return seen


def _heavy_pages(client_for) -> None:
    """Every page that shows a kept figure, as the roles who see them."""
    today = datetime.utcnow()
    for role in ("camat", "petugas_informasi", "kasi_pelayanan", "admin"):
        client = client_for(role)
        assert client.get("/").status_code == 200
    camat = client_for("camat")
    assert camat.get(f"/indikator?tahun={today.year}").status_code == 200
    assert camat.get("/rekap").status_code in (200, 302, 303)
    quarter = (today.month - 1) // 3 + 1
    assert camat.get(f"/rekap/{today.year}/{quarter}").status_code == 200


# The tallies change only with their source rows (whose triggers change the version) or in a rebuild
# (rows deleted and inserted; tests/indicators/test_tallies.py keeps them equal to their sources).
TALLIES = {"application_day", "application_cohort_day", "complaint_day", "complaint_count_day", "survey_day"}


def _fill_every_figure() -> None:
    now = datetime.utcnow()
    complaint_row(now - timedelta(days=20), followed_up_at=now - timedelta(days=2), status="selesai")
    complaint_row(now - timedelta(days=20))
    survey_response(now - timedelta(days=3), 3)


def _triggers(table: str) -> dict[str, str]:
    return {name: sql for name, sql in database.execute_sql(
        "SELECT name, sql FROM sqlite_master WHERE type = 'trigger' AND tbl_name = ? AND name LIKE 'figure_version_%'",
        (table,))}


def test_every_row_a_kept_figure_reads_changes_the_version(client_for, db, monkeypatch):
    seen = _read_while_computing(monkeypatch)
    _fill_every_figure()
    _heavy_pages(client_for)
    tables = {table for table, _ in seen} - {"json_each", "figure_version", "figure_part"}
    assert {"application_day", "complaint", "survey_response", "setting", "indicator_target"} <= tables
    for table in sorted(tables):
        triggers = _triggers(table)
        assert f"figure_version_{table}_insert" in triggers and f"figure_version_{table}_delete" in triggers, table
        if table in TALLIES:
            continue
        update = triggers.get(f"figure_version_{table}_update", "")
        watched = re.search(r"AFTER UPDATE OF (.*?) ON", update, re.S)
        for _, column in sorted(c for c in seen if c[0] == table and c[1] != "id"):
            assert update, table
            assert watched is None or f'"{column}"' in watched.group(1), (table, column)
            assert watched is None or f'OLD."{column}" IS NOT NEW."{column}"' in update, (table, column)


# --- each kind of write that feeds a figure shows at once; nothing else recomputes it -------------

def _now() -> datetime:
    return datetime.utcnow().replace(microsecond=0)


def _last_working_day_before(day):
    from app.frame.office_calendar import office_calendar
    day -= timedelta(days=1)
    while not office_calendar().is_working_day(day):
        day -= timedelta(days=1)
    return day


def _new_application(number=1, **fields):
    return application_row(number, _now() - timedelta(days=2), **fields)


def _handed_over(held):
    held["app"].handed_over_at = _now() - timedelta(hours=1)
    held["app"].promised_date = (_now() + timedelta(days=3)).date()
    held["app"].save()


def _returned(held):
    returned_event(held["app"], _now() - timedelta(hours=1))


def _complaint_received(held):
    complaint_row(_now() - timedelta(days=1), channel="sms")


def _complaint_followed_up(held):
    held["complaint"].followed_up_at = _now() - timedelta(hours=1)
    held["complaint"].status = "selesai"
    held["complaint"].save()


def _category_renamed(held):
    held["complaint"].category.name = "Antrean"
    held["complaint"].category.save()


def _survey_answered(held):
    survey_response(_now() - timedelta(hours=2), 1)


def _survey_voided(held):
    held["survey"].status = "batal"
    held["survey"].save()


def _target_set(held):
    from app.indicators.models import IndicatorTarget
    IndicatorTarget.create(year=_now().year, indicator="serah_tepat_waktu", target=42.5, updated_at=_now())


def _box_opened(held):
    box_opening(_last_working_day_before(_now().date()), _now())


def _office_closed(held):
    closed_day(_last_working_day_before(_now().date()), "Rapat", _now())


def _follow_up_days_set(held):
    from app.frame import store
    store.put("complaint_follow_up_days", 1)


WRITES = [_handed_over, _returned, _complaint_received, _complaint_followed_up, _category_renamed, _survey_answered,
          _survey_voided, _target_set, _box_opened, _office_closed, _follow_up_days_set]


def _figure_pages(client_for) -> list[str]:
    now = _now()
    quarter = (now.month - 1) // 3 + 1
    pages = [client_for("camat").get(f"/indikator?tahun={now.year}"), client_for("camat").get(f"/rekap/{now.year}/{quarter}"),
             client_for("kasi_pelayanan").get("/")]
    assert all(page.status_code == 200 for page in pages)
    return [page.get_data(as_text=True) for page in pages]


@pytest.mark.parametrize("write", WRITES, ids=lambda w: w.__name__.strip("_"))
def test_a_write_that_changes_a_figure_shows_at_once(client_for, db, write):
    held = {"app": _new_application(), "complaint": complaint_row(_now() - timedelta(days=9)),
            "survey": survey_response(_now() - timedelta(days=1), 4)}
    before = _figure_pages(client_for)  # computed and kept
    assert _figure_pages(client_for) == before
    write(held)
    shown = _figure_pages(client_for)
    figure_cache._kept.clear()
    assert shown == _figure_pages(client_for)  # what is shown is what a fresh computation gives
    assert shown != before  # and the write did change a figure


def test_views_sign_ins_and_audit_rows_do_not_recompute_the_figures(client_for, db, monkeypatch):
    import app.indicators.views as indicator_views
    computed = []
    real = indicator_views.indicator_rows
    monkeypatch.setattr(indicator_views, "indicator_rows", lambda *a: computed.append(a) or real(*a))
    held = _new_application()
    _fill_every_figure()
    camat = client_for("camat")
    url = f"/indikator?tahun={_now().year}"
    camat.get(url)  # the tallies are built on a fresh database's first figure (a write)
    first = camat.get(url).get_data(as_text=True)
    version = figure_cache.figures_stamp()
    assert len(computed) == 2 and version is not None
    assert client_for("petugas_loket").get(f"/pendaftaran/{held.id}").status_code == 200  # audited view
    assert client_for("admin").get("/audit").status_code == 200  # a sign-in, a session, the trail read
    assert camat.get(url).get_data(as_text=True) == first
    assert figure_cache.figures_stamp() == version and len(computed) == 2
