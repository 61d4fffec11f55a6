"""The walk that decides whether a version may serve (issue 60, finding 4): `run.py update-check` opens
every role's menu pages and the links on them over a copy of the data. The health check before it
opened only the sign-in page, so a release whose wheel lacked the Kemendagri region list (8 office
and 2 desa pages answered 500 after sign-in) passed it and was kept by every PC."""
from pathlib import Path

import pytest

import run
from app.frame import places, regions
from app.frame.db import connect

pytestmark = pytest.mark.slow  # run.py demo and a walk of some 170 pages: ~10 s


def copy_of(database: Path) -> Path:
    """What installing.py checks: a copy beside the live database (the same key opens it)."""
    copy = database.with_name("pembaruan-uji.sqlite3")
    source, target = connect(database, readonly=True), connect(copy)
    with target.backup("main", source, "main") as step:
        step.step(-1)
    target.close()
    source.close()
    return copy


@pytest.fixture(scope="module")
def demo_folder(tmp_path_factory):
    folder = tmp_path_factory.mktemp("demo")
    assert run.main(["demo", "--data", str(folder), "--password", "demo-rahasia-123"]) == 0
    return folder


@pytest.fixture(scope="module")
def desa_folder(tmp_path_factory):
    from app import create_app
    folder = tmp_path_factory.mktemp("desa-pc")
    create_app({"DATA_DIR": folder, "MODE": "desa"})
    return folder


@pytest.fixture
def without_region_list(monkeypatch):
    """The wheel built as docs/operations.md said: app/frame/data/wilayah-kemendagri-2025.csv missing."""
    caches = (regions._table, regions._name_of, regions._children_index, places._desa_of, places._desa_names_of)
    monkeypatch.setattr(regions, "REGION_FILE", regions.REGION_FILE.with_name("tidak-ada.csv"))
    for cache in caches:
        cache.cache_clear()
    yield
    monkeypatch.undo()
    for cache in caches:
        cache.cache_clear()


def update_check(folder: Path, database: str, mode: str, capsys) -> tuple[int, str]:
    code = run.main(["update-check", "--data", str(folder), "--database", str(copy_of(folder / database)),
                     "--mode", mode])
    printed = capsys.readouterr()
    return code, printed.out + printed.err


@pytest.mark.parametrize("database, mode", [("loket.sqlite3", "kecamatan"), ("desa.sqlite3", "desa")])
def test_this_tree_passes_the_walk(demo_folder, desa_folder, database, mode, capsys):
    folder = demo_folder if mode == "kecamatan" else desa_folder
    code, out = update_check(folder, database, mode, capsys)
    assert code == 0, out
    last = out.strip().splitlines()[-1]
    assert last.startswith("Pemeriksaan berhasil: versi ") and " siap (" in last and "halaman diperiksa)" in last
    pages = int(last.rsplit("(", 1)[1].split()[0])
    assert pages >= (150 if mode == "kecamatan" else 10)


def test_a_version_whose_pages_after_sign_in_fail_is_refused_naming_them(demo_folder, without_region_list, capsys):
    code, out = update_check(demo_folder, "loket.sqlite3", "kecamatan", capsys)
    assert code == 1
    assert "gagal diperiksa" in out and "/pendaftaran (HTTP 500)" in out and "/pendaftaran/baru (HTTP 500)" in out
    assert "/masuk" not in out  # the sign-in page itself answers: only a walk behind it finds this


def test_a_desa_pc_version_without_the_region_list_is_refused(desa_folder, without_region_list, capsys):
    code, out = update_check(desa_folder, "desa.sqlite3", "desa", capsys)
    assert code == 1 and "/desa (HTTP 500)" in out, out


def test_the_walk_opens_each_roles_menu_and_the_links_on_it_within_its_budget(demo_folder):
    from app.programs.office_app import create_app
    from app.updates import walk
    app = create_app({"DATA_DIR": demo_folder, "DATABASE_PATH": copy_of(demo_folder / "loket.sqlite3")})
    opened = []
    real_open = walk._open

    def spy(client, url, result, max_requests):
        opened.append(url)
        return real_open(client, url, result, max_requests)

    walk._open = spy
    try:
        result = walk.walk(app, max_requests=60)
    finally:
        walk._open = real_open
    assert result.passed and result.pages <= 60
    assert "/admin/pembaruan" in opened and "/pendaftaran" in opened and "/ikm" in opened  # admin, counter, desk
    assert not any(url.startswith(("/keluar", "/static/")) for url in opened)


def test_a_version_on_trial_walks_a_copy_of_the_live_data_before_it_serves_and_writes_its_own_verdict(
        demo_folder, monkeypatch):
    """The new version's child on trial (app/programs/office_commands.trial_walk): its own code walks a
    fresh copy of the live database it migrated; the live data gets none of the walk's accounts, the
    models point at the live database after, and the verdict and health are kept before it serves."""
    from types import SimpleNamespace

    from app.auth.models import User
    from app.programs.office_app import create_app
    from app.programs.office_commands import trial_walk
    from app.updates import launcher
    from app.updates.state import read_selection, read_state, write_selection
    from app.updates.versions import running_version
    version = running_version()
    write_selection(demo_folder, {"version": version, "root": str(demo_folder / "versions" / version), "state": "uji",
                                  "backup": "cadangan.sqlite3", "attempts": 1, "previous": None})
    monkeypatch.setenv(launcher.CHILD_ENV, version)
    live = create_app({"DATA_DIR": demo_folder})
    with live.app_context(), live.extensions["database"].connection_context():
        accounts = User.select().count()
    trial = launcher.on_trial(demo_folder)
    assert trial and trial["version"] == version
    options = SimpleNamespace(data=str(demo_folder), mode="kecamatan")
    assert trial_walk(options, live, trial)
    assert read_selection(demo_folder)["state"] == "baik"
    health = read_state(demo_folder)["health"]
    assert (health["version"], health["walk"], health["failed"], health["errors_since"]) == (version, "lulus", [], 0)
    assert health["pages"] >= 150 and health["at"]
    with live.app_context(), live.extensions["database"].connection_context():
        assert User.select().count() == accounts  # the walk's throwaway accounts stayed in its copy
        assert not User.select().where(User.username.startswith("pemeriksa-pembaruan-")).exists()
    assert not list(demo_folder.glob("pembaruan-uji*"))
    write_selection(demo_folder, None)


def test_a_version_on_trial_whose_walk_meets_a_500_gives_no_verdict(demo_folder, without_region_list, monkeypatch):
    from types import SimpleNamespace

    from app.programs.office_app import create_app
    from app.programs.office_commands import trial_walk
    from app.updates import launcher
    from app.updates.state import read_selection, read_state, write_selection
    from app.updates.versions import running_version
    version = running_version()
    write_selection(demo_folder, {"version": version, "root": str(demo_folder / "versions" / version), "state": "uji",
                                  "backup": "cadangan.sqlite3", "attempts": 1, "previous": None})
    monkeypatch.setenv(launcher.CHILD_ENV, version)
    live = create_app({"DATA_DIR": demo_folder})
    assert not trial_walk(SimpleNamespace(data=str(demo_folder), mode="kecamatan"), live, launcher.on_trial(demo_folder))
    assert read_selection(demo_folder)["state"] == "uji"  # the launcher takes it back
    health = read_state(demo_folder)["health"]
    assert health["walk"] == "gagal" and "/pendaftaran" in health["failed"] and len(health["failed"]) <= 20
    assert "/pendaftaran" in launcher._why(demo_folder, launcher.WALK_FAILED)
    write_selection(demo_folder, None)
