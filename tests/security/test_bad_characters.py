"""Bad bytes (issue 42, finding 5): a NUL answered 500 at the PostgreSQL center (/api/v1/enrol, /masuk,
/permohonan?q=, the reject form: PostgreSQL refuses NUL in text) and bidi overrides (U+202E, U+2066) were
stored everywhere and forwarded to the center. Every program (office, desa PC, center on SQLite and on
PostgreSQL) refuses them at one place in its request cycle with a 400 and an Indonesian message: every
route with each in a query argument, every form the walks of tests/core reach with each in every field,
and the JSON doors. At the center, a received record keeps only the fields the protocol defines."""
import json

import pytest

from app.frame.access import PUBLIC
from app.frame.request_cycle import BAD_CHARACTERS_MESSAGE
from tests.conftest import CsrfClient, sign_in_as
from tests.core.test_access_matrix import concrete_url, every_route
from tests.core.test_every_form_summarises_its_errors import _center_records, _office_to_walk, _walk
from tests.support.form_walk import send
from tests.sync.conftest import center_app, center_db, enrolled  # noqa: F401  (the center on SQLite and PostgreSQL)

BAD = {"NUL": "Budi\x00Santoso", "U+202E": "Budi \u202eosotnaS", "U+2066": "\u2066Budi\u2069"}


def _refused(response, where) -> None:
    body = response.get_data(as_text=True)
    response.close()
    assert response.status_code == 400, (where, response.status_code)
    assert BAD_CHARACTERS_MESSAGE[:60] in body, (where, body[:300])


def _every_route_with_bad_arguments(app, clients: dict, policy) -> int:
    """Each route, as each client the table lets through, with each bad text in a query argument
    (GET) or a form field (POST): refused with the message, never a 500."""
    tried = 0
    for rule, method in every_route(app):
        allowed = policy.allowed(rule.endpoint)
        url = concrete_url(rule)
        for role, client in clients.items():
            if not (allowed == PUBLIC or (role is not None and allowed and role in allowed)):
                continue
            for name, text in BAD.items():
                if method == "GET":
                    response = client.get(url, query_string={"q": text})
                else:
                    response = client.post(url, data={"q": text, "nama": text})
                _refused(response, (method, url, role, name))
                tried += 1
    return tried


def _every_form_with_bad_fields(app, clients: dict, found: dict) -> int:
    """Every form the walk found, sent with each bad text in every field a person fills or chooses."""
    tried = 0
    for (endpoint, _), (role, form) in sorted(found.items(), key=lambda item: item[0]):
        if not any(text == BAD["NUL"] for values in form.submission(text=BAD["NUL"]).values() for text in values):
            continue  # only boxes to tick or a file to choose: no text to hold a bad character
        for name, text in BAD.items():
            _refused(send(app, clients[role], form, text=text), (endpoint, form.page, role, name))
            tried += 1
    return tried


@pytest.mark.windows_pass  # a walk over every page: once in CI, in the Windows-like pass
def test_the_office_refuses_nul_and_bidi_in_every_route_and_every_field(app, users):
    clients, records = _office_to_walk(app, users)
    policy = app.extensions["policy"]
    assert _every_route_with_bad_arguments(app, clients, policy) > 300
    assert _every_form_with_bad_fields(app, clients, _walk(app, clients, policy, records=records)) > 100
    from app.registration.models import Application
    assert not Application.select().where(Application.full_name.contains("\u202e")).exists()


@pytest.mark.windows_pass  # a walk over every page: once in CI, in the Windows-like pass
def test_the_desa_pc_refuses_nul_and_bidi_in_every_route_and_every_field(tmp_path, db):
    from app import create_app
    from app.auth.accounts import create_user
    from app.desa.models import UserDesa
    from app.frame.db import database
    from app.frame.roles import ADMIN, DESA
    desa_pc = create_app({"DATA_DIR": tmp_path / "desa-pc", "SECRET_KEY": "desa", "TESTING": True, "MODE": "desa"})
    desa_pc.test_client_class = CsrfClient
    database.initialize(desa_pc.extensions["database"])
    try:
        with desa_pc.app_context():
            users = {role: create_user(f"akun-{role}", role.title(), role, password="kata-sandi-1",
                                       must_change_password=False)[0] for role in (ADMIN, DESA)}
            UserDesa.create(user=users[DESA], desa_code="35.08.07.2001")
            clients = {None: desa_pc.test_client()}
            for role, user in users.items():
                clients[role] = desa_pc.test_client()
                sign_in_as(clients[role], user)
            policy = desa_pc.extensions["policy"]
            assert _every_route_with_bad_arguments(desa_pc, clients, policy) > 40
            assert _every_form_with_bad_fields(desa_pc, clients, _walk(desa_pc, clients, policy)) > 5
    finally:
        database.initialize(db)


