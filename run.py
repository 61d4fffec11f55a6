"""Loket Kecamatan: one entry point for the office PC, the desa PC and the regency center.

    python run.py                 serve the kecamatan app (same as `serve`)
    python run.py --help          every subcommand

Each program is a declaration (app/programs/kecamatan.py, app/programs/desa.py,
sync/center/program.py): this file reads them, picks the program first (from the command, then
--mode / LOKET_MODE, then the data folder) and imports only that program's parts.
"""
import os
import sys


def _signer_start() -> None:
    """`python -I -S program/run.py release sign|keys` (loket_install.py): the install is checked against
    the wheels the admin keeps before any file of it runs; bytecode only from a new empty folder, none
    written. Typed without -I -S, refused here, before any other file of this install runs (issue 88
    finding 5): its folder is no site-packages folder (pip --target), so Python ran none of it at start."""
    words = [word for word in sys.argv[1:] if not word.startswith("-")]
    if not ("release" in words and words[words.index("release") + 1:][:1] in (["sign"], ["keys"])):
        return
    here = os.path.dirname(os.path.abspath(__file__))
    if not (sys.flags.isolated and sys.flags.no_site):
        if __name__ == "__main__":  # typed (the tests import run and call main with their own words)
            # Python put this folder first on sys.path: off it, so loket_install's standard-library imports
            # cannot be served by a file planted beside run.py
            sys.path[:] = [entry for entry in sys.path
                           if entry and os.path.normcase(os.path.abspath(entry)) != os.path.normcase(here)]
            _own_module(here, "loket_install").refuse_unisolated(here, sys.argv[1:])
            sys.exit(2)
        return
    # The standard library's zip (python311.zip) comes first on sys.path and normally does not exist: one
    # planted beside a per-user Python would serve every import below (issue 88 finding 5). os is frozen.
    planted = [entry for entry in sys.path if entry.lower().endswith(".zip") and os.path.exists(entry)]
    if planted:
        sys.exit("Program penandatangan di laptop ini tidak sama dengan yang dipasang pip dari wheel rilis: berkas "
                 "%s ditaruh di folder Python sesudah Python dipasang. Tidak ada kunci yang dibuka. Pasang lagi Python "
                 "dan Loket (panduan admin kabupaten, bagian Memasang Loket di laptop kunci) dan laporkan berkas itu "
                 "ke proyek." % planted[0])
    import tempfile
    sys.dont_write_bytecode = True
    sys.pycache_prefix = tempfile.mkdtemp(prefix="loket-tanda-")
    _own_module(here, "loket_install").signer_start(here)


def _own_module(here: str, name: str):
    """This install's stdlib-only module `name`, loaded from its file alone: its folder stays off sys.path
    until the check put it there (a file planted beside it is never imported by name)."""
    import importlib.util
    spec = importlib.util.spec_from_file_location(name, os.path.join(here, name + ".py"))
    module = sys.modules[name] = importlib.util.module_from_spec(spec)
    spec.loader.exec_module(module)
    return module


_signer_start()


