"""Which version of the app this PC runs: switching to a new one, and going back when it fails.

`run.py serve` (what the start-up entry runs, app/autostart.py) of the installed program reads
DATA/versions/terpilih.json, the selection. With none it serves itself, as before any update. With
one it becomes the launcher: it runs that version's `run.py serve` (installed beside it in
DATA/versions/<version>/, app/updates/installing.py) as a child with the same options. The
selection's "state" is written durably before each step, so a power cut at any moment leaves one
of these and the launcher's next start goes on from it (app/updates/lifecycle.py declares them and
each event's step as one table, which serve() follows):

- "uji" without "backup": the admin's update page (or the night) chose the version and its server
  stopped (exit RESTART, or exec into this launcher; on Windows the launcher waits for the old
  server's pid, "server_pid", to be gone). With no server running the launcher backs up the live
  database (the switch-time backup) and writes its name into the selection. A cut: made again.
- "uji" with "backup": the trial. "attempts" is raised, then this launcher (the installed, trusted
  program) starts the new version's `run.py check-server` on a fresh copy of the live data and walks
  every role's pages over HTTP itself (sync/release/candidate_walk.py, app/updates/walk.py): the verdict is
  never the new version's word. No page answering 5xx: the launcher writes "baik" (status.json
  "health" keeps the walk) and only then starts the version's `run.py serve`, which migrates the live
  data and serves ("first_start" until it said it listens: one that stops before is "gagal" too). A
  page answering 5xx (or a sign-in that fails): "gagal". A walk that could not
  happen (the version never became ready, ran out of TRIAL_SECONDS, a power cut: the next start finds
  "uji" again) is tried again, up to MAX_TRIAL_STARTS starts; then the previous version runs again and
  the release stays offered, said as interrupted (status.json "interrupted"), not as its fault.
- "gagal": going back. The live database is restored from the switch-time backup (no request was
  accepted since it: nothing a clerk was told is saved is lost), the admin's page is told why
  (status.json "rolled_back", the version never offered again), the previous selection is written
  and the version's folder removed. A cut: done again from its start.
- "baik": the version runs; its stop ends the launcher, or RESTART starts the newly selected one.

Before any start the version's files are checked against its wheels' RECORD hashes: a version
broken on disk is never started; the launcher goes back to the previous selection and says so.

The launcher is the office's installed program: a later release is also started by the launchers of
older installs, whose contracts it keeps (app/updates/older_launchers.py, docs/architecture.md).

This module imports nothing heavy: the launcher stays small beside the server it watches."""
import json
import logging
import os
import shutil
import subprocess
import time
from datetime import datetime
from pathlib import Path

from loket_install import damaged_files  # the RECORD check, one copy: the signer's start reads RECORD with it too
from app.updates import lifecycle
from app.updates.state import read_selection, remember_failure, versions_dir, write_selection, write_state
from app.updates.starting import python_command

log = logging.getLogger(__name__)
HEALTH_FILE = "sehat.json"
CHILD_ENV = "LOKET_LAUNCHED_VERSION"  # set in the child: it serves, it does not launch again
RESTART = 75  # a child's exit code: start again on the selected version
PORT_BUSY = 3  # `run.py serve`'s exit code when its port is taken (app/programs/office_commands.py)
PORT_WAITS = 30
TRIAL_SECONDS = 900  # a slow PC's first start after an update: migrations and the walk
MAX_TRIAL_STARTS = 5  # walks of one trial power cuts or a crash may interrupt before the previous version runs again
OLD_SERVER_SECONDS = 60


def note_serving(data_dir: Path, version: str) -> None:
    """Called by `run.py serve` once it listens and its verdict is kept: "this child came up". From here
    the version may have taken saves, so its first start is over (issue 94): the mark is cleared now, not
    when the launcher sees the child stop. A mark left by a stop (the launcher killed with its child) made
    every later start a "first start", and a start that then failed, or a second start that found the
    folder busy, was read as a failed release and the switch-time backup restored over every save since."""
    _sign(data_dir, version, os.getpid())
    end_first_start(data_dir, version)


def _sign(data_dir: Path, version: str, pid: int | None) -> None:
    """sehat.json: `version` came up, served by `pid` (None: not known)."""
    from app.frame.private_files import private_dir, write_private
    private_dir(versions_dir(data_dir))
    write_private(versions_dir(data_dir) / HEALTH_FILE, json.dumps({"version": version, "pid": pid}))


