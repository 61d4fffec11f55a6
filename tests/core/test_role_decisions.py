"""Issue 31: every access decision is in the tables (app/policy.py, sync/center/policy.py).

Routes take their rule from the table; what is decided inside a page (a card, a button, a step,
whose records are seen) asks `may(user, key)` of the table's decision rows. A scan finds any role
comparison outside the policy modules; row-level rules are named predicates the table names, each
the one function that reads its row.
"""
import ast
import importlib
import re
from dataclasses import replace
from pathlib import Path

import pytest

from app.frame.roles import ALL_ROLES
from app.policy import POLICY
from sync.center.access import CENTER_ROLES
from sync.center.policy import POLICY as CENTER_POLICY

ROOT = Path(__file__).resolve().parents[2]
# The two access tables, the hook that reads them, the roles' names, and the personal-data table
# (app/frame/privacy.py: which personal fields each role sees in clear).
POLICY_MODULES = {"app/policy.py", "sync/center/policy.py", "app/frame/access.py", "app/frame/roles.py",
                  "sync/center/access.py", "app/frame/privacy.py"}
# The sync client knows computers' roles (a kecamatan PC, a desa PC), no person's.
COMPUTER_ROLES_ONLY = ("sync/client/",)
ROLE_NAMES = set(ALL_ROLES) | set(CENTER_ROLES)
ROLE_CONSTANTS = {"ADMIN", "LOKET", "INFORMASI", "KASI", "CAMAT", "DESA", "OPERATOR", "PIMPINAN"}
# Checking that a role exists (a new account's role) decides nothing about what it may do.
CATALOGUES = {"ROLE_LABELS", "ALL_ROLES", "CENTER_ROLES", "STAFF", "ACCOUNT"}
COMPARISONS = (ast.Eq, ast.NotEq, ast.In, ast.NotIn)


def _is_role(node) -> bool:
    """A person's role: `x.role` or a name `role`. A sync link's role (kecamatan or desa PC) is the
    computer's, not a person's; `User.role` in a query is found by the role it is compared with."""
    if isinstance(node, ast.Name):
        return node.id == "role"
    if not (isinstance(node, ast.Attribute) and node.attr == "role"):
        return False
    base = node.value
    if isinstance(base, ast.Name) and base.id[:1].isupper():
        return False
    name = base.id if isinstance(base, ast.Name) else base.attr if isinstance(base, ast.Attribute) else ""
    return not name.endswith("link")


def _is_query_field(node) -> bool:
    """`SyncLink.role` in a query: a computer's role. Accounts are picked by a right instead:
    `User.role.in_(roles_with(key))` (app/frame/access.py), never `User.role == CAMAT`."""
    return isinstance(node, ast.Attribute) and node.attr == "role" and isinstance(node.value, ast.Name) \
        and node.value.id.endswith("Link")


def _is_catalogue(node) -> bool:
    return isinstance(node, ast.Name) and node.id in CATALOGUES


def role_decisions(tree) -> list[int]:
    """Lines that decide by role in code: a comparison with a role or a role's name, a lookup keyed by
    a role, a has_role call."""
    found = []
    for node in ast.walk(tree):
        if isinstance(node, ast.Compare) and all(isinstance(op, COMPARISONS) for op in node.ops):
            sides = [node.left, *node.comparators]
            if any(_is_catalogue(side) or _is_query_field(side) for side in sides):
                continue
            if any(_is_role(side) for side in sides) or any(
                    isinstance(side, ast.Constant) and side.value in ROLE_NAMES for side in sides) or any(
                    isinstance(side, ast.Name) and side.id in ROLE_CONSTANTS for side in sides):
                found.append(node.lineno)
        elif isinstance(node, ast.Subscript) and _is_role(node.slice) and not _is_catalogue(node.value):
            found.append(node.lineno)
        elif isinstance(node, ast.Call):
            func = node.func
            name = func.attr if isinstance(func, ast.Attribute) else func.id if isinstance(func, ast.Name) else ""
            if name == "has_role":
                found.append(node.lineno)
            elif name == "get" and node.args and _is_role(node.args[0]) and not _is_catalogue(func.value):
                found.append(node.lineno)
    return sorted(set(found))


