"""The walk that decides whether a version may serve (issue 60, finding 4; issue 69: over HTTP, by the
trusted program): every role's menu pages and the links on them over a copy of the data. The health check before it
opened only the sign-in page, so a release whose wheel lacked the Kemendagri region list (8 office
and 2 desa pages answered 500 after sign-in) passed it and was kept by every PC."""
from pathlib import Path

import pytest

import run
from app.frame.db import connect

pytestmark = pytest.mark.slow  # run.py demo and walks of some 200 pages: ~40 s


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
    assert not list(folder.glob("pembaruan-uji-kedua*"))


@pytest.fixture(scope="module")
def without_region_list(tmp_path_factory):
    """A version built as docs/operations.md once said: app/frame/data/wilayah-kemendagri-2025.csv missing."""
    from tests.updates.candidates import candidate_tree
    return candidate_tree(tmp_path_factory.mktemp("tanpa-wilayah"), plant="no-regions") / "run.py"


def walked(program: Path, folder: Path, database: str, mode: str):
    import os

    from app.updates import walk
    return walk.walk_version(program, folder, folder / database, mode, 300, dict(os.environ), version="0.3.0")


def test_a_version_whose_pages_after_sign_in_fail_is_refused_naming_them(demo_folder, without_region_list):
    from sync.release.candidate_walk import summary
    verdict = walked(without_region_list, demo_folder, "loket.sqlite3", "kecamatan")
    assert not verdict.passed and not verdict.interrupted
    assert {"/pendaftaran", "/pendaftaran/baru"} <= set(verdict.failed_urls()), summary(verdict)
    assert not any(url.startswith("/masuk") for url in verdict.failed_urls())  # the sign-in itself answers


def test_a_desa_pc_version_without_the_region_list_is_refused(desa_folder, without_region_list):
    verdict = walked(without_region_list, desa_folder, "desa.sqlite3", "desa")
    assert not verdict.passed and "/desa" in verdict.failed_urls(), verdict


def test_the_walk_opens_each_roles_menu_and_the_links_on_it_within_its_budget(demo_folder, monkeypatch):
    import os

    from app.updates import walk
    from sync.release import candidate_walk
    opened = []
    real_get = candidate_walk._get

    def spy(session, url, verdict, deadline):
        opened.append(url.split("/", 3)[-1])
        return real_get(session, url, verdict, deadline)

    monkeypatch.setattr(candidate_walk, "_get", spy)
    verdict = walk.walk_version(walk.Path(run.__file__), demo_folder, demo_folder / "loket.sqlite3", "kecamatan", 300,
                                dict(os.environ), max_requests=60)
    assert verdict.passed and verdict.pages <= 60 + 1, verdict  # a redirect's second request may pass it by one
    assert {"admin/pembaruan", "pendaftaran", "ikm"} <= set(opened)  # admin, counter, desk
    assert not any(url.startswith(("keluar", "static/")) for url in opened)


def test_the_walk_runs_on_a_copy_the_live_data_gets_none_of_its_accounts(demo_folder):
    import os

    from app.auth.models import User
    from app.programs.office_app import create_app
    from app.updates import walk
    live = create_app({"DATA_DIR": demo_folder})
    with live.app_context(), live.extensions["database"].connection_context():
        accounts = User.select().count()
    verdict = walk.walk_version(walk.Path(run.__file__), demo_folder, demo_folder / "loket.sqlite3", "kecamatan", 300,
                                dict(os.environ))
    assert verdict.passed and verdict.pages >= 150
    with live.app_context(), live.extensions["database"].connection_context():
        assert User.select().count() == accounts
        assert not User.select().where(User.username.startswith("pemeriksa-pembaruan-")).exists()
    assert not list(demo_folder.glob("pembaruan-uji*")) and not list((demo_folder / "pembaruan").glob("uji-*"))
