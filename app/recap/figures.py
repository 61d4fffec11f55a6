"""The figures of a quarter's complaint recap, read from per-day tallies (never row by row).

The counts by channel, status and category come from the per-day tallies of
0015_p20_recap_tallies.sql (tallies.recap_counts), so they cost the same for a quarter of 200 or
20 000 complaints.
Time to first response and to follow-up is counted in working days from the local date of
receipt (app.complaints.deadlines, the same rule the complaint book uses for 'overdue'), from
the per-day tallies of (receipt date, done date) that triggers keep (app/figures/tallies.py),
so a quarter of 20 000 complaints costs a few hundred day rows and calendar look-ups, not 20 000.
"""
from datetime import datetime

from app.complaints.deadlines import due_offsets
from app.complaints.models import CHANNELS, STATUSES, Complaint, ComplaintCategory
from app.frame.dates import format_datetime
from app.frame import statements
from app.frame.db import database
from app.frame.periods import Period
from app.figures import tallies
from app.frame.working_days import WorkCalendar


def median_of(histogram: dict) -> float | None:
    """Median of values given as {value: how many}; the mean of the two middle ones when even."""
    count = sum(histogram.values())
    if not count:
        return None
    wanted = ((count - 1) // 2, count // 2)
    found, seen = [], 0
    for value in sorted(histogram):
        upto = seen + histogram[value]
        for position in wanted:
            if seen <= position < upto:
                found.append(value)
        seen = upto
    return (found[0] + found[1]) / 2


def _timings(period: Period, zone: str, calendar: WorkCalendar, target_days: dict[str, int]) -> dict[str, dict]:
    """{kind: count, on time, median and worst working days} for 'first' (first response) and
    'follow' (follow-up) of complaints received in `period`: their (receipt day, done day) tallies
    counted by SQLite into histograms of working days taken (tallies.complaint_done_counts, against
    the calendar's running count of working days and each receipt day's due day)."""
    due = {kind: due_offsets(period.start, period.end, calendar, n) for kind, n in target_days.items()}
    histograms: dict[str, dict[int, int]] = {kind: {} for kind in target_days}
    on_time = dict.fromkeys(target_days, 0)
    for kind, taken, n, kept in tallies.complaint_done_counts(period.start, period.end, zone,
                                                              calendar.running_counts, due):
        histograms[kind][taken] = n
        on_time[kind] += kept
    return {kind: {"count": sum(histogram.values()), "on_time": on_time[kind], "target_days": target_days[kind],
                   "median_days": median_of(histogram), "worst_days": max(histogram) if histogram else None}
            for kind, histogram in histograms.items()}


def complaint_figures(period: Period, zone: str, calendar: WorkCalendar, first_response_days: int,
                      follow_up_days: int) -> dict:
    """Every count of the recap for complaints received in `period` (JSON-friendly)."""
    counts = tallies.recap_counts(period.start, period.end, zone, {"channel": CHANNELS, "status": STATUSES})  # per-day tallies kept by triggers
    total, confidential = counts["total"], counts["confidential"]
    timing = _timings(period, zone, calendar, {"first": first_response_days, "follow": follow_up_days})

    def with_rest(kind: str, labels: dict) -> list[dict]:
        found = [{"key": k, "label": label, "count": counts[kind].get(k, 0)} for k, label in labels.items()]
        rest = total - sum(row["count"] for row in found)  # values written by an older version, if any
        return found + ([{"key": "lainnya", "label": "Lainnya", "count": rest}] if rest else [])

    categories = sorted(((name, n) for name, n in counts["category"].items() if n), key=lambda i: (-i[1], i[0]))
    return {
        "total": total,
        "confidential": confidential,
        "by_channel": with_rest("channel", CHANNELS),
        "by_category": [{"label": name, "count": n} for name, n in categories],
        "by_status": with_rest("status", STATUSES),
        "first_response": timing["first"],
        "follow_up": timing["follow"],
    }


LIST_COLUMNS = (
    'c."id", c."tracking_number", c."received_at", c."channel", cat."name", c."status", c."text", '
    'c."tindak_lanjut", c."followed_up_at", c."is_anonymous", c."complainant_name", c."created_at"')


def _moment(value, zone: str) -> str:
    if not value:
        return ""
    return format_datetime(datetime.fromisoformat(str(value)), zone)


def list_item(row, zone: str) -> dict:
    """A row in the LIST_COLUMNS order (complaint_rows, as the database gives it) as the recap lists it."""
    (id_, tracking, received_at, channel, category, status, text, tindak_lanjut, followed_up_at,
     is_anonymous, name, created_at) = row
    return {"id": id_, "tracking_number": tracking, "received_at": str(received_at),
            "channel": CHANNELS.get(channel, channel), "category": category,
            "status": STATUSES.get(status, status), "text": text, "tindak_lanjut": tindak_lanjut,
            "followed_up_at": str(followed_up_at) if followed_up_at else None,
            "received": _moment(received_at, zone), "followed_up": _moment(followed_up_at, zone),
            # Anonymous complaints are listed without any identity; contact details never appear here.
            "complainant": "" if is_anonymous else name, "is_anonymous": bool(is_anonymous),
            "created_at": str(created_at)}


def complaint_rows(start, end):
    """Complaints received between two UTC moments with their follow-up, oldest first; confidential
    ones left out. A builder (app/frame/statements.py) in the LIST_COLUMNS order, for a whole list or
    a keyset page (app/frame/pagination.py): its rows as the database gives them go to list_item."""
    return (Complaint.select(Complaint.id, Complaint.tracking_number, Complaint.received_at, Complaint.channel,
                             ComplaintCategory.name.alias("category"), Complaint.status, Complaint.text,
                             Complaint.tindak_lanjut, Complaint.followed_up_at, Complaint.is_anonymous,
                             Complaint.complainant_name, Complaint.created_at)
            .join(ComplaintCategory, on=(ComplaintCategory.id == Complaint.category))
            .where(Complaint.received_at >= start, Complaint.received_at < end, ~Complaint.is_confidential)
            .order_by(Complaint.received_at.asc(), Complaint.id.asc()))


def complaint_list(period: Period, zone: str) -> list[dict]:
    """The whole list (approval snapshot, print, XLSX), read as a page of it is (complaints_page)."""
    return [list_item(row, zone) for row in statements.fetched(complaint_rows, *period.utc_bounds(zone))]


def late_entries(before, zone: str) -> tuple[list[dict], list[int]]:
    """Complaints entered after their quarter's recap was approved, not yet listed by an approved recap.

    `before` is the UTC start of the recap that lists them (only earlier quarters' late entries).
    Returns (listed, ids of confidential ones).
    """
    rows = database.execute_sql(
        f'SELECT {LIST_COLUMNS}, c."is_confidential" FROM "recap_late_entry" e '
        'JOIN "complaint" c ON c."id" = e."complaint_id" '
        'JOIN "complaint_category" cat ON cat."id" = c."category_id" '
        'JOIN "quarter_recap" r ON r."id" = e."late_for_id" '
        'WHERE r."ends_at" <= ? AND e."listed_in_id" IS NULL '
        'ORDER BY c."received_at", c."id"', (str(before),)).fetchall()
    return [list_item(row[:-1], zone) for row in rows if not row[-1]], [row[0] for row in rows if row[-1]]
