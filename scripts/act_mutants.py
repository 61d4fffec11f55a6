"""Each declared act's line removed alone, and whether the fast tier's tests of that act notice (issue 91).

For every function of app/ and sync/ declared `@act("...")` (app/frame/audit_rule.act), each statement in its
own body that writes a line of a declared action (`audit.record("x", ...)`, `audit("x", ...)`) is replaced by
`pass`; the fast tests whose files name the function (at most MOST_FILES) run against it (`-m "not slow" -x`); the file is put back.
Prints one row an act: the mutant's place, KILLED or SURVIVED (or "no own line statement": the line is written
by a function it calls), the seconds the run took. Usage: .venv/bin/python scripts/act_mutants.py [name ...]
(names: function names to run, default all; tests/audit/test_every_line_writer_declared.py lists every
line-writing function, declared or not). Runs the tests in this checkout: run nothing else in it meanwhile."""
import ast
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLOW_FOLDERS = ("tests/browser/", "tests/simulation/")
# acts whose tests reach them through their page, not by name
REACHED_BY = {"_release_to_everyone": ["tests/sync/test_rollout.py"],
              "set_up_office": ["tests/settings/test_first_run.py"],
              "_write": ["tests/audit/test_batch_line_per_row.py"],  # status.Moves' batch, per row
              "close_duplicate": ["tests/desa/test_relay_two_counters.py"],  # its page's button
              "issue_pc_code": ["tests/desa/test_desa_mode.py"],
              "revoke_desa_key": ["tests/desa/test_f107_qr.py"],  # its page's "Cabut kunci"
              "hand_over": ["tests/registration/test_collective.py"]}  # the collective letter's (the counter's is no act)
MOST_FILES = 8  # a name many tests use (create_user): its first files, within a minute or so


def declared_acts():
    """(path, function node, actions, the module's string constants) of every @act-declared function."""
    for folder in ("app", "sync"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            tree = ast.parse(path.read_text(encoding="utf-8"))
            # a module's own string constants, for `@act(PURGE_ACTION)`
            constants = {target.id: node.value.value for node in tree.body if isinstance(node, ast.Assign)
                         and isinstance(node.value, ast.Constant) for target in node.targets
                         if isinstance(target, ast.Name)}
            for node in ast.walk(tree):
                if not isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef)):
                    continue
                for decorator in node.decorator_list:
                    if isinstance(decorator, ast.Call) and getattr(decorator.func, "id", None) == "act":
                        actions = {arg.value if isinstance(arg, ast.Constant) else constants.get(arg.id)
                                   for arg in decorator.args if isinstance(arg, (ast.Constant, ast.Name))}
                        yield path, node, actions, constants


def own_line_statements(function, actions, constants) -> list[ast.stmt]:
    """The statements of the function's own body (not of a nested function) writing a declared line."""
    found = []

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            call = child.value if isinstance(child, ast.Expr) and isinstance(child.value, ast.Call) else None
            first = call.args[0] if call is not None and call.args else None
            action = first.value if isinstance(first, ast.Constant) else constants.get(getattr(first, "id", None))
            if call is not None and call.args and (action in actions
                                                  or getattr(call.func, "attr", None) == "record_many"):  # a batch's lines
                found.append(child)
            visit(child)
    visit(function)
    return found


# where the tests of a package's acts are, when no test names the act (it is reached through its page)
TESTS_OF_PACKAGE = {"app/sync_page": "tests/sync", "sync/center": "tests/sync", "sync/client": "tests/sync",
                    "app/lan_tls": "tests/lan", "app/frame": "tests/core"}


def tests_of(name: str, path: Path, actions) -> list[str]:
    """The fast test files naming the act; else those of its package's tests quoting its line's action."""
    if name in REACHED_BY:
        return REACHED_BY[name]
    files = _grep(["-w", name], "tests")
    if not files:
        package = path.relative_to(ROOT).parent.as_posix()
        folder = TESTS_OF_PACKAGE.get(package, package.replace("app/", "tests/", 1))
        quoted = [arg for action in sorted(actions) for arg in ("-e", f'"{action}"')]
        files = (_grep(quoted, folder) if (ROOT / folder).is_dir() else []) or _grep(quoted, "tests")
    return sorted(files, key=lambda f: not f.startswith("tests/audit/"))[:MOST_FILES]  # the guard's own tests first


def _grep(pattern: list[str], folder: str) -> list[str]:
    files = subprocess.run(["grep", "-rl", "--include=test_*.py", *pattern, folder], cwd=ROOT,
                           capture_output=True, text=True).stdout.split()
    return sorted(f for f in files if not f.startswith(SLOW_FOLDERS))


def run(path: Path, statement: ast.stmt, tests: list[str]) -> tuple[str, float]:
    original = path.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    indent = lines[statement.lineno - 1][:statement.col_offset]
    mutant = lines[:statement.lineno - 1] + [f"{indent}pass  # act_mutants.py\n"] + lines[statement.end_lineno:]
    started = time.monotonic()
    try:
        path.write_text("".join(mutant), encoding="utf-8")
        done = subprocess.run(["bash", "scripts/test.sh", *tests, "-q", "-x", "-m", "not slow", "-p", "no:randomly"],
                              cwd=ROOT, capture_output=True, text=True)
    finally:
        path.write_text(original, encoding="utf-8")
    verdict = {0: "SURVIVED", 5: "SURVIVED (no test ran)"}.get(done.returncode, "KILLED")  # 5: pytest ran none
    if verdict == "KILLED":  # by which test, and whether for the missing line (the declaration's refusal)
        failed = [line.split(" - ")[0].removeprefix("FAILED ").removeprefix("ERROR ")
                  for line in done.stdout.splitlines() if line.startswith(("FAILED tests", "ERROR tests"))]
        why = "line refused" if "tanpa catatan audit" in done.stdout + done.stderr else "other failure"
        verdict += f" by {failed[0] if failed else '?'} ({why})"
    return verdict, time.monotonic() - started


def main(names: list[str]) -> int:
    survived = 0
    for path, function, actions, constants in declared_acts():
        if names and function.name not in names:
            continue
        where = f"{path.relative_to(ROOT).as_posix()}:{function.name}"
        statements = own_line_statements(function, actions, constants)
        if not statements:
            print(f"{where} {sorted(actions)}: no own line statement (written by a function it calls)", flush=True)
            continue
        tests = tests_of(function.name, path, actions)
        for statement in statements:
            if not tests:
                print(f"{where}:{statement.lineno}: SURVIVED (no fast test file names it)", flush=True)
                survived += 1
                continue
            verdict, seconds = run(path, statement, tests)
            survived += verdict.startswith("SURVIVED")
            print(f"{where}:{statement.lineno}: {verdict} ({len(tests)} test files, {seconds:.0f} s)", flush=True)
    return 1 if survived else 0


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
