"""Reading the book: the filtered list, search, overdue counts (database reads, no writes).

Overdue is decided in SQL by one receipt-date cutoff per target (deadlines.overdue_received_before),
so the list, the cards and the badge use the (status, received_at) index at 200,000 rows.
"""
import re
from dataclasses import dataclass, field
from datetime import date, datetime, time, timedelta, timezone
from zoneinfo import ZoneInfo

from peewee import SQL, NodeList, fn

from app.frame.office_calendar import office_calendar
from app.complaints import deadlines
from app.complaints.models import (CHANNELS, CLOSED_STATUSES, STATUSES, Complaint, ComplaintCategory,
                                   ComplaintSearch)
from app.complaints.privacy import sees_confidential
from app.complaints.tracking import normalise
from app.frame.dates import DEFAULT_TIME_ZONE, TIME_ZONES, format_datetime, local_today, read_date_args, to_local
from app.frame import figure_cache, statements, store
from app.frame.periods import Quarter
from app.frame.request_cycle import bounded_int

OVERDUE_CHOICES = {"": "Semua", "ya": "Lewat batas waktu", "tanggapan": "Belum ditanggapi, lewat batas",
                   "tindak_lanjut": "Tindak lanjut lewat batas"}
SEARCH_WORDS_MAX = 8
OPEN_STATUSES = tuple(s for s in STATUSES if s not in CLOSED_STATUSES)


def zone() -> str:
    return store.get("timezone") or DEFAULT_TIME_ZONE


def local_midnight_utc(day: date, zone_name: str | None = None) -> datetime:
    """The naive-UTC moment at which local `day` begins in the office's time zone."""
    tz = ZoneInfo(TIME_ZONES.get(zone_name or zone(), TIME_ZONES[DEFAULT_TIME_ZONE]))
    return datetime.combine(day, time()).replace(tzinfo=tz).astimezone(timezone.utc).replace(tzinfo=None)


@dataclass
class Targets:
    """Today's due-date cutoffs, computed once per request."""
    today: date
    first_days: int
    follow_days: int
    first_cutoff: datetime = field(init=False)  # open 'baru' received before this: first response overdue
    follow_cutoff: datetime = field(init=False)  # open received before this: follow-up overdue

    def __post_init__(self):
        self.zone = zone()
        self._dues = {}
        calendar = office_calendar()
        self.calendar = calendar
        self.first_cutoff = local_midnight_utc(deadlines.overdue_received_before(self.today, calendar, self.first_days))
        self.follow_cutoff = local_midnight_utc(deadlines.overdue_received_before(self.today, calendar, self.follow_days))

    def first_overdue(self):
        return (Complaint.status == "baru") & (Complaint.received_at < self.first_cutoff)

    def follow_overdue(self, by_date: bool = False):
        status = unindexed(Complaint.status) if by_date else Complaint.status
        return status.in_(OPEN_STATUSES) & (Complaint.received_at < self.follow_cutoff)

    def any_overdue(self, by_date: bool = False):
        """first_overdue | follow_overdue, written as one range so an index serves it (no OR of two scans).

        by_date: walk the received_at index newest first and test the status on the way, instead of
        collecting every overdue row by status and sorting them; right when overdue rows are many.
        """
        latest = max(self.first_cutoff, self.follow_cutoff)
        status = unindexed(Complaint.status) if by_date else Complaint.status
        return (status.in_(OPEN_STATUSES) & (Complaint.received_at < latest)
                & ((status == "baru") | (Complaint.received_at < self.follow_cutoff)))

    def row_flags(self, complaint) -> dict:
        """For highlighting a row: which targets it has missed, and the due days."""
        open_ = complaint.status not in CLOSED_STATUSES
        received_on = to_local(complaint.received_at, self.zone).date()
        dues = self._dues.get(received_on)
        if dues is None:  # a page holds few distinct days: count each once
            dues = self._dues[received_on] = (
                deadlines.first_response_due(received_on, self.calendar, self.first_days),
                deadlines.follow_up_due(received_on, self.calendar, self.follow_days))
        return {
            "first_due": dues[0], "follow_due": dues[1],
            "first_overdue": complaint.status == "baru" and complaint.received_at < self.first_cutoff,
            "follow_overdue": open_ and complaint.received_at < self.follow_cutoff,
        }


