"""The tallies' checker: what app/figures/tallies.py reads, counted from the rows themselves (test
oracles, not product code: tests/indicators/test_tallies.py checks the tallies against them and
bench/bench_recap.py serves them as the peer). One index-bounded count per local day from a
materialized list of day bounds, as the pages did before the tallies: cost grows with the rows in
the window."""
import json
from datetime import date, datetime, timedelta

from app.complaints.models import CHANNELS, STATUSES
from app.figures.tallies import modifier_for
from app.frame.db import database
from app.frame.dates import utc_offset_hours
from app.frame.periods import Quarter

_DAY_BOUNDS = ('WITH "b" AS MATERIALIZED (SELECT value ->> 0 AS "day", value ->> 1 AS "start", '
               'value ->> 2 AS "end", value ->> 3 AS "quarter_start" FROM json_each(?)) ')
def _follow_up_rows(rows, kind: str) -> list[tuple[date, int, int, int]]:
    found: dict[str, list[int]] = {}
    for day, kind_, n, in_time in rows:
        counts = found.setdefault(str(day), [0, 0, 0])
        if kind_ == "received":
            counts[0] += n
        else:
            counts[1] += n
            counts[2] += in_time
    return [(date.fromisoformat(day), *counts) for day, counts in sorted(found.items()) if any(counts)]


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


def live_application_sums(periods, zone: str) -> list[tuple[int, int, int]]:
    """What application_sums reads, from live_application_days."""
    sums = [[0, 0, 0] for _ in periods]
    rows = live_application_days(min(p.start for p in periods), max(p.end for p in periods), zone)
    for day, registered, handed_over, on_time, _ in rows:
        for k, period in enumerate(periods):
            if period.start <= day <= period.end:
                sums[k] = [sums[k][0] + registered, sums[k][1] + handed_over, sums[k][2] + on_time]
    return [tuple(found) for found in sums]


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


def live_complaint_done_counts(start: date, end: date, zone: str, running_counts,
                               due: dict[str, list[int]]) -> list[tuple[str, int, int, int]]:
    """What complaint_done_counts counts, from live_complaint_days, counted here row by row."""
    rows = [(kind, day, done, n) for kind in ("first", "follow") for day, done, n in live_complaint_days(start, end, zone, kind)]
    if not rows:
        return []
    first = min(start, *(done for _, _, done, _ in rows))
    last = max(end, *(done for _, _, done, _ in rows))
    count = dict(zip((first + timedelta(days=i) for i in range((last - first).days + 1)), running_counts(first, last)))
    found: dict[tuple[str, int], list[int]] = {}
    for kind, day, done, n in rows:
        sums = found.setdefault((kind, count[done] - count[day]), [0, 0])
        sums[0] += n
        sums[1] += n if done <= start + timedelta(days=due[kind][(day - start).days]) else 0
    return [(kind, taken, n, kept) for (kind, taken), (n, kept) in found.items()]


def live_follow_up_days(start: date, end: date, zone: str, kind: str,
                        due: dict[date, date]) -> list[tuple[date, int, int, int]]:
    """What follow_up_days reads, from live_complaint_days."""
    rows = [(day, "received", n, 0) for day, _, n in live_complaint_days(start, end, zone, "received")]
    rows += [(day, kind, n, n if done <= due.get(day, day) else 0)
             for day, done, n in live_complaint_days(start, end, zone, kind)]
    return _follow_up_rows(rows, kind)


def live_follow_up_sums(periods, zone: str, kind: str, due: list[int],
                        open_before: date) -> list[tuple[int, int]]:
    """What follow_up_sums reads, from live_follow_up_days: per period (done, or received before
    `open_before`; done on time); due[i]: the due day of the first day + i, as days after the first."""
    sums = [[0, 0] for _ in periods]
    first = min(p.start for p in periods)
    due_days = {first + timedelta(days=i): first + timedelta(days=after) for i, after in enumerate(due)}
    rows = live_follow_up_days(first, max(p.end for p in periods), zone, kind, due_days)
    for day, received, done, on_time in rows:
        for k, period in enumerate(periods):
            if period.start <= day <= period.end:
                sums[k][0] += done + (received - done if day < open_before else 0)
                sums[k][1] += on_time
    return [tuple(found) for found in sums]


def live_survey_totals(periods, zone: str) -> list[dict[str, tuple[int, int]]]:
    """What survey_totals reads, from the answers: one GROUP BY per local day's range of responses."""
    start, end = min(p.start for p in periods), max(p.end for p in periods)
    rows = database.execute_sql(
        _DAY_BOUNDS + 'SELECT b."day", (SELECT json_group_array(json_array(a."element", a."n", a."score")) FROM ('
        'SELECT a."element", count(*) AS "n", sum(a."score") AS "score" FROM "survey_response" r '
        'JOIN "survey_answer" a ON a."response_id" = r."id" WHERE r."status" = \'sah\' '
        'AND r."submitted_at" >= b."start" AND r."submitted_at" < b."end" GROUP BY 1) a) FROM "b"',
        (_day_bounds(start, end, zone),)).fetchall()
    totals: list[dict] = [{} for _ in periods]
    for day, packed in rows:
        for element, n, score in json.loads(packed or "[]"):
            for k, period in enumerate(periods):
                if period.start <= date.fromisoformat(day) <= period.end:
                    answers, total = totals[k].get(element, (0, 0))
                    totals[k][element] = (answers + n, total + score)
    return totals


def live_recap_counts(start: date, end: date, zone: str, known: dict | None = None) -> dict:
    """What recap_counts reads, counted from the complaint rows of the period: one index range count
    per channel, status and category on the complaint book's (key, received_at) indexes, as the
    recap read before its tallies."""
    offset = timedelta(hours=utc_offset_hours(zone))
    bounds = [str(datetime.combine(day, datetime.min.time()) - offset) for day in (start, end + timedelta(days=1))]
    rows = database.execute_sql(
        'SELECT \'channel\', k."value", (SELECT count(*) FROM "complaint" WHERE "channel" = k."value" '
        'AND "received_at" >= ?3 AND "received_at" < ?4) FROM json_each(?1) k '
        'UNION ALL SELECT \'status\', k."value", (SELECT count(*) FROM "complaint" WHERE "status" = k."value" '
        'AND "received_at" >= ?3 AND "received_at" < ?4) FROM json_each(?2) k '
        'UNION ALL SELECT \'category\', cat."name", (SELECT count(*) FROM "complaint" WHERE "category_id" = cat."id" '
        'AND "received_at" >= ?3 AND "received_at" < ?4) FROM "complaint_category" cat '
        'UNION ALL SELECT \'total\', \'\', count(*) FROM "complaint" WHERE "received_at" >= ?3 AND "received_at" < ?4 '
        'UNION ALL SELECT \'confidential\', \'\', count(*) FROM "complaint" '
        'WHERE "received_at" >= ?3 AND "received_at" < ?4 AND "is_confidential"',
        (json.dumps(list(CHANNELS)), json.dumps(list(STATUSES)), *bounds))
    counts = {"channel": {}, "status": {}, "category": {}, "total": 0, "confidential": 0}
    for dimension, key, n in rows:
        if dimension in ("total", "confidential"):
            counts[dimension] = n
        elif n:
            counts[dimension][key] = n
    return counts
