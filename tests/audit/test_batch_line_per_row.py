"""An act that writes a batch writes one line per row it changes (issue 91, finding 4): the sync pass's moves
(app/registration/status.Moves) are written together, and before, one line covered every row its function
wrote, so the batch with only its first line kept was silent to the guard. `@act("status",
per_row="application")` asks, when the batch returns, for a line naming each application it changed."""
import pytest

from app.frame import audit
from app.frame.audit_event import AuditEvent
from app.frame.audit_rule import ActWithoutLine
from app.frame.db import database
from app.registration import status
from app.registration.models import Application
from app.registration.status import ApplicationStatus as S, Moves
from sync.client import records
from tests.registration.conftest import client_as, loket, office  # noqa: F401  fixtures
from tests.support.factory import applicant_form, moved


class FirstLineOnly:
    """The audit module less every line of a batch but its first."""

    def __getattr__(self, name):
        return getattr(audit, name)

    @staticmethod
    def record_many(entries, user=None):
        return audit.record_many(entries[:1], user=user)


@pytest.fixture
def complete(loket):  # noqa: F811
    """Three complete applications, as a pass finds them before the center acknowledges them."""
    for serial in ("0001", "0002", "0003"):
        assert loket.post("/pendaftaran/baru", data=applicant_form(nik=f"350807120590{serial}"),
                          content_type="multipart/form-data").status_code == 302
    return [moved(application.id, S.COMPLETE) for application in Application.select().order_by(Application.id)]


def sent_together(applications):
    moves = Moves(actor=records.BY_THE_CENTER)
    for application in applications:
        moves.move(application, S.SENT, note="diterima pusat cetak")
    with database.atomic():
        moves.write()


def test_a_batch_of_moves_with_only_its_first_line_is_refused_and_named(complete, monkeypatch):
    monkeypatch.setattr(status, "audit", FirstLineOnly())
    with pytest.raises(ActWithoutLine, match=r"status untuk 2 baris application\) \(app/registration/status.py:"
                                             r"Moves._write\)"):
        sent_together(complete)
    assert {application.status for application in Application.select()} == {S.COMPLETE.value}  # rolled back


def test_a_batch_of_moves_with_a_line_per_move_passes(complete):
    sent_together(complete)
    assert {application.status for application in Application.select()} == {S.SENT.value}
    assert AuditEvent.select().where(AuditEvent.action == "status", AuditEvent.after.contains(f'"{S.SENT.value}"')).count() == 3