def _only_its_own_packages() -> None:
    """A version installed with its whole lock (DATA/versions/<v>/ holding app/updates/starting.OWN_PACKAGES)
    imports what its folder holds and the standard library, nothing of the Python that runs it, whoever
    starts it. Today's launcher starts it isolated (`python -I -S`: the standard library only); an older
    launcher plainly, with that Python's packages (and what its .pth files set up) taken off here."""
    here = os.path.dirname(os.path.abspath(__file__))
    if not os.path.isfile(os.path.join(here, "paket-terkunci.json")):
        return  # a source tree, a venv install, or a version installed with the app wheel alone
    if not sys.flags.no_site:
        import ast
        import subprocess
        try:  # exactly the path this Python has with no site-packages, as `-I -S` starts it
            bare = subprocess.run([sys.executable, "-I", "-S", "-c", "import sys; print(repr(sys.path))"],
                                  capture_output=True, text=True, check=True, timeout=60).stdout
            standard = tuple(os.path.normcase(os.path.abspath(path)) for path in ast.literal_eval(bare) if path)
        except (OSError, ValueError, SyntaxError, subprocess.SubprocessError):
            standard = None  # its own folder still comes first
        if standard:
            own = (*standard, os.path.normcase(here))
            sys.path[:] = [path for path in sys.path if path and os.path.normcase(os.path.abspath(path)) in standard]
            importers = ("_frozen_importlib", "zipimport")  # Python's own; not an editable install's or a hack's
            sys.meta_path[:] = [finder for finder in sys.meta_path if getattr(finder, "__module__", "").startswith(importers)]
            sys.path_hooks[:] = [hook for hook in sys.path_hooks if getattr(hook, "__module__", "").startswith(importers)]
            for name, module in list(sys.modules.items()):
                where = getattr(module, "__file__", None)
                if where and not os.path.normcase(os.path.abspath(where)).startswith(own):
                    del sys.modules[name]  # imported by a .pth file of that Python
    if here in sys.path:
        sys.path.remove(here)
    sys.path.insert(0, here)
    import importlib
    import site
    site.addsitedir(here)  # the .pth files its wheels brought (never run under -S)
    sys.path_importer_cache.clear()
    importlib.invalidate_caches()


def _its_lock_at_first_start() -> None:
    """A version started by a launcher (DATA/versions/<v>/, LOKET_LAUNCHED_VERSION=<v>) whose folder does not
    hold its whole lock (an older installer's: the app and what the PC's Python lacked, issue 94 finding 3)
    has it installed before anything of that Python is imported here: `run.py kunci-versi` (a process of
    its own: app/updates/own_lock.py) compares and installs into versions/<v>.kunci, put here in this
    folder's place (nothing in it is open: Windows renames it). A version that cannot have its lock says
    why and stops before it serves: its launcher goes back to the previous version."""
    here = os.path.dirname(os.path.abspath(__file__))
    version = os.environ.get("LOKET_LAUNCHED_VERSION")
    if (not version or os.path.basename(here) != version or os.environ.get("LOKET_LOCK_STEP")
            or os.path.isfile(os.path.join(here, "paket-terkunci.json"))
            or os.path.isfile(os.path.join(here, "kunci-diperiksa.json"))):
        return
    import json
    import shutil
    import subprocess
    import time
    data = os.path.dirname(os.path.dirname(here))  # DATA/versions/<v>
    try:
        with open(os.path.join(data, "versions", "terpilih.json"), encoding="utf-8") as kept:
            selection = json.load(kept)
    except (OSError, ValueError):
        selection = None
    if (isinstance(selection, dict) and selection.get("state") == "uji" and not selection.get("attempts")
            and not selection.get("backup_by")):
        # The first updatable launcher: this start only makes the switch-time backup, serving nothing, and
        # starts again (app/updates/older_launchers.py); the lock comes at that next start, so a refusal's
        # going back restores this version's backup, which holds every save.
        return
    sys.path.insert(0, here)
    from app.frame.serve_lock import _lock  # the standard library only
    sys.path.remove(here)
    with open(here + ".kunci-sedang", "a+b") as held:  # a second start waits for the first one's install
        while True:
            try:
                _lock(os.name == "nt", held)
                break
            except OSError:
                time.sleep(0.5)
        if os.path.isfile(os.path.join(here, "paket-terkunci.json")):
            return  # installed by the start it waited for (the OS drops the lock as the file closes)
        done = subprocess.run([sys.executable, os.path.join(here, "run.py"), "kunci-versi", "--data", data],
                              env=dict(os.environ, LOKET_LOCK_STEP="1"))
        if done.returncode == 10:  # own_lock.MATCHES: this Python imports exactly the lock (or none is known here)
            with open(os.path.join(here, "kunci-diperiksa.json"), "w", encoding="utf-8") as mark:
                mark.write('{"diperiksa": true}')
            return
        if done.returncode != 0:
            sys.exit(done.returncode)  # its sentence is said; nothing served, nothing of the data changed
        locked, old = here + ".kunci", here + ".lama"
        shutil.rmtree(old, ignore_errors=True)
        os.replace(here, old)
        os.replace(locked, here)  # a cut between the two: no run.py, the launcher goes back (nothing served)
        shutil.rmtree(old, ignore_errors=True)
    try:  # a start waiting on it finds the lock installed; a later one never comes here
        os.unlink(here + ".kunci-sedang")
    except OSError:
        pass


