"""The regency's releases at the center: the TUF repository (sync/releases.py) served to enrolled PCs
over the signed link, the admin's page listing what was published, `run.py release ...` for the
admin's key folder and for the server, and the daily re-signing of the timestamp.

The repository lives in DATA/pembaruan/repo; the online key (snapshot and timestamp) in
DATA/pembaruan/online.pem. The root and targets keys never come here (docs/operations.md)."""
import argparse
import logging
import re
import sys
from pathlib import Path

from flask import current_app, render_template, request

from app.frame.dates import format_datetime
from app.frame.request_cycle import int_arg
from sync.center.routes import api_blueprint, error_answer, page_blueprint
from sync.releases import UPDATE_CHUNK_BYTES

log = logging.getLogger(__name__)
UPDATES_FOLDER = "pembaruan"
ONLINE_KEY = "online.pem"
MAX_NAME_CHARS = 420
MAX_OFFSET = 2 ** 40  # far above any wheel
REPOSITORY_NAME = re.compile(r"^(metadata|targets)/[A-Za-z0-9][A-Za-z0-9._-]{0,200}(/[A-Za-z0-9][A-Za-z0-9._-]{0,200})?$")


def repository_of(data_dir: Path) -> Path:
    return Path(data_dir) / UPDATES_FOLDER / "repo"


def online_key_of(data_dir: Path) -> Path:
    return Path(data_dir) / UPDATES_FOLDER / ONLINE_KEY


@api_blueprint.get("/v1/updates")
def repository_file():
    """One file of the release repository (`name`), from byte `from` on (at most UPDATE_CHUNK_BYTES): a
    PC resumes a wheel where a broken link left it. The answer is signed like every other one."""
    name = request.args.get("name", "")[:MAX_NAME_CHARS]
    start = int_arg(request.args, "from", 0, highest=MAX_OFFSET)
    if not REPOSITORY_NAME.match(name) or ".." in name or start is None:
        return error_answer(400, "bad_name", "nama berkas pembaruan tidak sah")
    path = repository_of(current_app.config["DATA_DIR"]) / name
    if not path.is_file():
        return error_answer(404, "not_found", "berkas pembaruan tidak ada di pusat")
    with open(path, "rb") as file:
        file.seek(start)
        content = file.read(UPDATE_CHUNK_BYTES)
    response = current_app.response_class(content, mimetype="application/octet-stream")
    response.headers["X-Total-Length"] = str(path.stat().st_size)
    return response


@page_blueprint.get("/admin/rilis")
def releases():
    from sync import releases as repository
    data_dir = current_app.config["DATA_DIR"]
    published = repository.published_releases(repository_of(data_dir))
    return render_template("center/releases.html", releases=published,
                           online_key=online_key_of(data_dir).exists(), format_datetime=format_datetime)


def refresh_timestamp(app) -> None:
    """Background job: the timestamp is re-signed daily, so a PC never finds it expired between releases."""
    from sync import releases as repository
    data_dir = app.config["DATA_DIR"]
    key = online_key_of(data_dir)
    if key.exists() and (repository_of(data_dir) / "metadata" / "timestamp.json").exists():
        repository.sign_timestamp(repository_of(data_dir), repository.load_signer(key))


# --- run.py release ---------------------------------------------------------------------------

def cmd_release(options) -> int:
    from sync import releases as repository
    try:
        if options.action == "keys":
            folder = repository.create_keys(Path(options.keys))
            print(f"Kunci rilis dibuat di {folder}. Simpan folder ini di flashdisk yang dikunci; salin hanya "
                  f"{repository.KEY_FILES['online']} ke server pusat (run.py release install-online-key).")
        elif options.action == "sign":
            wheels = sorted(Path(options.wheels).glob("*.whl"))
            bundle = repository.sign_release(Path(options.keys), options.version, options.notes or "", wheels,
                                             Path(options.bundle))
            print(f"Paket rilis {options.version} ditandatangani: {bundle} ({len(wheels)} wheel).")
        elif options.action == "install-online-key":
            source = Path(options.keys) / repository.KEY_FILES["online"]
            repository.load_signer(source)  # a readable key, before it replaces anything
            from app.frame.private_files import private_dir, write_private
            target = online_key_of(_data_dir(options))
            private_dir(target.parent)
            write_private(target, source.read_text("ascii"))
            print(f"Kunci online dipasang di {target}.")
        else:  # publish
            data_dir = _data_dir(options)
            release = repository.publish(Path(options.bundle), repository_of(data_dir), online_key_of(data_dir))
            print(f"Rilis {release['version']} terbit: kantor kecamatan dan desa menerimanya pada sinkronisasi berikutnya.")
    except repository.ReleaseError as problem:
        print(problem, file=sys.stderr)
        return 1
    return 0


def _data_dir(options) -> Path:
    from sync.center.db import center_data_dir
    return center_data_dir(getattr(options, "data", None))


def add_commands(subparsers, add_data_option) -> None:
    parser = subparsers.add_parser("release", help="signed releases for the office PCs: keys, sign (admin's laptop), "
                                                   "install-online-key, publish (center server)")
    parser.add_argument("action", choices=["keys", "sign", "install-online-key", "publish"])
    parser.add_argument("--data", metavar="DIR", default=argparse.SUPPRESS, help="center data folder")
    parser.add_argument("--keys", metavar="DIR", help="the release key folder (on the admin's USB stick)")
    parser.add_argument("--version", help="the release's version, e.g. 0.2.0")
    parser.add_argument("--notes", help="what changed, in Indonesian, for the office admins")
    parser.add_argument("--wheels", metavar="DIR", help="folder of the release's wheels")
    parser.add_argument("--bundle", metavar="DIR", help="the signed release folder (written by sign, read by publish)")
    parser.set_defaults(handler=cmd_release)
