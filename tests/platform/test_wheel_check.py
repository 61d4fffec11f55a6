"""scripts/check_wheels.py: a pin without a wheel for a supported Python is named on one line (it asks
PyPI, as the full run of scripts/test.sh does)."""
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
sys.path.insert(0, str(ROOT / "scripts"))
import check_wheels  # noqa: E402


@pytest.mark.slow  # asks PyPI (seconds from uv's cache): the full tier
def test_a_pin_without_a_wheel_for_one_python_fails_the_check_naming_python_platform_and_package():
    done = subprocess.run([sys.executable, "scripts/check_wheels.py", "--pin", "lepton-jpeg-python==0.5.8",
                           "--python", "3.14", "--python", "3.15", "--platform", "win_amd64"],
                          cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 1, done.stdout + done.stderr
    lines = done.stdout.splitlines()
    assert "ok        Python 3.14 win_amd64 (pins)" in lines
    failures = [line for line in lines if line.startswith("NO WHEEL")]
    assert len(failures) == 1, lines
    assert failures[0].startswith("NO WHEEL  Python 3.15 win_amd64 (pins): lepton-jpeg-python==0.5.8 -- Because ")
    assert lines[-1].startswith("2 installs checked, 1 without wheels, in ")


def test_the_failure_line_names_a_pin_written_with_its_marker():
    reason = ("  cause: Because lepton-jpeg-python{python_full_version < '3.15'}==0.5.8 has no wheels with a matching "
              "platform tag (e.g., `manylinux_2_28_x86_64`) and you require it, we can conclude ...")
    line = check_wheels.failure_line("office", "3.13", "manylinux_x86_64", reason)
    assert line.startswith("NO WHEEL  Python 3.13 manylinux_x86_64 (office): lepton-jpeg-python==0.5.8 -- Because ")


def test_every_supported_python_is_checked_for_the_office_and_the_center_where_it_runs():
    checked = check_wheels.installs()
    assert checked["office"][1:] == (["3.11", "3.12", "3.13", "3.14", "3.15"], ("win_amd64", "manylinux_x86_64"))
    assert checked["center"][1:] == (["3.11", "3.12", "3.13", "3.14"], ("manylinux_x86_64",))
    assert "simplejpeg==1.9.0" in checked["center"][0] and "simplejpeg==1.9.0" not in checked["office"][0]


def test_the_office_install_pins_a_lossless_photo_codec_for_every_python_the_check_resolves():
    """Issue 64: Lepton's wheels stop at 3.14, so the office install also pins the JPEG XL codec
    (sync/jpeg_transit.py) without a Python marker: the full run resolves its wheel for every
    supported Python, Windows and Linux, as for any office pin."""
    office, pythons, platforms = check_wheels.installs()["office"]
    assert [pin for pin in office if pin.startswith("imagecodecs")] == ["imagecodecs==2026.3.6"]
    assert [pin for pin in office if pin.startswith("lepton-jpeg-python")] == [
        "lepton-jpeg-python==0.5.8; python_version < '3.15'"]
    assert pythons[-1] == "3.15" and platforms == ("win_amd64", "manylinux_x86_64")


@pytest.mark.slow  # asks PyPI (seconds from uv's cache): the full tier
def test_the_jpeg_xl_codec_has_a_wheel_where_lepton_has_none():
    done = subprocess.run([sys.executable, "scripts/check_wheels.py", "--pin", "imagecodecs==2026.3.6",
                           "--pin", "numpy==2.5.5", "--python", "3.15", "--platform", "win_amd64",
                           "--platform", "manylinux_x86_64"], cwd=ROOT, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout + done.stderr
    assert "ok        Python 3.15 win_amd64 (pins)" in done.stdout.splitlines()
