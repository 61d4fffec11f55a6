"""Each declared act's line removed alone, and whether the fast tier's tests of that act notice (issue 91).

For every function of app/ and sync/ declared `@act("...")` (app/frame/audit_rule.act), each statement in its
own body that writes a line of a declared action (`audit.record("x", ...)`, `audit("x", ...)`; else one writing
a line whose action is computed) is replaced by `pass`; the act's fast tests (the files naming the function, at
most MOST_FILES, or REACHED_BY's) run against it in one process (`-m "not slow" -x`); the file is put back.
Prints one row a mutant: its place, KILLED (by which test, and whether for the refused line) or SURVIVED (or
"no own line statement"), the seconds it took; the rows go to LISTING too. Usage:
.venv/bin/python scripts/act_mutants.py [--postgresql] [name ...] (function names, default all; a batch at a time
on a shared machine). `--postgresql`: the center's acts (sync/center) alone, their tests on PostgreSQL alone (`-k
postgresql`: those parametrised sqlite/postgresql; first the PostgreSQL twin of the test that killed it on SQLite),
listed in LISTING_POSTGRESQL. Runs the tests in this checkout:
run nothing else in it meanwhile."""
import ast
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
SLOW_FOLDERS = ("tests/browser/", "tests/simulation/")
DESA_KEYS_BOTH = "tests/sync/test_desa_keys_both_databases.py"  # the center's desa-key acts on either database
# acts whose tests reach them through their page, not by name (or whose name other tests quote): test files
# or single tests (node ids)
REACHED_BY = {"_release_to_everyone": ["tests/sync/test_rollout.py"],
              "set_up_office": ["tests/settings/test_first_run.py"],
              "_write": ["tests/audit/test_batch_line_per_row.py"],  # status.Moves' batch, per row
              "close_duplicate": ["tests/desa/test_relay_two_counters.py"],  # its page's button
              "issue_pc_code": ["tests/desa/test_desa_mode.py"],
              "revoke_desa_key": ["tests/desa/test_f107_qr.py"],  # its page's "Cabut kunci"
              "hand_over": ["tests/registration/test_collective.py"],  # the collective letter's (the counter's is no act)
              "reset_password": ["tests/auth/test_users_admin.py"],
              "record_download": ["tests/security/test_encryption_at_rest.py", "tests/core/test_relative_data_folder.py"],
              "add_attachment": ["tests/complaints/test_book.py"],
              "save_category": ["tests/complaints/test_pages.py"],  # its edit branch: the categories page
              # a desa PC enrolled at a running center
              "link_with_center": ["tests/desa/test_relay.py::test_the_desa_pc_syncs_by_itself_and_by_its_button"],
              "enrol_desa": ["tests/desa/test_relay.py::test_the_desa_pc_syncs_by_itself_and_by_its_button",
                             DESA_KEYS_BOTH],
              **dict.fromkeys(["send_back", "save_draft"], ["tests/recap/test_workflow.py"]),  # the recap page
              "unlink_this_pc": ["tests/sync/test_enrol_page.py"],
              "send_from_here": ["tests/sync/test_client.py::test_nothing_another_pc_follows_is_sent_from_here_whenever_"
                                 "it_came_to_wait"],
              # the sync page's identity acts (tests/sync/test_pc_identity.py walks them whole, slow)
              **dict.fromkeys(["replace_other_pc", "after_enrolment"], ["tests/sync/test_pc_identity_lines.py"]),
              "_replace_key": ["tests/sync/test_pc_identity.py"],
              **dict.fromkeys(["note_installed", "set_nightly"], ["tests/updates/test_update_page.py"]),
              "record_usb_import": ["tests/sync/test_center_pages.py"],
              "import_status_file": ["tests/sync/test_sync_page.py"],  # its page's form
              "settle_given_twice": ["tests/sync/test_conflict_routing.py"],
              "_revoke_older_desa_keys": ["tests/desa/test_f107_kecamatan_key.py", DESA_KEYS_BOTH],
              "update_user": ["tests/auth/test_users_admin.py"],
              "rotate_ca": ["tests/lan/test_office_tls.py"],  # its page's "ganti CA"
              **dict.fromkeys(["app/survey/records.py:accept", "app/survey/records.py:void"],
                              ["tests/survey/test_survey_codes.py"]),  # a walk-in answer's review; an answer voided
              "app/settings/identity.py:save": ["tests/settings/test_settings_records.py",
                                                "tests/settings/test_office_settings.py"],
              "ask_for_a_password_without_the_office_name": ["tests/settings/test_first_run.py"],
              "replace_photo": ["tests/registration/test_audit_readable.py", "tests/registration/test_slips_and_refusals.py"],
              "app/indicators/records.py:save_targets": ["tests/indicators/test_indicators.py"],
              "_still_short": ["tests/audit/test_each_act_its_own_line.py"],
              "accepted_elsewhere": ["tests/audit/test_renumber_taken_elsewhere_has_its_line.py",
                                     "tests/desa/test_relay_two_counters.py"],
              "settle_duplicate": ["tests/desa/test_relay_two_counters.py"],
              "_refuse": ["tests/desa/test_relay.py::test_a_form_a_lost_laptop_relays_before_the_kecamatan_tells_the_"
                          "center_is_refused"],
              "_tie_to_the_relay": ["tests/desa/test_relay.py::test_a_form_scanned_from_its_qr_before_the_relay_brought_"
                                    "it_is_one_form"],
              **dict.fromkeys(["_keep_consent", "_queue_message"], ["tests/sync/test_sms.py"]),
              "settle_relay": ["tests/sync/test_relay_settle.py"],  # the hourly job's
              "_bind_to_desa": ["tests/updates/test_trusted_walk.py::test_the_walking_accounts_desa_binding_is_audited"],
              # the fleet page's button (tests/updates/test_retry_release.py's are slow)
              "_mark_retry": ["tests/sync/test_center_fleet_acting.py::test_a_pc_that_went_back_is_offered_the_release_"
                              "again_from_its_page"],
              **dict.fromkeys(["_taken_over", "_follow_previous_key"], ["tests/sync/test_center_re_enrolment.py"]),
              "app/complaints/book.py:record_export": ["tests/complaints/test_book.py"], "save_desk_answer": ["tests/complaints/test_pages.py"],
              "_relay_moved": ["tests/desa/test_relay.py"],  # the desa PC takes the center's statuses
              "undo_enrolment": ["tests/desa/test_relay.py::test_a_pc_number_another_desa_pc_holds_at_the_center_undoes_"
                                 "the_enrolment_with_its_line"],  # the center refuses the code's PC number
              **dict.fromkeys(["type_back_printed_key", "confirm_key_printed", "replace_recovery_key"],
                              ["tests/security/test_recovery_key_page.py",
                               "tests/security/test_keys_never_change_silently.py"]),  # the recovery key's page
              "sync/center/desk_records.py:record_sign_in": ["tests/auth/test_one_sign_in.py"],  # both doors, both databases
              "app/auth/accounts.py:record_sign_in": ["tests/auth/test_sessions_and_doors.py",
                                                      "tests/auth/test_password_typed_again.py"]}