def end_first_start(data_dir: Path, version: str) -> None:
    selection = read_selection(data_dir)
    if selection and selection["version"] == version and selection.get("first_start"):
        write_selection(data_dir, {key: value for key, value in selection.items() if key != "first_start"})


def answer_second_start(data_dir: Path, version: str, holder_pid: int | None, is_held, every: float = 0.5) -> None:
    """This version, started by a launcher that holds no lock of its own (0.2.0 and older), found the folder
    served by another server (its first start). That launcher deleted sehat.json when the selection said
    "first_start", and reads an exit before the file is back as a failed release: it would restore the
    switch-time backup under the running office and delete this version (issue 94, finding 1). The server
    that holds the folder clears the mark once it listens (note_serving): wait for that while it holds the
    folder, then put back what that launcher deleted, naming the server that runs. A holder that stops before
    it listens is a failed first start: its own launcher takes it back, this one adds nothing."""
    deadline = time.monotonic() + TRIAL_SECONDS  # a holder's migrations on a slow PC
    while is_held() and time.monotonic() < deadline:
        selection = read_selection(data_dir)
        if not (selection and selection["version"] == version):
            return
        if not selection.get("first_start"):  # the holder listens (a "gagal" being taken back may carry it too)
            if not (versions_dir(data_dir) / HEALTH_FILE).exists():  # never this exiting process's pid
                _sign(data_dir, version, holder_pid)
            return
        time.sleep(every)


def launched() -> bool:
    return bool(os.environ.get(CHILD_ENV))


# --- the launcher --------------------------------------------------------------------------------

def serve(data_dir: Path, argv: list[str], serve_here) -> int:
    """`run.py serve`: the selected version as a watched child, or this program itself. Each decision is
    a step of the update's state machine (app/updates/lifecycle.py): the state the selection is in, the
    event met, and the row's action."""
    if launched():
        return serve_here()
    mode = _option(argv, "--mode")  # the program this launcher serves, for a selection that does not say
    port_waits = 0
    while True:
        selection = read_selection(data_dir)
        state = lifecycle.state_of(selection)
        if state == lifecycle.SERVES_ITSELF:
            return serve_here()
        selection = dict({"mode": mode} if mode else {}, **selection)
        event, why = _at_start(selection, state)
        row = lifecycle.step(state, event)
        if row.action not in ("trial_walk", "_run_child"):  # a going back, a backup: then read the selection again
            _going_on(row, data_dir, selection, why)
            continue
        if row.action == "trial_walk":
            selection = dict(selection, attempts=int(selection.get("attempts") or 0) + 1)
            write_selection(data_dir, selection)
            verdict = trial_walk(data_dir, selection)
            row = lifecycle.step(state, lifecycle.WALK_CUT if verdict.interrupted else
                                 lifecycle.WALK_PASSED if verdict.passed else lifecycle.WALK_FAILED)
            if row.event == lifecycle.WALK_CUT:  # no verdict on the release: the next start walks it again
                write_selection(data_dir, dict(selection, interrupted=verdict.interrupted[:300]))
                continue
            if row.event == lifecycle.WALK_FAILED:
                fail(data_dir, selection, "halaman menjawab galat setelah berganti versi: "
                                          + ", ".join(verdict.failed_urls()))
                continue
            state, selection = row.next, dict(selection, state="baik", first_start=True)
            write_selection(data_dir, selection)  # the launcher's verdict, before the version serves
        if state == lifecycle.FIRST_START:
            (versions_dir(data_dir) / HEALTH_FILE).unlink(missing_ok=True)  # the sign must be this start's
        try:
            code = _run_child(data_dir, selection, argv)
        except KeyboardInterrupt:  # the person at the console stopped it
            return 0
        if code == PORT_BUSY and port_waits < PORT_WAITS:
            event = lifecycle.PORT_BUSY
        elif state == lifecycle.FIRST_START and not _came_up(data_dir, selection["version"]):
            event = lifecycle.STOPPED_UNSIGNED  # walked well, then could not start to serve
        else:
            event = lifecycle.STOPPED
        row = lifecycle.step(state, event)
        if row.event == lifecycle.PORT_BUSY:
            # Windows: the version that applied the update is still letting its port go (it cannot
            # hand this process its own, as exec does on Linux). Not a failed start: wait, then again.
            port_waits += 1
            time.sleep(1)
            continue
        if row.action == "fail":
            fail(data_dir, selection, f"berhenti dengan kode {code} sebelum melayani")
            continue
        if row.action == "end_first_start":
            end_first_start(data_dir, selection["version"])  # an older version does not end it itself
        if code == RESTART:
            continue
        return code


