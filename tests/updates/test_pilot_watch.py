"""Pilots watched truly (issue 69 finding 4), through a real center and real office apps: a pilot that
refused a release before the switch shows so beside it at the center, never "lulus" for the version it
ran before; "Terbitkan untuk semua komputer" names the pilots that have not passed and asks again; the
USB stick the center writes (`run.py release usb`) holds only everyone's release, and a PC that read it
goes on with its passes; a PC outside the pilots is told nothing while they test the regency's first
release. The ring decision itself is tests/updates/test_ring_choice.py (fast)."""
import json
import re
import shutil
from pathlib import Path
from types import SimpleNamespace

import pytest

import run
from app.updates import fetching, state
from sync.release import key_signing
from tests.sync.test_end_to_end import signed_in
from tests.updates.test_rings import TOKEN, app_wheel, offered, rollout, shared_rollout  # noqa: F401  (the fixtures)

REFUSAL = ("Versi 9.1.0 gagal diperiksa pada salinan data (halaman bermasalah: /pengaduan/rekap (500)). Versi yang "
           "berjalan tetap dipakai; versi ini tidak ditawarkan lagi. Laporkan ke admin kabupaten.")


def pilot_row(page: str) -> str:
    table = page[page.index('id="komputer-uji"'):]
    return table[:table.index("</table>")]


def test_a_pilot_that_refused_the_release_before_the_switch_shows_so_and_is_named_before_everyone_takes_it(rollout):
    rollout.publish("9.0.0", "Rilis untuk semua.", app_wheel("9.0.0"))
    # The pilot switched to 9.0.0 and walked it clean (what its walk after the switch writes).
    state.note_health(rollout.pilot_dir, "9.0.0", True, 41, [])
    rollout.make_pilot(True)
    rollout.publish("9.1.0", "Rilis uji.", app_wheel("9.1.0"))
    rollout.sync_pilot()
    assert offered(rollout.pilot_dir) == ("9.1.0", None)
    # Its walk of 9.1.0 on a copy refused it: what the installer remembers (app/updates/installing.py).
    state.remember_failure(rollout.pilot_dir, "9.1.0", "check_refused", REFUSAL)
    assert not rollout.sync_pilot().error

    row = pilot_row(rollout.page())
    assert "<strong>ditolak</strong> sebelum berganti versi" in row
    assert "/pengaduan/rekap (500)" in row and "tetap menjalankan versi sebelumnya" in row
    assert re.search(r"salinan data, \d{1,2} \w+ \d{4} \d\d\.\d\d WIB\)", row)  # when, in the office's zone
    # Its clean walk is of 9.0.0 and says so; never "lulus" as if it were 9.1.0's.
    assert "Pemeriksaan versi 9.0.0 (bukan rilis uji 9.1.0): lulus" in row
    assert "lulus: versi 9.0.0" not in row and not re.search(r"<td>lulus", row)
    assert "<strong>menolak rilis 9.1.0</strong> <span class=\"muted\">(sebelum berganti versi)" in rollout.page(
        "/admin/kecamatan")
    listed = rollout.page()
    listed = listed[listed.index('id="daftar-rilis"'):]
    assert f"Belum lulus di komputer uji: {rollout.pilot_label()} (ditolak)." in listed

    action = f"/admin/rilis/{key_signing.ring_releases(rollout.repository())['uji']}/semua"
    asked = rollout.press(action)
    assert asked.status_code == 200 and "Komputer uji berikut belum lulus dengan rilis 9.1.0" in asked.text
    assert "<strong>ditolak</strong> sebelum berganti versi" in asked.text and "/pengaduan/rekap (500)" in asked.text
    assert "unsafe-inline" not in asked.headers["Content-Security-Policy"] and "<script>" not in asked.text
    rollout.sync()
    assert offered(rollout.office_dir) == ("9.0.0", None)  # asked, nothing released
    assert "terbit_semua" not in [row[1] for row in rollout.audit()]
    # The confirmation is the admin's own POST: CSRF and role as every action of the page.
    no_token = rollout.admin.post(rollout.center.url + action, data={"konfirmasi": "ya"})
    assert no_token.status_code == 400
    operator = signed_in(rollout.center.url, "operator", "operator-rahasia-1", "/masuk")
    token = TOKEN.search(operator.get(rollout.center.url + "/").text).group(1)
    assert operator.post(rollout.center.url + action, data={"csrf_token": token, "konfirmasi": "ya"}).status_code == 403
    assert key_signing.ring_releases(rollout.repository())["semua"] == 1
    released = rollout.press(action, konfirmasi="ya")
    assert "Rilis 9.1.0 diterbitkan untuk semua komputer" in released.text
    assert rollout.audit()[-1][1:3] == ("terbit_semua", "9.1.0")
    assert f"belum lulus: {rollout.pilot_label()} (ditolak)" in rollout.audit()[-1][3]


