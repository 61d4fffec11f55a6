"""Issue 25: one error-summary pattern on every form.

Every POST form a role can reach, in the kecamatan app and at the center, is sent back empty (as a
hurried clerk, or a browser without its `required` checks, would send it). Each must answer 4xx,
never 500, with the error summary (templates/_error_summary.html, which static/js/app.js focuses)
naming each field marked wrong, and every link of the summary must have its target on the page.
A form that takes an empty entry (a draft may be empty) is sent again with its limited text fields
one character too long.

The forms are found by walking each role's pages (tests/support/form_walk.py), starting from every
page without arguments the role may open and following links to record pages, so a form added
later is walked too. A POST route the walk never meets fails the test unless NOT_WALKED says why.
Chromium checks where the focus lands for a few forms (tests/browser/test_errors_visible.py).
"""
import json
import re
from argparse import Namespace
from contextlib import contextmanager

import pytest

from app.frame.access import PUBLIC
from app.frame.roles import ALL_ROLES
from tests.conftest import sign_in_as
from tests.support.error_summary import summary_problems
from tests.support.form_walk import invalid_fields, post_forms, send, summary_of
from tests.support.factory import kecamatan_row

# Forms whose refusal rightly shows no error summary, or takes empty input: endpoint -> why.
# Each must still answer below 500, and must still differ from the pattern (a form that comes to
# follow it fails here until it is taken off this list).
EXCEPTIONS = {
    "desa.scan": "the USB scanner types the next QR code into the focused field: a refused code keeps "
                 "the focus on that field (its message beside it, role=alert), not on a summary",
    "registration.checklist": "every set of ticks, none included, is a checklist the clerk may save; "
                              "the form has no text to get wrong",
    "center.mark_printed": "no card ticked means every card of the run, as its button says (\"yang dipilih, "
                           "atau semua bila tidak ada yang dipilih\")",
    "center.new_print_run": "the first button of the print list takes every application the filter shows "
                            "(\"semua N permohonan yang tersaring\"): a run with nothing ticked is what it says; "
                            "the ticked-rows button with none ticked is refused (tests/sync/test_center_print_list.py)",
}

# POST routes the walk does not meet, and why (a state the walked office is not in, or no form).
NOT_WALKED = {
    "kecamatan": {
        "backups.recovery_key_typed": "shown only when the recovery-key file is missing (tests/backups)",
        "backups.trail_gaps_seen": "shown only after a write was kept without its audit row (tests/audit/"
                                   "test_trail_gaps_on_health_card.py); a button, nothing to fill in",
        "desa.close_duplicate": "shown only on an application whose relayed form another counter PC accepted "
                                "first (tests/desa/test_relay_two_counters.py); a button, nothing to fill in",
        "desa.enrol_pc": "desa PC mode only (run.py serve --mode desa)",
        "desa.sync_now": "desa PC mode only (run.py serve --mode desa)",
        "registration.check_photo": "the chosen photo's check under its field (hx-post on the file input, not a "
                                    "form; its refusals: tests/registration/test_action_cpu.py)",
        "sync_page.identity_replace": "shown only when another PC took over this PC's code (tests/sync/test_pc_identity.py)",
        "sync_page.send_from_here": "shown only on a PC tambahan holding applications another PC numbered, a button "
                                    "without fields (tests/sync/test_pc_identity.py)",
        "updates.apply": "shown only while a signed release waits to be applied (tests/updates/test_install.py)",
    },
    "center": {},
}
NOT_PAGES = {"core.htmx_js", "core.healthz", "settings.logo", "center.htmx_js"}


