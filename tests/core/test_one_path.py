"""Issue 31: one path for each change. A page reads its form and shows the answer; every write and
its audit row go through a non-view module of its capability (its records module: app/settings/records.py,
app/calendar/records.py, app/complaints/book.py, app/registration/records.py, app/desa/records.py,
app/backups/records.py, app/indicators/records.py, app/sync_page/records.py, sync/center/desk_records.py,
...), so the checks and the audit are the same whichever page asks. Every view module of the kecamatan
and desa programs and of the center is read: a new page is guarded without being listed."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# Writes: a model's create/save/insert/delete, a query's execute, a setting's put, an audit row.
# An opening of personal data is audited where it is shown (record_view), which is not a change.
WRITING_METHODS = {"create", "save", "insert", "insert_many", "delete_instance", "execute", "put"}
# Handlers whose writes are still in the page, by module and function: none any more. A stale entry
# fails too, so the list can only shrink.
NOT_YET_MOVED: dict[str, set[str]] = {}


def view_modules() -> list[Path]:
    return sorted(p for folder in ("app", "sync") for p in (ROOT / folder).rglob("*views.py"))


def writes(tree) -> list[int]:
    found = []
    for node in ast.walk(tree):
        if not isinstance(node, ast.Call):
            continue
        func = node.func
        if isinstance(func, ast.Attribute) and func.attr in WRITING_METHODS:
            found.append(node.lineno)
        elif isinstance(func, ast.Name) and func.id == "audit":
            found.append(node.lineno)
        elif isinstance(func, ast.Attribute) and func.attr == "record" and isinstance(func.value, ast.Name) \
                and func.value.id == "audit":
            found.append(node.lineno)
    return sorted(set(found))


def writes_by_function(tree) -> dict[str, list[int]]:
    """{top-level function (or "<modul>" for the rest): lines that write}."""
    found = {}
    for node in tree.body:
        name = node.name if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)) else "<modul>"
        if lines := writes(node):
            found.setdefault(name, []).extend(lines)
    return found


def test_every_view_module_writes_only_through_a_non_view_module():
    offenders, stale = [], []
    modules = view_modules()
    for path in modules:
        name = path.relative_to(ROOT).as_posix()
        lines = path.read_text(encoding="utf-8").splitlines()
        found = writes_by_function(ast.parse("\n".join(lines)))
        left = NOT_YET_MOVED.get(name, set())
        offenders += [f"{name}:{n}: {lines[n - 1].strip()}" for function, numbers in found.items()
                      if function not in left for n in numbers]
        stale += [f"{name}: {function}" for function in sorted(left - set(found))]
    assert len(modules) > 20 and {"app/desa/admin_views.py", "sync/center/views.py"} <= {
        p.relative_to(ROOT).as_posix() for p in modules}
    assert not offenders, "write through the capability's records module:\n" + "\n".join(offenders)
    assert not stale, "no longer writes: take it off NOT_YET_MOVED:\n" + "\n".join(stale)


def test_the_guard_finds_each_kind_of_write():
    source = '''
run = PrintRun.create(created_at=now)
run.save()
PrintRun.delete().where(PrintRun.id == 1).execute()
store.put("session_idle_minutes", 5)
audit("buat_cetak", "cetak", 1)
audit.record("ubah", "pengaturan", "logo")
record_view("lihat", "cetak", 1, "dibuka")
desk_records.create_print_run([1], "petugas")
'''
    assert writes(ast.parse(source)) == [2, 3, 4, 5, 6, 7]


def test_the_guard_names_the_function_that_writes():
    source = '''
@blueprint.post("/a")
def page():
    with database.atomic():
        audit.record("ubah", "pengaturan", "x")
def reader():
    return records.change(1)
store.put("x", 1)
'''
    assert writes_by_function(ast.parse(source)) == {"page": [5], "<modul>": [8]}
