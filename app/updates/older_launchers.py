"""This version started by an older launcher: what that launcher expects of it, done (issue 80).

The launcher is the office's installed program: old code that starts every later release for as long
as the PC keeps that install. Each landed launcher's contract (docs/architecture.md, "The launcher's
contract with the version it starts"; app/updates/lifecycle.GENERATIONS), told apart by what it leaves
in the selection when it starts `run.py serve` of the version it switches to (lifecycle.generation_of):
- today's (0.2.0 of 2026-11-28 on): the selection says "baik" (it walked the version and wrote the
  verdict itself): nothing to do here.
- "uji" with "attempts" >= 1 (0.2.0 of 2026-11-27): that launcher made the switch-time backup and waits
  up to 15 minutes for the version's own "baik"; without it the version is killed and the backup
  restored. So the version walks itself (the same walk today's launcher makes), keeps it as health,
  migrates the live data and writes "baik" just before it takes its first request
  (verdict_before_the_first_request); a failed walk exits WALK_FAILED before any request was taken, and a
  version that stops after it migrated leaves no verdict, so that launcher restores its backup (issue 94:
  written after the walk, a release that then stopped was kept, and every start ran it again).
- "uji" without "attempts" (the first updatable, 0.2.0 of 2026-11-25): the version that applied the
  update made the backup while it still served (or made none, when it was this version's installer);
  the launcher writes "baik" itself once the version's sehat.json names its pid and GET /masuk answers,
  within 5 minutes, and takes back a version that stops before. So the version first makes the
  switch-time backup itself, with no server running, and starts again (RESTART) so that the launcher
  reads it; then it serves GET /masuk alone until "baik" is on disk: nothing is taken before the
  launcher's verdict, so its going back never undoes a save. That launcher walks nothing: a release that
  breaks only on the live data was kept (issue 94, finding 4). So after the backup the version walks
  itself too (FIRST_UPDATABLE_WALK_SECONDS, within that launcher's 5 minutes) and a failed walk stops it
  before it listens: the version goes back itself (the live data untouched) and starts again, as that
  launcher's restore refuses a backup of a newer database (every release after the first). A version that
  stops after it migrated the live data (before "baik": it took nothing) is taken back by that launcher
  with that restore, refused: the live data keeps its migrations, on which the version before would not
  start. So the version keeps its trial (TRIAL_KEPT) before it migrates, and the version that runs next
  restores what that launcher refused, with today's going back (restore_refused)."""
import logging
import os
import re
import sys
import threading
from pathlib import Path

from app.updates import launcher, lifecycle
from app.updates.state import note_health, read_selection, read_state, write_selection, write_state

log = logging.getLogger(__name__)
WALK_FAILED = 4  # the exit the 2026-11-27 launcher reads as "a page failed" (it reads health's "failed")
OWN_WALK_SECONDS = 600  # within that launcher's 15 minutes, migrations of the live data after it
FIRST_UPDATABLE_WALK_SECONDS = 180  # within the first updatable's 5 minutes from the child's start
BACKUP_MARK = "backup_by"  # the first updatable's selection, once this version made the switch-time backup
WAITING = "Aplikasi sedang berganti versi; tunggu sebentar, lalu muat ulang halaman ini."
OPEN_WHILE_WAITING = ("/masuk",)  # what the first updatable launcher asks before it writes "baik"
TRIAL_KEPT = "first_updatable_trial"  # status.json: the selection of a version about to migrate under that launcher


def trial(data_dir: Path) -> dict | None:
    """In a launched child: its selection when an older launcher started it on trial (today's launcher
    writes "baik" before it starts the version to serve)."""
    if not launcher.launched():
        return None
    selection = read_selection(data_dir)
    if lifecycle.generation_of(selection) and selection["version"] == os.environ[launcher.CHILD_ENV]:
        return selection
    return None


def launcher_writes_verdict(selection: dict) -> bool:
    """The first updatable launcher: it never raises "attempts" and writes "baik" itself."""
    return lifecycle.generation_of(selection).verdict == "launcher-masuk"


def before_serving(data_dir: Path, selection: dict, mode: str) -> int | None:
    """What the older launcher that started this version expects before it serves: an exit code to stop
    with now, or None to serve (behind UntilVerdict when that launcher writes the verdict)."""
    selection = dict({"mode": mode} if mode and not selection.get("mode") else {}, **selection)
    if launcher_writes_verdict(selection):
        if selection.get(BACKUP_MARK):  # the launcher writes "baik" once this version listens
            code = _walk_and_verdict(data_dir, selection, FIRST_UPDATABLE_WALK_SECONDS, write_verdict=False)
            if code is None:  # it migrates the live data next: kept for the version that runs after a going back
                write_state(data_dir, **{TRIAL_KEPT: selection})
            if code != WALK_FAILED:
                return code
            # That launcher would restore the switch-time backup with its own code, the oldest, which refuses a
            # backup of a newer database: at every release after the first it then said "data TIDAK dipulihkan;
            # pulihkan cadangan ... dari halaman Cadangan Data", a restore that would undo every save since
            # (issue 94). Its walk was on a copy and no request was taken: the live data is the backup's. So
            # the version goes back itself, in true words, and that launcher reads the selection again.
            launcher.take_back(data_dir, dict(selection, backup=None), "halaman menjawab galat setelah berganti "
                               "versi: " + ", ".join(read_state(data_dir).get("health", {}).get("failed", [])))
            return launcher.RESTART
        # No server runs (the one that applied the update stopped): this backup holds every save it took.
        # A failed backup selects the previous version again (launcher.switch_backup says why).
        launcher.switch_backup(data_dir, dict(selection, **{BACKUP_MARK: "versi"}))
        print("Cadangan saat berganti versi dibuat; versi baru dimulai lagi.", flush=True)
        return launcher.RESTART  # that launcher reads the selection again only at a new start
    return _walk_and_verdict(data_dir, selection, OWN_WALK_SECONDS)