def _problems_of(form, response) -> list[str]:
    """What is wrong with the answer to a refused form (empty when it follows the pattern)."""
    if response.status_code >= 500:
        return [f"answered {response.status_code}"]
    if response.status_code < 400:
        return [f"took the empty form ({response.status_code})"]
    page = response.get_data(as_text=True)
    summary = summary_of(page)
    if summary is None:
        return [f"{response.status_code} without an error summary"]
    problems = summary_problems(page)
    if "<li>" not in summary:
        problems.append("the summary lists nothing")
    linked = set(re.findall(r'href="#([^"]+)"', summary))
    problems += [f"field #{ident} is marked wrong but the summary does not name it"
                 for ident in invalid_fields(page) if ident not in linked]
    return problems


def _walk(app, clients: dict, policy, start_filter=lambda rule: True, only=None, records=()) -> dict:
    """{form key: (role, form)} for every POST form the roles reach (the first role that meets it);
    `records`: record pages to start from too (a state the first pages of a list may not show)."""
    found = {}
    for role, client in clients.items():
        def allowed(endpoint, role=role):
            rule = policy.allowed(endpoint)
            if only is not None and endpoint not in only:
                return False
            return rule == PUBLIC or (role is not None and rule is not None and role in rule)
        start = [rule.rule for rule in app.url_map.iter_rules()
                 if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
                 and rule.endpoint not in NOT_PAGES and start_filter(rule)] + list(records)
        for key, form in post_forms(app, client, start, allowed, per_endpoint=5, skip=NOT_PAGES).items():
            found.setdefault(key, (role, form))
    return found


def _check(app, clients, found) -> tuple[dict, set]:
    """Send every form with fields back empty; {endpoint and page: problems}, and the endpoints met."""
    problems, met = {}, set()
    # the exceptions last: some take the empty form, and what they change must not hide another form
    for (endpoint, _), (role, form) in sorted(found.items(), key=lambda item: (item[0][0] in EXCEPTIONS, item[0])):
        met.add(endpoint)
        if not form.filled:
            continue  # a button (sign out, make a backup, approve): nothing to fill in, nothing to get wrong
        client = clients[role]
        response = send(app, client, form)
        if response.status_code < 400 and form.overlong and endpoint not in EXCEPTIONS:
            response = send(app, client, form, overlong=True)
        found_problems = _problems_of(form, response)
        where = f"{endpoint} on {form.page} ({role or 'tanpa masuk'})"
        if endpoint in EXCEPTIONS:
            if response.status_code >= 500:
                problems[where] = [f"answered {response.status_code}"]
            elif not found_problems:
                problems[where] = ["follows the pattern now: take it off EXCEPTIONS"]
        elif found_problems:
            problems[where] = found_problems
    return problems, met


# ---- the kecamatan app ------------------------------------------------------------------------

def _office_to_walk(app, users):
    """A demo office with a record in each state that shows a form: a collective letter with a KTP-el
    ready, a desa pre-registration, a walk-in survey answer, a recap waiting for the Camat, a date the
    office closes. Returns the clients by role and the record pages to start from."""
    from app import demo
    from app.frame.dates import local_today, utc_now
    from app.frame.periods import Quarter
    from app.recap.models import QuarterRecap, RecapStatus
    from app.registration.models import Application
    from app.registration.status import ApplicationStatus as S
    from app.survey.models import ResponseStatus
    from tests.support.factory import DARUNGAN, applicant_form, bound_to_desa, survey_response
    demo.fill(Namespace(seed=25, password="demo-sandi-1", applications=100, complaints=15, surveys=5, recaps=0))
    member = Application.select().where(Application.collective.is_null(False)).first()
    member.status = S.READY.value  # the letter's handover form shows
    member.save()
    from app.frame.db import database
    from app.registration import sync_records
    with database.atomic():  # a number given again: the reprint list's "Cetak ulang bukti" shows (issue 72)
        sync_records._new_number(member, "bentrok di pusat")
    quarter = Quarter.containing(local_today("WIB")).previous()
    starts_at, ends_at = quarter.utc_bounds("WIB")
    QuarterRecap.create(year=quarter.year, quarter=quarter.number, starts_at=starts_at, ends_at=ends_at,
                        status=RecapStatus.SUBMITTED, promises="Menambah kursi.", narrative="Triwulan ramai.",
                        submitted_at=utc_now(), created_at=utc_now(), updated_at=utc_now())
    survey_response(utc_now(), {}, submission_key="jalan-kaki-1", address="127.0.0.1", status=ResponseStatus.PENDING)
    bound_to_desa(users["operator_desa"], DARUNGAN)
    clients = {None: app.test_client()}
    for role in ALL_ROLES:
        clients[role] = app.test_client()
        sign_in_as(clients[role], users[role])
    made = clients["operator_desa"].post("/desa/pra-pendaftaran/baru", data=applicant_form(),
                                         content_type="multipart/form-data")
    assert made.status_code in (302, 303), made.status_code
    closed = clients["admin"].post("/admin/hari-libur", data={"day": f"{local_today('WIB').year}-12-30",
                                                             "kind": "tutup", "name": "Kerja bakti kantor"})
    assert closed.status_code in (302, 303), closed.status_code
    return clients, [f"/pendaftaran/{member.id}"]