def unindexed(column):
    """SQLite's unary + : the same value, but the planner will not pick an index for this term."""
    return NodeList((SQL("+"), column), glue="")


SORT_IN_MEMORY_MAX = 2000  # overdue rows that are cheaper to sort than to find by walking the date index


def many_open(user, before=None) -> bool:
    """More open complaints (received before `before`) than are worth sorting in memory?"""
    where = Complaint.status.in_(OPEN_STATUSES)
    if before is not None:
        where &= Complaint.received_at < before
    found = visible_to(Complaint.select(Complaint.id).where(where), user).limit(SORT_IN_MEMORY_MAX + 1)
    return found.count() > SORT_IN_MEMORY_MAX


def targets() -> Targets:
    return Targets(local_today(zone()), int(store.get("complaint_first_response_days")),
                   int(store.get("complaint_follow_up_days")))


def visible_to(query, user):
    """Confidential complaints only for the handling staff (privacy.may_see_record)."""
    return visible_to_role(query, user.role)


def visible_to_role(query, role: str):
    if not sees_confidential(role):
        query = query.where(Complaint.is_confidential == False)  # noqa: E712
    return query


def fts_expression(text: str) -> str | None:
    """Words as FTS5 prefix phrases, all required: 'antri lama' -> '"antri"* "lama"*'. None if no word."""
    words = [w for w in re.split(r"\s+", text.strip()) if any(ch.isalnum() for ch in w)][:SEARCH_WORDS_MAX]
    if not words:
        return None
    return " ".join('"' + w.replace('"', '""') + '"*' for w in words)


@dataclass
class Filters:
    start: date | None = None
    end: date | None = None
    channel: str = ""
    category_id: int | None = None
    status: str = ""
    overdue: str = ""
    q: str = ""
    session_id: int | None = None
    errors: dict = field(default_factory=dict)

    @classmethod
    def from_args(cls, args) -> "Filters":
        found = cls()
        read_date_args(args, (("dari", "start"), ("sampai", "end")), found, "Tanggal tidak valid (format TTTT-BB-HH).")
        if found.start and found.end and found.end < found.start:
            found.errors["sampai"] = "Tanggal akhir sebelum tanggal awal."
        channel = args.get("saluran", "")
        found.channel = channel if channel in CHANNELS else ""
        category = args.get("kategori", "")
        found.category_id = bounded_int(category)
        status = args.get("status", "")
        found.status = status if status in STATUSES or status == "terbuka" else ""
        overdue = args.get("lewat", "")
        found.overdue = overdue if overdue in OVERDUE_CHOICES else ""
        found.q = (args.get("q") or "").strip()[:200]
        session = args.get("sesi", "")
        found.session_id = bounded_int(session)
        return found

    def as_args(self) -> dict:
        return {k: v for k, v in {
            "dari": self.start.isoformat() if self.start else "", "sampai": self.end.isoformat() if self.end else "",
            "saluran": self.channel, "kategori": self.category_id or "", "status": self.status,
            "lewat": self.overdue, "q": self.q, "sesi": self.session_id or ""}.items() if v}


# What a list row shows (the export reads every column).
LIST_COLUMNS = (Complaint.id, Complaint.tracking_number, Complaint.received_at, Complaint.channel,
                Complaint.complainant_name, Complaint.is_anonymous, Complaint.is_confidential,
                Complaint.created_by.alias("created_by_id"), fn.substr(Complaint.text, 1, 140).alias("text"),
                Complaint.status)


