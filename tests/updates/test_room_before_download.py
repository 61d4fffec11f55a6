"""Room before download (issue 94 finding 2): on a PC with less free space than a release, the updater
downloaded it in every pass until the disk was full, and the office stopped. Now a release is fetched only
when the disk keeps its floor free after the download and the install (app/updates/room.py, from the
signed target lengths TUF gives before any byte is fetched); a PC that waits for room says so on
Pembaruan Aplikasi, on the admin's Beranda and in its report to the center; downloads cut short and the
cache of a release no longer offered are dropped.

Free space is injected at its one seam, app/backups/health.free_bytes (what shutil.disk_usage reads on
Windows and Linux alike): tests/core/test_disk_full.py fills a real small filesystem, this file decides
what the check reads, so the floor's arithmetic is tested to the byte whatever disk the test runs on."""
import hashlib
import json

from app.backups import health
from app.updates import fleet_report, room
from app.updates.fetching import check_source, FolderSource
from app.updates.state import paths, read_state, write_selection, write_state
from sync.release import key_signing
from tests.updates.helpers import fake_wheel, sheet_form
from tests.updates.test_update_page import usb_copy_of_a_release

MiB = 1024 * 1024
WHEEL = 20_000  # usb_copy_of_a_release's wheel


def stale_partial(data_dir, name="targets/wheels/loket_kecamatan-9.0.9-py3-none-any.whl", size=3 * MiB):
    """What a download cut short by a broken link leaves (fetching.BoundedFetcher._resumed's name)."""
    partial = paths(data_dir).cache / "sebagian" / hashlib.sha256(name.encode()).hexdigest()
    partial.parent.mkdir(parents=True, exist_ok=True)
    partial.write_bytes(b"\0" * size)
    return partial


def cached_wheels(data_dir):
    return sorted(path.name for path in paths(data_dir).cache.glob("wheels*"))


def test_a_release_the_disk_has_no_room_for_is_not_fetched_and_every_page_says_it_waits(app, client_for, tmp_path,
                                                                                       monkeypatch):
    data_dir = app.config["DATA_DIR"]
    admin = client_for("admin")
    stick = usb_copy_of_a_release(tmp_path)
    admin.post("/admin/pembaruan/kunci-root", data=sheet_form(key_signing.key_folder_fingerprint(tmp_path / "kunci")))
    partial = stale_partial(data_dir)
    floor = health.disk_danger_below(room.database_bytes(data_dir))
    # One byte short of the floor after the download and the install: the release waits.
    need = WHEEL + WHEEL * (1 + room.UNPACKED_PER_WHEEL_BYTE) + 2 * room.database_bytes(data_dir) + floor
    monkeypatch.setattr(health, "free_bytes", lambda folder: need - 1)

    page = admin.post("/admin/pembaruan/usb", data={"folder": str(stick)}, follow_redirects=True).get_data(as_text=True)
    assert cached_wheels(data_dir) == []  # nothing of the release downloaded
    assert not partial.exists()  # and what a cut download left is gone
    kept = read_state(data_dir)
    assert kept["available"] is None and kept["waits_for_room_version"] == "9.1.0" and kept["waits_for_room_mb"] == 1
    assert "Pembaruan versi 9.1.0 menunggu ruang disk" in page and "Pasang pembaruan sekarang" not in page
    assert "Pembaruan versi 9.1.0 belum diunduh karena ruang disk kurang" in page
    assert "Kosongkan setidaknya 1 MB" in page and "Tidak ada pembaruan yang menunggu" not in page
    home = admin.get("/").get_data(as_text=True)
    assert "Pembaruan menunggu ruang disk" in home and "belum diunduh karena ruang disk kurang" in home
    assert "Pembaruan menunggu ruang disk" not in client_for("petugas_loket").get("/").get_data(as_text=True)

    # Its health report says so to a center that takes shape 3, and that center reads it; an older one gets none.
    from sync.center.fleet import cleaned_report
    with app.app_context():
        for shape in (2, 3):
            report = fleet_report.build_report(app.config, read_state(data_dir), shape)[0]
            assert report.get("room") == ({"version": "9.1.0", "short_mb": 1} if shape == 3 else None)
    assert cleaned_report(json.loads(json.dumps(report)))[0]["room"] == {"version": "9.1.0", "short_mb": 1}

    # The admin freed a megabyte (the database grew a little meanwhile): the next read fetches it, no page says it waits.
    monkeypatch.setattr(health, "free_bytes", lambda folder: need + MiB)
    page = admin.post("/admin/pembaruan/usb", data={"folder": str(stick)}, follow_redirects=True).get_data(as_text=True)
    assert "Pembaruan tersedia: versi 9.1.0" in page and "menunggu ruang disk" not in page
    assert len(cached_wheels(data_dir)) == 1 and not read_state(data_dir).get("waits_for_room")
    assert "Pembaruan menunggu ruang disk" not in admin.get("/").get_data(as_text=True)
    with app.app_context():
        assert "room" not in fleet_report.build_report(app.config, read_state(data_dir), 3)[0]