def _walk_kecamatan(app, users):
    from tests.sync.test_sync_page import enrol_fake
    clients, records = _office_to_walk(app, users)
    policy = app.extensions["policy"]
    found = _walk(app, clients, policy, records=records)
    problems, met = _check(app, clients, found)
    # The same office once enrolled at a center: its sync page's other forms (export, import, unlink).
    enrol_fake(app.extensions["database"])
    enrolled = {role: clients[role] for role in ("admin", "petugas_loket")}
    later = _walk(app, enrolled, policy, start_filter=lambda rule: rule.endpoint == "sync_page.index",
                  only={"sync_page.index"})
    more, met_later = _check(app, enrolled, {key: found_ for key, found_ in later.items() if key not in found})
    return {**problems, **more}, met | met_later


# ---- the center -------------------------------------------------------------------------------

@contextmanager
def _center_to_walk(tmp_path):
    """A center with an enrolled kecamatan, applications received, one in conflict, one print run;
    yields (app, {role: client})."""
    from sync.center.app import create_center_app
    from tests.conftest import CsrfClient
    center = create_center_app({"DATA_DIR": tmp_path / "center", "SECRET_KEY": "center-test", "TESTING": True,
                                "CENTER_NAME": "Pusat Cetak Uji"})
    center.test_client_class = CsrfClient
    with center.app_context(), center.extensions["center_database"].connection_context():
        yield center, _center_records(center)