def test_the_center_refuses_nul_and_bidi_in_every_route_every_field_and_its_json_doors(center_app, center_db):
    """On SQLite and on PostgreSQL (center_app), where a NUL met the database and answered 500."""
    from sync.center.policy import POLICY
    clients = _center_records(center_app)
    pages = {role: client for role, client in clients.items()}
    assert _every_route_with_bad_arguments(center_app, pages, POLICY) > 100
    found = _walk(center_app, clients, POLICY, start_filter=lambda rule: not rule.rule.startswith("/api/"))
    assert _every_form_with_bad_fields(center_app, clients, found) > 20
    door = center_app.test_client()
    for name, text in BAD.items():
        for path, body in (("/api/v1/enrol", {"kecamatan_code": text, "enrolment_code": "AAAA-BBBB-CCCC"}),
                           ("/api/v1/enrol", {"kecamatan_code": "35.08.07", "enrolment_code": text}),
                           ("/api/v1/relay/enrol", {"ticket": {"kid": text}, "signature": text})):
            _refused(door.post(path, data=json.dumps(body), content_type="application/json", csrf=False),
                     (path, name))
        _refused(door.post("/masuk", data={"username": text, "password": text}), ("/masuk", name))
        _refused(clients["operator"].get("/permohonan", query_string={"q": text}), ("/permohonan?q=", name))
        _refused(door.get("/api/v1/statuses", query_string={"after": text}), ("/api/v1/statuses", name))


def test_the_center_keeps_only_the_fields_the_protocol_defines(center_app, enrolled):
    """A received application with fields the record does not define, nested ones too: stored without them;
    one whose text holds a bidi override or a NUL: refused with the reason."""
    from sync import protocol
    from sync.center.models import ReceivedApplication
    from tests.sync.helpers import packet_call, packet_item, record_for
    _, key = enrolled
    client = center_app.test_client()
    record = dict(record_for(1), extra="bukan isian", nested={"deeper": {"nik": "3508071205900009"}})
    answer = packet_call(client, key, "/api/v1/packets", [packet_item(1, record=record)]).get_json()
    assert answer["results"][0]["result"] == "stored"
    stored = json.loads(ReceivedApplication.get().record_json)
    assert set(stored) == set(protocol.APPLICATION_FIELDS) and "nested" not in stored and "extra" not in stored
    for n, text in ((2, "Budi \u202eosotnaS"), (3, "Budi\x00Santoso")):
        bad = dict(record_for(n), full_name=text)
        result = packet_call(client, key, "/api/v1/packets", [packet_item(n, record=bad)]).get_json()["results"][0]
        assert result["result"] == "rejected" and "karakter tidak sah" in result["reason"], result
    assert ReceivedApplication.select().count() == 1


def test_a_relayed_form_with_fields_the_protocol_does_not_define_is_refused(center_app, center_db):
    from types import SimpleNamespace
    from sync.center import relay
    key = SimpleNamespace(kecamatan=SimpleNamespace(code="35.08.07"), desa_code="35.08.07.2001")
    problem = relay._pre_registration_problem(key, "PRA-3508072001-D1-000001",
                                              {"v": 1, "k": "35.08.07", "f": {"desa_code": "35.08.07.2001"},
                                               "x": {"y": 1}}, b"")
    assert problem and "tidak dikenal protokol" in problem and "x" in problem
    problem = relay._pre_registration_problem(key, "PRA-3508072001-D1-000001",
                                              {"v": 1, "k": "35.08.07", "f": {"desa_code": "35.08.07.2001",
                                                                               "rahasia": "1"}}, b"")
    assert problem and "rahasia" in problem