_its_lock_at_first_start()
_only_its_own_packages()

from loket_python import not_installed, unsupported  # noqa: E402

_UNSUPPORTED = unsupported()
if _UNSUPPORTED:  # one sentence, before anything this Python may not read
    sys.exit(_UNSUPPORTED)
_NOT_INSTALLED = not_installed(os.path.dirname(os.path.abspath(__file__)))
if _NOT_INSTALLED:  # `python run.py` beside the .venv it was installed into: one sentence, not a traceback
    sys.exit(_NOT_INSTALLED)

import argparse  # noqa: E402
import logging  # noqa: E402
import traceback  # noqa: E402
from pathlib import Path  # noqa: E402

DECLARATIONS = ("app.programs.kecamatan:PROGRAM", "app.programs.desa:PROGRAM", "sync.center.program:PROGRAM")


def programs() -> list:
    from app.frame.programs import resolve
    return [resolve(name) for name in DECLARATIONS]


def _add_data_option(parser) -> None:
    """`--data` is accepted before or after the subcommand: the subcommand's copy only sets it when given."""
    parser.add_argument("--data", metavar="DIR", default=argparse.SUPPRESS,
                        help="data folder (default: the per-user data folder)")


def _mode_asked(argv: list[str]) -> str:
    """The office program a command shared by the kecamatan and the desa PC runs as: --mode, else
    LOKET_MODE, else the data folder's own (app/frame/config.mode_of_folder). An unusable
    LOKET_MODE is reported by load_config when the command runs."""
    from app.frame.config import default_data_dir, mode_of_folder
    early = argparse.ArgumentParser(add_help=False)
    early.add_argument("--mode")
    early.add_argument("--data")
    known, _ = early.parse_known_args(argv)
    if known.mode:
        return known.mode
    data = known.data or os.environ.get("LOKET_DATA_DIR")
    return os.environ.get("LOKET_MODE", "").strip().lower() or mode_of_folder(Path(data) if data else default_data_dir())


def command_word(argv: list[str], names) -> str | None:
    """The subcommand `argv` names: its first word among `names`, not the folder of a `--data` before it."""
    return next((word for before, word in zip(["", *argv], argv) if word in names and before != "--data"), None)


def choose_program(argv: list[str]):
    """(the program, argv with its command): the command says which program, where two office programs
    share it the mode does. `run.py` and `run.py --port 8081` serve."""
    declared = programs()
    command = command_word(argv, {name for program in declared for name in program.command_names()})
    if command is None and not any(word in ("-h", "--help") for word in argv):
        argv, command = ["serve", *argv], "serve"
    candidates = [program for program in declared if command in program.command_names()] or declared[:1]
    if len(candidates) > 1:
        mode = _mode_asked(argv)
        candidates = [program for program in candidates if mode in program.modes] or candidates
    if candidates[0].name != "center":
        _never_imported(CENTER_DRIVERS)
    _never_imported(NOT_ON_THIS_SYSTEM)
    return candidates[0], argv


# The database drivers peewee imports whenever they are installed (the center's extra, on a machine that
# has both): an office process never opens PostgreSQL or MySQL, and psycopg alone is 17 MB of its memory.
CENTER_DRIVERS = ("psycopg", "psycopg2", "pymysql")
# keyring's macOS backend is chosen on macOS only (its priority says so), but importing it elsewhere looks
# for the Keychain's libraries: on Linux ctypes runs ldconfig, gcc and ld for each of three (9 processes,
# ~0.2 s of a start before the database key is read; issue 73). keyring skips a backend that fails to import.
NOT_ON_THIS_SYSTEM = () if sys.platform == "darwin" else ("keyring.backends.macOS.api",)