def _at_start(selection: dict, state: str) -> tuple[str, object]:
    """The event a start meets in `state`, and its detail for the action (the why, the damaged files)."""
    if state == lifecycle.GOING_BACK:
        return lifecycle.START, selection.get("why") or "gagal berjalan"
    damaged = damaged_files(Path(selection["root"]))
    if damaged:
        return lifecycle.DAMAGED, damaged
    attempts = int(selection.get("attempts") or 0)
    if state == lifecycle.ON_TRIAL and attempts >= MAX_TRIAL_STARTS:
        return lifecycle.TRIALS_USED_UP, (f"pemeriksaan terputus {attempts} kali berturut-turut; yang terakhir: "
                                          f"{selection.get('interrupted') or 'listrik padam atau komputer dimulai ulang'}")
    return lifecycle.START, None


def _going_on(row, data_dir: Path, selection: dict, detail) -> None:
    """The row's action that ends this reading of the selection (the launcher reads it again after)."""
    if row.action == "take_back":
        take_back(data_dir, selection, detail)
    elif row.action == "fail":  # files damaged before the version served
        fail(data_dir, selection, f"berkasnya tidak utuh di disk, misalnya {detail[0]}")
    elif row.action == "broken_on_disk":
        broken_on_disk(data_dir, selection, detail)
    elif row.action == "switch_backup":
        switch_backup(data_dir, selection)
    elif row.action == "interrupted":
        interrupted(data_dir, selection, detail)
    else:
        raise LookupError(f"the launcher has no action {row.action!r} ({row.state}, {row.event})")


def _came_up(data_dir: Path, version: str) -> bool:
    """The version's `run.py serve` listened and said so (note_serving) since the launcher started it."""
    try:
        return json.loads((versions_dir(data_dir) / HEALTH_FILE).read_text("utf-8")).get("version") == version
    except (OSError, ValueError, AttributeError):
        return False


def trial_walk(data_dir: Path, selection: dict):
    """The walk of the version on trial by this launcher: its `run.py check-server` over a fresh copy of
    the live data, as it will run (launched), judged here (app/updates/walk.py). Kept as the health the
    center reads."""
    from app.updates import walk
    from app.updates.state import note_health
    config = _office_config(data_dir, selection)
    env = dict(os.environ, **{CHILD_ENV: selection["version"]})
    env.pop("PYTHONPATH", None)
    print(f"Versi {selection['version']} diperiksa sebelum melayani...", flush=True)
    verdict = walk.walk_version(Path(selection["root"]) / "run.py", data_dir, config["DATABASE_PATH"], config["MODE"],
                                TRIAL_SECONDS, env, version=selection["version"])
    if not verdict.interrupted:
        note_health(data_dir, selection["version"], verdict.passed, verdict.pages, verdict.failed_urls())
    return verdict


def _option(argv: list[str], name: str) -> str | None:
    """The value after `name` in the child's arguments (cmd_serve always gives --mode)."""
    return argv[argv.index(name) + 1] if name in argv[:-1] else None


def _run_child(data_dir: Path, selection: dict, argv: list[str]) -> int:
    """The version's `run.py serve`, until it stops."""
    env = dict(os.environ, **{CHILD_ENV: selection["version"]})
    env.pop("PYTHONPATH", None)  # the version's own folder comes first (the script's)
    child = subprocess.Popen([*python_command(Path(selection["root"])), *argv], env=env)
    try:
        return child.wait()
    except KeyboardInterrupt:
        child.terminate()
        child.wait()
        raise