def restore_refused(data_dir: Path) -> None:
    """In a launched child, before it opens the database: the first updatable launcher took back the version
    kept in TRIAL_KEPT (it stopped before that launcher's "baik", so it took no request) and its restore
    refused that version's switch-time backup (issue 94): the live data holds the failed version's migrations
    (this version would refuse to start on them, "dibuat oleh versi aplikasi yang lebih baru") and the page
    advised a restore by hand. This version, the one selected again, restores it with today's going back
    (the restore of the program that runs next), and the page says so in its words."""
    if not launcher.launched():
        return
    kept_state = read_state(data_dir)
    kept = kept_state.get(TRIAL_KEPT)
    if not isinstance(kept, dict):
        return
    selection = read_selection(data_dir)
    if selection and selection["version"] == kept.get("version") and selection.get("state") != "baik":
        return  # still on trial: that launcher's verdict is to come
    said = kept_state.get("rolled_back")
    # That launcher's own words when its restore refused the backup (they carry no "rolled_back_version": one left by
    # an earlier going back may name another version), about the kept version, and the selection it went back to.
    # (\w+ for its "Versi": a pattern opening with a page's word would read as a message the guide must hold)
    why = re.match(r"\w+ (\S+) gagal berjalan \((.+?)\)\. ", said) if isinstance(said, str) else None
    if (why and why.group(1) == kept.get("version") and "data TIDAK dipulihkan otomatis" in said
            and kept.get("backup") and selection == kept.get("previous")):
        log.info("version %s: its launcher's restore refused the switch-time backup; restored here", why.group(1))
        launcher.take_back(data_dir, kept, why.group(2))
    write_state(data_dir, **{TRIAL_KEPT: None})


def _walk_and_verdict(data_dir: Path, selection: dict, seconds: int, write_verdict: bool = True) -> int | None:
    """The version's own walk on a copy; `write_verdict` (the 2026-11-27 launcher's contract): its own "baik"
    comes later (verdict_before_the_first_request). A walk that could not finish under the first updatable
    launcher lets that launcher judge, as it always did."""
    from app.updates import walk
    config = launcher._office_config(data_dir, selection)
    program = Path(__file__).resolve().parents[2] / "run.py"
    print(f"Versi {selection['version']} memeriksa halamannya sebelum melayani...", flush=True)
    verdict = walk.walk_version(program, data_dir, config["DATABASE_PATH"], config["MODE"], seconds,
                                dict(os.environ), version=selection["version"])
    if verdict.interrupted:
        print(f"Pemeriksaan versi {selection['version']} terputus: {verdict.interrupted}", file=sys.stderr, flush=True)
        return 1 if write_verdict else None  # no request taken: that launcher goes back to the backup, which holds every save
    note_health(data_dir, selection["version"], verdict.passed, verdict.pages, verdict.failed_urls())
    if not verdict.passed:
        print(f"Versi {selection['version']} gagal diperiksa: {', '.join(verdict.failed_urls())}", file=sys.stderr,
              flush=True)
        return WALK_FAILED
    if write_verdict and not _still_on_trial(data_dir, selection):
        return 1
    return None  # "baik" once the live data is migrated and the server listens: verdict_before_the_first_request


def verdict_before_the_first_request(data_dir: Path, selection: dict) -> bool:
    """The 2026-11-27 launcher's "baik", written by the version it waits for: after its walk, its live
    migrations and its start, before it takes a request, so that a version that stops on the way is taken
    back to a backup holding every save. False: the selection is no longer this version (do not serve)."""
    if launcher_writes_verdict(selection):
        return True  # the first updatable writes its own (UntilVerdict holds the requests until then)
    now = _still_on_trial(data_dir, selection)
    if now:
        write_selection(data_dir, dict(now, state="baik"))  # from here this version keeps what it is told
    return bool(now)


def _still_on_trial(data_dir: Path, selection: dict) -> dict | None:
    """The selection on disk, while it is still `selection`'s version."""
    now = read_selection(data_dir)
    return now if now and now["version"] == selection["version"] else None


class UntilVerdict:
    """WSGI: while the first updatable launcher has not written "baik", every request but its own
    GET /masuk is answered 503 (the clerk's screen says to wait; nothing is saved that a going back
    would undo). Opened for good once the selection no longer says this version is on trial."""

    def __init__(self, wsgi_app, data_dir: Path, version: str, every: float = 0.2):
        self.wsgi_app, self.data_dir, self.version, self.every = wsgi_app, Path(data_dir), version, every
        self.opened = threading.Event()
        threading.Thread(target=self._watch, name="loket-verdict-watch", daemon=True).start()

    def _watch(self) -> None:
        while not self.opened.is_set():
            selection = read_selection(self.data_dir)
            if not (selection and selection["version"] == self.version and lifecycle.generation_of(selection)):
                self.opened.set()
                log.info("version %s: the launcher's verdict is on disk, every request served", self.version)
                return
            self.opened.wait(self.every)

    def __call__(self, environ, start_response):
        if self.opened.is_set() or (environ.get("REQUEST_METHOD") in ("GET", "HEAD")
                                    and environ.get("PATH_INFO") in OPEN_WHILE_WAITING):
            return self.wsgi_app(environ, start_response)
        body = WAITING.encode("utf-8")
        start_response("503 Service Unavailable", [("Content-Type", "text/plain; charset=utf-8"),
                                                   ("Content-Length", str(len(body))), ("Retry-After", "2")])
        return [body]
