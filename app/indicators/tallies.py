"""Per-day tallies of applications and complaints (schema 0008_i16_daily_tallies.sql).

Triggers keep them in the same transaction as every write; this module reads them and rebuilds
them from the rows when they are not built yet (an upgrade) or the office's zone changed, since
their days are local days. The indicators page and the complaint recap read a few hundred day
rows instead of every row of the last two years, so they cost the same in year one and year ten.
"""
import json
from datetime import date, datetime, timedelta

from app.frame.db import database
from app.frame.dates import utc_offset_hours
from app.frame.periods import Quarter

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


def ready(zone: str) -> None:
    """Build the tallies once when missing or made for another zone."""
    modifier, built = database.execute_sql('SELECT "modifier", "built" FROM "tally_zone"').fetchone()
    if not built or modifier != modifier_for(zone):
        rebuild(zone)


def application_days(start: date, end: date, zone: str) -> list[tuple[date, int, int, int, int]]:
    """(day, registered, handed over, handed over on time, first returned) for local days start..end."""
    ready(zone)
    return [(date.fromisoformat(day), *counts) for day, *counts in database.execute_sql(
        'SELECT "day", "registered", "handed_over", "handed_on_time", "returned" FROM "application_day" '
        'WHERE "day" >= ? AND "day" <= ?', (str(start), str(end)))]


def complaint_days(start: date, end: date, zone: str, kind: str) -> list[tuple[date, date | None, int]]:
    """(receipt day, done day or None, count) for complaints received on local days start..end;
    kind 'received' (done day None), 'first' (first response) or 'follow' (follow-up)."""
    ready(zone)
    return [(date.fromisoformat(day), date.fromisoformat(done) if done else None, n)
            for day, done, n in database.execute_sql(
                'SELECT "day", "done_day", "n" FROM "complaint_day" WHERE "day" >= ? AND "day" <= ? '
                'AND "kind" = ? AND "n" <> 0', (str(start), str(end), kind))]


# --- The live computation: the same day rows counted from the rows themselves --------------------
# The tallies' checker (tests/indicators/test_tallies.py) and the peer they are measured against
# (bench/bench_recap.py). One index-bounded count per local day from a materialized list of day
# bounds, as the pages did before the tallies: cost grows with the rows in the window.

_DAY_BOUNDS = ('WITH "b" AS MATERIALIZED (SELECT value ->> 0 AS "day", value ->> 1 AS "start", '
               'value ->> 2 AS "end", value ->> 3 AS "quarter_start" FROM json_each(?)) ')
_DONE_COLUMN = {"first": "first_response_at", "follow": "followed_up_at"}


def _day_bounds(start: date, end: date, zone: str) -> str:
    """JSON of [local day, its UTC start, its UTC end, the UTC start of its quarter] for start..end."""
    offset = timedelta(hours=utc_offset_hours(zone))

    def utc(day: date) -> str:
        return str(datetime.combine(day, datetime.min.time()) - offset)
    days, day = [], start
    while day <= end:
        days.append([str(day), utc(day), utc(day + timedelta(days=1)), utc(Quarter.containing(day).start)])
        day += timedelta(days=1)
    return json.dumps(days)


def live_application_days(start: date, end: date, zone: str) -> list[tuple[date, int, int, int, int]]:
    """What application_days reads, counted from the application rows and their status events."""
    rows = database.execute_sql(
        _DAY_BOUNDS + 'SELECT b."day", '
        '(SELECT count(*) FROM "application" a WHERE a."created_at" >= b."start" AND a."created_at" < b."end"), '
        '(SELECT count(*) FROM "application" a WHERE a."handed_over_at" >= b."start" AND a."handed_over_at" < b."end"), '
        '(SELECT count(*) FROM "application" a WHERE a."handed_over_at" >= b."start" AND a."handed_over_at" < b."end" '
        'AND a."promised_date" >= b."day"), '
        # first returns: returned that day and not earlier in the same quarter
        '(SELECT count(DISTINCT e."application_id") FROM "application_status_event" e '
        'WHERE e."to_status" = \'dikembalikan\' AND e."at" >= b."start" AND e."at" < b."end" AND NOT EXISTS ('
        'SELECT 1 FROM "application_status_event" p WHERE p."application_id" = e."application_id" '
        'AND p."to_status" = \'dikembalikan\' AND p."at" >= b."quarter_start" AND p."at" < b."start")) '
        'FROM "b"', (_day_bounds(start, end, zone),))
    return [(date.fromisoformat(day), *counts) for day, *counts in rows if any(counts)]


def live_complaint_days(start: date, end: date, zone: str, kind: str) -> list[tuple[date, date | None, int]]:
    """What complaint_days reads, counted from the complaint rows."""
    bounds = _day_bounds(start, end, zone)
    if kind == "received":
        rows = database.execute_sql(
            _DAY_BOUNDS + 'SELECT b."day", (SELECT count(*) FROM "complaint" c WHERE c."received_at" >= b."start" '
            'AND c."received_at" < b."end") FROM "b"', (bounds,))
        return [(date.fromisoformat(day), None, n) for day, n in rows if n]
    column = _DONE_COLUMN[kind]
    rows = database.execute_sql(
        _DAY_BOUNDS + f'SELECT b."day", (SELECT json_group_object("done", "n") FROM (SELECT date(c."{column}", ?) '
        f'AS "done", count(*) AS "n" FROM "complaint" c WHERE c."received_at" >= b."start" '
        f'AND c."received_at" < b."end" AND c."{column}" IS NOT NULL GROUP BY 1)) FROM "b"',
        (bounds, modifier_for(zone)))
    return [(date.fromisoformat(day), date.fromisoformat(done), n)
            for day, packed in rows for done, n in json.loads(packed or "{}").items()]