LISTING = ROOT / "scripts" / "act_mutants.txt"  # the last verdict of every act run (keep_listing)
LISTING_POSTGRESQL = ROOT / "scripts" / "act_mutants_postgresql.txt"
LINE_WRITERS = {"record", "record_many", "record_restore", "audit"}  # as tests/audit/test_every_line_writer_declared.py
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
    """The statements of the function's own body (not of a nested function) writing a declared line; if none
    names its action, those writing any line (its action computed, or through the trail's `record_restore`)."""

    def visit(node):
        for child in ast.iter_child_nodes(node):
            if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda)):
                continue
            call = child.value if isinstance(child, ast.Expr) and isinstance(child.value, ast.Call) else None
            first = call.args[0] if call is not None and call.args else None
            # "aktifkan" if active else "nonaktifkan": either branch's action
            choices = [first.body, first.orelse] if isinstance(first, ast.IfExp) else [first]
            named = {choice.value if isinstance(choice, ast.Constant) else constants.get(getattr(choice, "id", None))
                     for choice in choices}
            name = getattr(call.func, "attr", None) or getattr(call.func, "id", None) if call is not None else None
            if call is not None and call.args and (named & actions or name == "record_many"):  # a batch's lines
                found.append(child)
            elif name in LINE_WRITERS and not (isinstance(first, ast.Constant) and str(first.value).startswith("lihat")):
                fallback.append(child)  # a line whose action is computed (`audit(to_status, ...)`, `**line`)
            visit(child)
    found, fallback = [], []
    visit(function)
    return found or fallback