def _never_imported(names) -> None:
    """`import name` raises ImportError in this process, as where it is not installed (which the importers of
    these names expect): an office process has no center driver, no PC but a Mac the Keychain."""
    for name in names:
        if name not in sys.modules:
            sys.modules[name] = None


def build_parser(program=None, command: str | None = None) -> argparse.ArgumentParser:
    """The parser of one program's commands (the kecamatan's when none is named); with `command`, of that
    one only: the others' options are not read (`demo`'s come from every capability, whose imports are
    most of a start's CPU, and a launcher that runs an installed update as its child never builds an app)."""
    from app.frame.programs import resolve
    program = program or programs()[0]
    from app.frame.command_line import IndonesianParser
    parser = IndonesianParser(prog="run.py", description=f"{program.title}; the other programs: "
                                     + ", ".join(f"{p.name} ({' '.join(p.command_names())})"
                                                 for p in programs() if p.name != program.name))
    parser.add_argument("--data", metavar="DIR", help="data folder (default: the per-user data folder)")
    commands = parser.add_subparsers(dest="command", metavar="SUBCOMMAND")
    for declared in program.commands:
        if command in (None, declared.name):
            resolve(declared.add)(commands, _add_data_option)
    parser.set_defaults(program=program)
    return parser


def prepare(argv: list[str]):
    """Everything before the handler runs: the program, its parser, the parsed options."""
    program, argv = choose_program(argv)
    options = build_parser(program, command_word(argv, program.command_names())).parse_args(argv)
    from app.frame.config import settle_data_folders
    settle_data_folders(options)
    return program, options


def _console_never_refuses_a_character() -> None:
    """A Windows console or log file in cp1252 cannot show every character a message may quote (a
    folder name, a mistyped setting): it shows '?' instead of ending the program with a traceback."""
    for stream in (sys.stdout, sys.stderr):
        if hasattr(stream, "reconfigure"):
            stream.reconfigure(errors="replace")


def _unraisable_into_the_log() -> None:
    """An error Python can only ignore (a socket's buffer flushed on a closed descriptor as cheroot's
    connection is collected: "Exception ignored in ... Bad file descriptor") printed an English traceback
    on the console between the log's lines. It becomes one log line in the log's format, naming only the
    kind of error and where (an exception's text or an object's repr may quote what a person typed)."""
    def into_the_log(unraisable) -> None:
        kind = unraisable.exc_type.__name__
        number = getattr(unraisable.exc_value, "errno", None)
        frames = traceback.extract_tb(unraisable.exc_traceback) if unraisable.exc_traceback else []
        where = f" di {Path(frames[-1].filename).name}:{frames[-1].lineno}" if frames else ""
        logging.getLogger("loket").warning("Kesalahan yang tidak dapat ditangani diabaikan: %s%s%s", kind,
                                           f" (errno {number})" if number is not None else "", where)
    sys.unraisablehook = into_the_log


def unchecked_signer(argv: list[str]) -> bool:
    """`release sign` and `release keys` typed on a command line open a key: they run only after the
    start that checks the install (loket_install.signer_start, `python -I -S run.py ...`). Started
    otherwise (run.py as a script is refused at its first lines; here, through another starter) the
    command is refused, naming the one to type."""
    import loket_install
    if not loket_install.signer_command(argv) or loket_install.CHECKED:
        return False
    loket_install.refuse_unisolated(os.path.dirname(os.path.abspath(__file__)), argv)
    return True


def main(argv=None) -> int:
    _console_never_refuses_a_character()
    if argv is None and unchecked_signer(sys.argv[1:]):
        return 2
    logging.basicConfig(level=logging.INFO, format="%(asctime)s %(levelname)s %(name)s: %(message)s")
    _unraisable_into_the_log()
    _, options = prepare(list(sys.argv[1:] if argv is None else argv))
    from app.frame.config import SettingInvalid
    from app.frame.keystore import KeyMissing
    from app.frame.migrations import DatabaseTooNew
    try:
        return options.handler(options)
    except (DatabaseTooNew, KeyMissing, SettingInvalid) as problem:
        print(problem, file=sys.stderr)
        return 2


if __name__ == "__main__":
    sys.exit(main())
