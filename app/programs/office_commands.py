"""The commands of an office PC (kecamatan or desa): serve, demo, backup, restore, reset-password.
run.py has already chosen the program (`options.program`); each handler imports only its parts."""
import errno
import os
import sys
from pathlib import Path

DEFAULT_HOST = "127.0.0.1"
DEFAULT_PORT = 8080
DEFAULT_LAN_PORT = 8443  # the LAN's TLS port when --host is not loopback (app/frame/office_tls.py)
LOOPBACK_HOSTS = ("127.0.0.1", "localhost", "::1")


def data_config(options) -> dict:
    """--data and, where the command has it, --mode; what is not given comes from LOKET_* or the
    folder itself (app/frame/config.py)."""
    config = {"DATA_DIR": Path(options.data)} if getattr(options, "data", None) else {}
    if getattr(options, "mode", None):
        config["MODE"] = options.mode
    return config


def _limit_malloc_arenas() -> None:
    """Keep the server's memory near what it uses (bench/bench_day.py, goal < 150 MB): glibc gives
    each thread its own malloc arena, and after a big buffer is freed (a photo, a 32 MB scrypt
    hash) it raises its mmap threshold so the next big buffers stay in the heap for good.
    Two arenas, and big buffers always mapped and given back."""
    if sys.platform.startswith("linux") and "MALLOC_ARENA_MAX" not in os.environ:
        try:
            import ctypes
            libc = ctypes.CDLL("libc.so.6")
            libc.mallopt(-8, 2)  # M_ARENA_MAX, before any thread starts
            libc.mallopt(-3, 256 * 1024)  # M_MMAP_THRESHOLD: fixed, no longer creeping up to 32 MB
        except (OSError, AttributeError):
            pass


def _office_app(options, **config):
    from app.programs.office_app import create_app
    return create_app(dict(data_config(options), **config))


def cmd_serve(options) -> int:
    """The version this PC selected (app/updates/launcher.py: an update installed beside this
    program, on trial until its walk passes, taken back when it does not), else this program itself."""
    from app.frame import serve_lock
    from app.frame.config import load_config
    from app.updates import launcher, walk
    config = load_config(data_config(options))
    try:  # before anything of the folder is touched: a second server disturbs nothing
        serve_lock.hold(config["DATA_DIR"], launched=launcher.launched())
    except serve_lock.FolderBusy as busy:
        if launcher.launched():  # by a launcher that holds no lock: the first server is this version too
            launcher.answer_second_start(config["DATA_DIR"], os.environ[launcher.CHILD_ENV],
                                         serve_lock.holder_pid(config["DATA_DIR"]),
                                         lambda: serve_lock.held_elsewhere(config["DATA_DIR"]))
        print(busy, file=sys.stderr, flush=True)
        return serve_lock.BUSY
    if not launcher.launched():  # the program's own start: no check runs yet
        walk.remove_leftovers(config["DATA_DIR"], config["DATABASE_PATH"])
    argv = ["serve", "--data", str(config["DATA_DIR"]), "--host", options.host, "--port", str(options.port),
            "--threads", str(options.threads), "--mode", config["MODE"]]
    if options.lan_port != DEFAULT_LAN_PORT:  # named only when chosen: a version before it does not know it
        argv += ["--lan-port", str(options.lan_port)]
    return launcher.serve(config["DATA_DIR"], argv, lambda: serve_here(options))