def _center_records(center):
    from sync.center import keys, records
    from sync.center.accounts import create_operator
    from sync.center.models import ReceivedApplication
    from tests.sync.helpers import packet_item, record_for
    from tests.sync.test_center_pages import client_as
    from app.frame.dates import utc_now
    operators = {role: create_operator(role, f"Akun {role}", role, password="rahasia-pusat-1",
                                       must_change_password=False)[0] for role in ("operator", "admin", "pimpinan")}
    kecamatan = kecamatan_row()
    _, pilot = keys.enrol("35.08.07", keys.new_enrolment_code(kecamatan), "01")
    keys.enrol("35.08.07", keys.new_enrolment_code(kecamatan), "01")
    # A release out to everyone, the next one with the pilot PC, which reported its walk (the release page's forms).
    from sync.center.models import DeviceKey
    from tests.sync.test_rollout import HEALTH, published
    published(center, "9.0.0")
    DeviceKey.update(pilot_since=utc_now(), update_health=json.dumps(dict(HEALTH, failed=["/pendaftaran"])),
                     update_health_at=utc_now()).where(DeviceKey.id == pilot.id).execute()
    published(center, "9.1.0", to_everyone=False)
    # The other PC took 9.0.0 back (its reports): Kesehatan Komputer and Rilis Pembaruan offer "Coba lagi".
    from tests.sync.helpers import call
    from tests.sync.test_center_fleet import FINE
    other = DeviceKey.select().where(DeviceKey.id != pilot.id).get()
    went_back = {"outcome": "dikembalikan", "version": "9.0.0", "why": "halaman /pendaftaran (500)", "at": None}
    refused = {"version": "9.0.0", "stage": "sesudah", "why": went_back["why"], "at": None}
    for path, body in (("/api/v1/fleet/report", dict(FINE, update=went_back)),
                       ("/api/v1/updates/health", dict(HEALTH, refused=refused))):
        assert call(center.test_client(), (other.key_id, other.secret), "POST", path, body).status_code == 200
    for n in range(1, 6):
        assert records.store_application(kecamatan, *packet_item(n)).result == "stored"
    changed = dict(record_for(1), full_name="Nama Yang Lain")
    assert records.store_application(kecamatan, *packet_item(1, record=changed)).result == "conflict"
    operator = client_as(center, operators["operator"])
    waiting = [str(a.id) for a in ReceivedApplication.select().order_by(ReceivedApplication.id.desc()).limit(2)]
    run = operator.post("/cetak/baru", data={"application": waiting})
    assert run.status_code == 303
    # one card of the run printed (the shipment form shows), one still to print (so do its tick boxes)
    assert operator.post(run.headers["Location"] + "/dicetak", data={"application": waiting[:1]}).status_code == 303
    return {None: center.test_client(), **{role: client_as(center, o) for role, o in operators.items()}}


def _walk_center(tmp_path):
    from sync.center.policy import POLICY
    with _center_to_walk(tmp_path) as (center, clients):
        found = _walk(center, clients, POLICY, start_filter=lambda rule: not rule.rule.startswith("/api/"))
        return (*_check(center, clients, found), center)


def _post_routes(app, skip_api=False) -> set:
    return {rule.endpoint for rule in app.url_map.iter_rules()
            if "POST" in rule.methods and not (skip_api and rule.endpoint.startswith("center_api."))}


@pytest.mark.windows_pass  # a walk over every page: once in CI, in the Windows-like pass
@pytest.mark.parametrize("program", ["kecamatan", "center"])
def test_every_form_refuses_empty_input_with_a_summary_naming_each_field(program, request, tmp_path):
    if program == "kecamatan":
        app = request.getfixturevalue("app")
        problems, met = _walk_kecamatan(app, request.getfixturevalue("users"))
        routes = _post_routes(app)
    else:
        problems, met, center = _walk_center(tmp_path)
        routes = _post_routes(center, skip_api=True)
    assert problems == {}
    not_walked = NOT_WALKED[program]
    assert sorted(routes - met - set(not_walked)) == [], "POST routes no walked page has a form for"
    assert sorted(set(not_walked) & met) == [], "walked now: take them off NOT_WALKED"
    assert len(met) >= (40 if program == "kecamatan" else 12)  # the walk found the forms at all


def test_the_centers_reason_fields_send_the_reason(tmp_path):
    """The reject and resend forms named their field twice (name="rejected" ... name="reason"): a browser
    sends the first, so the reason never arrived and every rejection was refused."""
    from sync.center.models import ReceivedApplication
    from tests.support.form_walk import forms_on
    with _center_to_walk(tmp_path) as (center, clients):
        item = ReceivedApplication.select().where(ReceivedApplication.status == "received").first()
        page = clients["operator"].get(f"/permohonan/{item.id}").get_data(as_text=True)
        forms = {form.endpoint: form for form in forms_on(center, f"/permohonan/{item.id}", page)}
        for endpoint in ("center.reject", "center.request_resend"):
            assert [f.name for f in forms[endpoint].filled] == ["reason"], endpoint
        rejected = clients["operator"].post(f"/permohonan/{item.id}/tolak", data={"reason": "Foto buram sekali"})
        assert rejected.status_code in (302, 303)
        assert ReceivedApplication.get_by_id(item.id).status == "rejected"
