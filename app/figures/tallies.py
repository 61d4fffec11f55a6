"""The read model below the figures' pages (issue 31): per-day tallies of applications, complaints and survey answers (schema 0008_i16_daily_tallies.sql,
0013_p16_survey_tallies.sql, and the recap's counts by channel, status and category,
0015_p20_recap_tallies.sql).

Triggers keep them in the same transaction as every write; this module reads them and rebuilds
them from the rows when they are not built yet (an upgrade) or the office's zone changed, since
their days are local days. The indicators page and the complaint recap read a few hundred day
rows instead of every row of the last two years, so they cost the same in year one and year ten.
"""
import contextvars
import json
from contextlib import contextmanager
from datetime import date

from app.frame.db import database
from app.frame.dates import utc_offset_hours
from app.frame.periods import Period

_MODIFIER = "(SELECT \"modifier\" FROM \"tally_zone\")"
# The first local day of the quarter of local day "d".
_QUARTER_START = ("date({d}, 'start of month', '-' || ((CAST(strftime('%m', {d}) AS INTEGER) - 1) % 3) "
                  "|| ' months')")

_EVENT_QUARTER = _QUARTER_START.format(d=f'date("at", {_MODIFIER})')

REBUILD = (
    'DELETE FROM "application_day"',
    'DELETE FROM "complaint_day"',
    f'INSERT INTO "application_day" ("day", "registered") SELECT date("created_at", {_MODIFIER}), count(*) '
    'FROM "application" WHERE true GROUP BY 1',
    f'INSERT INTO "application_day" ("day", "handed_over", "handed_on_time") '
    f'SELECT date("handed_over_at", {_MODIFIER}) AS "d", count(*), '
    f'coalesce(sum("promised_date" >= date("handed_over_at", {_MODIFIER})), 0) FROM "application" '
    'WHERE "handed_over_at" IS NOT NULL GROUP BY 1 '
    'ON CONFLICT ("day") DO UPDATE SET "handed_over" = excluded."handed_over", '
    '"handed_on_time" = excluded."handed_on_time"',
    # Each application's first return in each local quarter.
    'INSERT INTO "application_day" ("day", "returned") SELECT "first", count(*) FROM ('
    f'SELECT min(date("at", {_MODIFIER})) AS "first" FROM "application_status_event" '
    f'WHERE "to_status" = \'dikembalikan\' GROUP BY "application_id", '
    f'{_EVENT_QUARTER}) WHERE true GROUP BY 1 '
    'ON CONFLICT ("day") DO UPDATE SET "returned" = excluded."returned"',
    f'INSERT INTO "complaint_day" ("day", "kind", "done_day", "n") '
    f'SELECT date("received_at", {_MODIFIER}), \'received\', \'\', count(*) FROM "complaint" WHERE true GROUP BY 1',
    *(f'INSERT INTO "complaint_day" ("day", "kind", "done_day", "n") '
      f'SELECT date("received_at", {_MODIFIER}), \'{kind}\', date("{column}", {_MODIFIER}), count(*) '
      f'FROM "complaint" WHERE "{column}" IS NOT NULL GROUP BY 1, 3'
      for kind, column in (("first", "first_response_at"), ("follow", "followed_up_at"))),
    # The registration indicators' cohorts (see schema 0019 / app/indicators/sources.py).
    'DELETE FROM "application_cohort_day"',
    'INSERT INTO "application_cohort_day" ("day", "returned") SELECT date(a."created_at", (SELECT "modifier" FROM "tally_zone")), count(*) FROM "application" a WHERE (EXISTS (SELECT 1 FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = a."id" AND e."to_status" = \'dikembalikan\') OR 0) GROUP BY 1',
    'INSERT INTO "application_cohort_day" ("day", "ready_due", "ready_kept") SELECT s."d", count(*), sum(s."k") FROM (SELECT CASE WHEN t.r <= t.p THEN t.r ELSE date(t.p, \'+1 day\') END AS "d", t.r <= t.p AS "k" FROM (SELECT a."promised_date" AS "p", min(coalesce((SELECT min(date(e."at", (SELECT "modifier" FROM "tally_zone"))) FROM "application_status_event" e INDEXED BY "application_status_event_application_id" WHERE e."application_id" = a."id" AND e."to_status" = \'siap_diambil\'), \'9999-12-31\'), coalesce(date(a."handed_over_at", (SELECT "modifier" FROM "tally_zone")), \'9999-12-31\'), \'9999-12-31\') AS "r" FROM "application" a WHERE a."promised_date" IS NOT NULL) t) s WHERE true GROUP BY 1 ON CONFLICT ("day") DO UPDATE SET "ready_due" = excluded."ready_due", "ready_kept" = excluded."ready_kept"',
    'DELETE FROM "survey_day"',
    f'INSERT INTO "survey_day" ("day", "element", "answers", "score") '
    f'SELECT date(r."submitted_at", {_MODIFIER}), a."element", count(*), sum(a."score") FROM "survey_answer" a '
    'JOIN "survey_response" r ON r."id" = a."response_id" WHERE r."status" = \'sah\' GROUP BY 1, 2',
    'DELETE FROM "complaint_count_day"',
    *(f'INSERT INTO "complaint_count_day" ("day", "dimension", "key", "n") '
      f'SELECT date("received_at", {_MODIFIER}), \'{dimension}\', {key}, count(*) FROM "complaint" '
      f'WHERE {where} GROUP BY 1, 3'
      for dimension, key, where in (("channel", '"channel"', "true"), ("status", '"status"', "true"),
                                    ("category", 'CAST("category_id" AS TEXT)', "true"),
                                    ("confidential", "''", '"is_confidential"'),
                                    ("first", "''", '"first_response_at" IS NOT NULL'),
                                    ("follow", "''", '"followed_up_at" IS NOT NULL'))),
    'UPDATE "tally_zone" SET "built" = 1',
)


