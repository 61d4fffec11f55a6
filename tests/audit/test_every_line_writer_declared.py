"""Every function of app/ and sync/ that writes an audit line is a declared act (issue 91, finding 1): `@act(...)`
names the action(s) of its line, so a callee's line never stands for its caller's and a line removed is refused
when the act returns (app/frame/audit_rule.act). A new function writing a line undeclared fails here; the few
left undeclared are named below with why. A run as a script lists them all:
`.venv/bin/python tests/audit/test_every_line_writer_declared.py`."""
import ast
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
LINE_WRITERS = {"record", "record_many", "record_restore", "audit"}  # app/frame/audit.py's, sync/center/audit.py's
NOT_WRITERS = {"app/frame/audit.py", "sync/center/audit.py"}  # the trail's own modules: they write for a caller
# Undeclared, each with why: it writes a line for its caller's act (declared, its line would be its own), or it
# is no act of its own. (An act with a line on some paths only is declared: its other ways out say nothing_done.)
UNDECLARED = {
    "app/backups/engine.py:record_restore": "the restore's line, for its caller (records.restore, declared; a start)",
    "app/programs/office_app.py:create_app": "a start records a restore done from the command line (record_restore)",
    "app/desa/records.py:record_view": "a view's line (lihat) or a print's, by its caller's choice",
    "app/frame/signin.py:check_sign_in": "writes through the program's `record` it is handed (record_sign_in, declared)",
    "app/frame/signin.py:_kept_for_the_trail": "likewise, on a full disk",
    "app/frame/throttle.py:password_again": "likewise: the program's audit function it is handed",
    "app/registration/demo.py:fill_demo": "the demo office's example rows",
    "app/desa/relay.py:apply_status": "its row's move is _relay_moved's act (declared); a renumber's line only "
                                      "when the center renumbered, in the same update of the row",
}


def _is_act(decorator) -> bool:
    return isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "act"


def line_writers() -> dict[str, bool]:
    """{path:function: declared} of every function whose own body (not a nested function's) writes a line
    whose action is not a view's (`lihat...`)."""
    found = {}
    for folder in ("app", "sync"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            where = path.relative_to(ROOT).as_posix()
            if where in NOT_WRITERS:
                continue
            for function in ast.walk(ast.parse(path.read_text(encoding="utf-8"))):
                if isinstance(function, (ast.FunctionDef, ast.AsyncFunctionDef)) and _writes_a_line(function):
                    found[f"{where}:{function.name}"] = any(_is_act(d) for d in function.decorator_list)
    return found


def _writes_a_line(function) -> bool:
    def calls(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            if isinstance(child, ast.Call):
                yield child
            yield from calls(child)
    for call in calls(function):
        name = call.func.attr if isinstance(call.func, ast.Attribute) else getattr(call.func, "id", None)
        first = call.args[0] if call.args else None
        if name in LINE_WRITERS and not (isinstance(first, ast.Constant) and str(first.value).startswith("lihat")):
            return True
    return False


def test_every_function_writing_a_line_is_a_declared_act():
    writers = line_writers()
    undeclared = {where for where, declared in writers.items() if not declared}
    assert undeclared - set(UNDECLARED) == set(), "declare it: @act(\"...\") (app/frame/audit_rule.act)"
    assert set(UNDECLARED) - undeclared == set(), "declared or gone: take it out of UNDECLARED"
    assert len(writers) > 100 and len(writers) - len(undeclared) > 90  # the scan still sees the acts


def test_the_scan_sees_an_undeclared_line_writer(tmp_path, monkeypatch):
    """The scan itself: a new function writing a line, undeclared, is found; declared, it is not."""
    source = ('from app.frame import audit\nfrom app.frame.audit_rule import act\n\n'
              'def save(value):\n    audit.record("ubah", "pengaturan", "x", "x")\n\n'
              '@act("ubah")\ndef save_declared(value):\n    audit.record("ubah", "pengaturan", "x", "x")\n\n'
              'def view(value):\n    audit.record("lihat", "permohonan_ktp", 1, "x")\n')
    (tmp_path / "app" / "complaints").mkdir(parents=True)
    (tmp_path / "sync").mkdir()
    (tmp_path / "app" / "complaints" / "book.py").write_text(source, encoding="utf-8")
    monkeypatch.setattr(sys.modules[__name__], "ROOT", tmp_path)
    assert line_writers() == {"app/complaints/book.py:save": False, "app/complaints/book.py:save_declared": True}


if __name__ == "__main__":
    for where, declared in sorted(line_writers().items()):
        print(f"{'declared' if declared else 'UNDECLARED'}\t{where}")
