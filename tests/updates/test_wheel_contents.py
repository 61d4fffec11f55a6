"""The release wheel as the project builds it (docs/operations.md, "The release wheel (the project)"),
issue 60 finding 4: the wheel lacked the Kemendagri region list (pyproject's package data omitted it),
editable installs read the source tree, so no test saw it, and an office updated to it answered 500
on 8 pages. Here the wheel is compared with what git holds of its packages, and installed and run
outside the source tree, as an office PC installs a release (pip --target, no PYTHONPATH)."""
import inspect
import os
import re
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

from tests.support.built_once import built_once, tree_key
from tests.sync.harness import ROOT

pytestmark = pytest.mark.slow
PACKAGED = ["app", "sync", "templates", "static", "schema", "run.py", "loket_python.py", "loket_install.py"]
# docs/operations.md, "The release wheel (the project)": in a clean checkout of the release's commit
BUILD = ["-m", "pip", "wheel", "--no-deps", "-w", "dist", "."]
REGION_LIST = "app/frame/data/wilayah-kemendagri-2025.csv"


def checkout_files(*paths: str) -> list[str]:
    """What a checkout of this tree holds (tracked files and new ones not ignored), under `paths`."""
    listed = subprocess.run(["git", "ls-files", "-co", "--exclude-standard", "--", *paths], cwd=ROOT,
                            capture_output=True, text=True, check=True).stdout.splitlines()
    return [name for name in listed if (ROOT / name).is_file()]


def build_release_wheel(work: Path, edit=None) -> Path:
    """This tree's release wheel, built in a clean copy of it exactly as the docs say; `edit(source)`
    changes the copy first (a planted defect). Built once per run for the same files and edit."""
    files = [name for name in checkout_files(".") if not name.startswith(("tests/", "bench/", "docs/"))]

    def build(folder: Path) -> Path:
        source = folder / "checkout"
        for name in files:
            (source / name).parent.mkdir(parents=True, exist_ok=True)
            (source / name).write_bytes((ROOT / name).read_bytes())
        if edit:
            edit(source)
        subprocess.run([sys.executable, *BUILD], cwd=source, check=True, capture_output=True)
        wheels = sorted((source / "dist").glob("loket_kecamatan-*.whl"))
        assert len(wheels) == 1, wheels
        return wheels[0]
    variant = "release:" + (inspect.getsource(edit) if edit else "")
    return built_once(tree_key(files, variant), work, build)


def missing_from(wheel: Path) -> list[str]:
    """The files git holds in the packaged folders that the wheel lacks."""
    with zipfile.ZipFile(wheel) as opened:
        inside = set(opened.namelist())
    return sorted(set(checkout_files(*PACKAGED)) - inside)


def without_region_list_in_package_data(source: Path) -> None:
    """pyproject's package data as it was before issue 60: nothing of app/frame/data."""
    project = source / "pyproject.toml"
    text, found = re.subn(r'^app = \["frame/data/\*"\]\n', "", project.read_text(), flags=re.M)
    assert found == 1
    project.write_text(text)


def outside_env() -> dict:
    """An office PC's process: no PYTHONPATH, no test settings, keys in files of its data folder."""
    env = {k: v for k, v in os.environ.items() if not k.startswith("LOKET_") and k != "PYTHONPATH"}
    return dict(env, PYTHON_KEYRING_BACKEND="keyring.backends.fail.Keyring")


def test_the_release_wheel_carries_every_file_its_packages_hold(tmp_path):
    wheel = build_release_wheel(tmp_path)
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    assert wheel.name == f"loket_kecamatan-{version}-py3-none-any.whl"
    assert missing_from(wheel) == []
    with zipfile.ZipFile(wheel) as opened:
        notes = opened.read("app/frame/data/catatan-rilis.md").decode()
    assert f"\n## {version}\n" in notes  # the release build refuses a wheel without its version's notes


def test_the_comparison_names_the_region_list_of_the_old_package_data(tmp_path):
    wheel = build_release_wheel(tmp_path, without_region_list_in_package_data)
    assert REGION_LIST in missing_from(wheel)


def test_the_wheel_installed_outside_the_source_tree_fills_demo_data_and_passes_its_walk(tmp_path):
    wheel = build_release_wheel(tmp_path)
    target, elsewhere = tmp_path / "geinstalleerd", tmp_path / "di-tempat-lain"
    elsewhere.mkdir()
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--no-compile", "-q",
                    "--target", str(target), str(wheel)], check=True, capture_output=True, env=outside_env())

    def run_py(*argv: str) -> subprocess.CompletedProcess:
        return subprocess.run([sys.executable, str(target / "run.py"), *argv], cwd=elsewhere, env=outside_env(),
                              capture_output=True, text=True, timeout=600)

    probe = subprocess.run([sys.executable, "-c", "import sys; sys.path.insert(0, sys.argv[1]); import run, "
                            "loket_python, app, sync; print(run.__file__, loket_python.__file__, app.__file__, "
                            "sync.__file__)", str(target)], cwd=elsewhere, env=outside_env(), capture_output=True,
                           text=True, check=True)
    assert all(Path(found).is_relative_to(target) for found in probe.stdout.split()), probe.stdout
    office, desa = tmp_path / "kecamatan", tmp_path / "desa"
    filled = run_py("demo", "--data", str(office), "--password", "demo-rahasia-12")
    assert filled.returncode == 0, filled.stderr[-3000:]
    for data, database, mode in ((office, "loket.sqlite3", "kecamatan"), (desa, "desa.sqlite3", "desa")):
        checked = run_py("update-check", "--data", str(data), "--database", str(data / database), "--mode", mode)
        assert checked.returncode == 0 and "siap" in checked.stdout, (mode, checked.stdout[-3000:],
                                                                      checked.stderr[-3000:])


def test_the_center_installed_from_the_wheel_describes_its_api(tmp_path):
    """README's `pip install .[center]` installs the wheel: its /api/openapi.json, which every kecamatan's
    enrolment asks first, answered 500 (the file lay in docs/, outside every package), so no PC could enrol:
    "Alamat ... menjawab, tetapi bukan pusat cetak Loket Kecamatan"."""
    wheel = build_release_wheel(tmp_path)
    target = tmp_path / "pusat"
    subprocess.run([sys.executable, "-m", "pip", "install", "--no-deps", "--no-index", "--no-compile", "-q",
                    "--target", str(target), str(wheel)], check=True, capture_output=True, env=outside_env())
    ask = ("import sys; sys.path.insert(0, sys.argv[1]); from sync.center.app import create_center_app; "
           "app = create_center_app({'DATA_DIR': sys.argv[2], 'SECRET_KEY': 'x', 'TESTING': True}); "
           "answer = app.test_client().get('/api/openapi.json'); print(answer.status_code, '/api/v1/enrol' in "
           "answer.get_json()['paths'])")
    asked = subprocess.run([sys.executable, "-c", ask, str(target), str(tmp_path / "data")], cwd=tmp_path,
                           env=outside_env(), capture_output=True, text=True, timeout=300)
    assert asked.stdout.split() == ["200", "True"], asked.stderr[-3000:]
