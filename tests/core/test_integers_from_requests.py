"""Issue 24 finding 8: every integer read from a request (query string or form) goes through one
bounded parser, `request_cycle.int_arg`; a guard finds any other, and every GET page of both
programs answers < 500 to huge, negative and garbage numbers in each query argument it reads."""
import ast
import re
from pathlib import Path

import pytest
from werkzeug.datastructures import ImmutableMultiDict

from app.frame.request_cycle import SQLITE_MAX_ID, int_arg
from tests.registration.conftest import client_as, loket, office, saved  # noqa: F401  (shared fixtures)

ROOT = Path(__file__).resolve().parents[2]
THE_PARSER = ROOT / "app" / "frame" / "request_cycle.py"
# Names that hold what a request sent: request.args / .form / .values, or a parameter of that name.
REQUEST_PARTS = ("args", "form", "values")


def _mentions_request(node, tainted: set) -> bool:
    for inner in ast.walk(node):
        if isinstance(inner, ast.Attribute) and inner.attr in REQUEST_PARTS and \
                isinstance(inner.value, ast.Name) and inner.value.id == "request":
            return True
        if isinstance(inner, ast.Name) and inner.id in tainted:
            return True
    return False


def _integer_parses(tree) -> list[int]:
    """Lines that turn request data into an int other than through int_arg: `int(<request data>)`
    (also through a variable that holds it) and `.get(..., type=int)`."""
    found = []
    for function in [n for n in ast.walk(tree) if isinstance(n, (ast.FunctionDef, ast.AsyncFunctionDef))]:
        tainted = {a.arg for a in function.args.args + function.args.kwonlyargs if a.arg in REQUEST_PARTS}
        for _ in range(3):  # assignments in any order: a few passes reach the fixed point
            for node in ast.walk(function):
                targets = node.targets if isinstance(node, ast.Assign) else \
                    [node.target] if isinstance(node, (ast.AnnAssign, ast.AugAssign, ast.NamedExpr)) else []
                value = getattr(node, "value", None)
                if targets and value is not None and _mentions_request(value, tainted):
                    tainted |= {n.id for t in targets for n in ast.walk(t) if isinstance(n, ast.Name)}
                if isinstance(node, (ast.For, ast.comprehension)) and _mentions_request(node.iter, tainted):
                    tainted |= {n.id for n in ast.walk(node.target) if isinstance(n, ast.Name)}
        for node in ast.walk(function):
            if not isinstance(node, ast.Call):
                continue
            if isinstance(node.func, ast.Name) and node.func.id == "int" and node.args and \
                    _mentions_request(node.args[0], tainted):
                found.append(node.lineno)
            if isinstance(node.func, ast.Attribute) and node.func.attr in ("get", "getlist") and any(
                    k.arg == "type" and isinstance(k.value, ast.Name) and k.value.id == "int" for k in node.keywords):
                found.append(node.lineno)
    return sorted(set(found))


