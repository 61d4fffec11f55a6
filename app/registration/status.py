"""The life of a KTP-el application, in one table, and the one code path that moves it.

Both the admin's manual marking and the sync with the regency center call `transition`.
"""
from collections.abc import Callable

from flask import g, has_request_context

from app.frame import audit
from app.frame.dates import utc_now
from app.frame.db import database, insert_rows
from app.frame import reactions
from app.frame.application_status import STATUS_LABELS, ApplicationStatus, S  # noqa: F401  (the counter's names)
from app.frame.audit_rule import act

# The service flow (docs/architecture.md, "Who uses it, and how the work flows"): each status and where it may go next.
TRANSITIONS: dict[ApplicationStatus, frozenset[ApplicationStatus]] = {
    S.RECEIVED: frozenset({S.RETURNED, S.COMPLETE}),
    S.RETURNED: frozenset({S.RECEIVED, S.COMPLETE}),  # re-opened when the applicant comes back
    S.COMPLETE: frozenset({S.SENT}),
    S.SENT: frozenset({S.RECEIVED_BY_CENTER, S.REJECTED, S.RESEND_REQUESTED}),
    S.RECEIVED_BY_CENTER: frozenset({S.PRINTED, S.REJECTED, S.RESEND_REQUESTED}),
    # The center may still reject a printed or shipped card (defect, lost) or ask for a resend
    # after printing (sync/center/records.py CENTER_TRANSITIONS); the counter follows it.
    S.PRINTED: frozenset({S.SHIPPED, S.REJECTED, S.RESEND_REQUESTED}),
    S.SHIPPED: frozenset({S.READY, S.REJECTED}),
    S.READY: frozenset({S.HANDED_OVER, S.REJECTED}),
    S.HANDED_OVER: frozenset(),
    S.REJECTED: frozenset({S.COMPLETE, S.RETURNED}),  # corrected at the counter: a new version
    S.RESEND_REQUESTED: frozenset({S.COMPLETE, S.RETURNED}),
}

# The record may be edited only while it sits at the counter; from COMPLETE on it is in flight.
EDITABLE = frozenset({S.RECEIVED, S.RETURNED, S.REJECTED, S.RESEND_REQUESTED})
# Statuses in which the service promise is still running (the card is not yet at the counter).
IN_SERVICE = frozenset({S.COMPLETE, S.SENT, S.RECEIVED_BY_CENTER, S.PRINTED, S.SHIPPED,
                        S.REJECTED, S.RESEND_REQUESTED})
# Not yet finished: a second application with the same NIK is flagged while one of these exists.
IN_PROGRESS = frozenset(set(S) - {S.HANDED_OVER})
# Steps the sync drives; until it exists the admin (or the kasi) marks them by hand.
CENTER_STEPS = frozenset({S.SENT, S.RECEIVED_BY_CENTER, S.PRINTED, S.SHIPPED, S.REJECTED,
                          S.RESEND_REQUESTED})


class TransitionNotAllowed(Exception):
    """str(error) is the Indonesian message for the clerk."""


_transitions = reactions.status_moved


def add_transition_listener(fn: Callable, many: Callable | None = None) -> None:
    """fn(application, from_status, to_status) runs inside the transaction of every transition.
    `many([(application, from_status, to_status), ...])`, when given, hears the transitions that
    `Moves` writes together at once, in order (each application as it is after all its moves)."""
    _transitions.add(fn, many)


def is_editable(status) -> bool:
    return ApplicationStatus(status) in EDITABLE


def _actor(actor):
    if actor is None and has_request_context():
        return g.get("user")
    return actor


