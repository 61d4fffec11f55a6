"""Every way a person's record enters runs every rule (issue 61, finding 3).

Seen: the collective XLSX import stored an 18-year-old "Kawin" without a dispensation note, which the
counter's form, the desa's form and the counter's acceptance of a desa form all refuse. Here each way in
(WAYS) takes each rule's known-bad inputs (VECTORS) and must refuse them with the rule's own words, then
store the valid form. `test_the_rule_function_is_called_only_by_the_ways_in_listed_here` reads the code:
a new caller of the rules or of a record store that is not listed below fails until it is added here,
and then it meets every vector.
"""
import ast
import html
import io
import re
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path
from types import SimpleNamespace
from typing import Callable

import pytest
from openpyxl import Workbook

from app.frame.dates import local_today, utc_now
from app.frame.person_rules import validate_application
from tests.desa.conftest import desa_client  # noqa: F401  (fixtures)
from tests.sync.conftest import center_app, center_db, enrolled  # noqa: F401
from tests.support.factory import DARUNGAN, applicant_form

ROOT = Path(__file__).parents[2]
TODAY = local_today()  # WIB, the zone of the office and of the center in these tests


def _years_ago(years: int, days: int = 0):
    """A birth date `years` (and `days` more) before today; 29 February falls back to the 28th."""
    day = TODAY - timedelta(days=days)
    try:
        return day.replace(year=day.year - years)
    except ValueError:
        return day.replace(year=day.year - years, day=28)


def nik_of(birth, sex="L", serial=1) -> str:
    """A Lumajang NIK that agrees with the birth date and sex (a woman's day plus 40)."""
    return f"350807{birth.day + (40 if sex == 'P' else 0):02d}{birth.month:02d}{birth.year % 100:02d}{serial:04d}"


def form(serial: int, **changes) -> dict:
    """A valid form in the record's own spelling (codes, zero-padded RT/RW): the same values serve the
    counter's form, a spreadsheet row, a desa form's payload and the center's record."""
    birth = _years_ago(36, 40)
    return applicant_form(**{"nik": nik_of(birth, serial=serial), "birth_date": birth.isoformat(), "rt": "002",
                             "rw": "001", "desa": DARUNGAN, "phone": "", **changes})


def _person(serial, years, days, sex="L", **changes):
    birth = _years_ago(years, days)
    return dict(nik=nik_of(birth, sex, serial), birth_date=birth.isoformat(), sex=sex, **changes)


# Each rule's refusal vectors: (name, changes to a valid form, fields the rule reads beyond the record's).
# A new rule adds its known-bad inputs here and every way in below meets them.
VECTORS = [
    ("a marriage below 19 without the court's dispensation", _person(11, 18, 120, marital_status="Kawin"), {"notes"}),
    ("a widow of 18 without the dispensation", _person(12, 18, 10, "P", marital_status="Cerai Mati"), {"notes"}),
    ("under 17 and never married", _person(13, 16, 120, marital_status="Belum Kawin"), set()),
    ("a NIK of 15 digits", {"nik": "350807120590001"}, set()),
    ("a NIK with a letter", {"nik": "35080712059O0001"}, set()),
    ("a NIK whose date is not in the calendar", {"nik": "3508073213900001"}, set()),
    ("a NIK whose serial is 0000", {"nik": nik_of(_years_ago(36, 40), serial=0)}, set()),
    ("a KK whose serial is 0000", {"kk_number": "3508070101100000"}, set()),
    ("a NIK that disagrees with the birth date, no reason", {"birth_date": _years_ago(36, 41).isoformat()},
     {"mismatch_reason"}),
    ("a birth date in the future", {"birth_date": (TODAY + timedelta(days=400)).isoformat()}, set()),
    ("a birth date not in the calendar", {"birth_date": "1990-02-30"}, set()),
    ("a birth date before 1900", {"birth_date": "1899-05-12"}, set()),
    ("markup in the name", {"full_name": "Budi <b>Santoso</b>"}, set()),
    ("a desa of another kecamatan", {"desa": "35.08.08.2001"}, set()),
    ("an RT in letters", {"rt": "tiga"}, set()),
] + [(f"{field} left empty", {field: ""}, set())
     for field in ("nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "address", "rt", "rw", "desa",
                   "religion", "marital_status", "occupation", "reason")]


def expected_words(values: dict) -> list[str]:
    """What the rule function says about a form: a way in must say one of these when it refuses."""
    from app.frame.places import _desa_of
    _, errors, warnings = validate_application(values, list(_desa_of("35.08.07")), TODAY)
    assert errors, f"not a refusal vector: {values}"
    return list(errors.values()) + list(warnings.values())


