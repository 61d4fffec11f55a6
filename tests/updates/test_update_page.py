"""The admin's update page (issue 44): a release read from a USB folder in the center's form shows as
"Pembaruan tersedia" with its notes and the menu's badge; a folder that is not one is refused with the
field named; the night setting is the admin's, and audited; the fingerprint `run.py release keys` printed, typed,
confirms the regency root this PC trusts, and the page shows no fingerprint to copy (issue 69)."""
import re

import run
from app.frame.audit import AuditEvent
from app.updates import trust
from sync.release import key_signing
from tests.updates.helpers import fake_wheel, sheet_form


# As catatan-rilis.md gives them: paragraphs hard-wrapped, one blank line between.
NOTES = "Catatan dari kabupaten:\nslip baru.\n\nParagraf kedua."


def usb_copy_of_a_release(tmp_path, keys=None):
    if keys is None:
        keys = tmp_path / "kunci"
        key_signing.create_keys(keys)
    wheels = tmp_path / "wheels"
    fake_wheel(wheels, "loket_kecamatan-9.1.0-py3-none-any.whl", 20_000)
    bundle = key_signing.sign_release(keys, "9.1.0", NOTES, sorted(wheels.glob("*.whl")),
                                   tmp_path / "paket")
    stick = tmp_path / "flashdisk" / "pembaruan"
    key_signing.publish(bundle, stick, keys / "online.pem")
    return stick


def test_a_release_on_a_usb_stick_shows_as_available_with_its_notes(client_for, tmp_path):
    admin = client_for("admin")
    before = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "Tidak ada pembaruan yang menunggu" in before
    stick = usb_copy_of_a_release(tmp_path)
    admin.post("/admin/pembaruan/kunci-root", data=sheet_form(key_signing.key_folder_fingerprint(tmp_path / "kunci")))
    answer = admin.post("/admin/pembaruan/usb", data={"folder": str(stick)}, follow_redirects=True)
    page = answer.get_data(as_text=True)
    assert "Pembaruan versi 9.1.0 dibaca dari flashdisk dan sudah diperiksa." in page
    assert "Pembaruan tersedia: versi 9.1.0" in page
    assert "<blockquote><p>Catatan dari kabupaten:\nslip baru.</p><p>Paragraf kedua.</p></blockquote>" in page
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


def test_the_fingerprint_as_the_keys_command_printed_it_confirms_the_root_and_the_page_shows_none_to_copy(
        client_for, tmp_path, capsys):
    admin = client_for("admin")
    assert "Komputer ini belum memercayai kunci kabupaten" in admin.get("/admin/pembaruan").get_data(as_text=True)
    keys = tmp_path / "flashdisk-admin" / "kunci-rilis"
    root = tmp_path / "flashdisk-root" / "kunci-root"  # the root key on a stick of its own
    assert run.main(["release", "keys", "--keys", str(keys), "--root", str(root)]) == 0
    said = capsys.readouterr().out
    printed = re.search(r"Sidik jari kunci root: (.+)\n", said).group(1)
    assert trust.NEVER_BY_MESSAGE in " ".join(said.split())  # the command says what the page says (issue 69)
    assert re.fullmatch(r"([0-9a-f]{4} ){7}[0-9a-f]{4}", printed), printed  # eight groups of four, to read aloud
    admin.post("/admin/pembaruan/kunci-root", data=sheet_form(printed))  # typed from the regency's sheet
    admin.post("/admin/pembaruan/usb", data={"folder": str(usb_copy_of_a_release(tmp_path, keys))})
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "sidik jari yang diketik dari lembar\n  kabupaten cocok dengan kunci yang dipercayanya" in page
    assert "belum memercayai kunci kabupaten" not in page
    assert printed[:9] not in page  # the sheet is the only source: no page shows one to copy (issue 69)
    # Asked again on the same folder, the command keeps the keys and names the same fingerprint.
    assert run.main(["release", "keys", "--keys", str(keys), "--root", str(root)]) == 1
    assert f"Sidik jari kunci root-nya: {printed}" in capsys.readouterr().err
    # Another regency's key folder has another fingerprint: the comparison tells them apart.
    assert run.main(["release", "keys", "--keys", str(tmp_path / "kunci-lain"), "--root",
                     str(tmp_path / "root-lain")]) == 0
    assert printed not in capsys.readouterr().out


def refused_by_the_walk(data_dir, database, version: str):
    """installing._check with a version whose page answers 500 after sign-in (a real candidate server)."""
    import pytest as _pytest

    from app.updates import installing, walk
    from app.updates.versions import UpdateRefused
    from tests.updates.test_trusted_walk import lying_run_py
    root = data_dir / "versions" / version
    root.mkdir(parents=True)
    (root / "run.py").write_text(lying_run_py(500, walk.program_roles("kecamatan"), version))
    with _pytest.raises(UpdateRefused) as refusal:
        installing._check(data_dir, database, "kecamatan", root, version)
    return str(refusal.value)