def first_start_banner(password: str, mode: str = "kecamatan") -> str:
    """The console's words on the very first start. A PC that replaces another restores first: a
    recovery key printed now would be a new key, not the one the office's backups need. A desa PC has
    no office setup: it is enrolled with the kecamatan's code instead."""
    from app.backups.views import RESTORE_PATH
    office, new = (("kantor desa", "  Komputer desa baru: setelah masuk, tempel kode pendaftaran komputer dari kecamatan di\n"
                                    "    halaman Operator Desa, lalu buka Cadangan Data > Kunci Pemulihan untuk mencetak kuncinya.\n")
                   if mode == "desa" else
                   ("kantor ini", "  Kantor baru: setelah penyiapan, buka Cadangan Data > Kunci Pemulihan untuk mencetak kuncinya.\n"))
    return ("\n=== Pertama kali dijalankan: akun admin dibuat ===\n"
            "  nama pengguna : admin\n"
            f"  kata sandi    : {password}   (sekali pakai; wajib diganti saat masuk)\n"
            f"  PC pengganti ({office} sudah memakai Loket Kecamatan di PC lain)? Setelah masuk, pilih\n"
            f"    \"Pulihkan dari cadangan\" ({RESTORE_PATH}) dan ketik kunci pemulihan yang sudah tercetak;\n"
            "    jangan cetak kunci baru.\n" + new)


def _listening(app, host: str, port: int, threads: int):
    """The office's waitress server bound for `app` (`serve`, and `check-server` the same way: what
    breaks a start breaks the check); None, after one Indonesian line, when the port is taken."""
    from app.frame.serving import create_office_server, port_busy_message, warm_up
    try:  # waitress binds here: a busy port is one Indonesian line, not a traceback
        server = create_office_server(app, host=host, port=port, threads=threads, ident="loket-kecamatan")
    except OSError as problem:
        if problem.errno in (errno.EADDRINUSE, errno.EACCES, 10048, 10013):  # 100xx: the Winsock numbers
            print(port_busy_message(host, port), file=sys.stderr)
            return None
        raise
    warm_up(app)  # bound: the first page after a restart does not pay for a cold process, nor wait on it
    return server


def _lan_listening(app, host: str, port: int, threads: int):
    """The LAN's TLS listener (app/frame/office_tls.py), bound; None, after one Indonesian line, when the
    port is taken."""
    from app.frame.office_tls import LanListener
    from app.frame.serving import port_busy_message
    listener = LanListener(app, host, port, threads)
    try:
        listener.bind()
    except OSError as problem:
        if problem.errno in (errno.EADDRINUSE, errno.EACCES, 10048, 10013):
            print(port_busy_message(host, port).replace("--port", "--lan-port"), file=sys.stderr)
            return None
        raise
    app.extensions["lan_listener"] = listener  # the health card and the admin's page read its state
    return listener


def serve_here(options) -> int:
    from app.frame.jobs import start_jobs
    from app.frame.serving import after_the_first_pages
    from app.updates import launcher
    from app.updates.fleet_report import watch_errors
    from app.updates.versions import running_version

    _limit_malloc_arenas()
    from app.firstrun import ensure_admin
    from app.frame.config import load_config
    from app.updates import older_launchers

    data_dir = load_config(data_config(options))["DATA_DIR"]
    older_launchers.restore_refused(data_dir)  # before the database opens: a going back its launcher could not end
    on_trial = older_launchers.trial(data_dir)  # started by an older launcher: its contract first
    if on_trial:
        code = older_launchers.before_serving(data_dir, on_trial, options.mode)
        if code is not None:
            return code
    app = _office_app(options, START_BACKGROUND_JOBS=True,
                      SERVED_AS={"host": options.host, "port": options.port})  # for "Pasang mulai otomatis"
    watch_errors(app, running_version())  # each 5xx into health's errors_since, its kind into the report
    if on_trial and older_launchers.launcher_writes_verdict(on_trial):
        app.wsgi_app = older_launchers.UntilVerdict(app.wsgi_app, data_dir, on_trial["version"])
    # The LAN is served over TLS only (issue 84): the PC itself keeps plain HTTP on loopback.
    lan = options.host not in LOOPBACK_HOSTS
    server = _listening(app, "127.0.0.1" if lan else options.host, options.port, options.threads)
    if server is None:
        return 3  # launcher.PORT_BUSY
    listener = _lan_listening(app, options.host, options.lan_port, options.threads) if lan else None
    if lan and listener is None:
        return 3
    with app.extensions["database"].connection_context():
        password = ensure_admin()
    if password:
        print(first_start_banner(password, app.config["MODE"]))
    program = app.extensions["program"]
    # after the first pages: on a slow PC the morning's backup and the sync probe delayed them (issue 73)
    after_the_first_pages(app, lambda: start_jobs(app, program.jobs()))
    launcher.note_serving(app.config["DATA_DIR"], running_version())  # the launcher's sign that this version came up
    if on_trial and not older_launchers.verdict_before_the_first_request(data_dir, on_trial):
        return 1  # another version was selected meanwhile: its launcher starts that one
    if listener is not None:
        listener.open_doors(server.effective_port)  # http://NAME:8080 from the LAN: the trust page, not the app
        listener.start()
        where = listener.state.names[0] if listener.state.names else listener.state.addresses[0]
        print(f"{program.title} berjalan di http://127.0.0.1:{server.effective_port}/ (PC ini) dan "
              f"https://{where}:{listener.port}/ (PC lain di jaringan kantor; percayai kantor dahulu: "
              f"Panduan Admin Kantor)  (data: {app.config['DATA_DIR']})", flush=True)
    else:
        print(f"{program.title} berjalan di http://{options.host}:{server.effective_port}/  "
              f"(data: {app.config['DATA_DIR']})", flush=True)
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0


