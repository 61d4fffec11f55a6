"""`release publish` on a center whose database is PostgreSQL (issue 88, finding 3): typed as the regency
admin's guide says (no database option, no LOKET_CENTER_DATABASE_URL), it reached a new empty center.sqlite3
in the data folder, found no pilot, published to every PC and audited there. The data folder now records the
database its center was started on (never the password): the guide's own line reaches it, and a folder whose
database is unknown or unreachable is refused in one sentence naming what to add, nothing created."""
import os
import shlex
import subprocess
import sys
from pathlib import Path

import psycopg
import pytest

import run
from sync.release import key_signing
from sync.center.release_commands import repository_of
from tests.guide.test_guide_commands import INTERPRETERS
from tests.updates.helpers import fake_wheel
from tests.updates.test_guide_journey_windows_laptop import guide_line, guide_message
from tests.updates.test_rings import Rollout, app_wheel, offered

ROOT = Path(__file__).resolve().parents[2]
PASSWORD = "rahasia-basis-data-77"  # in the URL the center was started with; the test cluster trusts any


def with_password(url: str) -> str:
    scheme, rest = url.split("://", 1)
    user, host = rest.split("@", 1)
    return f"{scheme}://{user}:{PASSWORD}@{host}"


def shell_env() -> dict:
    """The admin's shell at the center's server: no database setting of the center's service."""
    return {name: value for name, value in os.environ.items() if not name.startswith("LOKET_CENTER_")}


def signed_bundle(keys: Path, version: str, folder: Path) -> Path:
    """The signed release folder, copied into the center's Loket folder as the guide says."""
    wheels = folder.parent / f"wheels-{version}"
    for name in app_wheel(version):
        fake_wheel(wheels, name)
    bundle = folder / f"rilis-{version}"
    assert run.main(["release", "sign", "--keys", str(keys), "--version", version, "--notes", "Rilis uji.",
                     "--wheels", str(wheels), "--bundle", str(bundle)]) == 0
    return bundle


def audited(url: str) -> list[tuple]:
    with psycopg.connect(url) as connection:
        return connection.execute("SELECT username, entity_id, summary FROM center_audit WHERE action = 'terbit' "
                                  "ORDER BY id").fetchall()


@pytest.mark.slow  # a center process on PostgreSQL, two office apps, a publish process: some seconds
def test_the_guides_publish_line_reaches_the_postgresql_center_and_its_pilot_only(tmp_path, pg_url, monkeypatch):
    from tests.support.center_postgres import fresh_center_database
    fresh_center_database(pg_url)
    monkeypatch.delenv("LOKET_CENTER_DATABASE_URL", raising=False)
    rollout = Rollout(tmp_path, database_url=with_password(pg_url))  # `run.py center --database-url URL`
    try:
        assert "menjadi komputer uji" in rollout.make_pilot(True).text
        guide = rollout.page("/bantuan/admin-kabupaten")  # the admin reads it at the center
        loket = tmp_path / "server" / "Loket"  # the center's Loket folder, the signed release copied in
        signed_bundle(rollout.keys, "9.1.0", loket)

        line = guide_line(guide, "terbitkan", INTERPRETERS, "release publish")
        line = (line.replace("0.2.0", "9.1.0").replace("'<folder data pusat>'", shlex.quote(str(rollout.center_dir)))
                .replace(INTERPRETERS["linux"], f"{shlex.quote(sys.executable)} {shlex.quote(str(ROOT / 'run.py'))} ", 1))
        typed = subprocess.run(["/bin/bash", "-c", line], cwd=loket, env=shell_env(), capture_output=True, text=True,
                               timeout=300)
        said = " ".join((typed.stdout + typed.stderr).split())
        assert typed.returncode == 0, said
        assert guide_message(guide, "terbitkan", "Rilis … terbit untuk … komputer uji").search(said), said
        assert "Rilis 9.1.0 terbit untuk 1 komputer uji" in said and "semua komputer (belum" not in said

        rollout.sync(), rollout.sync_pilot()
        assert offered(rollout.pilot_dir) == ("9.1.0", None)
        assert offered(rollout.office_dir) == (None, None)  # the others wait for "Terbitkan untuk semua komputer"
        assert key_signing.ring_releases(rollout.repository())["semua"] == 0
        assert audited(pg_url) == [("run.py release publish", "9.1.0",
                                    "Rilis 9.1.0 (targets versi 1) terbit untuk 1 komputer uji")]
        assert not (rollout.center_dir / "center.sqlite3").exists()
        # The folder knows its database, never its password: no file of the data folder holds it.
        kept = [path for path in rollout.center_dir.rglob("*") if path.is_file() and PASSWORD.encode() in path.read_bytes()]
        assert kept == []
        # Started again without the URL (a reboot, a start typed by hand), the center is the same one.
        from sync.center.app import create_center_app
        again = create_center_app({"DATA_DIR": rollout.center_dir})
        assert again.config["DATABASE_URL"] == pg_url
        again.extensions["center_database"].close_all()
        assert not (rollout.center_dir / "center.sqlite3").exists()
    finally:
        rollout.stop()


