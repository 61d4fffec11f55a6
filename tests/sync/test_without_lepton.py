"""An office PC (or a center) whose Python has no Lepton wheel, as on Python 3.15: the install
leaves that codec out (pyproject.toml). Such a PC sends JPEG XL (tests/sync/test_photo_codecs.py);
one with no codec at all sends its photos as their exact JPEG bytes, over the link and on a USB
stick; the center stores the very JPEG the counter took.

The PC without Lepton is a real `run.py` process whose `import lepton_jpeg_python` fails (a module
of that name that raises ImportError, first on its PYTHONPATH); without imagecodecs too, a
sitecustomize there marks that module absent."""
import hashlib
import os
import subprocess
import sys

import pytest

from tests.sync.harness import ROOT, CenterServer, Process, enrol_kecamatan, fill_kecamatan, kecamatan_app, prepare_center
from tests.sync.test_kills_restore_usb import _post_file


def no_lepton(tmp_path, jpeg_xl: bool = True) -> dict:
    """The environment of a Python on which lepton_jpeg_python cannot be imported (nor, without
    `jpeg_xl`, imagecodecs: a PC with no photo codec at all)."""
    blocker = tmp_path / ("ohne-lepton" if jpeg_xl else "ohne-kodek")
    blocker.mkdir(exist_ok=True)
    (blocker / "lepton_jpeg_python.py").write_text('raise ImportError("no wheel for this Python")\n')
    if not jpeg_xl:  # None in sys.modules: not found, as if never installed (jpeg_transit looks before importing)
        (blocker / "sitecustomize.py").write_text('import sys\nsys.modules["imagecodecs"] = None\n')
    return {"PYTHONPATH": str(blocker)}


def codecs_of_a_python_with(env: dict) -> str:
    """What sync/jpeg_transit.py offers in a Python with `env` (the premise of each test)."""
    return subprocess.run([sys.executable, "-c", "from sync import jpeg_transit; print(list(jpeg_transit.CODECS))"],
                          cwd=ROOT, env=dict(os.environ, **env), capture_output=True, text=True, check=True).stdout.strip()


def office_photos(kec_app) -> dict:
    from app.registration.models import Application, ApplicationPhoto
    with kec_app.app_context(), kec_app.extensions["database"].connection_context():
        return {a.registration_number: bytes(ApplicationPhoto.get(ApplicationPhoto.application == a).jpeg)
                for a in Application.select()}


def center_photos(center_app) -> dict:
    from sync.center.models import ReceivedApplication
    with center_app.app_context(), center_app.extensions["center_database"].connection_context():
        return {r.registration_number: (bytes(r.photo), r.photo_sha256) for r in ReceivedApplication.select()}


def exact(photos: dict) -> dict:
    return {number: (photo, hashlib.sha256(photo).hexdigest()) for number, photo in photos.items()}


@pytest.mark.windows_pass  # real office processes: run once, in the Windows-like pass (scripts/test.sh)
@pytest.mark.parametrize("office_has_lepton, center_has_lepton", [(False, True), (False, False), (True, False)],
                         ids=["office-without", "both-without", "center-without"])
def test_a_pc_without_lepton_syncs_photos_as_their_exact_jpeg_bytes(tmp_path, office_has_lepton, center_has_lepton):
    blocked = no_lepton(tmp_path, jpeg_xl=False)
    assert codecs_of_a_python_with(blocked) == "[]"
    if office_has_lepton or center_has_lepton:  # the other end: a Python with Lepton's wheel (3.11-3.14)
        pytest.importorskip("lepton_jpeg_python")
        assert codecs_of_a_python_with({}) == "['lepton-hz', 'lepton', 'jpegxl']"
    center_dir, office_dir = tmp_path / "center", tmp_path / "kecamatan"
    center_app, code = prepare_center(center_dir)
    center = CenterServer(center_dir, env=None if center_has_lepton else blocked).start()
    try:
        kec_app = kecamatan_app(office_dir)
        numbers = fill_kecamatan(kec_app, 5)
        enrol_kecamatan(kec_app, center.url, code)
        sync = Process(["sync", "--data", str(office_dir), "--full"], tmp_path / "sync.log",
                       env=None if office_has_lepton else blocked).start()
        assert sync.wait() == 0, (tmp_path / "sync.log").read_text(errors="replace")[-3000:]
    finally:
        center.stop()
    taken = office_photos(kec_app)
    assert sorted(taken) == sorted(numbers)
    assert center_photos(center_app) == exact(taken)


@pytest.mark.windows_pass
def test_a_usb_batch_written_without_lepton_brings_the_exact_photos_to_the_center(tmp_path):
    blocked = no_lepton(tmp_path)
    center_dir, office_dir, stick = tmp_path / "center", tmp_path / "kecamatan", tmp_path / "usb"
    center_app, code = prepare_center(center_dir)
    center = CenterServer(center_dir).start()
    try:
        kec_app = kecamatan_app(office_dir)
        fill_kecamatan(kec_app, 4)
        enrol_kecamatan(kec_app, center.url, code)
        export = Process(["sync", "--data", str(office_dir), "export", "--to", str(stick)], tmp_path / "export.log",
                         env=blocked).start()
        assert export.wait() == 0, (tmp_path / "export.log").read_text(errors="replace")[-3000:]
        files = sorted(stick.iterdir())
        assert files
        assert all(_post_file(center.url, path) == 200 for path in files)
    finally:
        center.stop()
    assert center_photos(center_app) == exact(office_photos(kec_app))