def cmd_demo(options) -> int:
    from app import demo
    from app.frame.config import load_config

    if load_config(data_config(options))["MODE"] == "desa":
        print("Data demo hanya untuk kantor kecamatan; folder ini milik PC desa. Pilih folder lain dengan --data.",
              file=sys.stderr)
        return 1
    app = _office_app(options)
    with app.app_context(), app.extensions["database"].connection_context():
        accounts = demo.fill(options)
    print(f"Data demo diisi di {app.config['DATABASE_PATH']}")
    for username, password in accounts.items():
        print(f"  {username:8} {password}")
    return 0


def cmd_backup(options) -> int:
    from datetime import datetime

    from app.backups.engine import BackupError, backup_database
    from app.frame.config import load_config

    config = load_config(data_config(options))
    target = Path(options.to) if options.to else config["BACKUP_DIR"] / f"manual-{datetime.now():%Y%m%d-%H%M%S}.sqlite3"
    try:
        made = backup_database(config["DATABASE_PATH"], target)
    except BackupError as problem:
        print(problem, file=sys.stderr)
        return 1
    print(f"Cadangan dibuat: {made}")
    return 0


def cmd_restore(options) -> int:
    from app.backups.engine import BackupError, restore_database
    from app.frame.config import load_config

    config = load_config(data_config(options))
    try:
        safety = restore_database(Path(options.source), config["DATABASE_PATH"], config["BACKUP_DIR"],
                                  recovery_key=options.recovery_key, keep=config["BACKUP_KEEP"], mode=config["MODE"])
    except BackupError as problem:
        print(f"Pemulihan ditolak: {problem}", file=sys.stderr)
        return 1
    _office_app(options)  # brings the schema up to date and records the restore in its trail
    print(f"Data dipulihkan dari {options.source}.")
    if safety:
        print(f"Data sebelumnya disimpan di {safety}.")
    return 0


def cmd_reset_admin(options) -> int:
    from app.auth.accounts import reset_password
    from app.auth.models import User
    from app.frame.config import load_config

    config = load_config(data_config(options))
    if not config["DATABASE_PATH"].exists():  # a mistyped --data: say so, never start an empty database there
        print(f"Belum ada basis data di {config['DATA_DIR']}: periksa --data, atau jalankan aplikasi sekali dahulu.",
              file=sys.stderr)
        return 1
    app = _office_app(options)
    with app.app_context(), app.extensions["database"].connection_context():
        user = User.get_or_none(User.username == options.username)
        if user is None:
            other = (config["DATA_DIR"] / "desa.sqlite3").exists() and config["MODE"] != "desa"
            print(f"Akun {options.username} tidak ditemukan."
                  + (" Folder ini juga berisi basis data PC desa (desa.sqlite3): untuk akun PC desa, "
                     f"jalankan: run.py reset-password {options.username} --mode desa" if other else ""), file=sys.stderr)
            return 1
        password = reset_password(user)
    print(f"Kata sandi sementara untuk {options.username}: {password}")
    return 0