def _sources():
    for folder in ("app", "sync"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            if path != THE_PARSER:
                yield path


def test_no_integer_is_read_from_a_request_but_through_int_arg():
    offenders = []
    for path in _sources():
        lines = path.read_text(encoding="utf-8").splitlines()
        for line in _integer_parses(ast.parse(path.read_text(encoding="utf-8"))):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {lines[line - 1].strip()}")
    assert not offenders, "read integers from a request with request_cycle.int_arg:\n" + "\n".join(offenders)


def test_the_guard_finds_each_way_of_parsing():
    source = '''
def a():
    return int(request.args.get("x", "0"))
def b():
    return request.args.get("sesi", type=int)
def c():
    typed = request.form.get("days", "").strip()
    if typed.isdigit():
        return int(typed)
def d(args):
    category = args.get("kategori", "")
    return int(category) if category.isdigit() else None
def e():
    return int_arg(request.args, "sesi"), parser.add_argument("--port", type=int)
'''
    lines = _integer_parses(ast.parse(source))
    assert lines == [3, 5, 9, 12], lines


@pytest.mark.parametrize("text, expected", [
    ("7", 7), (" 42 ", 42), (str(SQLITE_MAX_ID), SQLITE_MAX_ID), (str(SQLITE_MAX_ID + 1), None), ("-1", None),
    ("", None), ("abc", None), ("1e3", None), ("0x10", None), ("²", None), ("١٢", None), ("1" * 5000, None),
    ("+5", None), ("12.0", None),
])
def test_int_arg_reads_only_plain_ascii_numbers_within_bounds(text, expected):
    assert int_arg(ImmutableMultiDict({"n": text}), "n") == expected


def test_int_arg_takes_a_default_and_bounds():
    args = ImmutableMultiDict({"tahun": "1999", "batas": "-5", "kosong": ""})
    assert int_arg(args, "tahun", 2026, lowest=2000, highest=2100) == 2026
    assert int_arg(args, "batas", 0, lowest=-10, highest=10) == -5
    assert int_arg(args, "kosong", 3) == 3 and int_arg(args, "tidak-ada") is None


# --- every GET page, with bad numbers in each query argument it reads ------------------------

BAD_NUMBERS = (str(2 ** 63), "-9223372036854775809", "abc", "²", "1" * 5000)


class _ReadArguments(ImmutableMultiDict):
    """A query string that notes which names a page read."""
    read: set = set()

    def get(self, key, default=None, type=None):
        _ReadArguments.read.add(key)
        return super().get(key, default, type)

    def getlist(self, key, type=None):
        _ReadArguments.read.add(key)
        return super().getlist(key, type)

    def __getitem__(self, key):
        _ReadArguments.read.add(key)
        return super().__getitem__(key)

    def __contains__(self, key):
        _ReadArguments.read.add(key)
        return super().__contains__(key)


def _noting_arguments(app):
    class Request(app.request_class):
        parameter_storage_class = _ReadArguments
    app.request_class = Request


def _get_routes(app, fill: dict):
    for rule in app.url_map.iter_rules():
        if "GET" not in rule.methods or rule.endpoint == "static":
            continue
        args = {name: fill.get(name, "1") for name in rule.arguments}
        yield rule.rule, re.sub(r"<(?:[a-z]+(?:\([^)]*\))?:)?(\w+)>", lambda m: str(args[m.group(1)]), rule.rule)


def _walk_with_bad_numbers(app, clients: dict, fill: dict) -> int:
    """Each page, for each client: once plain (noting the arguments read), then each bad value in each."""
    tried = 0
    for rule, path in _get_routes(app, fill):
        for who, client in clients.items():
            _ReadArguments.read = set()
            first = client.get(path)
            first.close()  # a streamed export ends its request here
            assert first.status_code < 500, (who, path, first.status_code)
            for name in sorted(_ReadArguments.read):
                for bad in BAD_NUMBERS:
                    response = client.get(path, query_string={name: bad})
                    response.close()
                    assert response.status_code < 500, (who, f"{path}?{name}={bad[:30]}", response.status_code)
                    tried += 1
    return tried


@pytest.mark.parametrize("path", ["/pengaduan/catat?sesi=9223372036854775808", "/pengaduan/catat?info=9223372036854775808",
                                  "/pengaduan/kategori?ubah=9223372036854775808", "/pengaduan/catat?sesi=%C2%B2"])
def test_the_reported_numbers_answer_as_not_given(client_as, path):
    """Issue 24: these answered 500 (OverflowError); a number out of range is simply no record."""
    role = "admin" if "kategori" in path else "petugas_informasi"
    assert client_as(role).get(path).status_code == 200


def test_ids_in_forms_are_bounded_too(client_as, db):
    from app.complaints.models import Complaint, ComplaintCategory
    from tests.complaints.test_book import now_local_input
    huge = str(2 ** 63)
    admin = client_as("admin")
    edit = admin.post("/pengaduan/kategori", data={"category_id": huge, "name": "Kategori baru", "section": "Umum"})
    assert edit.status_code == 404  # an edit of no category, not a new one
    assert not ComplaintCategory.select().where(ComplaintCategory.name == "Kategori baru").exists()
    desk = client_as("petugas_informasi")
    form = {"channel": "meja_informasi", "category_id": huge, "text": "Antrean lama", "complainant_name": "Sri",
            "complainant_contact": "081234567890", "received_at": now_local_input(), "step": "baru", "form_token": "t" * 20,
            "session_id": huge, "desk_answer_id": "-1"}
    refused = desk.post("/pengaduan/catat", data=form)
    assert refused.status_code == 422 and "Pilih kategori pengaduan" in refused.get_data(as_text=True)
    form["category_id"] = str(ComplaintCategory.select().first().id)
    assert desk.post("/pengaduan/catat", data=form).status_code == 303  # the unknown session/answer: none
    saved = Complaint.get()
    assert saved.suggestion_box_session_id is None and saved.desk_answer_id is None


@pytest.mark.windows_pass  # a walk over every page: once in CI, in the Windows-like pass
def test_every_office_page_answers_bad_numbers_in_its_arguments_below_500(app, client_as, saved):
    from app.frame.roles import ALL_ROLES
    _noting_arguments(app)
    clients = {role: client_as(role) for role in ALL_ROLES}
    clients["tamu"] = app.test_client()
    assert _walk_with_bad_numbers(app, clients, {"application_id": saved, "kind": "csv"}) > 200


@pytest.mark.windows_pass  # a walk over every page: once in CI, in the Windows-like pass
def test_every_center_page_answers_bad_numbers_in_its_arguments_below_500(tmp_path):
    from sync.center.accounts import create_operator
    from sync.center.app import create_center_app
    from tests.conftest import CsrfClient, sign_in_as
    center = create_center_app({"DATA_DIR": tmp_path / "center", "SECRET_KEY": "uji", "TESTING": True})
    center.test_client_class = CsrfClient
    _noting_arguments(center)
    clients = {"tamu": center.test_client()}
    with center.test_request_context(), center.extensions["center_database"].connection_context():
        for role in ("operator", "admin"):
            operator, _ = create_operator(role, role, role, password="rahasia-pusat-1", must_change_password=False)
            clients[role] = center.test_client()
            sign_in_as(clients[role], operator)
    assert _walk_with_bad_numbers(center, clients, {}) > 20
