"""A version is selected only when every file pip installed is whole and on the disk (issue 60,
finding 5: pip's files were never synced; after a cut 253 .py files came back empty and the PC never
started again). A small real wheel, a real pip: each installed file is checked against the wheel's
RECORD and synced, with its folders, before the folder takes the version's name."""
import base64
import hashlib
import zipfile
from pathlib import Path

import pytest

from app.frame import private_files
from app.updates import installing, launcher
from app.updates.versions import UpdateRefused

pytestmark = pytest.mark.slow  # pip in its own process, twice: ~4 s


def small_wheel(folder: Path, version: str = "9.3.0") -> Path:
    """A wheel of a program with run.py and a package, as `pip wheel` makes one (RECORD included)."""
    name = f"loket_kecamatan-{version}"
    files = {"run.py": b"print('berjalan')\n", "kecil/__init__.py": b"", "kecil/halaman.py": b"HALAMAN = 1\n" * 40,
             f"{name}.dist-info/METADATA": f"Metadata-Version: 2.1\nName: loket-kecamatan\nVersion: {version}\n".encode(),
             f"{name}.dist-info/WHEEL": b"Wheel-Version: 1.0\nGenerator: uji\nRoot-Is-Purelib: true\nTag: py3-none-any\n"}
    rows = [f"{path},sha256={base64.urlsafe_b64encode(hashlib.sha256(data).digest()).rstrip(b'=').decode()},{len(data)}"
            for path, data in files.items()]
    files[f"{name}.dist-info/RECORD"] = ("\n".join(rows + [f"{name}.dist-info/RECORD,,"]) + "\n").encode()
    folder.mkdir(parents=True, exist_ok=True)
    wheel = folder / f"{name}-py3-none-any.whl"
    with zipfile.ZipFile(wheel, "w") as archive:
        for path, data in files.items():
            archive.writestr(path, data)
    return wheel


def test_every_installed_file_is_checked_and_synced_before_the_version_folder_takes_its_name(tmp_path, monkeypatch):
    wheel = small_wheel(tmp_path / "unduhan")
    root = tmp_path / "versions" / "9.3.0"
    synced = []
    real_sync = private_files.sync_file
    monkeypatch.setattr(private_files, "sync_file", lambda path: (synced.append(Path(path)), real_sync(path)))
    installing._install([wheel], [f"9.3.0/{wheel.name}"], root)
    assert (root / "run.py").read_bytes() == b"print('berjalan')\n"
    assert launcher.damaged_files(root) == []
    staged = {path.relative_to(tmp_path / "versions" / "9.3.0.sebagian" / "app") for path in synced}
    assert {Path("run.py"), Path("kecil/halaman.py"), Path("kecil/__init__.py")} <= staged  # synced before the rename
    assert not (tmp_path / "versions" / "9.3.0.sebagian").exists()


def test_an_install_whose_files_are_not_as_the_wheel_says_is_refused_and_leaves_no_version(tmp_path, monkeypatch):
    wheel = small_wheel(tmp_path / "unduhan")
    root = tmp_path / "versions" / "9.3.0"
    real_run = installing._run

    def pip_then_a_lost_file(command, seconds):
        done = real_run(command, seconds)
        target = Path(command[command.index("--target") + 1])
        (target / "kecil" / "halaman.py").write_bytes(b"")  # what a cut leaves of a file the disk never got
        return done

    monkeypatch.setattr(installing, "_run", pip_then_a_lost_file)
    with pytest.raises(UpdateRefused, match="tidak utuh"):
        installing._install([wheel], [f"9.3.0/{wheel.name}"], root)
    assert not root.exists() and not (tmp_path / "versions" / "9.3.0.sebagian").exists()
