"""`run.py center`: the regency printing center's only command (sync/center/program.py)."""
import argparse
import re
import sys
from pathlib import Path

from app.frame.serving import port_busy_message


def _missing_extra(package: str, version_info) -> str:
    """The one line for a center whose extra is not installed: on a Python it has no wheels for, that Python."""
    from loket_python import CENTER_NEWEST, CENTER_SUPPORTED
    if tuple(version_info[:2]) > CENTER_NEWEST:
        return (f"Pusat cetak berjalan di Python {CENTER_SUPPORTED[0]} sampai {CENTER_SUPPORTED[-1]} (paket "
                f"{package} belum tersedia untuk Python {version_info[0]}.{version_info[1]}): pasang pusat dengan "
                f"Python {CENTER_SUPPORTED[-1]}, lalu pip install -e '.[center]'.")
    return f"Paket pusat belum terpasang ({package}). Pasang dengan: pip install -e '.[center]'"


def cmd_center(options) -> int:
    try:
        from sync.center.accounts import ensure_center_admin
        from sync.center.app import create_center_app, start_center_jobs
        from sync.center.server import center_server
    except ModuleNotFoundError as missing:  # the office install leaves the center's extra out
        print(_missing_extra(missing.name, sys.version_info), file=sys.stderr)
        return 1

    config = {}
    if getattr(options, "data", None):
        config["DATA_DIR"] = Path(options.data)
    if options.database_url:
        config["DATABASE_URL"] = options.database_url
    app = create_center_app(config)
    with app.extensions["center_database"].connection_context():
        password = ensure_center_admin()
        from sync.center.records import read_rules
        read_rules()
        if options.demo:  # Kinerja Kecamatan figures for every kecamatan of Lumajang (sync/center/demo.py)
            from sync.center import demo
            print(f"Data demo kinerja: {demo.fill()} laporan disimpan")
    if password:
        print("\n=== Pusat pertama kali dijalankan: akun admin dibuat ===")
        print(f"  nama pengguna : admin\n  kata sandi    : {password}   (sekali pakai)\n")
    from sync.center.db import without_password
    url = app.config["DATABASE_URL"]  # given, or the one the data folder records
    where = without_password(url) if url else app.config["DATABASE_PATH"]
    # cheroot, not waitress: it streams request bodies to the app (sync/center/server.py). The body
    # limit is above Flask's, so an oversize body gets the app's Indonesian 413, not cheroot's English one.
    server = center_server(app, options.host, options.port, options.threads, 4 * app.config["MAX_CONTENT_LENGTH"])
    try:  # cheroot binds here: the address is printed once it listens, a busy port is one Indonesian line
        server.prepare()
    except OSError as problem:
        # cheroot folds the bind's errno into its message; 100xx are the Winsock numbers
        if not re.search(r"\[(Errno|WinError) (98|13|10048|10013)\]", str(problem)):
            raise
        print(port_busy_message(options.host, options.port, "pusat cetak"), file=sys.stderr)
        return 3
    start_center_jobs(app)  # prunes used nonces every minute
    print(f"Pusat cetak berjalan di http://{options.host}:{server.bind_addr[1]}/  (data: {where})", flush=True)
    try:
        server.serve()
    except KeyboardInterrupt:
        server.stop()
    return 0


def add_commands(subparsers, add_data_option) -> None:
    center = subparsers.add_parser("center", help="serve the regency printing center (its own app)")
    center.add_argument("--data", metavar="DIR", default=argparse.SUPPRESS, help="center data folder (SQLite database, secret key)")
    center.add_argument("--database-url", metavar="URL", help="postgresql://user@host/db instead of SQLite")
    center.add_argument("--host", default="127.0.0.1")
    center.add_argument("--port", type=int, default=8090)
    center.add_argument("--threads", type=int, default=8)
    center.add_argument("--demo", action="store_true", help="fill Kinerja Kecamatan with demo reports first")
    center.set_defaults(handler=cmd_center)
