"""The dashboard's overdue counts and the menu's badge (issue 45: the dashboard after a write in
<= 10 ms): the complaints
received before this local quarter are counted once and kept under their quarters' figure parts,
this quarter's are counted on each view. After every kind of write the counts equal a count over
the rows; a complaint of today leaves the earlier quarters' count kept."""
from datetime import datetime, timedelta

import pytest

from app.complaints import queries
from app.complaints.models import Complaint
from app.frame.periods import Quarter
from tests.support.factory import complaint_row


def _counted(user) -> tuple[int, int]:
    """The two counts straight from the rows, as the dashboard counted them before."""
    due = queries.targets()
    return (queries.visible_to(Complaint.select().where(due.first_overdue()), user).count(),
            queries.visible_to(Complaint.select().where(due.follow_overdue()), user).count())


def _counts_read(db, app, user) -> tuple[tuple[int, int], list[str]]:
    statements = []
    connection = db.connection()
    connection.set_exec_trace(lambda cursor, sql, bindings: statements.append(sql) or True)
    try:
        with app.test_request_context():
            found = queries.overdue_counts(user, queries.targets())
    finally:
        connection.set_exec_trace(None)
    return found, [sql for sql in statements if "count(" in sql.lower()]


def _now() -> datetime:
    return datetime.utcnow().replace(microsecond=0)


@pytest.mark.parametrize("role", ["camat", "petugas_informasi"])
@pytest.mark.clock
def test_overdue_counts_follow_every_write_and_keep_the_earlier_quarters_after_a_complaint_of_today(db, app, users, role):
    user = users[role]
    previous = Quarter.containing((_now() + timedelta(hours=7)).date()).previous()
    old_new = complaint_row(datetime.combine(previous.start, datetime.min.time()) + timedelta(days=10, hours=3))
    old_forwarded = complaint_row(datetime.combine(previous.end, datetime.min.time()) + timedelta(hours=2),
                              status="diteruskan", first_response_at=_now() - timedelta(days=60))
    complaint_row(datetime.combine(previous.start, datetime.min.time()) + timedelta(days=20), is_confidential=True)
    complaint_row(_now() - timedelta(days=40), status="diteruskan")  # this quarter or the one before, by the date
    complaint_row(_now() - timedelta(days=12))

    def writes():
        yield "a complaint of today", lambda: complaint_row(_now() - timedelta(minutes=5))
        yield "an old one answered", lambda: Complaint.update(status="diteruskan").where(
            Complaint.id == old_new.id).execute()
        yield "an old one made confidential", lambda: Complaint.update(is_confidential=True).where(
            Complaint.id == old_forwarded.id).execute()
        yield "an old one closed", lambda: Complaint.update(status="selesai").where(Complaint.id == old_new.id).execute()
        yield "one of last quarter typed in today", lambda: complaint_row(
            datetime.combine(previous.start, datetime.min.time()) + timedelta(days=30), created_at=_now())
        yield "an old one deleted", lambda: Complaint.delete().where(Complaint.id == old_forwarded.id).execute()

    assert _counts_read(db, app, user)[0] == _counted(user)
    for name, write in writes():
        write()
        found, counts = _counts_read(db, app, user)
        assert found == _counted(user), name
        status = queries.first_move_for(user)  # the menu's badge, counted the same way
        assert queries.count_new_for(user) == (queries.visible_to(
            Complaint.select().where(Complaint.status == status), user).count() if status else 0), name
        if name == "a complaint of today":
            # Only this quarter's complaints were counted again: every count starts at the quarter.
            assert all('"received_at" >= ' in sql for sql in counts), counts