# where the tests of a package's acts are, when no test names the act (it is reached through its page)
TESTS_OF_PACKAGE = {"app/sync_page": "tests/sync", "sync/center": "tests/sync", "sync/client": "tests/sync",
                    "app/lan_tls": "tests/lan", "app/frame": "tests/core"}


def tests_of(name: str, path: Path, actions) -> list[str]:
    """The fast test files naming the act; else those of its package's tests quoting its line's action, else all
    of its package's tests."""
    for key in (f"{path.relative_to(ROOT).as_posix()}:{name}", name):  # a name two places use: by its place
        if key in REACHED_BY:
            return REACHED_BY[key]
    files = _grep(["-w", name], "tests")
    if not files:
        package = path.relative_to(ROOT).parent.as_posix()
        folder = TESTS_OF_PACKAGE.get(package, package.replace("app/", "tests/", 1))
        quoted = [arg for action in sorted(actions) for arg in ("-e", f'"{action}"')]
        # else every test file of its package (not the whole suite's files quoting a common action, "ubah")
        files = (_grep(quoted, folder) or _grep(["-e", ""], folder)) if (ROOT / folder).is_dir() else _grep(quoted, "tests")
    # the act's own package's tests first, then the guard's (they often name an act in a capability's source)
    own = TESTS_OF_PACKAGE.get(path.relative_to(ROOT).parent.as_posix(),
                               path.relative_to(ROOT).parent.as_posix().replace("app/", "tests/", 1)) + "/"
    return sorted(files, key=lambda f: (not f.startswith(own), not f.startswith("tests/audit/")))[:MOST_FILES]


def _grep(pattern: list[str], folder: str) -> list[str]:
    files = subprocess.run(["grep", "-rl", "--include=test_*.py", *pattern, folder], cwd=ROOT,
                           capture_output=True, text=True).stdout.split()
    return sorted(f for f in files if not f.startswith(SLOW_FOLDERS))


def run(path: Path, statement: ast.stmt, tests: list[str], select: list[str]) -> tuple[str, float]:
    original = path.read_text(encoding="utf-8")
    lines = original.splitlines(keepends=True)
    indent = lines[statement.lineno - 1][:statement.col_offset]
    mutant = lines[:statement.lineno - 1] + [f"{indent}pass  # act_mutants.py\n"] + lines[statement.end_lineno:]
    started = time.monotonic()
    try:
        path.write_text("".join(mutant), encoding="utf-8")
        done = subprocess.run(["bash", "scripts/test.sh", *tests, "-q", "-x", "-m", "not slow", "-p", "no:randomly", *select],
                              cwd=ROOT, capture_output=True, text=True)
    finally:
        path.write_text(original, encoding="utf-8")
    verdict = {0: "SURVIVED", 5: "SURVIVED (no test ran)"}.get(done.returncode, "KILLED")  # 5: pytest ran none
    if "collected no tests" in done.stdout + done.stderr:  # scripts/test.sh counts that as a failure
        verdict = "SURVIVED (no test ran)"
    if verdict == "KILLED":  # by which test, and whether for the missing line (the declaration's refusal)
        failed = [line.split(" - ")[0].removeprefix("FAILED ").removeprefix("ERROR ")
                  for line in done.stdout.splitlines() if line.startswith(("FAILED tests", "ERROR tests"))]
        errors = [line for line in done.stdout.splitlines() if line.startswith("E ")]  # the failure, not the logs
        why = ("line refused" if any(word in line for line in errors
                                     for word in ("tanpa catatan audit", "ActWithoutLine", "UntrailedWrite"))
               else "a test's assertion")
        verdict += f" by {failed[0] if failed else '?'} ({why})"
    return verdict, time.monotonic() - started


