"""The supported Pythons (loket_python.py): any other gets one Indonesian sentence from the install
(the build backend, build_backend.py) and from `run.py`, before pip's or Python's own error.

Only one Python is on this machine, so the other versions are faked: sys.version_info replaced
before the check runs, or the supported range of a copy of the project moved past this Python."""
import os
import re
import shutil
import subprocess
import sys
from pathlib import Path

import pytest

import loket_python

ROOT = Path(__file__).resolve().parents[2]
FAKE_310 = 'import sys; sys.version_info = (3, 10, 12, "final", 0); '


def test_every_python_of_the_range_is_supported_and_its_neighbours_are_not():
    assert loket_python.SUPPORTED == ["3.11", "3.12", "3.13", "3.14", "3.15"]
    for minor in range(11, 16):
        assert loket_python.unsupported((3, minor, 0, "final", 0)) is None
    for version in [(3, 10, 12), (3, 9, 0), (3, 16, 0), (2, 7, 18)]:
        sentence = loket_python.unsupported(version)
        assert f"bukan di Python {version[0]}.{version[1]} " in sentence
        assert "Python 3.11 sampai 3.15" in sentence and "python.org" in sentence
        assert "\n" not in sentence and sentence.count(". ") == 0  # one sentence


def _python(code: str) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, timeout=120)


def test_the_build_backend_refuses_an_unsupported_python_with_the_sentence_alone():
    refused = _python(FAKE_310 + "import build_backend")
    assert refused.returncode == 1
    assert refused.stderr.strip() == loket_python.unsupported((3, 10))
    built = _python("import build_backend; print(all(hasattr(build_backend, hook) for hook in "
                    "('build_wheel', 'build_editable', 'get_requires_for_build_editable', 'prepare_metadata_for_build_wheel')))")
    assert built.returncode == 0 and built.stdout.strip() == "True", built.stderr


def test_run_py_on_an_unsupported_python_says_the_sentence_and_nothing_else():
    refused = _python(FAKE_310 + "sys.argv = ['run.py', '--help']; import runpy; runpy.run_path('run.py', run_name='__main__')")
    assert refused.returncode == 1
    assert refused.stderr.strip() == loket_python.unsupported((3, 10)) and refused.stdout == ""


def _project_copy(tmp_path: Path, oldest: tuple[int, int]) -> Path:
    """The files pip reads to build the project's metadata, with the range starting at `oldest`."""
    copy = tmp_path / f"proyek-{oldest[1]}"
    copy.mkdir()
    for name in ("pyproject.toml", "build_backend.py", "run.py", "README.md"):
        shutil.copy(ROOT / name, copy / name)
    source = (ROOT / "loket_python.py").read_text()
    (copy / "loket_python.py").write_text(re.sub(r"OLDEST = \(3, \d+\)", f"OLDEST = {oldest}", source))
    return copy


def _pip_install(project: Path) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "pip", "install", "--dry-run", "--no-deps", "-e", str(project)],
                          capture_output=True, text=True, timeout=300)


@pytest.mark.windows_pass  # pip builds the metadata in a fresh environment: run once, in the Windows-like pass
def test_pip_on_an_unsupported_python_prints_the_sentence_before_its_error(tmp_path):
    this = sys.version_info[:2]
    refused = _pip_install(_project_copy(tmp_path, (this[0], this[1] + 1)))
    assert refused.returncode != 0
    output = refused.stdout + refused.stderr
    sentence = re.search(r"Loket Kecamatan berjalan di Python 3\.\d+ sampai 3\.\d+, bukan di Python (\S+) .*", output)
    assert sentence and sentence.group(1) == "%d.%d" % this and "Traceback" not in output, output
    assert output.index(sentence.group(0)) < output.rindex("error")  # before pip's own closing error
    accepted = _pip_install(_project_copy(tmp_path, this))
    assert accepted.returncode == 0, accepted.stdout + accepted.stderr
    assert "Would install loket-kecamatan" in accepted.stdout



def test_a_center_on_a_python_simplejpeg_has_no_wheel_for_names_the_centers_range():
    """The office runs on 3.15; the center's strict photo decoder has no 3.15 wheel yet, so its
    extra cannot be installed there: `run.py center` (sync/center/commands.py) says which Pythons
    the center runs on, and on a supported one how to install the extra."""
    from sync.center.commands import _missing_extra
    assert _missing_extra("simplejpeg", (3, 15, 0, "final", 0)) == (
        "Pusat cetak berjalan di Python 3.11 sampai 3.14 (paket simplejpeg belum tersedia untuk Python 3.15): "
        "pasang pusat dengan Python 3.14, lalu pip install -e '.[center]'.")
    assert _missing_extra("simplejpeg", (3, 14, 1)) == (
        "Paket pusat belum terpasang (simplejpeg). Pasang dengan: pip install -e '.[center]'")


def test_run_py_started_with_a_python_without_loket_says_which_python_to_use():
    """Issue 69 finding 6: `python run.py release keys` on a laptop installed as the README says (into
    .venv) ended in a traceback (No module named 'waitress'); it says which Python to use instead."""
    bare = subprocess.run([sys.executable, "-S", "run.py", "serve", "--port", "1"], cwd=ROOT,
                          capture_output=True, text=True, timeout=60)
    assert bare.returncode == 1 and bare.stdout == ""
    assert "Traceback" not in bare.stderr
    assert "belum berisi Loket Kecamatan" in bare.stderr and "run.py" in bare.stderr
    assert os.path.join(".venv", "bin", "python") in bare.stderr


def test_release_keys_typed_with_another_python_names_the_installs_own(tmp_path):
    """`release keys` is refused before anything of the install runs unless started with -I -S (issue 88);
    typed with a Python that is not the install's (a system python3), the line to type names the folder's
    own .venv Python, not the one typed (issue 69 finding 6)."""
    other = tmp_path / "lain"
    subprocess.run([sys.executable, "-m", "venv", "--without-pip", str(other)], check=True, timeout=120)
    typed = subprocess.run([str(other / "bin" / "python"), "run.py", "release", "keys", "--keys", "kunci"],
                           cwd=ROOT, capture_output=True, text=True, timeout=60)
    assert typed.returncode == 2 and "Traceback" not in typed.stderr, typed.stderr
    assert "Ketik:\n  " + os.path.join(".venv", "bin", "python") + " -I -S run.py release keys --keys kunci" \
        in typed.stderr, typed.stderr


def test_the_sentence_names_the_windows_python_on_windows(monkeypatch, tmp_path):
    monkeypatch.setattr(os, "name", "nt")
    sentence = loket_python.not_installed(tmp_path, find_spec=lambda name: None)
    assert "flask, peewee, waitress" in sentence and os.path.join(".venv", "Scripts", "python") in sentence
    assert loket_python.not_installed(tmp_path, find_spec=lambda name: object()) is None
