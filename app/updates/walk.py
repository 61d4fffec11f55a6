"""The office's side of the walk that decides whether a version may serve (issues 60 and 69).

The walk itself is sync/release/candidate_walk.py, run by the program already trusted: before the switch by
the running version (app/updates/installing.py), after it by the launcher before the new version
serves (app/updates/launcher.py), and by the regency's release build. Here: the copy of the office's
database it runs on (never the live one: it creates accounts and sessions), the throwaway accounts the
candidate's `run.py check-server` makes on that copy, and the roles the trusted program knows."""
import secrets
from pathlib import Path

from app.frame.audit_rule import act, nothing_done
from app.frame.programs import program_roles
from sync.release import candidate_walk

CHECK_COPY = "pembaruan-uji.sqlite3"  # beside the live database: the same database key opens it
WALK_ACCOUNT_PREFIX = "pemeriksa-pembaruan-"


def copy_database(source, copy) -> None:
    """A consistent copy of a database another connection may be writing (SQLite's backup API)."""
    from app.frame.db import connect
    remove_copy(copy)
    reading, writing = connect(source, readonly=True), connect(copy)
    try:
        with writing.backup("main", reading, "main") as step:
            step.step(-1)
    finally:
        writing.close()
        reading.close()


def remove_copy(copy) -> None:
    for leftover in Path(copy).parent.glob(Path(copy).name + "*"):
        leftover.unlink(missing_ok=True)


def remove_leftovers(data_dir, db_path) -> None:
    """At the program's start: the copy and the check's folder a power cut left in the data folder during
    a check (a whole office's data, issue 69 finding 5). Never raising: a copy still open elsewhere
    (Windows) waits for the next start."""
    import shutil
    try:
        remove_copy(Path(db_path).with_name(CHECK_COPY))
    except OSError:
        pass
    for work in (Path(data_dir) / "pembaruan").glob("uji-*"):
        shutil.rmtree(work, ignore_errors=True)


def check_command(program: Path, data_dir: Path, copy: Path, mode: str, work_dir: Path) -> list[str]:
    """A candidate's `run.py check-server` over `copy`, ready file in `work_dir`, started as the launcher
    starts that version (isolated when it holds its whole lock)."""
    from app.updates.starting import python_command
    return [*python_command(Path(program).parent), "check-server", "--data", str(data_dir), "--database", str(copy),
            "--mode", mode, "--ready-file", str(Path(work_dir) / candidate_walk.READY_FILE)]


def walk_version(program: Path, data_dir: Path, db_path: Path, mode: str, seconds: float, env: dict,
                 version: str | None = None, max_requests: int = candidate_walk.MAX_REQUESTS) -> candidate_walk.Verdict:
    """The trusted walk of the version whose run.py is `program`, over a fresh copy of `db_path`: the
    copy and the check's folder are gone after, whatever happened."""
    import shutil
    import tempfile
    from app.frame.private_files import private_dir
    copy = Path(db_path).with_name(CHECK_COPY)
    if copy.resolve() == Path(db_path).resolve():  # `run.py update-check` given a copy made by that name
        copy = copy.with_name("pembaruan-uji-kedua.sqlite3")
    work = Path(data_dir) / "pembaruan"
    private_dir(work)
    work = Path(tempfile.mkdtemp(prefix="uji-", dir=work))
    try:
        try:
            if Path(db_path).exists():
                copy_database(db_path, copy)
            else:  # a PC with no data yet (a new desa PC, the release build's): the version makes its own
                remove_copy(copy)
        except Exception as problem:  # a full disk: no verdict on the release
            return candidate_walk.Verdict(interrupted=f"salinan data tidak dapat dibuat ({type(problem).__name__}: "
                                                      f"{problem})"[:300])
        verdict = candidate_walk.walk_candidate(check_command(program, data_dir, copy, mode, work), env, work,
                                                seconds, roles=program_roles(mode), version=version,
                                                max_requests=max_requests)
        if not verdict.passed:
            import logging
            logging.getLogger(__name__).warning("walk of %s: %s %s; its output: %s", version, verdict.interrupted or "",
                                                candidate_walk.summary(verdict), candidate_walk.log_tail(work))
        return verdict
    finally:
        try:
            remove_copy(copy)
        except OSError:  # Windows: a file the stopped candidate held a moment longer; the next start removes it
            pass
        shutil.rmtree(work, ignore_errors=True)


def throwaway_accounts(app) -> list[dict]:
    """The candidate's side (`run.py check-server`, on a copy): a throwaway account for each role of
    the program's table, with a random password, bound to a desa; as the ready file lists them."""
    from app.auth.accounts import create_user
    database = app.extensions["database"]
    accounts = []
    with app.app_context(), database.connection_context():
        for column in sorted(set(app.extensions["policy"].columns.values())):
            password = secrets.token_urlsafe(18)
            user, _ = create_user(f"{WALK_ACCOUNT_PREFIX}{column}-{secrets.token_hex(3)}", f"Pemeriksa {column}",
                                  column, password=password, must_change_password=False)
            _bind_to_desa(user)
            accounts.append({"role": column, "username": user.username, "password": password})
    return accounts


@act("ubah")
def _bind_to_desa(user) -> None:
    """The desa real operators work for (else the office's first desa), for every throwaway account: a
    desa operator's pages show only its own desa; the others' scope ignores it. The table by name: the
    desa capability imports this package, not the other way round. Audited as the admin's binding is
    (app/frame/audit.py refuses an account's change without its row)."""
    from app.frame import audit, places
    from app.frame.db import database
    codes = [code for (code,) in database.execute_sql('SELECT DISTINCT "desa_code" FROM "user_desa" LIMIT 20')]
    if not codes:
        try:
            codes = [region.code for region in places.desa_list()[:1]]
        except Exception:  # the region list unreadable: the pages that need it show it as a 500
            codes = []
    if not codes:
        return nothing_done()
    with database.atomic():
        for code in codes:
            database.execute_sql('INSERT INTO "user_desa" ("user_id", "desa_code") VALUES (?, ?)', (user.id, code))
        audit.record("ubah", "pengguna", user.id, f"Akun pemeriksa pembaruan {user.username} terikat ke desa: "
                     f"{', '.join(codes)}", after={"desa": codes}, user=user)