def _step(application, to_status, now):
    """Check one move and make it on `application` in memory: (from, to); raises TransitionNotAllowed."""
    try:
        target = ApplicationStatus(to_status)
    except ValueError:
        raise TransitionNotAllowed(f"Status tujuan tidak dikenal: {to_status}") from None
    current = ApplicationStatus(application.status)
    if target not in TRANSITIONS[current]:
        raise TransitionNotAllowed(
            f"Permohonan berstatus “{current.label}” tidak dapat diubah menjadi “{target.label}”.")
    if target is S.COMPLETE:
        from app.registration.service_time import promise_for
        if current in (S.REJECTED, S.RESEND_REQUESTED):
            application.version += 1  # the corrected file travels again as a new version
        if application.completed_at is None:
            # The promise runs from the first day the file was complete; a center rejection
            # does not restart the applicant's clock.
            application.completed_at, application.promised_date = promise_for(now)
    application.status = target.value
    application.updated_at = now
    return current, target


def _audit_line(application, current, target, note: str) -> dict:
    return dict(action="status", entity="permohonan_ktp", entity_id=application.id,
                summary=f"{application.registration_number}: {current.label} → {target.label}"
                + (f" ({note.strip()})" if note.strip() else ""),
                before={"status": current.value}, after={"status": target.value, "version": application.version})


@act("status")
def transition(application, to_status, *, actor=None, note: str = ""):
    """Move `application` to `to_status`, stamp who/when, write the timeline and the audit trail.

    Must run inside `database.atomic()`. Returns the StatusEvent; raises TransitionNotAllowed.
    """
    from app.registration.models import StatusEvent

    if not database.in_transaction():
        raise RuntimeError("transition() must be called inside database.atomic()")
    user = _actor(actor)
    now = utc_now()
    current, target = _step(application, to_status, now)
    # the fields this move and its caller changed (the status and its stamps, a checklist's lists, a handover's
    # collector), not all forty: peewee builds the UPDATE's text on each move (issue 73)
    application.save(only=application.dirty_fields)
    event = StatusEvent.create(application=application, from_status=current.value, to_status=target.value,
                               at=now, user_id=user.id if user else None,
                               username=user.username if user else "sistem", note=note.strip())
    audit.record(**_audit_line(application, current, target, note), user=user)
    _transitions.announce(application, current, target)
    return event


class Moves:
    """Transitions made in memory, in order, and written together (a page of the center's statuses,
    sync/client/settle.py): the same checks, rows, timeline, audit lines and listeners as `transition`
    for each, with a handful of statements instead of a dozen per move. An application may move
    several times; `move` raises TransitionNotAllowed and leaves the application as it was."""

    def __init__(self, actor=None):
        self.user = _actor(actor)
        self.planned: list[tuple] = []  # (application, from, to, note, at, audit line)

    def move(self, application, to_status, note: str = "") -> None:
        now = utc_now()
        current, target = _step(application, to_status, now)
        self.planned.append((application, current, target, note.strip(), now,
                             dict(_audit_line(application, current, target, note), at=now)))

    def write(self) -> None:
        """Inside the caller's transaction: the applications, their timelines, the audit lines, then
        the listeners (with the moves in order)."""
        if self.planned:
            self._write()

    @act("status", per_row="application")  # one line per application moved, never one for the batch
    def _write(self) -> None:
        from app.registration.models import Application, StatusEvent
        if not database.in_transaction():
            raise RuntimeError("Moves.write() must be called inside database.atomic()")
        user, planned, self.planned = self.user, self.planned, []
        final = {application.id: application for application, *_ in planned}
        fields = (Application.status, Application.updated_at, Application.version, Application.completed_at,
                  Application.promised_date)
        columns = ", ".join(f'"{field.column_name}" = ?' for field in fields)
        database.cursor().executemany(f'UPDATE "application" SET {columns} WHERE "id" = ?',
                                      [[f.db_value(getattr(a, f.name)) for f in fields] + [a.id] for a in final.values()])
        user_id, username = (user.id, user.username) if user else (None, "sistem")
        insert_rows(StatusEvent, [dict(application=a.id, from_status=current.value, to_status=target.value, at=at,
                                       user_id=user_id, username=username, note=note)
                                  for a, current, target, note, at, _ in planned])
        audit.record_many([line for *_, line in planned], user=user)
        _transitions.announce_many([(a, current, target) for a, current, target, *_ in planned])
