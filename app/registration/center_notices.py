"""What an applicant's page says about the center (registered by sync_records.py, shown through
notices.py): the sync client keeps the outbox rows and the center's events it could not apply
(sync/client/statuses.py); the words, and what the clerk does with the citizen's receipt, are the
registration's."""
from app.frame import statements
from app.registration.models import Application
from app.registration.records import reprinted_receipts
from sync.client import records
from sync.client.models import OutboxItem, StatusIssue


def _items_of():  # its SQL built once (app/frame/statements.py): every application's page asks it (issue 73)
    return OutboxItem.select().where((OutboxItem.kind == statements.each_run(0))
                                     & (OutboxItem.source_id == statements.each_run(1)))


def center_notices(application: Application) -> list[str]:
    """A conflict, a number given up (its receipt printed again, or still to hand out) and the center's events
    not applied, each with what to do."""
    notices, current_key = [], application.registration_number
    items = statements.rows(_items_of, each_run=(records.DEFAULT_KIND, application.id))
    if any(i.state == "conflict" for i in items):
        notices.append(
            f"Konflik nomor di pusat: nomor {current_key} sudah dipakai data lain di pusat "
            "(misalnya setelah memulihkan cadangan). Status dari pusat untuk nomor ini TIDAK diterapkan ke "
            "pemohon ini. Yang perlu dilakukan: hubungi petugas pusat agar memutuskan konflik ini; "
            "keputusannya datang sendiri pada sinkronisasi berikutnya.")
    reprinted = reprinted_receipts(application.id)  # a number given up -> the number its receipt was printed with
    for item in items:
        if item.state != "renumbered":
            continue
        printed = reprinted.get(item.registration_number)
        if printed:  # the clerk has done what the notice asked; a number given again asks anew
            notices.append(f"Nomor lama {item.registration_number} diganti karena bentrok di pusat; bukti "
                           f"pendaftaran baru bernomor {printed} sudah dicetak ulang untuk pemohon.")
        else:
            notices.append(f"Nomor lama {item.registration_number} diganti karena bentrok di pusat; "
                           "berikan bukti pendaftaran baru kepada pemohon.")
    keys = sorted({i.registration_number for i in items} | {current_key})
    issues = StatusIssue.select().where(StatusIssue.registration_number.in_(keys) & StatusIssue.resolved_at.is_null())
    for issue in issues.order_by(StatusIssue.id):
        if not issue.problem.startswith("Konflik"):  # a conflict is said above
            notices.append(f"Status “{issue.status}” dari pusat tidak dapat diterapkan: {issue.problem}")
    return notices
