"""Who reacts to an act: every listener point of the office programs, declared in this one file (issue 91,
as Datasette's hookspecs.py). The capability that writes an act announces it here; another subscribes at
install time (app/frame/listeners.py). Each says when it fires, in which transaction, and what a listener may
write. A listener writing inside the act's transaction writes no line of its own: the act's line covers it
(app/frame/audit_rule.py), and a row no act of its own explains is refused by the trail guard.
tests/core/test_reactions.py fails when a `Listeners()` is made anywhere else or one here has no docstring."""
from app.frame.listeners import Listeners

application_created = Listeners("""fn(application): a new application was registered (at the counter, from
    a desa form, a collective import), inside that transaction; may write what follows an application (its
    /cek record, its desa's relay state).""")

application_renumbered = Listeners("""fn(application, old_number): an application took a new number (the
    center's renumber heard in a pass), inside that transaction; may write (move) what follows the old number (its /cek
    record, its desa form's relay record).""")

nik_holds = Listeners("""fn(nik) -> NikHold | None: a question, no write. Asked before a new application is
    registered, inside or outside a transaction; answers what else holds that NIK (a desa form waiting).""")

detail_notices = Listeners("""fn(application) -> [Notice]: a question, no write. Asked while the
    application's page is drawn (no transaction of its own); answers warnings each with its one action.""")

status_moved = Listeners("""fn(application, from_status, to_status) (and many([...]) for the moves written
    together, app/registration/status.Moves): every status move of an application, inside the move's
    transaction; may write the move's outbox row, /cek record and relay record.""")

calendar_changed = Listeners("""fn(changed_day or None): the office's calendar changed (a day closed or
    opened; None: a decree may have changed more), inside that transaction; may write what counts days on
    it (the public record's days off).""")

decree_entered = Listeners("""fn(old_calendar, new_calendar) -> [change description]: a year's decree was
    entered, inside that transaction; may write the dates counted on the calendar (open promises).""")

sms_consent_given = Listeners("""fn(kind, source_id, phone): a form with its SMS consent ticked was saved
    (kind "ktp" an application, "pgd" a complaint), inside that transaction after the record was created;
    may write the consent's row.""")

complaint_changed = Listeners("""fn(complaint): a write that may change what the public sees of a
    complaint, inside that transaction; may write its /cek record.""")

pre_registration_changed = Listeners("""fn(pre, created=False): a desa form entered, accepted at the counter,
    or given a status the relay brought back, inside that transaction; may write its /cek record.""")