def add_mode_option(parser, help_text: str) -> None:
    parser.add_argument("--mode", choices=("kecamatan", "desa"), help=help_text)


def add_serve(commands, add_data_option) -> None:
    serve = commands.add_parser("serve", help="serve the office app on waitress (default)")
    add_data_option(serve)
    serve.add_argument("--host", default=DEFAULT_HOST)
    serve.add_argument("--port", type=int, default=DEFAULT_PORT)
    serve.add_argument("--threads", type=int, default=8)
    serve.add_argument("--lan-port", type=int, default=DEFAULT_LAN_PORT,
                       help="the LAN's TLS port when --host is not loopback (this PC keeps http://127.0.0.1:PORT)")
    add_mode_option(serve, "desa: the village office's own PC (only the desa pages, its own database); "
                           "default LOKET_MODE, else the folder's own (desa.sqlite3 alone: desa), else kecamatan")
    serve.set_defaults(handler=cmd_serve)


def add_demo(commands, add_data_option) -> None:
    from app import demo
    from app.programs.kecamatan import PROGRAM

    fill = commands.add_parser("demo", help="fill a database with demo data for Kecamatan Yosowilangun")
    add_data_option(fill)
    demo.add_arguments(fill, PROGRAM)
    fill.set_defaults(handler=cmd_demo)


def add_backup(commands, add_data_option) -> None:
    backup = commands.add_parser("backup", help="online, consistent backup of the database")
    add_data_option(backup)
    backup.add_argument("--to", metavar="FILE", help="backup file (default: DATA/backups/manual-<time>.sqlite3)")
    backup.set_defaults(handler=cmd_backup)


def add_restore(commands, add_data_option) -> None:
    restore = commands.add_parser("restore", help="restore a checked backup (stop the app first)")
    add_data_option(restore)
    restore.add_argument("--from", dest="source", metavar="FILE", required=True)
    restore.add_argument("--kunci-pemulihan", dest="recovery_key", metavar="KUNCI",
                         help="the office's printed recovery key (needed on a new PC)")
    restore.set_defaults(handler=cmd_restore)


def add_reset_password(commands, add_data_option) -> None:
    reset = commands.add_parser("reset-password", help="give an account a new one-time password")
    add_data_option(reset)
    reset.add_argument("username", nargs="?", default="admin")
    add_mode_option(reset, "which database of the folder (default: LOKET_MODE, else the folder's own)")
    reset.set_defaults(handler=cmd_reset_admin)




def cmd_check_server(options) -> int:
    """`run.py check-server`: this version as a candidate (issue 69). It migrates the COPY of an office's
    database, makes one throwaway account per role on it, serves it on 127.0.0.1 (a free port) with no
    background job (no sync, no backup, no nightly update), writes the ready file the trusted program
    waits for and serves until it is stopped. `--lan-host ADDRESS`: the LAN's TLS listener served there
    too (a free port), as `serve --host ADDRESS` serves the counters, its port and CA in the ready file:
    the release build walks it as a counter (issue 88 finding 7). The verdict is never this command's:
    the program that started it walks it over HTTP (sync/release/candidate_walk.py)."""
    import json

    from app.updates import walk
    from app.updates.versions import running_version
    _stop_with_parent()
    app = _office_app(options, DATABASE_PATH=Path(options.database))
    accounts = walk.throwaway_accounts(app)
    server = _listening(app, "127.0.0.1", 0, 4)
    if server is None:
        return 3
    said = {"port": int(server.effective_port), "version": running_version(), "accounts": accounts}
    if options.lan_host:
        listener = _lan_listening(app, options.lan_host, 0, 4)
        if listener is None:
            return 3
        listener.start()
        said.update(lan_port=int(listener.port), lan_ca=listener.ca["cert"])
    ready = Path(options.ready_file)
    written = ready.with_name(ready.name + ".baru")
    written.write_text(json.dumps(said), "utf-8")
    os.replace(written, ready)  # whole or absent: the walk never reads half of it
    try:
        server.run()
    except KeyboardInterrupt:
        pass
    return 0