def _office_config(data_dir: Path, selection: dict) -> dict:
    """The program and the database of the selection (the selection says; an older one: the mode this
    launcher serves), never what the folder looks like: a desa PC's folder with a stray loket.sqlite3
    reads as a kecamatan's."""
    from app.frame.config import load_config
    config = load_config(dict({"DATA_DIR": Path(data_dir)}, **({"MODE": selection["mode"]} if selection.get("mode") else {})))
    return dict(config, DATABASE_PATH=Path(selection.get("database") or config["DATABASE_PATH"]))


def switch_backup(data_dir: Path, selection: dict) -> None:
    """The switch-time backup, made with no server running; its name goes into the selection."""
    from app.backups.engine import BackupError, backup_database
    _wait_gone(selection.get("server_pid"))
    config = _office_config(data_dir, selection)
    target = Path(config["BACKUP_DIR"]) / f"sebelum-pembaruan-{selection['version']}-{datetime.now():%Y%m%d-%H%M%S}.sqlite3"
    try:
        made = backup_database(config["DATABASE_PATH"], target)
    except (BackupError, OSError) as problem:
        # The new version never ran: nothing to restore. Not its fault either: it may be applied again.
        write_state(data_dir, rolled_back=(f"Cadangan saat berganti ke versi {selection['version']} gagal ({problem}). "
                                           "Komputer ini tetap memakai versi sebelumnya; periksa ruang disk, lalu "
                                           "pasang pembaruan lagi."), rolled_back_at=_now())
        write_selection(data_dir, selection.get("previous"))
        shutil.rmtree(selection["root"], ignore_errors=True)
        return
    write_selection(data_dir, dict(selection, backup=str(made)))


def _wait_gone(pid) -> None:
    """Windows: the server that applied the update started this launcher and is still on its way out."""
    if not isinstance(pid, int) or pid == os.getpid():
        return
    deadline = time.monotonic() + OLD_SERVER_SECONDS
    while _alive(pid) and time.monotonic() < deadline:
        time.sleep(0.2)


def _alive(pid: int) -> bool:
    if os.name == "nt":
        import ctypes
        kernel32 = ctypes.WinDLL("kernel32", use_last_error=True)
        handle = kernel32.OpenProcess(0x00100000, False, pid)  # SYNCHRONIZE
        if not handle:
            return False
        try:
            return kernel32.WaitForSingleObject(handle, 0) == 0x102  # WAIT_TIMEOUT: still running
        finally:
            kernel32.CloseHandle(handle)
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:
        return True
    return True


def _now() -> str:
    from app.updates.state import now_text
    return now_text()


def fail(data_dir: Path, selection: dict, why: str) -> None:
    """The trial's verdict, kept before going back (a cut during going back goes back again)."""
    write_selection(data_dir, dict(selection, state="gagal", why=why))
    take_back(data_dir, dict(selection, state="gagal"), why)


def take_back(data_dir: Path, selection: dict, why: str) -> None:
    """Back to the version before the trial, its data as it was at the switch (the switch-time backup)."""
    restored = ("data dikembalikan ke saat berganti versi; semua yang sudah tersimpan sebelumnya tetap ada "
                "(selama percobaan versi baru aplikasi tidak menerima isian)")
    if selection.get("backup"):
        problem = _restore(data_dir, selection)
        if problem:
            restored = (f"data TIDAK dipulihkan otomatis ({problem}); pulihkan cadangan {selection['backup']} dari "
                        "halaman Cadangan Data")
    else:
        restored = "data tidak berubah (versi baru belum dijalankan)"
    previous = _previous_name(selection)
    message = (f"Versi {selection['version']} gagal berjalan ({why}). Komputer ini kembali sendiri ke versi "
               f"{previous}; {restored}. Versi {selection['version']} tidak ditawarkan lagi; laporkan ke admin kabupaten.")
    log.warning(message)
    remember_failure(data_dir, selection["version"], "rolled_back", message)
    saves = _saves(_office_config(data_dir, selection)["DATABASE_PATH"])
    if saves is not None:  # told to the regency with the going back (app/updates/fleet_report.py, issue 81)
        write_state(data_dir, rolled_back_kept={"version": selection["version"], "saves": saves})
    write_selection(data_dir, selection.get("previous"))
    shutil.rmtree(selection["root"], ignore_errors=True)