def sqlite_killers() -> dict[str, list[str]]:
    """{function's place: the tests that killed its mutants on SQLite (LISTING), in order}: with `--postgresql`,
    each one's PostgreSQL twin runs first (its files' run up to it took 5-18 minutes at load 14)."""
    killers = {}
    for row in LISTING.read_text(encoding="utf-8").splitlines() if LISTING.exists() else []:
        if " KILLED by tests/" in row:
            where = row.split(": KILLED by ", 1)[0].rsplit(":", 1)[0]
            killers.setdefault(where, []).append(row.split(" KILLED by ", 1)[1].split(" (", 1)[0])
    return killers


POSTGRESQL_ONLY = ("tests/sync/test_sms.py",)  # its center on PostgreSQL alone (gammu-smsd reads its outbox there)


def postgresql_twin(node: str) -> str | None:
    name, _, param = node.partition("[")
    if name.startswith(POSTGRESQL_ONLY):
        return node
    return f"{name}[{param.replace('sqlite', 'postgresql')}" if "sqlite" in param else None


def main(names: list[str]) -> int:
    postgresql = "--postgresql" in names
    names = [name for name in names if name != "--postgresql"]
    survived, rows = 0, {}
    for path, function, actions, constants in declared_acts():
        if names and function.name not in names or postgresql and not path.is_relative_to(ROOT / "sync" / "center"):
            continue
        where = f"{path.relative_to(ROOT).as_posix()}:{function.name}"
        statements = own_line_statements(function, actions, constants)
        if not statements:
            say(rows, where, f"{where} {sorted(actions)}: no own line statement (written by a function it calls)")
            continue
        tests = tests_of(function.name, path, actions)
        killers = sqlite_killers().get(where, []) if postgresql else []
        for number, statement in enumerate(statements):
            if not tests:
                say(rows, where, f"{where}:{statement.lineno}: SURVIVED (no fast test file names it)")
                survived += 1
                continue
            twin = postgresql_twin(killers[number]) if number < len(killers) else None
            verdict, seconds = run(path, statement, [twin], []) if twin else ("", 0.0)
            if not verdict.startswith(f"KILLED by {twin} "):  # not that test (or no such twin): the files' run
                verdict, seconds = run(path, statement, tests, ["-k", "postgresql"] if postgresql else [])
            survived += verdict.startswith("SURVIVED")
            say(rows, where, f"{where}:{statement.lineno}: {verdict} ({len(tests)} test files, {seconds:.0f} s)")
    keep_listing(rows, LISTING_POSTGRESQL if postgresql else LISTING)
    return 1 if survived else 0


def say(rows: dict, where: str, row: str) -> None:
    print(row, flush=True)
    rows.setdefault(where, []).append(row)


def keep_listing(rows: dict, listing: Path) -> None:
    """LISTING: one row per mutant of every act run so far; an act run again replaces its rows (so a run by
    names after a fix updates the listing), the counts at its top follow."""
    kept = {}
    if listing.exists():
        for line in listing.read_text(encoding="utf-8").splitlines():
            if line and not line.startswith("#"):
                kept.setdefault(line.split(":", 2)[0] + ":" + line.split(":", 2)[1].split(" ")[0], []).append(line)
    kept.update(rows)
    lines = [line for where in sorted(kept) for line in kept[where]]
    count = {word: sum(f": {word}" in line for line in lines) for word in ("KILLED", "SURVIVED")}
    own = sum("no own line statement" in line for line in lines)
    on = " on PostgreSQL" if listing == LISTING_POSTGRESQL else ""
    listing.write_text(f"# act -> verdict (scripts/act_mutants.py; each act's own line removed alone, its fast tests run{on})\n"
                       f"# {len(kept)} acts: {count['KILLED']} mutants killed, {count['SURVIVED']} survived, "
                       f"{own} acts with no own line statement\n" + "\n".join(lines) + "\n", encoding="utf-8")


if __name__ == "__main__":
    sys.exit(main(sys.argv[1:]))