def modifier_for(zone: str) -> str:
    return f"{utc_offset_hours(zone):+d} hours"


def rebuild(zone: str) -> None:
    """Every tally from the rows, for local days of `zone` (one transaction)."""
    with database.atomic("IMMEDIATE"):
        database.execute_sql('UPDATE "tally_zone" SET "modifier" = ?', (modifier_for(zone),))
        for statement in REBUILD:
            database.execute_sql(statement)


# (database, zone) whose tallies a page's computation checked already (reading()).
_checked: contextvars.ContextVar = contextvars.ContextVar("tallies_checked", default=None)


def ready(zone: str) -> None:
    """Build the tallies once when missing or made for another zone."""
    checked = _checked.get()
    if checked is not None and checked[0] is database.obj and checked[1] == zone:
        return
    modifier, built = database.execute_sql('SELECT "modifier", "built" FROM "tally_zone"').fetchone()
    if not built or modifier != modifier_for(zone):
        rebuild(zone)


@contextmanager
def reading(zone: str):
    """The tallies checked once (ready) for every reader inside: a page reads them five or six times
    and each read checked them again (issue 73)."""
    ready(zone)
    token = _checked.set((database.obj, zone))
    try:
        yield
    finally:
        _checked.reset(token)


_PERIODS = ('WITH "p" AS MATERIALIZED (SELECT key AS "n", value ->> 0 AS "start", value ->> 1 AS "end" '
            'FROM json_each(?1)) ')


def _periods_json(periods) -> str:
    return json.dumps([[str(p.start), str(p.end)] for p in periods])


def _per_period(periods, rows, width: int) -> list[tuple[int, ...]]:
    sums = [(0,) * width] * len(periods)
    for n, *found in rows.fetchall():  # every row in one call
        sums[n] = tuple(found)
    return sums


def application_sums(periods, zone: str) -> list[tuple[int, int, int]]:
    """Per period (local days start..end): (registered, handed over, handed over on time), the day
    tallies summed in SQL."""
    ready(zone)
    return _per_period(periods, database.execute_sql(
        _PERIODS + 'SELECT p."n", sum(a."registered"), sum(a."handed_over"), sum(a."handed_on_time") FROM "p" '
        'JOIN "application_day" a ON a."day" >= p."start" AND a."day" <= p."end" GROUP BY p."n"',
        (_periods_json(periods),)), 3)


def cohort_sums(periods, zone: str, until: date | None = None) -> list[tuple[int, int, int]]:
    """Per period (local days start..end): (registered then and ever returned, promises settled (up to
    `until` when given), of them kept), the cohort tallies summed in SQL (schema 0019: each application
    counted once)."""
    ready(zone)
    return _per_period(periods, database.execute_sql(
        _PERIODS + 'SELECT p."n", sum(c."returned"), coalesce(sum(c."ready_due") FILTER (WHERE ?2 IS NULL OR c."day" <= ?2), 0), '
        'coalesce(sum(c."ready_kept") FILTER (WHERE ?2 IS NULL OR c."day" <= ?2), 0) FROM "p" '
        'JOIN "application_cohort_day" c ON c."day" >= p."start" AND c."day" <= p."end" GROUP BY p."n"',
        (_periods_json(periods), None if until is None else str(until))), 3)


