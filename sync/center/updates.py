"""The regency's releases at the center: the TUF repository (sync/releases.py) served to enrolled PCs
over the signed link, the admin's page listing what was published, `run.py release ...` for the
admin's key folder and for the server (sync/center/release_commands.py), and the daily
re-signing of the timestamp.

The repository lives in DATA/pembaruan/repo; the online key (snapshot and timestamp) in
DATA/pembaruan/online.pem. The root and targets keys never come here (docs/operations.md)."""
import logging
import re
from pathlib import Path

from flask import current_app, render_template, request

from app.frame.dates import format_datetime
from app.frame.request_cycle import int_arg
from sync.center.routes import api_blueprint, error_answer, page_blueprint
from sync.center.release_commands import online_key_of, repository_of
from sync.releases import UPDATE_CHUNK_BYTES

log = logging.getLogger(__name__)
MAX_NAME_CHARS = 420
MAX_OFFSET = 2 ** 40  # far above any wheel
REPOSITORY_NAME = re.compile(r"^(metadata|targets)/[A-Za-z0-9][A-Za-z0-9._-]{0,200}(/[A-Za-z0-9][A-Za-z0-9._-]{0,200})?$")


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
    newest_root = repository.newest_root(repository_of(data_dir))
    return render_template("center/releases.html", releases=published,
                           online_key=online_key_of(data_dir).exists(), format_datetime=format_datetime,
                           fingerprint=repository.root_fingerprint_of(newest_root) if newest_root else None)


_versions_seen: dict = {}  # the repository's metadata folder -> (its files' stats, versions)


def release_news(data_dir: Path) -> dict | None:
    """For every PC's probe (issue 45): the versions of the newest root and of the timestamp the
    repository holds ({"root": n, "timestamp": n}), None before anything is published. A PC whose
    last check ended with exactly these, nothing waiting, makes no update check in its pass
    (app/updates/sync_phase.py): a refresh would fetch the same two files again, two signed
    requests. Read again only when the folder or the timestamp changed (a release, the daily job)."""
    metadata = repository_of(data_dir) / "metadata"
    timestamp = metadata / "timestamp.json"
    try:
        stats = (metadata.stat().st_mtime_ns, timestamp.stat().st_mtime_ns)
    except OSError:
        return None
    seen = _versions_seen.get(metadata)
    if seen is None or seen[0] != stats:
        from sync import releases as repository
        seen = _versions_seen[metadata] = (stats, repository.repository_versions(repository_of(data_dir)))
    return seen[1]


def refresh_timestamp(app) -> None:
    """Background job: the timestamp is re-signed daily, so a PC never finds it expired between releases."""
    from sync import releases as repository
    data_dir = app.config["DATA_DIR"]
    key = online_key_of(data_dir)
    if key.exists() and (repository_of(data_dir) / "metadata" / "timestamp.json").exists():
        repository.sign_timestamp(repository_of(data_dir), repository.load_signer(key))