class ListRow:
    """One row of the list: plain attributes, no model machinery (building 50 models was most of a page)."""
    __slots__ = ("id", "tracking_number", "received_at", "channel", "complainant_name", "complainant_contact",
                 "is_anonymous", "is_confidential", "created_by_id", "text", "status", "category_name",
                 "flags", "name", "received_label")

    def __init__(self, row: dict):
        for key, value in row.items():
            setattr(self, key, value)
        self.complainant_contact = ""  # never read for the list

    channel_label = Complaint.channel_label
    status_label = Complaint.status_label
    is_closed = Complaint.is_closed


class ExportRow:
    """Every column of one complaint for the export, read as a dict (no model building per row)."""

    def __init__(self, row: dict):
        self.__dict__.update(row)

    channel_label = Complaint.channel_label
    status_label = Complaint.status_label


EXPORT_COLUMNS = tuple(f.alias(f.column_name) if f.column_name != f.name else f for f in Complaint._meta.sorted_fields)


def export_rows(filters: "Filters", user, due: "Targets"):
    """ExportRows of every matching complaint, streamed from the cursor."""
    for row in complaint_query(filters, user, due, EXPORT_COLUMNS).dicts().iterator():
        yield ExportRow(row)


def list_rows(filters: "Filters", user, due: "Targets"):
    """The list's query, yielding dicts that `as_list_rows` turns into ListRow."""
    query = complaint_query(filters, user, due, LIST_COLUMNS)
    return query.dicts()


def as_list_rows(rows, user, due: "Targets") -> list[ListRow]:
    """ListRows with what the template shows worked out once here (flags, name as allowed, local time)."""
    from app.complaints.privacy import shown_identity
    found = []
    for row in rows:
        item = ListRow(row)
        item.flags = due.row_flags(item)
        item.name = shown_identity(user, item)[0]
        item.received_label = format_datetime(item.received_at, due.zone)
        found.append(item)
    return found


def complaint_query(filters: Filters, user, due: Targets, columns=None):
    """The complaints this user may see that match the filters, newest first."""
    category_columns = (ComplaintCategory.name.alias("category_name"),) if columns else (ComplaintCategory.id, ComplaintCategory.name)
    query = (Complaint.select(*(columns or (Complaint,)), *category_columns)
             .join(ComplaintCategory, on=(Complaint.category == ComplaintCategory.id)))
    query = visible_to(query, user)
    if filters.start and "dari" not in filters.errors:
        query = query.where(Complaint.received_at >= local_midnight_utc(filters.start))
    if filters.end and "sampai" not in filters.errors:
        query = query.where(Complaint.received_at < local_midnight_utc(filters.end + timedelta(days=1)))
    if filters.channel:
        query = query.where(Complaint.channel == filters.channel)
    if filters.category_id:
        query = query.where(Complaint.category == filters.category_id)
    if filters.status == "terbuka":
        status = unindexed(Complaint.status) if many_open(user) else Complaint.status
        query = query.where(status.in_(OPEN_STATUSES))
    elif filters.status:
        query = query.where(Complaint.status == filters.status)
    if filters.session_id:
        query = query.where(Complaint.suggestion_box_session == filters.session_id)
    if filters.overdue == "tanggapan":
        query = query.where(due.first_overdue())
    elif filters.overdue == "tindak_lanjut":
        query = query.where(due.follow_overdue(by_date=many_open(user, due.follow_cutoff)))
    elif filters.overdue == "ya":
        query = query.where(due.any_overdue(by_date=many_open(user, max(due.first_cutoff, due.follow_cutoff))))
    if filters.q:
        number = normalise(filters.q)
        if number:
            return query.where(Complaint.tracking_number == number).order_by(Complaint.received_at.desc(), Complaint.id.desc())
        expression = fts_expression(filters.q)
        if expression is None:
            return query.where(False).order_by(Complaint.id.desc())
        # Matches newest-entered first, straight from the index: the FTS table drives the join and
        # stops after one page, instead of sorting every match of a common word by received_at.
        return (query.join_from(Complaint, ComplaintSearch, on=(ComplaintSearch.rowid == Complaint.id))
                .where(ComplaintSearch.match(expression)).order_by(ComplaintSearch.rowid.desc()))
    return query.order_by(Complaint.received_at.desc(), Complaint.id.desc())