def test_a_release_the_walk_refused_is_remembered_not_offered_again_and_said_in_the_offices_time(
        app, client_for, tmp_path):
    """Finding 7: a release refused by the check was said once, in the button's answer; after a reload
    it was offered again, each press repeating the backup and the check, and the page gave its times in
    UTC in a WIT office."""
    from app.frame import store
    from app.frame.db import database
    admin = client_for("admin")
    with database.atomic():
        store.put("timezone", "WIT")
    stick = usb_copy_of_a_release(tmp_path)
    admin.post("/admin/pembaruan/kunci-root", data=sheet_form(key_signing.key_folder_fingerprint(tmp_path / "kunci")))
    admin.post("/admin/pembaruan/usb", data={"folder": str(stick)})
    assert "Pembaruan tersedia: versi 9.1.0" in admin.get("/admin/pembaruan").get_data(as_text=True)
    said = refused_by_the_walk(app.config["DATA_DIR"], app.config["DATABASE_PATH"], "9.1.0")
    assert "halaman bermasalah: /pendaftaran (HTTP 500)" in said and "tidak ditawarkan lagi" in said
    admin.post("/admin/pembaruan/usb", data={"folder": str(stick)})  # a later pass finds it again
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "Pembaruan tersedia: versi 9.1.0" not in page and "Pasang pembaruan sekarang" not in page
    assert 'Pembaruan Aplikasi <span class="badge"' not in page
    assert said in page.replace("&#39;", "'")
    assert re.search(r"Versi 9\.1\.0 gagal diperiksa.*\(\d+ \w+ \d{4} \d\d\.\d\d WIT\)", page), page
    assert "(UTC)" not in page and "Terakhir diperiksa" in page and " WIT." in page
    answer = admin.post("/admin/pembaruan/pasang", follow_redirects=True).get_data(as_text=True)
    assert "Tidak ada pembaruan yang menunggu dipasang." in answer  # no backup, no check again


def test_every_server_error_after_the_walk_is_counted_into_the_health_the_center_reads(app, client_for):
    from app.updates.state import ErrorCount, note_health, read_state
    from app.updates.versions import running_version
    from tests.support.waiting import wait_until
    data_dir = app.config["DATA_DIR"]
    note_health(data_dir, running_version(), True, 172, [])
    app.config["PROPAGATE_EXCEPTIONS"] = False  # as served: an exception is the error page, not a raise
    app.after_request(ErrorCount(data_dir, running_version(), every=0))
    admin = client_for("admin")
    assert admin.get("/admin/pembaruan").status_code == 200

    def broken():
        raise RuntimeError("rusak")

    real = app.view_functions["audit.trail"]
    app.view_functions["audit.trail"] = broken
    try:
        assert admin.get("/audit").status_code == 500  # the error handler's page
        assert admin.get("/audit").status_code == 500
    finally:
        app.view_functions["audit.trail"] = real
    wait_until(lambda: read_state(data_dir)["health"]["errors_since"] == 2, what="two errors counted")
    health = read_state(data_dir)["health"]
    assert (health["walk"], health["pages"], health["failed"]) == ("lulus", 172, [])
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "lulus, 172 halaman tanpa galat" in page and "Galat sejak itu: 2." in page


def test_a_release_that_failed_here_is_not_retried_at_night(app, db, monkeypatch):
    """Finding 7: the night install must not take again what the walk refused (before, each night
    repeated the backup and the minutes-long check of a release the check had refused)."""
    from app.frame import dates
    from app.updates import installing
    from app.updates.state import write_state
    data_dir = app.config["DATA_DIR"]
    write_state(data_dir, apply_at_night=True, available={"version": "9.1.0", "notes": "", "wheels": []})
    refused_by_the_walk(data_dir, app.config["DATABASE_PATH"], "9.1.0")
    tried = []
    monkeypatch.setattr(installing, "apply_available", lambda config, user=None: tried.append(config))
    monkeypatch.setattr(installing, "restart_into_selection", lambda: tried.append("restart"))
    monkeypatch.setattr(dates, "to_local", lambda moment, zone="WIB": moment.replace(hour=2))  # 02.00 office time
    installing.nightly_apply(app)
    assert tried == []
    write_state(data_dir, available={"version": "9.2.0", "notes": "", "wheels": []})  # a newer release comes
    installing.nightly_apply(app)
    assert tried == [app.config, "restart"]


def test_a_version_installed_and_checked_on_the_copy_has_its_line_on_the_trail(db, users):
    """The install's own `pasang_pembaruan` line (issue 91: removed alone, no fast test noticed; the
    install itself runs pip, its page tests are slow): who installed which version, after how many pages."""
    from app.updates import records
    records.note_installed("9.1.0", 12, users["admin"])
    line = AuditEvent.get(AuditEvent.action == "pasang_pembaruan")
    assert (line.entity_id, line.username) == ("9.1.0", users["admin"].username) and "12 halaman" in line.summary
