"""`run.py sync ...` on an office PC: a pass with the center, and on the kecamatan the enrolment and USB
files (a desa PC is enrolled from its Operator Desa page)."""
import sys
from pathlib import Path


def _office_app(options):
    from app.programs.office_app import create_app
    from app.programs.office_commands import data_config
    return create_app(data_config(options))  # with --mode desa: its own desa.sqlite3 and its link to the relay


def cmd_sync(options) -> int:
    """The kecamatan's `run.py sync`: enrol, or with a link a pass, a USB export or a status import."""
    from app.frame import store
    from sync.client import engine

    app = _office_app(options)
    with app.app_context(), app.extensions["database"].connection_context():
        action = getattr(options, "sync_action", None)
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
        return _with_link(options, action)


def cmd_desa_sync(options) -> int:
    """The desa PC's `run.py sync`: its link is a desa's (forms to the center's relay, statuses back),
    enrolled by its admin on the Operator Desa page."""
    from sync.client import engine

    app = _office_app(options)
    with app.app_context(), app.extensions["database"].connection_context():
        action = getattr(options, "sync_action", None)
        if action == "enrol" or engine.current_link() is None:
            # `sync enrol` is the kecamatan's enrolment: on a desa PC it would enrol it as a counter.
            print("Komputer desa ini didaftarkan oleh admin desa di halaman Operator Desa, dengan alamat pusat "
                  "dan kode pendaftaran dari kecamatan.", file=sys.stderr)
            return 2
        return _with_link(options, action)


def _with_link(options, action) -> int:
    """A pass, a USB export or a status import on a PC with a link (inside the app's context)."""
    from sync.client import engine, usb_files
    from sync.usb import BatchFileError

    if action == "export":
        files, count = usb_files.export_batches(Path(options.to))
        print(f"{count} permohonan ditulis ke {len(files)} berkas di {options.to}:")
        for name, _ in files:
            print(f"  {name}")
        return 0
    if action == "import-status":
        try:
            applied = usb_files.import_status_file(Path(options.file).read_bytes())
        except BatchFileError as problem:
            print(problem, file=sys.stderr)
            return 1
        print(f"{applied} status baru diterapkan.")
        return 0
    report = engine.sync_once(full=options.full)
    print(report.summary())
    if report.error:
        print(f"Terhenti: {report.error}", file=sys.stderr)
        return 1
    return 0


def add_desa_sync(subparsers, add_data_option) -> None:
    """The desa PC's: the same words (a mistaken `sync enrol` gets the desa's answer), its own handler."""
    add_sync(subparsers, add_data_option)
    subparsers.choices["sync"].set_defaults(handler=cmd_desa_sync)


def add_sync(subparsers, add_data_option) -> None:
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
