"""What a recap shows: live figures for a draft, the frozen snapshot once the Camat approved it."""
import json

from app.frame.office_calendar import office_calendar
from app.frame.dates import utc_now
from app.frame.pagination import Page, paginate_kept
from app.frame.periods import Quarter
from app.recap import figures
from app.recap.models import QuarterRecap, RecapFrozenComplaint, RecapStatus
from app.frame import figure_cache, statements, store
from app.frame.db import database
from app.figures import tallies
from app.survey.figures import answers_by_status, ikm_for_period
from app.survey.models import ResponseStatus

SNAPSHOT_VERSION = 1


def _targets() -> tuple[int, int]:
    return int(store.get("complaint_first_response_days")), int(store.get("complaint_follow_up_days"))


def approved_snapshot(quarter: Quarter) -> dict | None:
    """What the quarter's approved recap froze, or None while it has none (its one column read, not
    the whole recap: the live recap asks this of the quarter before on every computation)."""
    row = database.execute_sql('SELECT "snapshot" FROM "quarter_recap" WHERE "year" = ? AND "quarter" = ? '
                               'AND "status" = ?', (quarter.year, quarter.number, RecapStatus.APPROVED)).fetchone()
    return None if row is None else json.loads(row[0])


def freeze_list(recap: QuarterRecap, items: list[dict]) -> None:
    """Store the approved recap's complaint list row by row (inside the approval's transaction)."""
    rows = [{"recap": recap.id, "position": n, "item": json.dumps(item, ensure_ascii=False)}
            for n, item in enumerate(items)]
    for start in range(0, len(rows), 1000):
        RecapFrozenComplaint.insert_many(rows[start:start + 1000]).execute()


def frozen_rows(recap_id: int):  # a builder (app/frame/statements.py)
    return (RecapFrozenComplaint.select(RecapFrozenComplaint.position, RecapFrozenComplaint.item)
            .where(RecapFrozenComplaint.recap == recap_id).order_by(RecapFrozenComplaint.position.asc()))


def frozen_list(recap: QuarterRecap) -> list[dict]:
    return [json.loads(item) for _, item in statements.fetched(frozen_rows, recap.id)]


def quarter_figures(quarter: Quarter, zone: str, calendar, first_days: int, follow_days: int) -> dict:
    """figures.complaint_figures, kept as the quarter's part (figure_cache.kept_figure with
    `quarters`): a complaint written in another quarter does not make it be computed again."""
    return figure_cache.kept_figure(
        "complaint figures", (quarter.key, zone, first_days, follow_days),
        lambda: figures.complaint_figures(quarter, zone, calendar, first_days, follow_days), quarters=[quarter])


def live_contents(quarter: Quarter, zone: str) -> dict:
    """Figures of the quarter and the previous one, IKM, addendum; not the (long) complaint list.
    Read from the base tables and the two quarters' day-keyed rows only (contents_shown)."""
    with tallies.reading(zone):
        return _live_contents(quarter, zone)


def _live_contents(quarter: Quarter, zone: str) -> dict:
    calendar = office_calendar()
    first_days, follow_days = _targets()
    previous = quarter.previous()
    previous_snapshot = approved_snapshot(previous)
    if previous_snapshot is not None:
        previous_figures = previous_snapshot["figures"]  # the summary only: small
    else:
        previous_figures = quarter_figures(previous, zone, calendar, first_days, follow_days)
    addendum, addendum_confidential = figures.late_entries(quarter.utc_bounds(zone)[0], zone)
    answers = answers_by_status(quarter, zone)  # its valid ones are the IKM's respondents
    return {
        "version": SNAPSHOT_VERSION,
        "quarter": quarter.key, "label": quarter.label, "months": quarter.months,
        "figures": quarter_figures(quarter, zone, calendar, first_days, follow_days),
        "previous": {"label": previous.label, "figures": previous_figures, "approved": previous_snapshot is not None},
        "ikm": ikm_for_period(quarter, zone, answers[ResponseStatus.VALID]).as_dict() | {"answers": answers},
        "addendum": addendum,
        "addendum_confidential_ids": addendum_confidential,
        "first_response_days": first_days, "follow_up_days": follow_days,
    }


def snapshot_of(quarter: Quarter, zone: str) -> dict:
    """Everything the approved notice shows, as of now; the full list under "complaints"."""
    contents = live_contents(quarter, zone)
    contents["complaints"] = figures.complaint_list(quarter, zone)
    contents["frozen_at"] = str(utc_now())
    return contents


def with_full_list(quarter: Quarter, recap: QuarterRecap | None, zone: str) -> tuple[dict, bool]:
    """Contents plus the whole complaint list (print, XLSX): frozen rows when approved, else live."""
    contents, frozen = contents_for(quarter, recap, zone)
    if frozen:
        contents["complaints"] = frozen_list(recap)
    else:
        contents["complaints"] = figures.complaint_list(quarter, zone)
    return contents, frozen


def contents_for(quarter: Quarter, recap: QuarterRecap | None, zone: str) -> tuple[dict, bool]:
    """(contents, frozen): the approved snapshot when there is one, else live figures."""
    if recap is not None and recap.status == RecapStatus.APPROVED and recap.snapshot:
        return json.loads(recap.snapshot), True
    return live_contents(quarter, zone), False


def contents_shown(quarter: Quarter, recap: QuarterRecap | None, zone: str, today) -> tuple[dict, bool]:
    """contents_for, kept until a figure's source changes (figure_cache.kept_figure), for callers that only read it (the page and
    its list): under the base part and the parts of the quarter and the one before it, so the
    desk's complaint of today leaves an earlier quarter's recap as it was kept. The recap's state
    is in the key: it was read before the stamp was taken."""
    state = (recap.id, recap.status, bool(recap.snapshot)) if recap is not None else None
    return figure_cache.kept_figure("recap", (quarter.key, zone, today, state), lambda: contents_for(quarter, recap, zone),
                                    quarters=[quarter, quarter.previous()])


def complaints_page(quarter: Quarter, recap: QuarterRecap | None, frozen: bool, zone: str, size: int) -> Page:
    """One page of the complaint list by keyset (the URL's cursor): frozen rows when approved, else live."""
    if frozen:
        page = paginate_kept(frozen_rows, (recap.id,), size)
        page.items = [json.loads(item) for _, item in page.items]
    else:
        page = paginate_kept(figures.complaint_rows, quarter.utc_bounds(zone), size)
        page.items = [figures.list_item(row, zone) for row in page.items]
    return page
