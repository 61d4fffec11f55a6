"""`run.py update-check`: what an office PC runs with a newly installed version before switching to
it (app/updates/installing.py): the new code opens a copy of today's database, brings it to its
schema and answers its sign-in page. Its last line names the version it ran as."""
import argparse
import sys
from pathlib import Path


def cmd_update_check(options) -> int:
    from app.programs.office_commands import data_config
    from app.programs.office_app import create_app
    from app.updates.fetching import running_version
    config = dict(data_config(options), DATABASE_PATH=Path(options.database), TESTING=True)
    try:
        app = create_app(config)
        with app.test_client() as client:
            status = client.get("/masuk").status_code
    except Exception as problem:  # any failure of the new version is the answer this check exists for
        print(f"Versi {running_version()} gagal membuka salinan data: {type(problem).__name__}: {problem}",
              file=sys.stderr)
        return 1
    if status >= 500:
        print(f"Versi {running_version()}: halaman masuk menjawab HTTP {status}", file=sys.stderr)
        return 1
    print(f"Pemeriksaan berhasil: versi {running_version()} siap")
    return 0


def add_check(commands, add_data_option) -> None:
    check = commands.add_parser("update-check", help="check this version against a copy of the database (before an update's switch)")
    add_data_option(check)
    check.add_argument("--database", metavar="FILE", required=True, help="the copy of the live database, beside it")
    check.add_argument("--mode", choices=("kecamatan", "desa"), default=argparse.SUPPRESS)
    check.set_defaults(handler=cmd_update_check)