def test_the_center_keeps_the_report_of_a_pilot_of_the_previous_version(rollout):
    """A PC of the previous version reports its walk without a refusal: taken as before, and its walk
    of another version is said as that version's."""
    from sync.client import engine
    from sync.client.transport import CenterClient
    from tests.updates.test_rings import within
    rollout.publish("9.0.0", "Rilis untuk semua.", app_wheel("9.0.0"))
    rollout.make_pilot(True)
    rollout.publish("9.1.0", "Rilis uji.", app_wheel("9.1.0"))
    link = within(rollout.pilot, engine.current_link)
    client = CenterClient(link.center_url, link.key_id, link.secret)
    old_report = {"version": "9.0.0", "walk": "lulus", "pages": 41, "failed": [], "at": "2026-11-27T08:10:00+00:00",
                  "errors_since": 0}
    assert client.call_json("POST", "/api/v1/updates/health", old_report) == {"stored": True}
    row = pilot_row(rollout.page())
    assert "<strong>belum memasang</strong> rilis ini" in row
    assert "Pemeriksaan versi 9.0.0 (bukan rilis uji 9.1.0): lulus, 41 halaman diperiksa" in row


def test_the_usb_stick_holds_only_the_release_released_to_everyone(rollout, capsys):
    rollout.publish("9.0.0", "Rilis untuk semua.", app_wheel("9.0.0"))
    rollout.make_pilot(True)
    rollout.publish("9.1.0", "Rilis uji.", app_wheel("9.1.0"))
    rollout.sync_pilot()
    stick = rollout.tmp / "flashdisk" / "pembaruan"
    capsys.readouterr()
    assert run.main(["release", "usb", "--data", str(rollout.center_dir), "--to", str(stick)]) == 0
    said = capsys.readouterr().out
    assert f"ditulis di {stick}: rilis 9.0.0 (terbit untuk semua komputer), 2 berkas" in said
    assert "Rilis yang masih di komputer uji tidak ikut disalin" in said

    on_stick = sorted(str(path.relative_to(stick)).replace("\\", "/") for path in stick.rglob("*") if path.is_file())
    assert not any(name.startswith("uji/") or "9.1.0" in name for name in on_stick), on_stick
    assert sorted(name for name in on_stick if name.startswith("metadata/")) == [
        "metadata/1.root.json", "metadata/1.snapshot.json", "metadata/1.targets.json", "metadata/timestamp.json"]
    assert (stick / "metadata" / "timestamp.json").read_bytes() == key_signing.timestamp_of(rollout.repository(),
                                                                                         "semua")["bytes"]
    # A PC outside the pilots reads the stick, then goes on with its passes: no "rilis lama diputar ulang".
    found = fetching.check_source(rollout.office_dir, fetching.FolderSource(stick))
    assert (found["available"] or {}).get("version") == "9.0.0" and found["refused"] is None
    from sync.center.updates import refresh_timestamp
    for _ in range(2):
        assert not rollout.sync().error
        assert offered(rollout.office_dir) == ("9.0.0", None)
        refresh_timestamp(SimpleNamespace(config={"DATA_DIR": rollout.center_dir}))
    # Written again over its own copy once 9.1.0 is released to everyone: now 9.1.0, no file of before left.
    rollout.press(f"/admin/rilis/{key_signing.ring_releases(rollout.repository())['uji']}/semua", konfirmasi="ya")
    assert run.main(["release", "usb", "--data", str(rollout.center_dir), "--to", str(stick)]) == 0
    assert json.loads((stick / key_signing.USB_MARK).read_text("utf-8"))["version"] == "9.1.0"
    assert not any("9.0.0" in path.name for path in stick.rglob("*"))
    assert fetching.check_source(rollout.office_dir, fetching.FolderSource(stick))["available"]["version"] == "9.1.0"


