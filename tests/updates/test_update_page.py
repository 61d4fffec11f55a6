"""The admin's update page (issue 44): a release read from a USB folder in the center's form shows as
"Pembaruan tersedia" with its notes and the menu's badge; a folder that is not one is refused with the
field named; the night setting is the admin's, and audited; the page names the regency root this PC
trusts by the fingerprint `run.py release keys` printed."""
import re

import run
from app.frame.audit import AuditEvent
from sync import releases
from tests.updates.helpers import fake_wheel


def usb_copy_of_a_release(tmp_path, keys=None):
    if keys is None:
        keys = tmp_path / "kunci"
        releases.create_keys(keys)
    wheels = tmp_path / "wheels"
    fake_wheel(wheels, "loket_kecamatan-9.1.0-py3-none-any.whl", 20_000)
    bundle = releases.sign_release(keys, "9.1.0", "Catatan dari kabupaten: slip baru.", sorted(wheels.glob("*.whl")),
                                   tmp_path / "paket")
    stick = tmp_path / "flashdisk" / "pembaruan"
    releases.publish(bundle, stick, keys / "online.pem")
    return stick


def test_a_release_on_a_usb_stick_shows_as_available_with_its_notes(client_for, tmp_path):
    admin = client_for("admin")
    before = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "Tidak ada pembaruan yang menunggu" in before
    stick = usb_copy_of_a_release(tmp_path)
    admin.post("/admin/pembaruan/kunci-root", data={"sidik_jari": releases.key_folder_fingerprint(tmp_path / "kunci")})
    answer = admin.post("/admin/pembaruan/usb", data={"folder": str(stick)}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "Pembaruan versi 9.1.0 dibaca dari flashdisk dan sudah diperiksa." in page
    assert "Pembaruan tersedia: versi 9.1.0" in page and "Catatan dari kabupaten: slip baru." in page
    assert "Pasang pembaruan sekarang" in page
    assert 'Pembaruan Aplikasi <span class="badge"' in page


def test_a_folder_that_is_not_a_release_is_refused_with_the_field_named(client_for, tmp_path):
    admin = client_for("admin")
    for typed in ("", str(tmp_path), "x" * 5000):
        answer = admin.post("/admin/pembaruan/usb", data={"folder": typed})
        assert answer.status_code == 422
        assert 'href="#f-folder"' in answer.get_data(as_text=True)


def test_the_night_setting_is_saved_and_audited(client_for, db):
    admin = client_for("admin")
    page = admin.post("/admin/pembaruan/malam", data={"malam": "ya"}, follow_redirects=True).get_data(as_text=True)
    assert "Menyala: pembaruan yang tersedia dipasang sendiri" in page and "Matikan pemasangan malam" in page
    assert AuditEvent.select().where(AuditEvent.entity_id == "pembaruan_malam").count() == 1
    assert client_for("petugas_loket").get("/admin/pembaruan").status_code == 403


def test_the_page_shows_the_fingerprint_of_the_regency_root_this_pc_trusts_as_the_keys_command_printed_it(
        client_for, tmp_path, capsys):
    admin = client_for("admin")
    assert "Komputer ini belum memercayai kunci kabupaten" in admin.get("/admin/pembaruan").get_data(as_text=True)
    keys = tmp_path / "flashdisk-admin" / "kunci-rilis"
    assert run.main(["release", "keys", "--keys", str(keys)]) == 0
    printed = re.search(r"Sidik jari kunci root: (.+)\n", capsys.readouterr().out).group(1)
    assert re.fullmatch(r"([0-9a-f]{4} ){7}[0-9a-f]{4}", printed), printed  # eight groups of four, to read aloud
    admin.post("/admin/pembaruan/kunci-root", data={"sidik_jari": printed})  # typed from the regency's sheet
    admin.post("/admin/pembaruan/usb", data={"folder": str(usb_copy_of_a_release(tmp_path, keys))})
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert f'<code class="fingerprint" id="sidik-jari-root">{printed}</code>' in page
    assert "belum memercayai kunci kabupaten" not in page
    # Asked again on the same folder, the command keeps the keys and names the same fingerprint.
    assert run.main(["release", "keys", "--keys", str(keys)]) == 1
    assert f"Sidik jari kunci root-nya: {printed}" in capsys.readouterr().err
    # Another regency's key folder has another fingerprint: the comparison tells them apart.
    assert run.main(["release", "keys", "--keys", str(tmp_path / "kunci-lain")]) == 0
    assert printed not in capsys.readouterr().out