def _product_sources():
    for folder in ("app", "sync"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            name = path.relative_to(ROOT).as_posix()
            if name not in POLICY_MODULES and not name.startswith(COMPUTER_ROLES_ONLY):
                yield path


def test_no_role_is_compared_outside_the_policy_modules():
    offenders = []
    for path in _product_sources():
        text = path.read_text(encoding="utf-8")
        if not any(word in text for word in ("role", *ROLE_NAMES, *ROLE_CONSTANTS)):
            continue  # nothing to find: skip the parse (most modules)
        lines = text.splitlines()
        for line in role_decisions(ast.parse(text)):
            offenders.append(f"{path.relative_to(ROOT)}:{line}: {lines[line - 1].strip()}")
    assert not offenders, "decide by the table (may(user, key), app/policy.py DECISIONS):\n" + "\n".join(offenders)


# In a template: `g.user.role == 'camat'`, `role in editors`; a form's chosen role (`form.role == key`) is not one.
TEMPLATE_DECISION = re.compile(r"(?<!form)\.role\s*(==|!=|\bin\b|\bnot in\b)|\b(==|!=)\s*['\"](%s)['\"]"
                               % "|".join(sorted(ROLE_NAMES)))


def test_no_template_decides_by_role():
    offenders = [f"{path.relative_to(ROOT)}:{number}: {line.strip()}"
                 for path in sorted((ROOT / "templates").rglob("*.html"))
                 for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1)
                 if TEMPLATE_DECISION.search(line)]
    assert not offenders, "ask the table in templates: may('kunci') or user_may('endpoint'):\n" + "\n".join(offenders)
    assert TEMPLATE_DECISION.search("{% if g.user.role == 'petugas_informasi' %}")
    assert TEMPLATE_DECISION.search("{% if g.user.role in editors %}")
    assert not TEMPLATE_DECISION.search("{% if form.role == key %}selected{% endif %}")


def test_the_guard_finds_each_way_of_deciding_by_role():
    source = '''
if g.user.role == CAMAT: pass
ok = user.role not in (LOKET, KASI)
ok = role in HANDLERS
label = "a" if kind == "petugas_informasi" else "b"
status = {INFORMASI: "baru"}.get(user.role)
marks = MARKERS[account.role]
ok = user.has_role("admin")
clerks = User.select().where(User.role == LOKET) | User.get(User.role == "camat")
ok = link.role == "kecamatan" or self.link.role != "desa" or SyncLink.role == "kecamatan"
ok = role not in ROLE_LABELS
label = ROLE_LABELS[user.role] + CENTER_ROLES.get(operator.role, "")
ok = may(user, "rekap.setujui")
ok = form["role"] != ADMIN
'''
    assert role_decisions(ast.parse(source)) == [2, 3, 4, 5, 6, 7, 8, 9, 14]


@pytest.mark.parametrize("policy", [POLICY, CENTER_POLICY], ids=["kecamatan", "center"])
def test_every_decision_row_is_asked_somewhere(policy):
    """A row nobody asks is a rule that does not hold; the scan reads the product's source."""
    sources = "\n".join(path.read_text(encoding="utf-8") for path in _product_sources())
    unasked = [rule.key for rule in policy.decisions if f'"{rule.key}"' not in sources]
    assert policy.decisions and not unasked


def test_each_row_level_rule_is_one_named_function_the_table_names():
    """complaints.privacy.may_see_record is the confidentiality rule: the row is read there and
    nowhere else, so a page cannot carry a copy of its own."""
    assert POLICY.predicates
    sources = {path.relative_to(ROOT).as_posix(): path.read_text(encoding="utf-8") for path in _product_sources()}
    for key, dotted in POLICY.predicates.items():
        module_name, function = dotted.rsplit(".", 1)
        module = importlib.import_module(module_name)
        assert callable(getattr(module, function)), dotted
        home = Path(module.__file__).resolve().relative_to(ROOT).as_posix()
        readers = [name for name, text in sources.items() if f'"{key}"' in text]
        assert readers == [home], (key, readers)
    assert "app.complaints.privacy.may_see_record" in POLICY.markdown()


def test_an_unknown_decision_is_an_error_not_a_refusal():
    with pytest.raises(KeyError):
        POLICY.permits("admin", "tidak.ada")


@pytest.fixture
def confidential(db, users):
    from app.complaints.models import ComplaintCategory
    from tests.support.factory import recorded_complaint
    return recorded_complaint(ComplaintCategory.select().first().id, user=users["petugas_informasi"],
                              is_confidential=True, text="Rahasia tentang pungutan liar")


