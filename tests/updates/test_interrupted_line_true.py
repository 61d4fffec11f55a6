"""Issue 94: under a walking launcher (d36a7707's, 0.3.0's to 0.3.4's, today's) a switch cut short leaves its line in
status.json, "… Versi X tetap ditawarkan: pasang lagi dengan tombol di bawah …". Each launcher wrote it its own
way and none takes it back: d36a7707's put no button under it, and under every one the page kept the promise once
X was refused on a copy ("tidak ditawarkan lagi" beside "tetap ditawarkan") or a newer release was offered instead.
Today's page (the version that serves after the going back) says that promise again from what holds now.

Each field launcher's own `interrupted()` writes the line, run from its tree (git archive of its app/) on the real
data folder; the page and the admin's Beranda are today's, over the app's test client."""
import json
import subprocess
import sys

import pytest

from app.updates import launcher, state
from sync.release import key_signing
from tests.support.field_versions import ROOT, field_commit
from tests.updates.helpers import fake_wheel, sheet_form
from tests.updates.test_update_page import NOTES, usb_copy_of_a_release

WALKING = ("previous-but-one", "previous", "landed-0.3.1", "landed-0.3.2", "landed-0.3.3", "landed-0.3.4", "landed-0.3.5", "last-landed", "today")


def launcher_says_interrupted(field: str, tmp_path, data, selection: dict) -> None:
    """`launcher.interrupted` of that launcher's own code, after its trial starts ran out."""
    if field == "today":
        launcher.interrupted(data, selection, "listrik padam")
        return
    tree = tmp_path / "peluncur"
    tree.mkdir()
    archive = subprocess.run(["git", "archive", field_commit(field), "app"], cwd=ROOT, capture_output=True,
                             check=True).stdout
    subprocess.run(["tar", "-x", "-C", str(tree)], input=archive, check=True)
    code = ("import json, sys; sys.path.insert(0, sys.argv[3]); from pathlib import Path; "
            "from app.updates import launcher; assert launcher.__file__.startswith(sys.argv[3]), launcher.__file__; "
            "launcher.interrupted(Path(sys.argv[1]), json.loads(sys.argv[2]), 'listrik padam')")
    done = subprocess.run([sys.executable, "-I", "-c", code, str(data), json.dumps(selection), str(tree)], cwd=tree,
                          capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr[-3000:]


def newer_release_on_a_stick(tmp_path, keys):
    wheels = tmp_path / "wheels-baru"
    fake_wheel(wheels, "loket_kecamatan-9.2.0-py3-none-any.whl", 20_000)
    bundle = key_signing.sign_release(keys, "9.2.0", NOTES, sorted(wheels.glob("*.whl")), tmp_path / "paket-baru")
    stick = tmp_path / "flashdisk" / "pembaruan"  # the regency's repository, one release more
    key_signing.publish(bundle, stick, keys / "online.pem")
    return stick


def promises(page: str, version: str) -> bool:
    return f"ersi {version} tetap ditawarkan" in page


@pytest.mark.parametrize("field", WALKING)
def test_the_page_keeps_a_cut_short_switchs_promise_only_while_it_holds(field, app, client_for, tmp_path):
    data = app.config["DATA_DIR"]
    admin = client_for("admin")
    keys = tmp_path / "kunci"
    key_signing.create_keys(keys)
    admin.post("/admin/pembaruan/kunci-root", data=sheet_form(key_signing.key_folder_fingerprint(keys)))
    admin.post("/admin/pembaruan/usb", data={"folder": str(usb_copy_of_a_release(tmp_path, keys))})
    offer = state.read_state(data)["available"]
    assert offer["version"] == "9.1.0"
    # Today's installer took it (installing._apply's writes), then the launcher's trial starts ran out.
    root = state.versions_dir(data) / "9.1.0"
    root.mkdir(parents=True)
    state.write_state(data, available=None, installed="9.1.0", interrupted=None)
    selection = {"version": "9.1.0", "root": str(root), "state": "uji", "backup": None, "attempts": 5,
                 "previous": None, "previous_version": "0.3.5", "offer": offer}
    state.write_selection(data, selection)
    launcher_says_interrupted(field, tmp_path, data, selection)
    assert state.read_selection(data) is None and "terputus" in state.read_state(data)["interrupted"]

    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "Pergantian ke versi 9.1.0 terputus (listrik padam)" in page
    offered = "Pembaruan tersedia: versi 9.1.0" in page
    assert ("tombol di bawah" in page) == offered, page  # d36a7707's launcher set no button under its promise
    assert offered or "tombol pemasangannya muncul lagi setelah pemeriksaan pembaruan berikutnya" in page

    admin.post("/admin/pembaruan/usb", data={"folder": str(newer_release_on_a_stick(tmp_path, keys))})
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "Pembaruan tersedia: versi 9.2.0" in page and not promises(page, "9.1.0"), page

    # The admin had installed 9.1.0 again instead, and its walk on a copy refused it (installing._check).
    state.write_state(data, available=offer)
    state.remember_failure(data, "9.1.0", "check_refused", "Versi 9.1.0 gagal diperiksa pada salinan data "
                           "(halaman bermasalah: /register 500). Versi yang berjalan tetap dipakai; versi ini tidak "
                           "ditawarkan lagi. Laporkan ke admin kabupaten.")
    for where in ("/admin/pembaruan", "/"):
        page = admin.get(where).get_data(as_text=True)
        assert "tidak ditawarkan lagi" in page and not promises(page, "9.1.0"), (where, page)
    assert "Pergantian ke versi 9.1.0 terputus" in admin.get("/admin/pembaruan").get_data(as_text=True)

    # Taken after all (installed by a later pass): the line goes.
    state.write_state(data, failed_versions=[], check_refused=None)
    state.write_selection(data, dict(selection, state="baik"))
    assert "9.1.0 terputus" not in admin.get("/admin/pembaruan").get_data(as_text=True)
