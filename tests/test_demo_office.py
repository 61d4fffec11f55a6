"""`run.py demo` looks like a real office: work on working days in office hours, every complete
application in the outbox, Info Meja's figures from the settings."""
from argparse import Namespace

from app import demo
from app.frame.office_calendar import office_calendar
from app.complaints.models import DeskAnswer
from app.frame.dates import to_local
from app.registration.models import Application, StatusEvent
from app.registration.status import ApplicationStatus as S
from app.frame import store
from sync.client.models import OutboxItem


def fill(app, db, **sizes):
    with app.app_context(), db.atomic():
        store.put("service_days", 12)  # not the 14 an old answer text said
    options = Namespace(seed=2026, password="demo-sandi-1", applications=sizes.get("applications", 1500),
                        complaints=sizes.get("complaints", 200), surveys=50)
    with app.app_context():
        demo.fill(options)


def test_demo_work_happens_on_working_days_in_office_hours(app, db):
    """Seen: demo registrations on weekends, statuses moved at 23.50 or 03.06."""
    fill(app, db)
    calendar = office_calendar()
    moments = [a.created_at for a in Application.select(Application.created_at)]
    moments += [e.at for e in StatusEvent.select(StatusEvent.at)]
    assert len(moments) > 3000
    for moment in moments:
        local = to_local(moment, "WIB")
        closing = 11 if local.weekday() == 4 else 15
        assert calendar.is_working_day(local.date()), local
        assert (8, 0) <= (local.hour, local.minute) < (closing, 0), local


def test_every_complete_demo_application_waits_in_the_outbox(app, db):
    """Seen: 154 demo applications "Lengkap, menunggu kirim" that never reached the outbox."""
    fill(app, db)
    complete = {a.id for a in Application.select().where(Application.status == S.COMPLETE.value)}
    queued = {o.source_id for o in OutboxItem.select().where(OutboxItem.state == "pending")}
    assert complete and complete <= queued


def test_info_meja_answers_follow_the_service_time_setting(app, db):
    """Seen: Info Meja said "14 hari kerja" while the service-time setting was 12."""
    fill(app, db, applications=50)
    texts = " ".join(a.answer for a in DeskAnswer.select())
    assert "12 hari kerja" in texts and "14 hari kerja" not in texts