def text_of(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@dataclass
class Way:
    name: str
    calls: set[str]  # where it runs the rule function: "path:function"
    open: Callable  # open(request) -> submit(values) -> (stored, what it told)
    carries: set[str] | None = None  # the fields its record carries (None: every field of the form)
    guards: dict[str, str] | None = None  # its own refusal that comes first for a field: {field: its words}


def _counter_form(request):
    from app.registration.models import Application
    loket = request.getfixturevalue("loket")

    def submit(values):
        before = Application.select().count()
        response = loket.post("/pendaftaran/baru", data=values, content_type="multipart/form-data")
        return Application.select().count() > before, text_of(response)
    return submit


def _counter_edit(request):
    from app.registration.models import Application
    loket = request.getfixturevalue("loket")
    first = loket.post("/pendaftaran/baru", data=form(99), content_type="multipart/form-data")
    assert first.status_code == 302, text_of(first)[:2000]
    application = Application.get()

    def submit(values):
        response = loket.post(f"/pendaftaran/{application.id}/ubah", data=values, content_type="multipart/form-data")
        return response.status_code == 302, text_of(response)
    return submit


def _collective_import(request):
    from app.registration.collective import IMPORT_COLUMNS
    from app.registration.models import Application, CollectiveLetter
    loket = request.getfixturevalue("loket")
    loket.post("/pendaftaran/kolektif/baru", data={
        "letter_number": "421.3/117/SMAN1/2026", "letter_date": TODAY.isoformat(), "sender": "SMA Negeri 1",
        "contact": "", "recording_date": ""})
    letter = CollectiveLetter.get()

    def submit(values):
        book = Workbook()
        book.active.append([header for header, _ in IMPORT_COLUMNS])
        book.active.append([values.get(field, "") for _, field in IMPORT_COLUMNS])
        data = io.BytesIO()
        book.save(data)
        before = Application.select().count()
        response = loket.post(f"/pendaftaran/kolektif/{letter.id}/impor",
                              data={"berkas": (io.BytesIO(data.getvalue()), "pemohon.xlsx")},
                              content_type="multipart/form-data")
        return Application.select().count() > before, text_of(response)
    return submit


def _desa_form(request):
    """The desa operator's form: the same view on the kecamatan's server and on a desa PC (MODE desa)."""
    from app.desa.models import PreRegistration
    from tests.desa.conftest import pre_register
    operator = request.getfixturevalue("desa_client")()

    def submit(values):
        before = PreRegistration.select().count()
        response = pre_register(operator, values)
        return PreRegistration.select().count() > before, text_of(response)
    return submit


def _counter_acceptance(request):
    from app.desa.models import PreRegistration
    from app.registration.models import Application
    from tests.desa.conftest import pre_register
    loket = request.getfixturevalue("loket")
    made = pre_register(request.getfixturevalue("desa_client")(), form(98))
    assert made.status_code == 302, text_of(made)[:2000]
    pre = PreRegistration.get()

    def submit(values):
        before = Application.select().count()
        response = loket.post(f"/pra-pendaftaran/{pre.id}/terima", data=values, content_type="multipart/form-data")
        return Application.select().count() > before, text_of(response)
    return submit


def _desa_payload(request):
    """A desa PC's form scanned from its F-1.07's QR code or pulled from the relay (one function for both)."""
    from app.desa import records
    from app.desa.models import PreRegistration
    from app.frame.person_rules import EDITABLE_FIELDS
    request.getfixturevalue("loket")
    numbers = iter(range(1, 1000))

    def submit(values):
        fields = {key: values.get("desa" if key == "desa_code" else key, "") for key in EDITABLE_FIELDS}
        fields["biometric_done"] = True
        payload = {"f": fields, "t": utc_now().isoformat(), "o": "Operator Darungan",
                   "n": f"PRA-{DARUNGAN.replace('.', '')}-D1-{next(numbers):06d}"}
        before = PreRegistration.select().count()
        try:
            records.pre_registration_from_payload(payload, source="relay")
        except records.Refused as refusal:
            return PreRegistration.select().count() > before, str(refusal)
        return PreRegistration.select().count() > before, ""
    return submit


def _record_of(values: dict, serial: int) -> dict:
    record = {key: values[key] for key in ("nik", "kk_number", "full_name", "birth_place", "birth_date", "sex",
                                           "address", "rt", "rw", "religion", "marital_status", "occupation",
                                           "reason")}
    return dict(record, registration_number=f"350807-01-{serial:06d}", desa_code=values["desa"], biometric_done=True)


def _center(request, send):
    from sync.center.models import ReceivedApplication
    from tests.sync.helpers import packet_item
    request.getfixturevalue("center_db")
    kecamatan, key = request.getfixturevalue("enrolled")
    serials = iter(range(1, 1000))

    def submit(values):
        serial = next(serials)
        before = ReceivedApplication.select().count()
        result = send(kecamatan, key, packet_item(serial, record=_record_of(values, serial)))
        return ReceivedApplication.select().count() > before, f"{result['result']}: {result.get('reason', '')}"
    return submit


def _center_api(request):
    from tests.sync.helpers import packet_call
    client = request.getfixturevalue("center_app").test_client()
    return _center(request, lambda kecamatan, key, item: packet_call(
        client, key, "/api/v1/packets", [item]).get_json()["results"][0])


def _center_usb(request):
    from sync import usb
    from sync.center.views import import_one_file
    app = request.getfixturevalue("center_app")

    def send(kecamatan, key, item):
        with app.test_request_context():
            imported = import_one_file(usb.write_batch_file(key[0], key[1], [item]), "kiriman.lkb")
        outcome = imported["results"][0]
        return {"result": outcome.result, "reason": outcome.reason}
    return _center(request, send)


def _center_relay(request):
    """The center's relay of a desa PC's form on its way to the kecamatan."""
    from sync import protocol
    from sync.center import relay
    from sync.center.models import RelayItem
    from app.frame.person_rules import EDITABLE_FIELDS
    request.getfixturevalue("center_db")
    kecamatan, _ = request.getfixturevalue("enrolled")
    key = SimpleNamespace(kecamatan=kecamatan, kecamatan_id=kecamatan.id, desa_code=DARUNGAN, device_id="desa-pc-1",
                          device_code="D1", key_id="desa-key")
    numbers = iter(range(1, 1000))

    def submit(values):
        fields = {key: values.get("desa" if key == "desa_code" else key, "") for key in EDITABLE_FIELDS}
        fields["biometric_done"] = True
        record = {"v": 1, "k": "35.08.07", "n": f"PRA-{DARUNGAN.replace('.', '')}-D1-{next(numbers):06d}",
                  "t": utc_now().isoformat(), "o": "Operator Darungan", "f": fields}
        header = {"id": record["n"], "version": 1, "hash": protocol.content_hash(record, protocol.sha256_hex(b"")),
                  "record": record}
        before = RelayItem.select().count()
        outcome = relay.store_pre_registration(key, header, b"")
        return RelayItem.select().count() > before, f"{outcome.result}: {outcome.reason}"
    return submit


# The record the center receives from a kecamatan holds no phone, notes or mismatch reason (they stay at the
# kecamatan, docs/privacy.md): the rules that read them are the kecamatan's, checked by the ways above.
CENTER_RECORD = {"nik", "kk_number", "full_name", "birth_place", "birth_date", "sex", "address", "rt", "rw", "desa",
                 "religion", "marital_status", "occupation", "reason"}
WAYS = [
    Way("the counter's form", {"app/registration/views.py:new"}, _counter_form),
    Way("the counter's edit", {"app/registration/views.py:edit"}, _counter_edit),
    Way("the collective XLSX import", {"app/registration/collective.py:check_rows"}, _collective_import),
    Way("the desa's form (desa PC and desa operator)", {"app/desa/operator_views.py:new"}, _desa_form),
    Way("the counter's acceptance of a desa form", {"app/desa/counter_views.py:accept"}, _counter_acceptance),
    Way("a desa form by QR code or relay", {"app/desa/records.py:pre_registration_from_payload"}, _desa_payload),
    Way("the center's API", {"sync/center/records.py:record_problem"}, _center_api, CENTER_RECORD),
    Way("the center's USB import", {"sync/center/records.py:record_problem"}, _center_usb, CENTER_RECORD),
    Way("the center's relay of desa forms", {"sync/center/relay.py:_pre_registration_problem"}, _center_relay,
        guards={"desa": "bukan wilayah komputer desa ini"}),  # a desa PC sends only its own desa's forms
]


OFFICE_WAYS = [way for way in WAYS if way.calls <= {c for c in way.calls if c.startswith("app/")}]
CENTER_WAYS = [way for way in WAYS if way not in OFFICE_WAYS]


@pytest.mark.parametrize("way", OFFICE_WAYS, ids=[way.name for way in OFFICE_WAYS])
def test_every_rule_refuses_through_every_way_in_at_the_office(way, request, office):
    _every_rule_through(way, request)


@pytest.mark.parametrize("way", CENTER_WAYS, ids=[way.name for way in CENTER_WAYS])
def test_every_rule_refuses_through_every_way_in_at_the_center(way, request, center_app, center_db, enrolled):
    _every_rule_through(way, request)


def _every_rule_through(way, request):
    submit = way.open(request)
    for number, (name, changes, reads) in enumerate(VECTORS, start=1):
        values = form(number, **changes)
        if way.carries is not None and not reads <= way.carries:
            continue  # the rule reads a field this way's record does not carry (named in CENTER_RECORD)
        stored, told = submit(values)
        assert not stored, f"{way.name} stored {name}"
        words = expected_words(values) + [word for field, word in (way.guards or {}).items() if field in changes]
        assert any(word in told for word in words), f"{way.name} refused {name} without the rule's words {words}: " \
                                                    f"{told[:300] if len(told) < 400 else re.findall(r'error[^<]*<[^<]*', told)}"
    stored, told = submit(form(900, notes="Dispensasi kawin PA Lumajang No. 12/Pdt.P/2025/PA.Lmj"))
    assert stored, f"{way.name} refused a valid form: {told[:2000]}"


def test_the_seed_001_import_of_an_18_year_old_kawin_is_refused_until_the_dispensation_is_written(office, loket):
    """The case of the finding, as the clerk meets it: the row's error names the age, the law and the column."""
    from app.registration.models import Application
    submit = _collective_import(SimpleNamespace(getfixturevalue=lambda name: loket))
    young = form(1, **_person(1, 18, 120, marital_status="Kawin"))
    stored, told = submit(young)
    assert not stored and Application.select().count() == 0
    assert "Catatan: Pemohon berumur 18 tahun dengan status Kawin: batas umur kawin 19 tahun" in told
    assert "tidak ada yang disimpan" in told
    stored, _ = submit(dict(young, notes="Dispensasi kawin PA Lumajang No. 12/Pdt.P/2025/PA.Lmj"))
    assert stored and Application.get().notes.startswith("Dispensasi kawin")


RULES = {"validate_application"}
# The functions that store a person's record, and the only places allowed to call them: a way in above
# (which ran the rules first) or a step behind one.
STORES = {"create_application", "update_application", "create_pre_registration", "store_application",
          "store_packet_item", "store_packet_items", "store_restored", "store_pre_registration"}
STORE_CALLERS = {
    "app/registration/views.py:new", "app/registration/views.py:edit",
    "app/registration/collective_records.py:import_applicants",  # after check_rows (collective_views)
    "app/desa/operator_views.py:new", "app/desa/acceptance.py:accept",  # behind counter_views.accept
    "app/desa/records.py:pre_registration_from_payload",
    "sync/center/records.py:store_packet_item", "sync/center/records.py:store_packet_items",
    "sync/center/records.py:store_restored",  # store_application runs record_problem on every record
    "sync/center/api.py:packets", "sync/center/api.py:store_arrived", "sync/center/views.py:import_one_file",
    "sync/center/relay.py:relay_pra_packets",
}


def _calls(names: set[str]) -> set[str]:
    """"path:function" of every function in app/, sync/ and run.py that calls one of `names` (or hands
    one to packet_results, the center's loop over a packet's items)."""
    found = set()

    class Calls(ast.NodeVisitor):
        def __init__(self, where):
            self.where, self.functions = where, []

        def visit_FunctionDef(self, node):
            self.functions.append(node.name)
            self.generic_visit(node)
            self.functions.pop()

        visit_AsyncFunctionDef = visit_FunctionDef

        def visit_Call(self, node):
            called = node.func.attr if isinstance(node.func, ast.Attribute) else getattr(node.func, "id", "")
            handed = called == "packet_results" and any(getattr(a, "id", "") in names for a in node.args)
            if self.functions and (called in names or handed):
                found.update(f"{self.where}:{function}" for function in self.functions)
            self.generic_visit(node)

    for path in [*(ROOT / "app").rglob("*.py"), *(ROOT / "sync").rglob("*.py"), ROOT / "run.py"]:
        source = path.read_text(encoding="utf-8")
        if any(name in source for name in names):
            Calls(path.relative_to(ROOT).as_posix()).visit(ast.parse(source))
    return found


def test_the_rule_function_is_called_only_by_the_ways_in_listed_here():
    """A new way in (a caller of the rules, or of a store without them) must join WAYS and meet every vector."""
    listed = set().union(*(way.calls for way in WAYS))
    assert _calls(RULES) - {"app/frame/person_rules.py:validate_application"} == listed
    assert _calls(STORES) <= STORE_CALLERS, "a new caller of a record store: is it a way in? add it to WAYS"