def _fixed_width(numbers: list[int]) -> tuple[bytes, int]:
    """Non-negative integers as one blob of equal-width decimal fields, and the width: SQL reads the
    i-th with substr(blob, i * width + 1, width), a look-up by offset (JSON arrays are walked)."""
    width = len(str(max(numbers, default=0)))
    return (f"%0{width}d" * len(numbers) % tuple(numbers)).encode(), width


def complaint_done_counts(start: date, end: date, zone: str, running_counts,
                          due: dict[str, list[int]]) -> list[tuple[str, int, int, int]]:
    """(kind 'first' or 'follow', working days taken, complaints, of them on time) for complaints
    received on local days start..end, counted by SQLite from their (receipt day, done day) tallies
    (issue 73: a Python loop over a quarter's ~2,000 such rows cost more than reading them). Working
    days taken are the difference of the two days' running counts, running_counts(first, last) (the
    calendar's, one a day over the days the rows span, read first); on time is done on or before
    due[kind][i] days after `start`, the due day of receipt day start + i (deadlines.due_offsets: no date
    made per day, issue 73). Days are offsets from the first by julianday."""
    ready(zone)
    bounds = (str(start), str(end))
    low, high = database.execute_sql(
        'SELECT min("done_day"), max("done_day") FROM "complaint_day" WHERE "day" >= ? AND "day" <= ? '
        'AND "kind" IN (\'first\', \'follow\') AND "n" <> 0', bounds).fetchone()
    if low is None:
        return []
    first, last = min(start, date.fromisoformat(low)), max(end, date.fromisoformat(high))
    counts, width = _fixed_width(running_counts(first, last))
    skip = start.toordinal() - first.toordinal()  # `start` is day ?7 after `first`: a due offset is ?7 more
    dues, due_width = _fixed_width(due["first"] + due["follow"])
    return database.execute_sql(
        'SELECT "kind", CAST(substr(?3, "d" * ?4 + 1, ?4) AS INTEGER) - CAST(substr(?3, "r" * ?4 + 1, ?4) AS INTEGER), '
        'sum("n"), coalesce(sum("n") FILTER (WHERE "d" <= CAST(substr(?5, ("r" - ?7 + CASE "kind" WHEN \'first\' '
        'THEN 0 ELSE ?8 END) * ?6 + 1, ?6) AS INTEGER) + ?7), 0) '
        'FROM (SELECT "kind", CAST(julianday("day") - julianday(?9) AS INTEGER) AS "r", '
        'CAST(julianday("done_day") - julianday(?9) AS INTEGER) AS "d", "n" FROM "complaint_day" '
        'WHERE "day" >= ?1 AND "day" <= ?2 AND "kind" IN (\'first\', \'follow\') AND "n" <> 0) GROUP BY 1, 2',
        (*bounds, counts, width, dues, due_width, skip, len(due["first"]), str(first))).fetchall()


# date(x) of a Julian day number (a plain number: no modifier text parsed per day, a third of the cost)
_JULIAN_DAY_OF_ORDINAL_0 = 1721424.5


