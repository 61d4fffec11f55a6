"""A counter PC of a version still in the field, as a program of its own: run with that version's tree first on
sys.path and as the working folder (tests/support/field_versions.py unpacks it), so every module it imports,
its sync client included, is that version's; never imported by today's tests (they pass its text to
`python -c`). One process for the PC's whole test, as the PC's program runs (issue 93: a start of an old tree
took 2-7 s, ten in a test): each line read is an action, JSON ["action", *args]; each answer is printed on a
line of its own after ANSWER, JSON. Anything else the version prints goes around it. A failed action ends
the process with its traceback on stderr.

    enrol CENTER_URL CODE   the admin enrols the PC on Sinkronisasi (the office's identity set first)
    sync                    one full pass, as Sinkronkan sekarang runs it
    accept                  the clerk takes the relayed form in and finds the file complete
    fill COUNT              COUNT complete applications of the counter's own (tests/sync/harness.py)
    applications            each application's number and status
    state APPLICATION_ID    the application, its form, its outbox rows, what its page offers the clerk
    queue                   the relayed form in the counter's queue: what its row holds, what the clerk reads
                            opening it, what the PC sends of it, and the PC's key
"""
import json
import re
import sys
from pathlib import Path

from app import create_app
from app.frame.db import database

ANSWER = "JAWABAN-PC-LAMA "  # tests/desa/test_field_counter_renumber.py reads it
data = Path(sys.argv[1])
pc = create_app({"DATA_DIR": data, "SECRET_KEY": "pc-lama", "TESTING": True})
db = pc.extensions["database"]
database.initialize(db)


def signed_in(role: str):
    from app.auth.accounts import create_user
    from app.auth.models import User
    from tests.conftest import CsrfClient, sign_in_as
    pc.test_client_class = CsrfClient
    name = role.replace("_", "-") + "-uji"
    user = User.get_or_none(User.username == name) or create_user(
        name, "Pegawai Uji", role, password="rahasia-uji-12", must_change_password=False)[0]
    client = pc.test_client()
    sign_in_as(client, user)
    return client


def text(response) -> str:
    return re.sub(r"\s+", " ", re.sub(r"<[^>]+>", " ", response.get_data(as_text=True)))


def enrol(center_url: str, code: str) -> dict:
    from app.firstrun import seed_identity
    seed_identity("35.08.07")
    answer = signed_in("admin").post("/sinkronisasi/daftar", data={"center_url": center_url, "code": code})
    assert answer.status_code in (302, 303), text(answer)[:2000]
    return {"enrolled": True}


def sync() -> dict:
    from sync.client import engine
    report = engine.sync_once(full=True)
    return {name: getattr(report, name, None) for name in ("sent", "conflicts", "rejected", "relayed", "error")}


def accept() -> dict:
    from app.desa.counter_views import _form_from_pre
    from app.desa.models import PreRegistration
    from app.registration.models import Application
    from app.registration.status import ApplicationStatus as S, transition
    pre = PreRegistration.get()
    clerk = signed_in("petugas_loket")
    with pc.test_request_context():
        form = dict(_form_from_pre(pre), phone="0812-3456-7890", notes="", mismatch_reason="", biometric_done="1")
    answer = clerk.post(f"/pra-pendaftaran/{pre.id}/terima", data=form, content_type="multipart/form-data")
    assert answer.status_code == 302, text(answer)[:2000]
    application = PreRegistration.get_by_id(pre.id).application
    with database.atomic():
        transition(application, S.COMPLETE, note="berkas lengkap")
    application = Application.get_by_id(application.id)
    return {"id": application.id, "number": application.registration_number}


def fill(count: str) -> dict:
    from tests.sync.harness import fill_kecamatan
    return {"numbers": fill_kecamatan(pc, int(count))}


def applications() -> dict:
    from app.registration.models import Application
    return {a.registration_number: a.status for a in Application.select()}


def state(application_id: str) -> dict:
    from app.desa.models import PreRegistration
    from app.registration.models import Application
    from sync.client.models import OutboxItem
    pre = PreRegistration.get()
    page = text(signed_in("petugas_loket").get(f"/pendaftaran/{application_id}"))
    return {"number": Application.get_by_id(int(application_id)).registration_number,
            "relay_status": pre.relay_status, "relay_application_number": pre.relay_application_number,
            "relay_note": pre.relay_note,
            "outbox": sorted({(row.kind, row.state) for row in OutboxItem.select()}),
            "outbox_errors": sorted({(row.kind, row.last_error) for row in OutboxItem.select() if row.last_error}),
            "offers_duplicate": "Tandai sebagai duplikat" in page, "says_other_counter": "loket lain" in page}


def queue() -> dict:
    from app.desa.models import PreRegistration
    from app.registration.models import Application
    from sync.client.models import OutboxItem, SyncLink
    pre = PreRegistration.get()
    clerk = signed_in("petugas_loket")
    opened = text(clerk.get(f"/pra-pendaftaran/{pre.id}/terima", follow_redirects=True))
    return {"status": pre.status, "relay_status": pre.relay_status,
            "relay_application_number": pre.relay_application_number, "relay_note": pre.relay_note,
            "opened": re.search(r"Pra-pendaftaran \S+ sudah diterima[^.]*\.", opened)[0]
            if "sudah diterima" in opened else opened[:300],
            "applications": Application.select().count(),
            "sent_of_it": sorted({row.kind for row in OutboxItem.select().where(
                OutboxItem.registration_number == pre.number)}), "key_id": SyncLink.get().key_id}


ACTIONS = {"enrol": enrol, "sync": sync, "accept": accept, "fill": fill, "applications": applications, "state": state,
           "queue": queue}
for line in sys.stdin:
    action, *args = json.loads(line)
    with pc.app_context(), db.connection_context():
        done = ACTIONS[action](*args)
    print(ANSWER + json.dumps(done), flush=True)
