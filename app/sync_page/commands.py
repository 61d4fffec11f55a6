"""`run.py sync ...` and `run.py center ...`."""
import argparse
import sys
from pathlib import Path


def _kecamatan_app(options):
    from app import create_app
    config = {"DATA_DIR": Path(options.data)} if getattr(options, "data", None) else {}
    if getattr(options, "mode", None):  # a desa PC: its own desa.sqlite3 and its link to the center's relay
        config["MODE"] = options.mode
    return create_app(config)


def cmd_sync(options) -> int:
    from app.frame import store
    from sync.client import engine, link
    from sync.usb import BatchFileError

    app = _kecamatan_app(options)
    with app.app_context(), app.extensions["database"].connection_context():
        action = getattr(options, "sync_action", None)
        desa_pc = app.config["MODE"] == "desa"
        if desa_pc and (action == "enrol" or engine.current_link() is None):
            # `sync enrol` is the kecamatan's enrolment: on a desa PC it would enrol it as a counter.
            print("Komputer desa ini didaftarkan oleh admin desa di halaman Operator Desa, dengan alamat pusat "
                  "dan kode pendaftaran dari kecamatan.", file=sys.stderr)
            return 2
        if action == "enrol":
            from app.sync_page.enrolment import EnrolmentError, enrol_this_pc
            code = options.kecamatan or store.get("kecamatan_code")
            if not code:
                print("Kode kecamatan belum diisi (Penyiapan Kantor di peramban, atau --kecamatan).", file=sys.stderr)
                return 2
            try:
                made = enrol_this_pc(options.center, options.code, code, app.config["DEVICE_ID"])
            except EnrolmentError as problem:
                print(f"Pendaftaran gagal: {problem}", file=sys.stderr)
                return 1
            print(f"Terdaftar di {made.center_url} sebagai {made.key_id}.")
            return 0
        if engine.current_link() is None:
            print("Komputer ini belum terdaftar: jalankan `run.py sync enrol --center URL --code KODE`.",
                  file=sys.stderr)
            return 2
        if action == "export":
            files, count = link.export_batches(Path(options.to))
            print(f"{count} permohonan ditulis ke {len(files)} berkas di {options.to}:")
            for name, _ in files:
                print(f"  {name}")
            return 0
        if action == "import-status":
            try:
                applied = link.import_status_file(Path(options.file).read_bytes())
            except BatchFileError as problem:
                print(problem, file=sys.stderr)
                return 1
            print(f"{applied} status baru diterapkan.")
            return 0
        report = engine.sync_once(full=options.full)
        print(f"terkirim {report.sent}, sudah ada {report.already}, konflik {report.conflicts}, "
              f"ditolak {report.rejected}, gagal {report.failed}, status {report.statuses}")
        if report.error:
            print(f"Terhenti: {report.error}", file=sys.stderr)
            return 1
        return 0


def cmd_center(options) -> int:
    try:
        from sync.center.accounts import ensure_center_admin
        from sync.center.app import create_center_app, start_center_jobs
        from sync.center.server import center_server
    except ModuleNotFoundError as missing:  # the office install leaves the center's extra out
        print(f"Paket pusat belum terpasang ({missing.name}). Pasang dengan: pip install -e '.[center]'",
              file=sys.stderr)
        return 1

    config = {}
    if options.data:
        config["DATA_DIR"] = Path(options.data)
    if options.database_url:
        config["DATABASE_URL"] = options.database_url
    app = create_center_app(config)
    with app.extensions["center_database"].connection_context():
        password = ensure_center_admin()
        if options.demo:  # Kinerja Kecamatan figures for every kecamatan of Lumajang (sync/center/demo.py)
            from sync.center import demo
            print(f"Data demo kinerja: {demo.fill()} laporan disimpan")
    if password:
        print("\n=== Pusat pertama kali dijalankan: akun admin dibuat ===")
        print(f"  nama pengguna : admin\n  kata sandi    : {password}   (sekali pakai)\n")
    where = options.database_url.split("@")[-1] if options.database_url else app.config["DATABASE_PATH"]
    start_center_jobs(app)  # prunes used nonces every minute
    print(f"Pusat cetak berjalan di http://{options.host}:{options.port}/  (data: {where})", flush=True)
    # cheroot, not waitress: it streams request bodies to the app (sync/center/server.py). The body
    # limit is above Flask's, so an oversize body gets the app's Indonesian 413, not cheroot's English one.
    server = center_server(app, options.host, options.port, options.threads, 4 * app.config["MAX_CONTENT_LENGTH"])
    try:
        server.start()
    except KeyboardInterrupt:
        server.stop()
    return 0


def add_commands(subparsers, add_data_option) -> None:
    sync = subparsers.add_parser("sync", help="one sync pass with the regency center (or enrol, USB files)")
    add_data_option(sync)
    sync.add_argument("--full", action="store_true", help="also retry items whose retry delay has not passed")
    sync.add_argument("--mode", choices=("kecamatan", "desa"), help="desa: a desa PC's pass (run.py serve --mode desa)")
    sync.set_defaults(handler=cmd_sync, sync_action=None)
    actions = sync.add_subparsers(dest="sync_action", metavar="ACTION")
    enrol = actions.add_parser("enrol", help="enrol this PC with the center's one-time code")
    enrol.add_argument("--center", required=True, metavar="URL")
    enrol.add_argument("--code", required=True)
    enrol.add_argument("--kecamatan", help="Kemendagri code (default: from Pengaturan Kantor)")
    add_data_option(enrol)
    export = actions.add_parser("export", help="write the pending batch as numbered files into a folder (USB stick)")
    export.add_argument("--to", required=True, metavar="FOLDER")
    add_data_option(export)
    status = actions.add_parser("import-status", help="apply a status file brought from the center")
    add_data_option(status)
    status.add_argument("file")

    center = subparsers.add_parser("center", help="serve the regency printing center (its own app)")
    center.add_argument("--data", metavar="DIR", default=argparse.SUPPRESS, help="center data folder (SQLite database, secret key)")
    center.add_argument("--database-url", metavar="URL", help="postgresql://user@host/db instead of SQLite")
    center.add_argument("--host", default="127.0.0.1")
    center.add_argument("--port", type=int, default=8090)
    center.add_argument("--threads", type=int, default=8)
    center.add_argument("--demo", action="store_true", help="fill Kinerja Kecamatan with demo reports first")
    center.set_defaults(handler=cmd_center)