def follow_up_sums(periods, zone: str, kind: str, due: list[int], open_before: date) -> list[tuple[int, int]]:
    """Per period (local receipt days start..end): (judged, on time): judged are the complaints
    received before `open_before` (done or not: open ones are overdue) and the done ones received
    from it on; on time the done ones on or before their receipt day's due day, due[i] days after
    the periods' first day for receipt day first + i (one for every day up to the last period's
    end: deadlines.due_offsets). Summed in SQL over the periods' days: per receipt day one
    primary-key read of the received or the done, and the done on time by a range up to the due day
    (the (receipt day, done day) rows past it are not read); ISO days compare as text. The days are
    made by SQLite and the due days passed as one fixed-width blob (_fixed_width): ~1,460 ISO texts
    a view sent as JSON cost more Python than the reads (issue 73)."""
    ready(zone)
    first, last = min(p.start for p in periods), max(p.end for p in periods)
    if last < first:
        return [(0, 0)] * len(periods)
    dues, width = _fixed_width(due)
    return _per_period(periods, database.execute_sql(
        'WITH RECURSIVE "i"("k") AS (SELECT 0 UNION ALL SELECT "k" + 1 FROM "i" WHERE "k" < ?4), '
        '"d"("day", "due") AS MATERIALIZED (SELECT date(?5 + "k"), date(?5 + CAST(substr(?6, "k" * ?7 + 1, ?7) AS INTEGER)) '
        'FROM "i"), '
        '"c" AS MATERIALIZED (SELECT d."day", CASE WHEN d."day" < ?3 '
        'THEN (SELECT t."n" FROM "complaint_day" t WHERE t."day" = d."day" AND t."kind" = \'received\' '
        'AND t."done_day" = \'\') '
        'ELSE (SELECT c."n" FROM "complaint_count_day" c WHERE c."day" = d."day" AND c."dimension" = ?2 '
        'AND c."key" = \'\') END AS "judged", '
        '(SELECT sum(t."n") FROM "complaint_day" t WHERE t."day" = d."day" AND t."kind" = ?2 '
        'AND t."done_day" <= d."due") AS "on_time" FROM "d"), '
        '"p" AS MATERIALIZED (SELECT key AS "n", value ->> 0 AS "start", value ->> 1 AS "end" FROM json_each(?1)) '
        'SELECT p."n", coalesce(sum(c."judged"), 0), coalesce(sum(c."on_time"), 0) FROM "p" '
        'JOIN "c" ON c."day" >= p."start" AND c."day" <= p."end" GROUP BY p."n"',
        (_periods_json(periods), kind, str(open_before), last.toordinal() - first.toordinal(),
         first.toordinal() + _JULIAN_DAY_OF_ORDINAL_0, dues, width)), 2)


def survey_totals(periods, zone: str) -> list[dict[str, tuple[int, int]]]:
    """Per period (local dates start..end), {element: (answers, total score)} of its valid ('sah')
    survey answers: the day tallies summed in SQL, a row per period and element."""
    ready(zone)
    rows = database.execute_sql(
        'WITH "p" AS MATERIALIZED (SELECT key AS "n", value ->> 0 AS "start", value ->> 1 AS "end" FROM json_each(?)) '
        'SELECT p."n", s."element", sum(s."answers"), sum(s."score") FROM "p" '
        'JOIN "survey_day" s ON s."day" >= p."start" AND s."day" <= p."end" GROUP BY 1, 2',
        (json.dumps([[str(p.start), str(p.end)] for p in periods]),)).fetchall()
    totals: list[dict] = [{} for _ in periods]
    for n, element, answers, score in rows:
        if answers:
            totals[n][element] = (answers, score)
    return totals


def recap_counts(start: date, end: date, zone: str, known: dict) -> dict:
    """The complaint recap's counts for complaints received on local days start..end, every role's
    (confidential ones included): {"channel": {key: n}, "status": {key: n}, "category": {name: n},
    "total": n, "confidential": n}; channel and status keys among `known[dimension]` (the complaint
    book's, passed by the caller: the read model imports no capability), none of count 0 (the total has the rest).
    A few dozen day rows per day of the period, summed in SQL; the categories named after the sum
    (a look-up per category, not per day row)."""
    ready(zone)
    rows = database.execute_sql(
        'SELECT s."dimension", s."key", cat."name", s."n" FROM (SELECT t."dimension", t."key", sum(t."n") AS "n" '
        'FROM "complaint_count_day" t WHERE t."day" >= ? AND t."day" <= ? AND t."dimension" IN (\'channel\', '
        '\'status\', \'category\', \'confidential\') GROUP BY 1, 2) s '
        'LEFT JOIN "complaint_category" cat ON s."dimension" = \'category\' AND cat."id" = CAST(s."key" AS INTEGER)',
        (str(start), str(end))).fetchall()
    counts = {"channel": {}, "status": {}, "category": {}, "total": 0, "confidential": 0}
    for dimension, key, category, n in rows:
        if dimension == "channel":
            counts["total"] += n
        if not n:
            continue
        if dimension == "confidential":
            counts["confidential"] = n
        elif dimension == "category":
            counts["category"][category] = n
        elif key in known.get(dimension, ()):
            counts[dimension][key] = n
    return counts


def services_in_period(period: Period, zone: str) -> int:
    """Services delivered in the period (applications registered): the IKM sample's population."""
    start, end = map(str, period.utc_bounds(zone))
    return database.execute_sql('SELECT count(*) FROM "application" WHERE "created_at" >= ? AND "created_at" < ?',
                                (start, end)).fetchone()[0]