def test_a_stale_partial_download_goes_on_the_next_pass_and_an_installed_releases_cache_when_short(tmp_path,
                                                                                                monkeypatch):
    keys = tmp_path / "kunci"
    key_signing.create_keys(keys)
    fake_wheel(tmp_path / "wheels", "loket_kecamatan-9.0.0-py3-none-any.whl", 1037)
    bundle = key_signing.sign_release(keys, "9.0.0", "Rilis kecil.", sorted((tmp_path / "wheels").glob("*.whl")),
                                   tmp_path / "paket")
    stick = tmp_path / "flashdisk" / "pembaruan"
    key_signing.publish(bundle, stick, keys / "online.pem")
    office = tmp_path / "kecamatan"
    write_state(office, expected_root=key_signing.key_folder_fingerprint(keys))
    monkeypatch.setattr(health, "free_bytes", lambda folder: 50 * 1024 ** 3)  # room enough, on any test disk
    partial = stale_partial(office)  # an older release's download, cut by a broken link long ago

    state = check_source(office, FolderSource(stick))
    assert state["available"]["version"] == "9.0.0" and not partial.exists()
    assert len(cached_wheels(office)) == 1

    # 9.0.0 installed, its switch on trial: a pass then keeps its wheels, which the launcher offers again if
    # the switch is cut short (the selection's "offer").
    offer = state["available"]
    write_state(office, available=None, installed="9.0.0")
    selection = {"version": "9.0.0", "root": str(office / "versions" / "9.0.0"), "state": "uji", "offer": offer}
    write_selection(office, selection)
    assert check_source(office, FolderSource(stick))["available"] is None and len(cached_wheels(office)) == 1

    # Switched and running: its wheels stay while the disk keeps its floor (the next release fetches only the
    # wheels that changed); below the floor, the next pass drops them, and a cut download too.
    write_selection(office, dict(selection, state="baik"))
    assert check_source(office, FolderSource(stick))["available"] is None and len(cached_wheels(office)) == 1
    monkeypatch.setattr(health, "free_bytes", lambda folder: 100 * MiB)
    stale = stale_partial(office, size=1024)
    state = check_source(office, FolderSource(stick))
    assert state["available"] is None and cached_wheels(office) == [] and not stale.exists()


def test_a_release_that_failed_here_is_not_kept_in_the_cache(tmp_path, monkeypatch):
    """A release refused or taken back here is never offered again (until the regency's "coba lagi"): its
    cache was kept for good, 60 MB of a small disk for a release nobody installs."""
    from app.updates.state import remember_failure
    keys = tmp_path / "kunci"
    key_signing.create_keys(keys)
    fake_wheel(tmp_path / "wheels", "loket_kecamatan-9.0.0-py3-none-any.whl", 1037)
    bundle = key_signing.sign_release(keys, "9.0.0", "Rilis kecil.", sorted((tmp_path / "wheels").glob("*.whl")),
                                   tmp_path / "paket")
    stick = tmp_path / "flashdisk" / "pembaruan"
    key_signing.publish(bundle, stick, keys / "online.pem")
    office = tmp_path / "kecamatan"
    write_state(office, expected_root=key_signing.key_folder_fingerprint(keys))
    monkeypatch.setattr(health, "free_bytes", lambda folder: 50 * 1024 ** 3)
    assert check_source(office, FolderSource(stick))["available"]["version"] == "9.0.0"
    assert len(cached_wheels(office)) == 1
    remember_failure(office, "9.0.0", "check_refused", "Versi 9.0.0 gagal diperiksa pada salinan data.")
    source = FolderSource(stick)
    read = []
    monkeypatch.setattr(source, "read", lambda name, *rest: read.append(name) or FolderSource.read(source, name, *rest))
    state = check_source(office, source)
    assert state["available"] is None and cached_wheels(office) == []
    assert not [name for name in read if name.startswith("targets/wheels/")]  # and it is not fetched again


def test_pasang_checks_the_floor_again_and_names_what_to_free(app, client_for, tmp_path, monkeypatch):
    """The disk may fill between the download and Pasang (a day of photos, a backup): the install keeps the
    floor too, and refuses in words that name the backups folder to empty, before anything is unpacked."""
    from app.updates.state import versions_dir
    data_dir = app.config["DATA_DIR"]
    admin = client_for("admin")
    stick = usb_copy_of_a_release(tmp_path)
    admin.post("/admin/pembaruan/kunci-root", data=sheet_form(key_signing.key_folder_fingerprint(tmp_path / "kunci")))
    monkeypatch.setattr(health, "free_bytes", lambda folder: 50 * 1024 ** 3)
    page = admin.post("/admin/pembaruan/usb", data={"folder": str(stick)}, follow_redirects=True).get_data(as_text=True)
    assert "Pasang pembaruan sekarang" in page and len(cached_wheels(data_dir)) == 1

    # The download fitted; now the install alone (no download left) is one byte short of the floor.
    floor = health.disk_danger_below(room.database_bytes(data_dir))
    need = WHEEL * (1 + room.UNPACKED_PER_WHEEL_BYTE) + 2 * room.database_bytes(data_dir) + floor
    monkeypatch.setattr(health, "free_bytes", lambda folder: need - 1)
    page = admin.post("/admin/pembaruan/pasang", follow_redirects=True).get_data(as_text=True)
    assert "Pembaruan versi 9.1.0 belum dipasang karena ruang disk kurang" in page
    assert "Kosongkan setidaknya 1 MB" in page
    assert f"pindahkan cadangan lama dari folder {app.config['BACKUP_DIR']}" in page and "tekan Pasang lagi" in page
    assert not (versions_dir(data_dir) / "9.1.0").exists()  # nothing unpacked
    assert not list(versions_dir(data_dir).glob("9.1.0*")) if versions_dir(data_dir).is_dir() else True
    kept = read_state(data_dir)
    assert kept["available"]["version"] == "9.1.0" and kept.get("installed") != "9.1.0"
    assert len(cached_wheels(data_dir)) == 1  # the download stays for the next Pasang
    assert "Pasang pembaruan sekarang" in page
