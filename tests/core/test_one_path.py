"""Issue 31: one path for each change. The pages of the settings, the calendar, the complaint book,
KTP-el registration and the center read forms and show answers; every write and its audit row go
through a records module (app/settings/records.py, app/calendar/records.py, app/complaints/book.py,
app/registration/records.py and collective_records.py, sync/center/desk_records.py), so the checks
and the audit are the same whichever page asks."""
import ast
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
VIEWS = ("app/settings/views.py", "sync/center/views.py", "app/complaints/views.py", "app/complaints/admin_views.py",
         "app/complaints/box_views.py", "app/complaints/desk_views.py", "app/complaints/report_views.py",
         "app/complaints/kiosk_views.py", "app/calendar/views.py",
         "app/registration/views.py", "app/registration/collective_views.py", "app/auth/views.py")
# Writes: a model's create/save/insert/delete, a query's execute, a setting's put, an audit row.
# An opening of personal data is audited where it is shown (record_view), which is not a change.
WRITING_METHODS = {"create", "save", "insert", "insert_many", "delete_instance", "execute", "put"}


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


def test_these_pages_write_only_through_their_records_modules():
    offenders = []
    for name in VIEWS:
        lines = (ROOT / name).read_text(encoding="utf-8").splitlines()
        offenders += [f"{name}:{n}: {lines[n - 1].strip()}" for n in writes(ast.parse("\n".join(lines)))]
    assert not offenders, "write through the records module:\n" + "\n".join(offenders)


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
