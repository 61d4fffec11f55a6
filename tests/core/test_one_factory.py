"""Test data is built in one module, tests/support/factory.py (issue 63, as CTFd keeps one factory).

A builder is a function other than a test (a helper, a fixture; not a function nested in a test, which only
that test calls) that writes a row straight into a table; this guard fails when one outside the factory writes a table the factory has a
builder for. What it reads: peewee's `Model.create/insert/insert_many/get_or_create/replace` called on a model
class by its name (how every builder of the tests wrote rows), and the complaint book's `book.record_complaint`
(the desk's eight fields spelled out again in each helper: `recorded_complaint` fills them). Another product
function that stores a row (records.create_application with a checked_applicant) is the product's path, not
a second builder; a test function may still write the one row its case needs. Two kinds are built by the
factory everywhere, a test's own steps included (issue 70: 26 and 15 hand-built copies had grown): the center's
`Kecamatan` and the office's `SyncLink`, whose fields every copy spelled out the same.
"""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
FACTORY = ROOT / "tests" / "support" / "factory.py"
WRITES = {"create", "insert", "insert_many", "get_or_create", "replace", "insert_from"}
PRODUCT_BUILDS = {("book", "record_complaint"): "Complaint"}
BUILT_ONLY_BY_THE_FACTORY = {"Kecamatan", "SyncLink"}


def _row_writes(body, into_functions=False) -> list[tuple[str, int]]:
    """(model name, line) of every direct table write in `body`, looking into nested functions only when told."""
    found, todo = [], list(body)
    while todo:
        node = todo.pop()
        nested = isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef))
        if nested and not into_functions:
            continue
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute) and isinstance(node.func.value, ast.Name):
            owner, name = node.func.value.id, node.func.attr
            if name in WRITES and owner[:1].isupper():
                found.append((owner, node.lineno))
            elif (owner, name) in PRODUCT_BUILDS:
                found.append((PRODUCT_BUILDS[owner, name], node.lineno))
        todo.extend(ast.iter_child_nodes(node))
    return found


def _functions(tree):
    """Every function of the module outside the tests' bodies (a test's own steps are its case, not a builder)."""
    found, todo = [], [tree]
    while todo:
        node = todo.pop()
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
            if node.name.startswith("test_"):
                continue
            found.append(node)
        todo.extend(ast.iter_child_nodes(node))
    return found


def factory_kinds() -> set[str]:
    """The models the factory writes: the record kinds it has a builder for."""
    return {model for function in _functions(ast.parse(FACTORY.read_text(encoding="utf-8")))
            for model, _ in _row_writes(function.body)}


def builders_outside_the_factory(kinds: set[str], files) -> list[str]:
    found = []
    for path in files:
        tree = ast.parse(path.read_text(encoding="utf-8"))
        for function in _functions(tree):
            for model, line in _row_writes(function.body):
                if model in kinds:
                    found.append(f"{path.relative_to(ROOT)}:{line} {function.name}() writes {model}")
    return sorted(found)


def hand_built_rows(kinds: set[str], files) -> list[str]:
    """Every write of a `kinds` row anywhere in `files`: module level, helpers, tests and what they nest."""
    found = []
    for path in files:
        for model, line in _row_writes([ast.parse(path.read_text(encoding="utf-8"))], into_functions=True):
            if model in kinds:
                found.append(f"{path.relative_to(ROOT)}:{line} writes {model}")
    return sorted(found)


def test_the_factory_builds_the_record_kinds_the_tests_need():
    assert {"Application", "ApplicationPhoto", "Complaint", "ComplaintCategory", "SurveyResponse", "User",
            "UserDesa", "OfficeDay", "SuggestionBoxSession"} | BUILT_ONLY_BY_THE_FACTORY <= factory_kinds()


def test_no_test_module_outside_the_factory_defines_a_builder_of_a_kind_the_factory_has():
    files = [path for path in (ROOT / "tests").rglob("*.py") if path != FACTORY]
    assert builders_outside_the_factory(factory_kinds(), files) == [], (
        "build these rows with tests/support/factory.py (add a builder there if none fits)")


def test_no_test_module_outside_the_factory_writes_a_kecamatan_or_a_sync_link():
    files = [path for path in (ROOT / "tests").rglob("*.py") if path != FACTORY]
    assert hand_built_rows(BUILT_ONLY_BY_THE_FACTORY, files) == [], (
        "build these rows with tests/support/factory.py: kecamatan_row, sync_link_row")


def test_the_guard_finds_a_builder_and_leaves_a_test_and_the_products_path_alone(tmp_path):
    module = tmp_path / "test_sample.py"
    module.write_text(
        "def make(n):\n    return Application.create(nik=n)\n\n"
        "def desk(values):\n    return book.record_complaint(values)[0]\n\n"
        "def test_case(db):\n    Complaint.create(text='x')\n    records.create_application({})\n"
        "    def local():\n        UserDesa.insert(user=1).execute()\n\n"
        "@pytest.fixture\ndef operator(db):\n    def make():\n        return UserDesa.insert(user=2).execute()\n"
        "    return make\n", encoding="utf-8")
    global ROOT
    root, ROOT = ROOT, tmp_path
    try:
        found = builders_outside_the_factory({"Application", "Complaint", "UserDesa"}, [module])
    finally:
        ROOT = root
    assert found == ["test_sample.py:16 make() writes UserDesa", "test_sample.py:2 make() writes Application",
                     "test_sample.py:5 desk() writes Complaint"]


def test_the_guard_finds_a_kecamatan_or_a_link_written_anywhere_but_not_the_factorys_builders(tmp_path):
    module = tmp_path / "test_sample.py"
    module.write_text(
        "PLACE = Kecamatan.create(code='35.08.08')\n\n"
        "def test_case(db):\n    SyncLink.create(key_id='k')\n    kecamatan_row('35.08.10', 'Kunir')\n"
        "    def local():\n        return Kecamatan.get_or_create(code='35.08.06')\n\n"
        "class World:\n    def start(self):\n        places = [Kecamatan.insert(code=c).execute() for c in 'ab']\n"
        "        sync_link_row(role='desa')\n        Complaint.create(text='x')\n", encoding="utf-8")
    global ROOT
    root, ROOT = ROOT, tmp_path
    try:
        found = hand_built_rows(BUILT_ONLY_BY_THE_FACTORY, [module])
    finally:
        ROOT = root
    assert found == ["test_sample.py:1 writes Kecamatan", "test_sample.py:11 writes Kecamatan",
                     "test_sample.py:4 writes SyncLink", "test_sample.py:7 writes Kecamatan"]