def _saves(database: Path) -> int | None:
    """The saves the office's data holds: its audit trail's rows that carry a change (a view, a print or an
    export carries none; the trail is append-only), the restore's own row left out. None when unreadable."""
    from app.frame.db import connect
    try:
        connection = connect(database, readonly=True)
        try:
            return int(connection.execute('SELECT COUNT(*) FROM "audit_event" WHERE ("before" IS NOT NULL OR '
                                          '"after" IS NOT NULL) AND "action" <> \'pulihkan\'').fetchall()[0][0])
        finally:
            connection.close()
    except Exception:  # a going back never fails for a count
        log.warning("the saves kept could not be counted", exc_info=True)
        return None


# How a release still offered is taken again (the update page says it again from what holds now: app/updates/waiting.py)
AGAIN_BY_BUTTON = "pasang lagi dengan tombol di bawah, atau biarkan terpasang malam nanti"
AGAIN_AFTER_CHECK = ("tombol pemasangannya muncul lagi setelah pemeriksaan pembaruan berikutnya (sinkronisasi dengan "
                     "pusat atau Pembaruan dari flashdisk)")


def interrupted(data_dir: Path, selection: dict, why: str) -> None:
    """A trial whose walk never came to a verdict: the previous version again, the release offered
    again (not the release's fault). The new version never served: the live data is as it was."""
    previous = _previous_name(selection)
    offer = selection.get("offer")  # the release as it was offered (an older installer kept none)
    message = (f"Pergantian ke versi {selection['version']} terputus ({why}). Komputer ini kembali sendiri ke versi "
               f"{previous}; data tidak berubah. Versi {selection['version']} tetap ditawarkan: "
               f"{AGAIN_BY_BUTTON if offer else AGAIN_AFTER_CHECK}.")
    _back_to_previous(data_dir, selection, message, interrupted=message, interrupted_at=_now(),
                      interrupted_version=selection["version"], **({"available": offer} if offer else {}))


def _previous_name(selection: dict) -> str:
    return (selection.get("previous") or {}).get("version") or selection.get("previous_version", "sebelumnya")


def _back_to_previous(data_dir: Path, selection: dict, message: str, **said) -> None:
    """The previous version selected again, its folder gone, and `message` kept for the admin's page
    (status.json: `said`)."""
    log.warning(message)
    write_state(data_dir, **said)
    write_selection(data_dir, selection.get("previous"))
    shutil.rmtree(selection["root"], ignore_errors=True)


INSTALLED_PROGRAM = Path(__file__).resolve().parents[2] / "run.py"  # this launcher's own program


def _restore(data_dir: Path, selection: dict) -> str | None:
    """`run.py restore` of the program that runs next (it knows the schema of its own backups; this
    launcher may be older), onto the selection's database. Returns the problem, or None."""
    config = _office_config(data_dir, selection)
    previous = selection.get("previous")
    program = Path(previous["root"]) / "run.py" if previous else INSTALLED_PROGRAM
    env = dict(os.environ, LOKET_MODE=config["MODE"])  # the database the backup was made of, not the folder's look
    env.pop(CHILD_ENV, None)
    env.pop("PYTHONPATH", None)
    try:
        done = subprocess.run([*python_command(program.parent), "restore", "--data", str(data_dir), "--from",
                               str(selection["backup"])], env=env, capture_output=True, text=True, encoding="utf-8",
                              errors="replace", timeout=TRIAL_SECONDS)
    except (OSError, subprocess.TimeoutExpired) as problem:
        return f"{type(problem).__name__}: {problem}"
    return None if done.returncode == 0 else (done.stderr.strip() or done.stdout.strip())[-300:]


def broken_on_disk(data_dir: Path, selection: dict, damaged: list[str]) -> None:
    """A version that ran well before, whose files are no longer whole: the previous one, with today's
    data (the release is not to blame: it is offered again and may be installed again)."""
    previous = _previous_name(selection)
    message = (f"Berkas versi {selection['version']} di komputer ini tidak utuh ({len(damaged)} berkas, misalnya "
               f"{damaged[0]}). Komputer ini kembali sendiri ke versi {previous}; data tetap seperti terakhir "
               "disimpan. Pasang lagi pembaruan dari kabupaten bila ditawarkan.")
    _back_to_previous(data_dir, selection, message, rolled_back=message, rolled_back_at=_now())
