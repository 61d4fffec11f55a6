"""The center's answers and statuses for many outbox items, settled together (issue 45).

One by one, each acknowledgement and each status cost a dozen small statements through the ORM
(the outbox row, the record's move, its timeline, audit line and listeners): about 9 ms of CPU a
status. A Settlement reads what a page touches once, decides in memory in the page's order, and writes it with a
handful of statements in the caller's transaction: the outbox rows marked sent, the status issues
settled, and each kind's moves through its batch form (RecordKind.settle_many). What it does not
plan (another content under the number, a renumbering, a kind without a batch form) the caller
settles the one-by-one way after writing what came before, so the order holds.

One event or one acknowledgement alone is a settlement of one (`apply_one`, engine._mark_sent): each
rule is written once, here and in the kind's batch form (issue 63).
"""
from app.frame.dates import utc_now
from sync.client import outbox, photo_transit, records, statuses
from sync.client.models import OutboxItem, StatusIssue

CHUNK = 500  # values bound in one IN (...)


class NotPlanned(Exception):
    """This one goes the one-by-one way (nothing of it was planned)."""


def _chunks(values: list):
    for start in range(0, len(values), CHUNK):
        yield values[start:start + CHUNK]


class Settlement:
    def __init__(self, events=(), items=()):
        numbers = sorted({e.get("id") for e in events if isinstance(e.get("id"), str)}
                         | {item.registration_number for item in items})
        self.items: dict[tuple, OutboxItem] = {}
        self.issues: dict[tuple, list[int]] = {}  # (number, version) -> unresolved issue ids
        for chunk in _chunks(numbers):
            for item in OutboxItem.select().where(OutboxItem.registration_number.in_(chunk)):
                self.items[(item.registration_number, item.version)] = item
            for issue_id, number, version in (StatusIssue.select(StatusIssue.id, StatusIssue.registration_number,
                                                                 StatusIssue.version)
                                               .where(StatusIssue.registration_number.in_(chunk)
                                                      & StatusIssue.resolved_at.is_null()).tuples()):
                self.issues.setdefault((number, version), []).append(issue_id)
        self.acked: dict[int, OutboxItem] = {}
        self.resolved: list[int] = []
        self.closed: list[tuple] = []  # (item, status, reason): conflicts the center's decision closed
        self.kinds: dict[str, object] = {}

    def kind(self, name: str):
        """The kind's batch form over this settlement's items, or None when it has none."""
        if name not in self.kinds:
            many = getattr(records.kind(name), "settle_many", None)
            self.kinds[name] = many([i for i in self.items.values() if i.kind == name]) if many else None
        return self.kinds[name]

    def item(self, number, version) -> OutboxItem | None:
        return self.items.get((number, version))

    def mark_sent(self, item: OutboxItem) -> None:
        """engine._mark_sent, planned: the center holds this version."""
        if item.state in ("pending", "conflict"):  # a conflict the center decided in our favour
            item.state, item.acked_at, item.last_error = "acked", utc_now(), ""
            self.acked[item.id] = item
        batch = self.kind(item.kind)
        (batch or records.kind(item.kind)).acknowledged(item.source_id, item.version)

    def status(self, event: dict) -> str:
        """One status event, planned; raises NotPlanned (statuses.apply_unplanned's cases) before changing anything."""
        number, version, digest = event.get("id"), event.get("version"), event.get("hash") or ""
        item = self.items.get((number, version)) if isinstance(number, str) else None
        if item is None:
            return statuses.NOT_OURS if statuses._another_pcs(number) else self._issue(event, statuses.NOT_HERE)
        batch = self.kind(item.kind)
        if (digest and digest != item.content_hash) or event.get("status") == statuses.RENUMBER or batch is None:
            raise NotPlanned
        self.resolved += self.issues.pop((number, version), [])
        was_conflict = item.state == "conflict"
        try:
            batch.apply_status(event, lambda: self._arrived(item))
        except records.StatusNotApplied as problem:
            return self._issue(event, f"{problem} Periksa bersama pusat.")
        if was_conflict:  # the operator's decision on it (issue 72): what follows its number leaves the list
            self.closed.append((item, event.get("status"), str(event.get("reason") or "")))
        return statuses.APPLIED

    def _arrived(self, item: OutboxItem) -> None:
        if item.state != "acked":  # an acknowledged one moved on with its answer
            self.mark_sent(item)

    def _issue(self, event: dict, problem: str) -> str:
        issue = statuses.new_issue(event, problem)
        self.issues.setdefault((issue.registration_number, issue.version), []).append(issue.id)
        return statuses.UNAPPLIED

    def write(self) -> None:
        """Everything planned, in the caller's transaction."""
        now = utc_now()
        acked = list(self.acked.values())
        for chunk in _chunks([item.id for item in acked]):
            OutboxItem.update(state="acked", acked_at=now, last_error="").where(OutboxItem.id.in_(chunk)).execute()
        if acked:
            photo_transit.forget_many(sorted({item.photo_sha256 for item in acked}))
        for chunk in _chunks(self.resolved):
            StatusIssue.update(resolved_at=now).where(StatusIssue.id.in_(chunk)).execute()
        for item, status, reason in self.closed:
            outbox.case_closed(item, status, reason)
        self.acked, self.resolved, self.closed = {}, [], []
        for batch in self.kinds.values():
            if batch is not None:
                batch.write()


def apply_one(event: dict, arrived) -> str:
    """One status event of the center, settled alone: planned as a page of one, else the one-by-one
    way (statuses.apply_unplanned; `arrived` serves a kind without a batch form)."""
    settlement = Settlement(events=[event])
    try:
        outcome = settlement.status(event)
    except NotPlanned:
        return statuses.apply_unplanned(event, arrived)
    settlement.write()
    return outcome
