"""Issue 80, finding 4: after five interrupted first starts the update page said "pasang lagi dengan
tombol di bawah" and showed no button (the offer came back only after the next check); an admin whose
night install was refused learnt it only by opening Pembaruan Aplikasi. Now the page offers the button
it names, or says when it will, and each refused, returned or interrupted update is a card on the admin's
and the Camat's Beranda."""
from app.updates import launcher
from app.updates.state import read_selection, read_state, remember_failure, write_selection
from sync.release import key_signing
from tests.updates.helpers import sheet_form
from tests.updates.test_launcher import installed_version
from tests.updates.test_update_page import usb_copy_of_a_release


def offered_release(admin, tmp_path) -> dict:
    """9.1.0 read from a USB stick and offered on the admin's page, as after "Pembaruan dari flashdisk"."""
    stick = usb_copy_of_a_release(tmp_path)
    admin.post("/admin/pembaruan/kunci-root", data=sheet_form(key_signing.key_folder_fingerprint(tmp_path / "kunci")))
    admin.post("/admin/pembaruan/usb", data={"folder": str(stick)})
    return admin


def switched_and_cut_five_times(app, monkeypatch, offer: dict | None) -> None:
    """The admin pressed "Pasang" (the installer's selection; `offer`: the release it took off the page),
    then five starts of the switch were cut: the launcher's next start goes back to the running version."""
    data_dir = app.config["DATA_DIR"]
    selection = {"version": "9.1.0", "root": str(installed_version(data_dir / "versions" / "9.1.0", "9.1.0")),
                 "state": "uji", "backup": str(data_dir / "cadangan.sqlite3"), "attempts": launcher.MAX_TRIAL_STARTS,
                 "previous": None, "previous_version": "0.3.0", "mode": "kecamatan"}
    write_selection(data_dir, dict(selection, offer=offer) if offer else selection)
    from app.updates.state import write_state
    write_state(data_dir, available=None, installed="9.1.0")  # what the installer leaves while it switches
    monkeypatch.delenv(launcher.CHILD_ENV, raising=False)
    assert launcher.serve(data_dir, ["serve"], lambda: "this program serves") == "this program serves"
    assert read_selection(data_dir) is None


def test_after_five_interrupted_starts_the_page_shows_the_button_it_names(app, client_for, tmp_path, monkeypatch):
    admin = offered_release(client_for("admin"), tmp_path)
    offer = read_state(app.config["DATA_DIR"])["available"]
    switched_and_cut_five_times(app, monkeypatch, offer)
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "terputus 5 kali" in page and "pasang lagi dengan tombol di bawah" in page
    assert "Pembaruan tersedia: versi 9.1.0" in page and "Pasang pembaruan sekarang" in page


def test_a_switch_selected_by_an_older_installer_says_when_the_button_comes_back(app, client_for, tmp_path,
                                                                                 monkeypatch):
    """An older running version's installer kept no offer in the selection: the page says the truth."""
    admin = offered_release(client_for("admin"), tmp_path)
    switched_and_cut_five_times(app, monkeypatch, None)
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "terputus 5 kali" in page and "tombol di bawah" not in page
    assert "muncul lagi setelah pemeriksaan pembaruan berikutnya" in page and "Pasang pembaruan sekarang" not in page


def test_a_refused_returned_or_interrupted_update_is_a_card_on_the_admins_and_the_camats_beranda(
        app, client_for, tmp_path, monkeypatch):
    admin, camat, clerk = client_for("admin"), client_for("camat"), client_for("petugas_loket")
    offered_release(admin, tmp_path)
    home = admin.get("/").get_data(as_text=True)
    assert "Pembaruan ditolak" not in home and "Pergantian versi terputus" not in home
    remember_failure(app.config["DATA_DIR"], "9.0.5", "check_refused",
                     "Versi 9.0.5 ditolak: halaman menjawab galat pada salinan data (/pendaftaran).")
    switched_and_cut_five_times(app, monkeypatch, read_state(app.config["DATA_DIR"])["available"])
    home = admin.get("/").get_data(as_text=True)
    assert "Pembaruan ditolak" in home and "versi 9.0.5" in home and "/pendaftaran" in home
    assert "Pergantian versi terputus" in home and "versi 9.1.0" in home and 'href="/admin/pembaruan"' in home
    camats = camat.get("/").get_data(as_text=True)
    assert "Perlu perhatian admin" in camats and "Pembaruan ditolak" in camats and "/pendaftaran" in camats
    assert 'href="/admin/pembaruan"' not in camats  # not a page the Camat opens
    assert "Pembaruan ditolak" not in clerk.get("/").get_data(as_text=True)
