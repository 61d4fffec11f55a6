"""`run.py release build` and `release sign` (issue 60, findings 4 and 8; issue 69 finding 2): the
project's release wheel, its version and notes read from the wheel itself, the wheels every
supported Python on Windows and Linux needs gathered, installed into a fresh venv, the pages of both
programs walked there, and only the files checked signed afterwards, by a step that runs none of
them. A release whose pages break after sign-in is refused before anything is signed; versions go
only up, and are PEP 440 (the key folder's log is read when signing: tests/updates/
test_release_keys_apart.py)."""
import json
import os
import subprocess
import sys
import tomllib
import zipfile
from pathlib import Path

import pytest

import run
from sync.release import candidate_build, dependency_lock, key_signing, release_wheel
from tests.support.built_once import wheel_at
from tests.support.ports import free_port
from tests.sync.harness import ROOT
from tests.updates.test_wheel_contents import build_release_wheel

THIS_PYTHON = f"{sys.version_info[0]}.{sys.version_info[1]}"


def made_wheel(folder: Path, version: str, notes: str | None = "Perbaikan halaman loket.",
               requires: tuple = ("flask==3.1.3", "lepton-jpeg-python==0.5.8; python_version < '3.15'"),
               name: str | None = None, lock: str | None = None) -> Path:
    """A small wheel of this project's name with METADATA, release notes and, when given, its office lock
    (never installed)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / (name or f"loket_kecamatan-{version}-py3-none-any.whl")
    metadata = "Metadata-Version: 2.4\nName: loket-kecamatan\nVersion: %s\n%s\n" % (
        version, "".join(f"Requires-Dist: {r}\n" for r in requires))
    with zipfile.ZipFile(path, "w") as wheel:
        wheel.writestr(f"loket_kecamatan-{version}.dist-info/METADATA", metadata)
        if notes is not None:
            wheel.writestr(release_wheel.NOTES_FILE, f"# Catatan rilis\n\n## {version}\n\n{notes}\n\n## 0.0.1\n\nLama.\n")
        if lock is not None:
            wheel.writestr(dependency_lock.OFFICE_LOCK, lock)
    return path


def locked(*names: str, markers: bool = True) -> str:
    """The lines of the project's office lock for these packages (their versions, files' sha256 and who
    asks for them), with their markers or (markers=False) for every target."""
    text = ""
    for pin in dependency_lock.read(ROOT / dependency_lock.OFFICE_LOCK):
        if pin.name in names:
            marker = f" ; {pin.marker}" if markers and pin.marker else ""
            text += (f"{pin.name}=={pin.version}{marker} " + " ".join(f"--hash={h}" for h in pin.hashes) + "\n"
                     + "".join(f"    # via {parent}\n" for parent in pin.parents))
    return text


@pytest.fixture
def keys(tmp_path) -> Path:
    return key_signing.create_keys(tmp_path / "flashdisk" / "kunci-rilis")


def test_version_notes_and_requirements_come_from_the_wheel(tmp_path):
    wheel = made_wheel(tmp_path, "0.3.0", "Slip baru.\nPengaduan per desa.")
    read = release_wheel.read_app_wheel(wheel)
    assert (read.version, read.notes) == ("0.3.0", "Slip baru.\nPengaduan per desa.")
    assert read.requires == ["flask==3.1.3", "lepton-jpeg-python==0.5.8; python_version < '3.15'"]


@pytest.mark.parametrize("wheel_of, refusal", [
    (lambda folder: made_wheel(folder, "0.3.0", notes=None), "tidak membawa catatan rilis untuk versi 0.3.0"),
    (lambda folder: made_wheel(folder, "0.3.0", name="loket_kecamatan-0.4.0-py3-none-any.whl"),
     "tidak cocok dengan versi di dalamnya"),
    (lambda folder: made_wheel(folder, "tiga"), "tidak sah"),
    (lambda folder: made_wheel(folder, "0.3.0", name="flask-3.1.3-py3-none-any.whl"), "bukan wheel rilis"),
])
def test_a_wheel_that_says_itself_badly_is_refused_in_indonesian(tmp_path, wheel_of, refusal):
    with pytest.raises(key_signing.ReleaseError, match=refusal):
        release_wheel.read_app_wheel(wheel_of(tmp_path))


def test_the_version_in_pyproject_has_its_release_notes():
    """The one version number, raised for each release, comes with its notes for the office admins."""
    version = tomllib.loads((ROOT / "pyproject.toml").read_text())["project"]["version"]
    key_signing.release_version(version)
    notes = (ROOT / release_wheel.NOTES_FILE).read_text("utf-8")
    assert release_wheel.release_notes(notes, version), f"catatan-rilis.md has no section ## {version}"


@pytest.mark.slow
def test_a_dependency_without_a_wheel_for_a_target_is_named_and_nothing_is_signed(tmp_path):
    """Against PyPI: lepton-jpeg-python has no wheel for Python 3.15 (pyproject and the lock leave it out
    there)."""
    app = release_wheel.read_app_wheel(made_wheel(
        tmp_path, "0.3.0", requires=("lepton-jpeg-python==0.5.8", "packaging==26.4"),
        lock=locked("lepton-jpeg-python", "packaging", markers=False)))
    with pytest.raises(key_signing.ReleaseError) as refused:
        candidate_build.gather(app, ["3.14", "3.15"], ["win_amd64"], tmp_path / "wheel", say=lambda line: None)
    assert "- Python 3.15 di Windows 64-bit: tidak ada wheel lepton-jpeg-python==0.5.8 di PyPI" in str(refused.value)
    assert "3.14" not in str(refused.value)


@pytest.mark.slow
def test_a_laptop_without_a_link_to_pypi_is_told_so(tmp_path, monkeypatch):
    """pip asks an index where nothing listens (this machine's pip settings set aside)."""
    for name in ("PIP_FIND_LINKS", "PIP_EXTRA_INDEX_URL"):
        monkeypatch.delenv(name, raising=False)
    monkeypatch.setenv("PIP_CONFIG_FILE", os.devnull)
    monkeypatch.setenv("PIP_INDEX_URL", f"http://127.0.0.1:{free_port()}/simple")
    monkeypatch.setenv("PIP_NO_CACHE_DIR", "1")
    app = release_wheel.read_app_wheel(made_wheel(tmp_path, "0.3.0", requires=("packaging==26.4",),
                                                  lock=locked("packaging")))
    with pytest.raises(key_signing.ReleaseError, match="Tidak tersambung ke PyPI"):
        candidate_build.gather(app, ["3.13"], ["win_amd64"], tmp_path / "wheel", say=lambda line: None)


def test_markers_are_read_for_each_target_not_for_the_python_running_pip():
    requires = ["lepton-jpeg-python==0.5.8; python_version < '3.15'", "colorama; platform_system == 'Windows'",
                "jeepney>=0.4.2; sys_platform == 'linux'", "pytest; extra == 'test'"]
    names = {(python, platform): [r.name for r in candidate_build.applicable(
        requires, release_wheel.target_environment(python, platform))]
        for python in ("3.14", "3.15") for platform in release_wheel.PLATFORMS}
    assert names[("3.14", "win_amd64")] == ["lepton-jpeg-python", "colorama"]
    assert names[("3.15", "win_amd64")] == ["colorama"]
    assert names[("3.14", "manylinux_x86_64")] == ["lepton-jpeg-python", "jeepney"]
    assert names[("3.15", "manylinux_x86_64")] == ["jeepney"]


def test_a_version_that_is_not_pep_440_is_not_signed(tmp_path, keys):
    wheel = made_wheel(tmp_path / "wheels", "0.3.0")
    with pytest.raises(key_signing.ReleaseError, match="tidak sah"):
        key_signing.sign_release(keys, "10.0/../../../KORBAN", "Palsu", [wheel], tmp_path / "paket")
    assert not (tmp_path / "paket").exists() and not list((keys / "metadata").glob("*.targets.json"))


def test_versions_signed_from_a_key_folder_only_go_up(tmp_path, keys, capsys):
    first = made_wheel(tmp_path / "a", "0.3.0")
    key_signing.sign_release(keys, "0.3.0", "Satu", [first], tmp_path / "paket-a")
    for version, wheel in (("0.2.9", made_wheel(tmp_path / "b", "0.2.9")),
                           ("0.3.0", made_wheel(tmp_path / "c", "0.3.0", notes="Isi lain"))):
        assert run.main(["release", "sign", "--keys", str(keys), "--version", version, "--notes", "x",
                         "--wheels", str(wheel.parent), "--bundle", str(tmp_path / f"paket-{version}")]) == 1
        assert "tidak lebih baru dari versi 0.3.0" in capsys.readouterr().err
        assert not (tmp_path / f"paket-{version}").exists()
    key_signing.sign_release(keys, "0.3.0", "Satu lagi", [first], tmp_path / "paket-hilang")  # the same wheel again
    key_signing.sign_release(keys, "0.3.1", "Dua", [made_wheel(tmp_path / "d", "0.3.1")], tmp_path / "paket-d")
    assert [r["version"] for r in key_signing.signed_releases(keys)] == ["0.3.0", "0.3.0", "0.3.1"]


def test_release_sign_carries_the_app_wheels_requirements(tmp_path, keys):
    wheel = made_wheel(tmp_path / "wheels", "0.3.0")
    assert run.main(["release", "sign", "--keys", str(keys), "--version", "0.3.0", "--notes", "Slip baru.",
                     "--wheels", str(wheel.parent), "--bundle", str(tmp_path / "paket")]) == 0
    release = json.loads((tmp_path / "paket" / "targets" / "release.json").read_text())
    assert release["requires"] == release_wheel.read_app_wheel(wheel).requires


def build_here(wheel: Path, keys: Path, bundle: Path, *more: str) -> int:
    """`release build` narrowed to the Python running the tests on Linux (CI's), against PyPI, with no
    key folder; then, when it passed, `release sign` of what it checked with the key folder."""
    checked = bundle.parent / "laptop" / "diperiksa"  # not beside the key stick's folder: build refuses that
    with pytest.MonkeyPatch.context() as patch:  # the admin's home: the key search walks it, not this machine's
        patch.setenv("PIP_CACHE_DIR", os.environ.get("PIP_CACHE_DIR") or str(Path.home() / ".cache" / "pip"))
        patch.setenv("HOME", str(bundle.parent / "laptop" / "rumah-admin"))
        done = run.main(["release", "build", str(wheel), "--checked", str(checked), "--python", THIS_PYTHON,
                         "--platform", "manylinux_x86_64", *more])
    return done or run.main(["release", "sign", str(checked), "--wheel-rilis", str(wheel), "--keys", str(keys),
                             "--bundle", str(bundle)])


def desa_backup(folder: Path, backup: Path) -> str:
    """A desa PC's data folder and a backup of it (as its admin makes one); its recovery key."""
    from app import create_app
    from app.frame.keystore import KeyStore
    create_app({"DATA_DIR": folder, "SECRET_KEY": "desa-secret", "TESTING": True, "MODE": "desa"})  # its first start
    done = subprocess.run([sys.executable, str(ROOT / "run.py"), "backup", "--data", str(folder), "--to", str(backup)],
                          capture_output=True, text=True)
    assert done.returncode == 0, done.stdout[-2000:] + done.stderr[-2000:]
    return KeyStore(folder).recovery_key()


@pytest.mark.soak
def test_the_projects_wheel_is_gathered_installed_walked_and_signed(tmp_path, keys, capsys, monkeypatch):
    wheel = build_release_wheel(tmp_path)
    bundle, backup = tmp_path / "rilis", tmp_path / "flashdisk-cadangan" / "cadangan-desa.sqlite3"
    key = desa_backup(tmp_path / "desa", backup)
    # As the docs' admin types it: names relative to the folder the command window is in (the build
    # installs from its own work folder: a relative wheel was looked for there).
    monkeypatch.chdir(tmp_path)
    relative = [Path(path).relative_to(tmp_path) for path in (wheel, bundle, backup)]
    assert build_here(*relative[:1], keys, relative[1], "--data-copy", str(relative[2]), "--kunci-pemulihan", key) == 0, \
        capsys.readouterr()
    said = capsys.readouterr().out
    assert "memeriksa program kecamatan pada data demo" in said and "memeriksa program desa pada data demo" in said
    assert "memeriksa program desa pada salinan data cadangan-desa.sqlite3" in said  # restored as what it is
    assert "release sign" in said and "release publish" in said
    app = release_wheel.read_app_wheel(wheel)
    release = json.loads((bundle / "targets" / "release.json").read_text())
    assert (release["version"], release["notes"], release["requires"]) == (app.version, app.notes, app.requires)
    names = {Path(name).name.split("-")[0].lower() for name in release["wheels"]}
    assert {"loket_kecamatan", "flask", "werkzeug", "cryptography", "cffi"} <= names  # cffi: cryptography's own
    assert list(release["closure"]) == [f"{THIS_PYTHON}-manylinux_x86_64"]  # what such a PC installs, all of it
    closure = release["closure"][f"{THIS_PYTHON}-manylinux_x86_64"]
    assert sorted(closure) == sorted(release["wheels"])
    assert [r["version"] for r in key_signing.signed_releases(keys)] == [app.version]


def with_a_broken_register_page(work: Path) -> Path:
    """This tree's release wheel in which a page only a signed-in clerk opens (the register, /pendaftaran)
    answers 500."""
    wheel = build_release_wheel(work / "proyek")
    return wheel_at(wheel, wheel.name.split("-")[1], work / "rusak", {
        "templates/registration/register.html": lambda page: b"{{ kerusakan_yang_ditanam() }}\n" + page})


@pytest.mark.soak
def test_a_release_whose_page_after_sign_in_breaks_is_refused_before_signing(tmp_path, keys, capsys):
    wheel = with_a_broken_register_page(tmp_path)
    bundle = tmp_path / "rilis"
    assert build_here(wheel, keys, bundle) == 1
    refusal = capsys.readouterr().err
    assert "GAGAL diperiksa (memeriksa program kecamatan pada data demo)" in refusal and "/pendaftaran" in refusal
    assert "tidak ditandatangani" in refusal
    assert not bundle.exists()
    assert not list((keys / "metadata").glob("*.targets.json")) and key_signing.signed_releases(keys) == []