def test_the_usb_copy_refuses_what_it_cannot_write_in_indonesian(rollout, capsys):
    stick = rollout.tmp / "flashdisk" / "pembaruan"
    rollout.make_pilot(True)
    rollout.publish("9.0.0", "Rilis pertama, untuk komputer uji.", app_wheel("9.0.0"))
    capsys.readouterr()
    assert run.main(["release", "usb", "--data", str(rollout.center_dir), "--to", str(stick)]) == 1
    assert "Belum ada rilis yang terbit untuk semua komputer" in capsys.readouterr().err and not stick.exists()
    rollout.press(f"/admin/rilis/{key_signing.ring_releases(rollout.repository())['uji']}/semua", konfirmasi="ya")
    stick.mkdir(parents=True)
    (stick / "laporan.docx").write_bytes(b"milik admin")
    assert run.main(["release", "usb", "--data", str(rollout.center_dir), "--to", str(stick)]) == 1
    assert "sudah berisi berkas lain" in capsys.readouterr().err
    assert [path.name for path in stick.iterdir()] == ["laporan.docx"]
    assert run.main(["release", "usb", "--data", str(rollout.center_dir)]) == 1
    assert "Sebutkan folder di flashdisk" in capsys.readouterr().err


def test_a_pc_outside_the_pilots_is_told_nothing_while_they_test_the_first_release(rollout):
    """The regency's first release is with its pilots; an office outside them trusts the regency's root
    already (here: its admin read a copy of the center's whole folder, as the docs once said). The center
    has no timestamp for it: that is nothing published for it, not "HTTP 404" on its page, pass after pass."""
    rollout.make_pilot(True)
    rollout.publish("9.0.0", "Rilis pertama, untuk komputer uji.", app_wheel("9.0.0"))
    copied = rollout.tmp / "salinan-folder-pusat"
    shutil.copytree(rollout.repository(), copied)
    assert offered(rollout.office_dir) == (None, None)
    found = fetching.check_source(rollout.office_dir, fetching.FolderSource(copied))
    assert (found.get("available"), found["refused"]) == (None, None)
    for _ in range(2):
        assert not rollout.sync().error
        assert offered(rollout.office_dir) == (None, None)
    assert offered(rollout.pilot_dir) == (None, None) and not rollout.sync_pilot().error
    assert offered(rollout.pilot_dir) == ("9.0.0", None)
    rollout.press(f"/admin/rilis/{key_signing.ring_releases(rollout.repository())['uji']}/semua", konfirmasi="ya")
    rollout.sync()
    assert offered(rollout.office_dir) == ("9.0.0", None)


def test_the_usb_copy_goes_into_a_folder_on_the_stick_never_onto_the_stick_itself(tmp_path):
    """A drive (E:\\) or a mounted stick itself: its other files stay, nothing is written beside it."""
    drive = Path(Path.cwd().anchor)  # the system's own root stands for a stick's: refused before anything is read
    with pytest.raises(key_signing.ReleaseError, match="bukan flashdisk itu sendiri"):
        key_signing.everyone_copy(tmp_path / "repo", drive)
    assert not (tmp_path / "repo").exists()