def refused(folder: Path, bundle: Path, capsys, *more: str) -> str:
    """`release publish` on `folder` as the guide types it: refused, one sentence, nothing published or created."""
    capsys.readouterr()  # what the steps before said
    assert run.main(["release", "publish", "--data", str(folder), "--bundle", str(bundle), *more]) == 2
    said = capsys.readouterr()
    assert said.out == "" and said.err.count("\n") == 1, said
    assert not (folder / "center.sqlite3").exists()
    assert not repository_of(folder).exists()
    return said.err


def test_a_folder_whose_database_is_unknown_or_unreachable_is_refused_naming_what_to_add(tmp_path, pg_url, monkeypatch,
                                                                                          capsys):
    from sync.center.app import create_center_app
    from tests.support.center_postgres import fresh_center_database
    fresh_center_database(pg_url)
    monkeypatch.delenv("LOKET_CENTER_DATABASE_URL", raising=False)
    keys, root = tmp_path / "flashdisk" / "kunci-rilis", tmp_path / "flashdisk-root" / "kunci-root"
    assert run.main(["release", "keys", "--keys", str(keys), "--root", str(root)]) == 0
    bundle = signed_bundle(keys, "9.1.0", tmp_path / "Loket")

    # A PostgreSQL center's folder from before the update (its center not started since): it records nothing.
    unknown = tmp_path / "pusat-lama"
    create_center_app({"DATA_DIR": unknown, "DATABASE_URL": pg_url}).extensions["center_database"].close_all()
    (unknown / "basis-data-pusat.json").unlink()
    assert run.main(["release", "install-online-key", "--data", str(unknown), "--keys", str(keys)]) == 0
    said = refused(unknown, bundle, capsys)
    assert f"Folder data {unknown} tidak mencatat basis data pusat" in said
    assert 'tambahkan alamat basis data pusat, misalnya --database-url "postgresql://' in said
    # Its center started by hand without the URL: refused the same way, no new empty center beside the real one.
    assert run.main(["center", "--data", str(unknown), "--port", "0"]) == 2
    assert f"Folder data {unknown} tidak mencatat basis data pusat" in capsys.readouterr().err
    assert not (unknown / "center.sqlite3").exists()
    # A mistyped folder, where no center ever ran, is refused too.
    said = refused(tmp_path / "pusat-salah-ketik", bundle, capsys)
    assert f"Folder data {tmp_path / 'pusat-salah-ketik'} tidak mencatat basis data pusat" in said

    # A folder whose center ran on a database that is gone: refused naming the URL to add, the password's place shown.
    gone = "loket_publish_gone"
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE IF EXISTS {gone}")
        connection.execute(f"CREATE DATABASE {gone}")
    gone_url = pg_url.rsplit("/", 1)[0] + "/" + gone
    moved = tmp_path / "pusat"
    center = create_center_app({"DATA_DIR": moved, "DATABASE_URL": with_password(gone_url)})
    center.extensions["center_database"].close_all()
    with psycopg.connect(pg_url, autocommit=True) as connection:
        connection.execute(f"DROP DATABASE {gone}")
    assert run.main(["release", "install-online-key", "--data", str(moved), "--keys", str(keys)]) == 0
    said = refused(moved, bundle, capsys)
    assert f"Basis data pusat {gone_url} tidak dapat dibuka" in said and PASSWORD not in said
    user_at = gone_url.split("://", 1)[1].split("@", 1)
    assert f'--database-url "postgresql://{user_at[0]}:<kata sandi>@{user_at[1]}"' in said

    # A URL typed for another database than the one the folder records: refused, naming both.
    said = refused(moved, bundle, capsys, "--database-url", pg_url)
    assert f"({pg_url}, dari --database-url atau LOKET_CENTER_DATABASE_URL) bukan basis data pusat" in said
    assert f"({gone_url})" in said


def test_what_the_folder_keeps_of_a_url_holds_no_password():
    from sync.center.db import without_password
    assert without_password("postgresql://loket:rahasia@db.kab:5433/pusat?sslmode=require&password=lagi") == \
        "postgresql://loket@db.kab:5433/pusat?sslmode=require"
    assert without_password("postgresql:///loket_center?host=/run/postgresql") == \
        "postgresql:///loket_center?host=/run/postgresql"  # the local socket, peer authentication: kept as typed