def first_move_for(user) -> str | None:
    """The status whose complaints wait for this user's first move: the desk's new ones, the section
    head's passed-on ones (rows pengaduan.langkah_meja, pengaduan.langkah_seksi)."""
    from app.frame.access import may
    if may(user, "pengaduan.langkah_seksi"):
        return "diteruskan"
    return "baru" if may(user, "pengaduan.langkah_meja") else None


def count_new_for(user) -> int:
    """The badge: complaints waiting for this role's first move (desk: new; section head: passed on).
    On every page this role opens (~28k index entries in a 200k-complaint bench)."""
    status = first_move_for(user)
    if status is None:
        return 0
    return _kept_before_this_quarter("waiting", (user.role,), local_today(zone()), lambda since, until: (
        _received_between((status,), since, until, user),))[0]


def overdue_counts(user, due: Targets) -> tuple[int, int]:
    """The dashboard's two overdue counts (~8 ms over every open complaint at 200k complaints)."""
    def count(since, until):
        first_before = min(due.first_cutoff, until) if until else due.first_cutoff
        follow_before = min(due.follow_cutoff, until) if until else due.follow_cutoff
        return (_received_between(("baru",), since, first_before, user),
                _received_between(OPEN_STATUSES, since, follow_before, user))
    start = local_midnight_utc(Quarter.containing(due.today).start)
    key = (sees_confidential(user.role), min(due.first_cutoff, start), min(due.follow_cutoff, start))
    return _kept_before_this_quarter("overdue", key, due.today, count)


def _received_between(statuses: tuple, since, before, user) -> int:
    """The complaints `user` may see in one of `statuses`, received in [since, before) (None: no bound)."""
    if since is not None and before is not None and before <= since:
        return 0
    return statements.scalar(_received_count, statuses, since, before, user.role)


def _received_count(statuses: tuple, since, before, role: str):
    """The statement of _received_between, its SQL text built once a day (app/frame/statements.py)."""
    query = Complaint.select(fn.COUNT(SQL("*"))).where(
        Complaint.status == statuses[0] if len(statuses) == 1 else Complaint.status.in_(statuses))
    if since is not None:
        query = query.where(Complaint.received_at >= since)
    if before is not None:
        query = query.where(Complaint.received_at < before)
    return visible_to_role(query, role)


def _kept_before_this_quarter(name: str, key: tuple, today: date, count) -> tuple:
    """count(since, until) -> counts over the complaints received in [since, until) (None: no bound),
    summed over two spans: those received before this local quarter, counted once and kept under their
    quarters' figure parts (a complaint's status, confidentiality or receipt changes its receipt day's
    tallies, and with them its quarter's part), and this quarter's, counted on each view. The desk
    records complaints all day: a complaint of today counts this quarter again, not every quarter."""
    start = local_midnight_utc(Quarter.containing(today).start)
    earlier = figure_cache.kept_figure(name, key, lambda: count(None, start), quarters=_quarters_before(today))
    return tuple(a + b for a, b in zip(earlier, count(start, None)))


def _first_receipt():  # its SQL built once (app/frame/statements.py)
    return Complaint.select(fn.MIN(Complaint.received_at)).tuples()


def _quarters_before(today: date) -> list:
    """Every local quarter from the first complaint's to the one before today's."""
    first = statements.rows(_first_receipt)[0][0]
    if first is None:
        return []
    quarter, this_quarter, quarters = Quarter.containing(to_local(first, zone()).date()), Quarter.containing(today), []
    while quarter < this_quarter:
        quarters.append(quarter)
        quarter = quarter.next()
    return quarters