LIFELINE = 0  # the candidate's stdin: candidate_walk.start's pipe


def _stop_with_parent():
    """A candidate serves only while the program that walks it lives: it runs in a process group of its
    own, so a launcher stopped by the service manager (or a test's power cut) does not take it along.
    Today's walker gives it a pipe as stdin (candidate_walk.WALKER_PIPE_ENV): the system closes the
    walker's end when the walker ends, however it ends, and the candidate stops at once. A walker of 0.3.1
    or before (an older launcher's trial of this version) gives none: its pid is asked every second."""
    import threading
    import time

    from app.updates import launcher
    from sync.release.candidate_walk import WALKER_PIPE_ENV, on_windows
    parent = os.getppid()
    lifeline = os.environ.pop(WALKER_PIPE_ENV, None) == "stdin"

    def watch():
        if lifeline:
            try:
                while os.read(LIFELINE, 4096):  # the walker never writes: b"" is its end closed
                    pass
            except OSError:
                pass
            os._exit(0)
        # Windows keeps a dead parent's pid as the process's parent (and gives the pid to another program
        # later): asked whether it runs
        while launcher._alive(parent) if on_windows() else os.getppid() == parent:
            time.sleep(1)
        os._exit(0)
    watching = threading.Thread(target=watch, name="loket-check-parent", daemon=True)
    watching.start()
    return watching


def add_check_server(commands, add_data_option) -> None:
    check = _on_a_copy(commands, add_data_option, "check-server", "serve this version on a copy of a database for the "
                       "trusted program's walk (an update's check)", "serves", cmd_check_server)
    check.add_argument("--ready-file", metavar="FILE", required=True, help="written (port, version, accounts) once it serves")
    check.add_argument("--lan-host", metavar="ADDRESS", help="also serve the LAN's TLS listener on this address (a free "
                       "port), as `serve --host` does; its port and CA go into the ready file")


def _on_a_copy(commands, add_data_option, name: str, help: str, verb: str, handler):
    """A command of an update's check, run on a copy of the office's database beside it."""
    command = commands.add_parser(name, help=help)
    add_data_option(command)
    command.add_argument("--database", metavar="FILE", required=True, help="the copy of the live database, beside it")
    add_mode_option(command, f"which program {verb} the copy (default: the folder's own)")
    command.set_defaults(handler=handler)
    return command


def cmd_update_check(options) -> int:
    """`run.py update-check`: this program walks its own `check-server` over a copy of an office's
    database (sync/release/candidate_walk.py, as an update is walked): every role's pages and the links on them,
    none may answer 5xx. The last line names the version and how many pages were opened."""
    from app.frame.config import load_config
    from app.updates import walk
    from app.updates.versions import running_version
    from sync.release import candidate_walk
    config = load_config(data_config(options))
    env = dict(os.environ)
    env.pop("PYTHONPATH", None)
    verdict = walk.walk_version(RUN_PY, config["DATA_DIR"], Path(options.database), config["MODE"], CHECK_SECONDS, env)
    if verdict.interrupted:
        print(f"Pemeriksaan versi {running_version()} terputus: {verdict.interrupted}", file=sys.stderr, flush=True)
        return 2
    if not verdict.passed:
        print(f"Versi {running_version()} gagal diperiksa ({verdict.pages} halaman dibuka): halaman bermasalah "
              f"{candidate_walk.summary(verdict)}", flush=True)
        return 1
    print(f"Pemeriksaan berhasil: versi {running_version()} siap ({verdict.pages} halaman diperiksa)")
    return 0


RUN_PY = Path(__file__).resolve().parents[2] / "run.py"
CHECK_SECONDS = 900


def add_update_check(commands, add_data_option) -> None:
    _on_a_copy(commands, add_data_option, "update-check", "walk every role's pages of this version on a copy of the "
               "database, over HTTP (as an update is checked)", "checks", cmd_update_check)