@pytest.fixture
def changed_row(monkeypatch):
    """Change one row's marks for the test (as an office editing app/policy.py would)."""
    def change(key, roles):
        monkeypatch.setitem(POLICY.by_key, key, replace(POLICY.by_key[key], roles=frozenset(roles)))
    return change


def test_the_daily_report_hides_confidential_complaints_by_the_table(client_for, confidential, changed_row):
    """The daily report carried a third copy of the confidentiality rule with role strings
    (app/complaints/report_views.py); it now asks the one rule, so the table decides."""
    report = lambda role: client_for(role).get("/pengaduan/laporan-harian").get_data(as_text=True)  # noqa: E731
    assert "pungutan liar" not in report("camat")
    assert "pungutan liar" in report("kasi_pelayanan")
    changed_row("pengaduan.rahasia", {"kasi_pelayanan", "camat"})
    assert "pungutan liar" in report("camat")
    changed_row("pengaduan.rahasia", {"petugas_informasi"})
    assert "pungutan liar" not in report("kasi_pelayanan")


def test_the_complaint_book_and_its_counts_follow_the_same_row(client_for, confidential, changed_row):
    camat = client_for("camat")
    assert camat.get(f"/pengaduan/{confidential.id}").status_code == 404
    changed_row("pengaduan.rahasia", {"petugas_informasi", "kasi_pelayanan", "camat"})
    assert camat.get(f"/pengaduan/{confidential.id}").status_code == 200
    assert "pungutan liar" in camat.get("/pengaduan/").get_data(as_text=True)


def test_the_camats_recap_card_follows_the_table(client_for, db, changed_row):
    from app.recap.models import QuarterRecap, RecapStatus
    from datetime import datetime
    start = datetime(2020, 1, 1)
    QuarterRecap.create(year=2020, quarter=1, status=RecapStatus.SUBMITTED, starts_at=start,
                        ends_at=datetime(2020, 4, 1), created_at=start, updated_at=start)
    assert "Rekap menunggu persetujuan" in client_for("camat").get("/").get_data(as_text=True)
    changed_row("rekap.setujui", {"admin"})
    assert "Rekap menunggu persetujuan" in client_for("admin").get("/").get_data(as_text=True)
    assert "Rekap menunggu persetujuan" not in client_for("camat").get("/").get_data(as_text=True)


def test_center_pimpinan_lands_on_performance_by_the_table(tmp_path, monkeypatch):
    from sync.center.accounts import create_operator
    from sync.center.app import create_center_app
    from tests.conftest import CsrfClient
    center = create_center_app({"DATA_DIR": tmp_path / "center", "SECRET_KEY": "uji", "TESTING": True})
    center.test_client_class = CsrfClient
    with center.test_request_context(), center.extensions["center_database"].connection_context():
        for role in ("operator", "pimpinan"):
            create_operator(role, role, role, password="rahasia-pusat-1", must_change_password=False)

    def landing(username):
        client = center.test_client()
        client.get("/masuk")
        return client.post("/masuk", data={"username": username, "password": "rahasia-pusat-1"}).location
    assert landing("pimpinan").endswith("/kinerja") and not landing("operator").endswith("/kinerja")
    rule = CENTER_POLICY.by_key["kinerja.beranda"]
    monkeypatch.setitem(CENTER_POLICY.by_key, "kinerja.beranda", replace(rule, roles=frozenset({"operator"})))
    assert landing("operator").endswith("/kinerja") and not landing("pimpinan").endswith("/kinerja")



def test_the_desa_operators_page_manages_the_accounts_the_scope_row_limits(client_for, users, changed_row):
    """The page picked its accounts with `User.role == DESA`; it asks the row now (roles_with), so an
    office that scoped another role to its desa would bind and list those accounts here."""
    admin = client_for("admin")
    page = lambda: admin.get("/admin/operator-desa").get_data(as_text=True)  # noqa: E731
    assert "Pegawai operator_desa" in page() and "Pegawai petugas_loket" not in page()
    bind = lambda role: admin.post(f"/admin/operator-desa/{users[role].id}/desa", data={}).status_code  # noqa: E731
    assert bind("petugas_loket") == 404
    changed_row("desa.lingkup_sendiri", {"petugas_loket"})
    assert "Pegawai petugas_loket" in page() and "Pegawai operator_desa" not in page()
    assert bind("operator_desa") == 404 and bind("petugas_loket") != 404
