"""Signed updates (issue 44): a release published at a real center reaches an office PC through the
signed link, verified by TUF; a tampered file, a replayed older release and a key the regency did not
trust are refused in Indonesian with nothing changed. (Installing and rolling back: test_install.py.)"""
import shutil
import sys
from importlib import metadata
from pathlib import Path

import pytest

import run
from app.updates import fetching
from sync.release import key_signing
from tests.updates.helpers import Regency, fake_wheel, resigned, sheet_form

APP_WHEEL = "loket_kecamatan-9.0.0-py3-none-any.whl"


@pytest.fixture
def regency(tmp_path, shared_regency):
    """The file's regency (conftest.py shared_regency), reset, with this test's own office."""
    return Regency(tmp_path, shared=shared_regency)


def test_an_office_learns_of_a_release_on_its_pass_and_fetches_only_what_it_lacks(regency):
    installed_tuf = f"tuf-{metadata.version('tuf')}-py3-none-any.whl"  # the version this PC runs
    regency.publish("9.0.0", "Perbaikan cetak slip; pengaduan bisa difilter per desa.",
                    [APP_WHEEL, "fakedep-1.0-py3-none-any.whl", installed_tuf, "fakedep_win-1.0-cp311-cp311-win_amd64.whl"])
    report = regency.sync()
    assert not report.error, report.error
    state = regency.state()
    assert state["refused"] is None
    assert state["available"]["version"] == "9.0.0"
    assert state["available"]["notes"].startswith("Perbaikan cetak slip")
    # The same tuf as this PC runs, and a Windows-only wheel, are not fetched on this Linux PC.
    assert sorted(state["available"]["wheels"]) == ["wheels/fakedep-1.0-py3-none-any.whl", "wheels/" + APP_WHEEL]
    cached = sorted(p.name for p in (regency.office_dir / "pembaruan" / "cache").glob("wheels*"))
    assert cached == ["wheels%2Ffakedep-1.0-py3-none-any.whl", "wheels%2F" + APP_WHEEL]
    assert fetching.verified_files(regency.office_dir, state["available"]["wheels"])


def test_the_center_shows_its_published_releases_to_its_admin(regency):
    from tests.sync.test_end_to_end import signed_in
    regency.publish("9.0.0", "Rilis uji untuk halaman pusat.", [APP_WHEEL])
    from sync.center.accounts import create_operator
    from sync.center.app import create_center_app
    app = create_center_app({"DATA_DIR": regency.center_dir})
    with app.extensions["center_database"].connection_context():
        create_operator("kabupaten", "Admin Kabupaten", "admin", password="admin-rahasia-12", must_change_password=False)
    admin = signed_in(regency.center.url, "kabupaten", "admin-rahasia-12", "/masuk")
    page = admin.get(regency.center.url + "/admin/rilis").text
    assert "Rilis pembaruan" in page and "9.0.0" in page and "Rilis uji untuk halaman pusat." in page
    # The root it hands the offices, as `run.py release keys` printed it on the admin's laptop.
    assert f'id="sidik-jari-root">{key_signing.key_folder_fingerprint(regency.keys)}</code>' in page
    operator = signed_in(regency.center.url, "operator", "operator-rahasia-1", "/masuk")
    assert operator.get(regency.center.url + "/admin/rilis").status_code == 403


def test_a_tampered_file_is_refused_and_nothing_changes(regency):
    regency.publish("9.0.0", "Rilis uji.", [APP_WHEEL])
    stored = next((regency.repository() / "targets" / "wheels").glob("*" + APP_WHEEL))
    damaged = bytearray(stored.read_bytes())
    damaged[1000] ^= 0xFF
    stored.write_bytes(bytes(damaged))
    regency.sync()
    state = regency.state()
    assert state["refused"].startswith("Berkas pembaruan tidak cocok dengan yang ditandatangani kabupaten")
    assert not state.get("available")
    assert not list((regency.office_dir / "pembaruan" / "cache").glob("wheels*"))
    assert not (regency.office_dir / "versions").exists()


def test_an_older_release_replayed_is_refused(regency):
    regency.publish("9.0.0", "Rilis pertama.", [APP_WHEEL])
    old_metadata = regency.tmp / "metadata-lama"
    shutil.copytree(regency.repository() / "metadata", old_metadata)
    regency.sync()
    regency.publish("9.0.1", "Rilis kedua.", ["loket_kecamatan-9.0.1-py3-none-any.whl"])
    regency.sync()
    assert regency.state()["available"]["version"] == "9.0.1"
    # Someone serves the older, validly signed metadata again (a mirror, a stolen copy of the server).
    shutil.rmtree(regency.repository() / "metadata")
    shutil.copytree(old_metadata, regency.repository() / "metadata")
    regency.sync()
    state = regency.state()
    assert state["refused"].startswith("Metadata pembaruan lebih lama daripada yang sudah diterima komputer ini")
    assert state["available"]["version"] == "9.0.1"  # what was verified before stays


def test_metadata_signed_by_a_key_the_regency_did_not_trust_is_refused(regency):
    regency.publish("9.0.0", "Rilis asli.", [APP_WHEEL])
    regency.sync()
    # An intruder with another key folder makes a whole repository and puts it in the center's place.
    intruder_keys = regency.tmp / "kunci-penyusup"
    key_signing.create_keys(intruder_keys)
    wheels = regency.tmp / "wheels-penyusup"
    fake_wheel(wheels, "loket_kecamatan-9.9.9-py3-none-any.whl")
    bundle = key_signing.sign_release(intruder_keys, "9.9.9", "Palsu", sorted(wheels.glob("*.whl")), regency.tmp / "palsu")
    forged = regency.tmp / "repo-palsu"
    key_signing.publish(bundle, forged, intruder_keys / "online.pem")
    shutil.rmtree(regency.repository())
    shutil.copytree(forged, regency.repository())
    regency.sync()
    state = regency.state()
    assert state["refused"].startswith("Metadata pembaruan tidak ditandatangani kunci kabupaten yang dipercaya")
    assert state["available"]["version"] == "9.0.0"


def test_the_center_refuses_a_bundle_signed_by_another_targets_key(regency, capsys):
    intruder_keys = regency.tmp / "kunci-lain"
    key_signing.create_keys(intruder_keys)
    wheels = regency.tmp / "wheels-lain"
    fake_wheel(wheels, APP_WHEEL)
    bundle = key_signing.sign_release(intruder_keys, "9.0.0", "Palsu", sorted(wheels.glob("*.whl")), regency.tmp / "lain")
    for root in (bundle / "metadata").glob("*.root.json"):
        root.unlink()  # only the targets travel: the center keeps the root it was given first
    regency.publish("8.0.0", "Rilis asli.", ["loket_kecamatan-8.0.0-py3-none-any.whl"])
    assert run.main(["release", "publish", "--data", str(regency.center_dir), "--bundle", str(bundle)]) == 1
    assert "tidak ditandatangani kunci targets yang dipercaya" in capsys.readouterr().err
    assert [r["version"] for r in key_signing.published_releases(regency.repository())] == ["8.0.0"]


class BreakingSource:
    """A link that breaks after `chunks` answers, once."""

    def __init__(self, inner, chunks: int):
        self.inner, self.chunks, self.bytes = inner, chunks, 0

    def read(self, name, start, size):
        from sync.client.link_down import LinkDown
        if name.startswith("targets/wheels/"):
            if self.chunks == 0:
                raise LinkDown("sambungan putus")
            self.chunks -= 1
        chunk = self.inner.read(name, start, size)
        if name.startswith("targets/wheels/"):
            self.bytes += len(chunk)
        return chunk


def test_a_download_cut_by_the_link_resumes_where_it_stopped(regency, monkeypatch):
    monkeypatch.setattr(fetching, "UPDATE_CHUNK_BYTES", 64 * 1024)
    regency.publish("9.0.0", "Rilis besar.", [APP_WHEEL], size=300_000)
    folder = fetching.FolderSource(regency.repository())
    first = BreakingSource(folder, chunks=3)
    with pytest.raises(fetching.Postponed):
        fetching.check_source(regency.office_dir, first)
    assert first.bytes == 3 * 64 * 1024
    second = BreakingSource(folder, chunks=100)
    state = fetching.check_source(regency.office_dir, second)
    assert state["available"]["version"] == "9.0.0"
    assert second.bytes == 300_000 - 3 * 64 * 1024  # only the rest crossed the link
    again = BreakingSource(folder, chunks=0)
    assert fetching.check_source(regency.office_dir, again)["available"]["version"] == "9.0.0"  # cached: nothing fetched


@pytest.mark.soak  # through the fault proxy, as the sync's fault soak
def test_a_release_crosses_a_faulty_link_whole(tmp_path):
    linkproxy = pytest.importorskip("tests.support.linkproxy")
    from tests.sync.harness import CenterServer, enrol_kecamatan, kecamatan_app, prepare_center
    from tests.updates.helpers import confirm_root, release
    center_dir, keys = tmp_path / "center", tmp_path / "kunci"
    _, code = prepare_center(center_dir)
    assert run.main(["release", "keys", "--keys", str(keys), "--root", str(tmp_path / "flashdisk-root")]) == 0
    assert run.main(["release", "install-online-key", "--data", str(center_dir), "--keys", str(keys)]) == 0
    wheels = tmp_path / "wheels"
    fake_wheel(wheels, APP_WHEEL, size=3 * key_signing.UPDATE_CHUNK_BYTES + 12345)  # four answers of the center
    release(keys, center_dir, "9.0.0", "Rilis lewat jalur buruk.", wheels, tmp_path)
    center = CenterServer(center_dir).start()
    plan = linkproxy.FaultPlan(rate=0.3, seed=44, seconds=0.5)
    proxy = linkproxy.LinkProxy(("127.0.0.1", center.port), faults=plan, seed=44)
    proxy.start()
    try:
        office_dir = tmp_path / "kecamatan"
        office = kecamatan_app(office_dir)
        enrol_kecamatan(office, center.url, code, link_url=proxy.url)
        confirm_root(office, office_dir, key_signing.key_folder_fingerprint(keys))
        from sync.client import engine
        from app.updates.state import read_state
        for _ in range(40):
            with office.app_context(), office.extensions["database"].connection_context():
                engine.sync_once()
            if (read_state(office_dir).get("available") or {}).get("version") == "9.0.0":
                break
        state = read_state(office_dir)
        assert state["available"]["version"] == "9.0.0" and not state.get("refused"), state
        assert fetching.verified_files(office_dir, state["available"]["wheels"])
        assert sum(plan.injected.values()) >= 3, plan.injected
    finally:
        proxy.close()
        center.stop()


def test_a_desa_pc_learns_of_the_release_through_its_relay_link(regency, tmp_path):
    """The desa PC's key reaches the release repository too: its own pass brings the release."""
    import re
    from app import create_app
    from app.auth.accounts import create_user
    from app.firstrun import ensure_admin
    from app.auth.models import User
    from app.frame.db import database
    from sync.client import engine
    from app.updates.state import read_state
    from app.firstrun import seed_identity
    from tests.conftest import CsrfClient, sign_in_as
    from tests.desa.conftest import DARUNGAN
    regency.publish("9.0.0", "Rilis untuk kecamatan dan desa.", [APP_WHEEL])
    office, desa_dir = regency.office, tmp_path / "desa-pc"
    office.test_client_class = CsrfClient
    database.initialize(office.extensions["database"])
    with office.app_context(), office.extensions["database"].connection_context():
        seed_identity("35.08.07")  # the office's first-run setup, done
        camat_admin = create_user("admin-kec", "Admin Kecamatan", "admin", password="admin-rahasia-12",
                                  must_change_password=False)[0]
        kecamatan_admin = office.test_client()
        sign_in_as(kecamatan_admin, camat_admin)
        page = kecamatan_admin.post("/admin/operator-desa/kode-komputer", data={"desa": DARUNGAN})
    found = re.search(r'<code class="enrolment-code">([^<]+)</code>', page.get_data(as_text=True))
    assert found, (page.status_code, page.get_data(as_text=True)[-3000:])
    code = found.group(1)
    desa = create_app({"DATA_DIR": desa_dir, "SECRET_KEY": "desa-secret", "TESTING": True, "MODE": "desa"})
    desa.test_client_class = CsrfClient
    database.initialize(desa.extensions["database"])
    with desa.app_context(), desa.extensions["database"].connection_context():
        password = ensure_admin()
        admin = User.get(User.username == "admin")
        admin.must_change_password = False
        admin.save()
        client = desa.test_client()
        sign_in_as(client, admin)
        enrolled = client.post("/admin/komputer-desa", data={"kode": code})
        assert enrolled.status_code == 302, enrolled.get_data(as_text=True)[-2000:]
        # The desa PC's admin has the same page: the regency's fingerprint, typed from its sheet.
        typed = client.post("/admin/pembaruan/kunci-root", data=sheet_form(regency.fingerprint().upper(), password))
        assert typed.status_code == 302, typed.get_data(as_text=True)[-2000:]
        report = engine.sync_once()
        assert not report.error, report.error
        page = client.get("/admin/pembaruan").get_data(as_text=True)
    assert read_state(desa_dir)["available"]["version"] == "9.0.0"
    assert "Pembaruan tersedia: versi 9.0.0" in page and "Rilis untuk kecamatan dan desa." in page
    database.initialize(office.extensions["database"])


def test_a_pass_checks_for_a_release_only_when_the_center_holds_other_metadata(regency, monkeypatch):
    """Issue 45: every pass asked the center for the next root and the timestamp (two signed requests,
    the center's CPU and two round trips of the rural link) although both change once a day at most.
    The probe now says which root and timestamp the center holds: a PC whose last check ended with
    those, nothing waiting, checks nothing; a new timestamp (the daily re-signing), a release, a
    timestamp near its expiry or a PC that trusts nothing yet while the center holds a root: checked."""
    from types import SimpleNamespace
    from sync.center.updates import refresh_timestamp
    asked = []
    real_read = fetching.CenterSource.read
    monkeypatch.setattr(fetching.CenterSource, "read", lambda source, name, start, size: asked.append(name)
                        or real_read(source, name, start, size))

    def checked() -> list:
        asked.clear()
        report = regency.sync()
        assert not report.error, report.error
        return list(asked)
    assert checked() == []  # nothing published: nothing to ask
    assert regency.state()["checked_at"]
    regency.publish("0.0.1", "Rilis lama: komputer ini sudah lebih baru.", [APP_WHEEL])
    assert "metadata/timestamp.json" in checked()  # the first root comes with it
    assert regency.state()["available"] is None and not regency.state()["refused"]
    assert checked() == []  # the same root and timestamp: nothing to learn
    refresh_timestamp(SimpleNamespace(config={"DATA_DIR": regency.center_dir}))  # the center's daily job
    assert "metadata/timestamp.json" in checked()
    assert checked() == []
    monkeypatch.setattr(fetching, "FRESH_ENOUGH_DAYS", key_signing.TIMESTAMP_DAYS + 1)  # near its expiry
    assert "metadata/timestamp.json" in checked()


def signed_bundle(regency, version: str, wheels: list[str], changed: dict | None = None) -> Path:
    """A bundle signed with the regency's key folder, its release.json then `changed`."""
    folder = regency.tmp / f"wheels-{version}"
    for name in wheels:
        fake_wheel(folder, name, 20_000)
    bundle = key_signing.sign_release(regency.keys, version, "Rilis uji.", sorted(folder.glob("*.whl")),
                                   regency.tmp / f"paket-{version}")
    return resigned(bundle, regency.keys, **changed) if changed else bundle


def published(regency, bundle: Path) -> None:
    from sync.center.release_commands import online_key_of
    key_signing.publish(bundle, regency.repository(), online_key_of(regency.center_dir))


def apply_now(regency) -> str:
    from app.updates import installing
    with regency.office.app_context(), regency.office.extensions["database"].connection_context():
        with pytest.raises(fetching.UpdateRefused) as refused:
            installing.apply_available(regency.office.config)
    return str(refused.value)


def tree(folder: Path) -> dict:
    return {str(p.relative_to(folder)): p.stat().st_mtime_ns for p in folder.rglob("*")}


def test_a_release_whose_version_is_a_path_is_refused_and_nothing_outside_the_data_folder_changes(regency):
    """Issue 60, finding 3: "10.0/../../../KORBAN" replaced a folder beside the data folder and put the
    pre-update backup outside backups/. The version is PEP 440 or the release is refused when read."""
    beside = regency.tmp / "KORBAN"
    beside.mkdir()
    (beside / "milik-orang-lain.txt").write_text("jangan diubah")
    victim, beside_names = tree(beside), sorted(p.name for p in regency.tmp.iterdir())
    bundle = signed_bundle(regency, "10.0", ["loket_kecamatan-10.0-py3-none-any.whl"],
                           {"version": "10.0/../../../KORBAN"})
    published(regency, bundle)
    regency.sync()
    state = regency.state()
    assert state["refused"] == ('Rilis bernomor versi "10.0/../../../KORBAN" ditolak: itu bukan nomor versi yang sah '
                                "(contoh yang sah: 0.2.1). Tidak ada yang diunduh atau dipasang; laporkan ke admin "
                                "kabupaten.")
    assert not state.get("available")
    assert not list((regency.office_dir / "pembaruan" / "cache").glob("wheels*"))  # nothing beyond release.json
    assert apply_now(regency) == "Tidak ada pembaruan yang menunggu dipasang."
    assert tree(beside) == victim
    assert sorted(p.name for p in regency.tmp.iterdir() if p.name not in ("paket-10.0", "wheels-10.0")) == beside_names
    assert not (regency.office_dir / "versions").exists()


OTHER_PLATFORM = "win_amd64" if not sys.platform.startswith("win") else "manylinux_2_17_x86_64"


def test_a_release_without_wheels_for_this_pc_is_not_offered_and_nothing_is_downloaded(regency, monkeypatch):
    """Issue 60, finding 3: a release for another platform was offered and failed only at pip, after a
    backup. `requires` (the app wheel's Requires-Dist) says what it needs; a requirement this PC
    neither has nor gets a wheel for refuses the release, naming this PC."""
    asked = []
    real_read = fetching.CenterSource.read
    monkeypatch.setattr(fetching.CenterSource, "read", lambda source, name, start, size: asked.append(name)
                        or real_read(source, name, start, size))
    windows_only = f"fakedep-1.0-cp311-cp311-{OTHER_PLATFORM}.whl"
    bundle = signed_bundle(regency, "9.0.0", [APP_WHEEL, windows_only], {"requires": [
        "fakedep>=1.0", f"tuf=={metadata.version('tuf')}", 'pywin32>=300; sys_platform == "nowhere"',
        'pytest-timeout; extra == "test"']})
    published(regency, bundle)
    regency.sync()
    state = regency.state()
    here = f"{'Windows' if sys.platform.startswith('win') else 'Linux'}"
    assert state["refused"].startswith(f"Rilis 9.0.0 tidak berisi paket untuk komputer ini ({here} ")
    assert state["refused"].endswith(f"Python {sys.version_info.major}.{sys.version_info.minor}): fakedep>=1.0. Tidak "
                                     "ada yang diunduh; versi yang berjalan tetap dipakai. Minta admin kabupaten "
                                     "menerbitkan rilis lengkap untuk komputer ini.")
    assert not state.get("available")
    assert [name for name in asked if name.startswith("targets/")] == [
        next(name for name in asked if name.endswith(".release.json"))]  # release.json, and nothing else
    assert apply_now(regency) == "Tidak ada pembaruan yang menunggu dipasang."
    # The regency publishes it complete: the wheel this PC needs comes, the satisfied ones do not.
    bundle = signed_bundle(regency, "9.0.1", ["loket_kecamatan-9.0.1-py3-none-any.whl", windows_only,
                                              "fakedep-1.1-py3-none-any.whl", "fakedep-0.9-py3-none-any.whl"],
                           {"requires": ["fakedep>=1.0", f"tuf=={metadata.version('tuf')}"]})
    published(regency, bundle)
    regency.sync()
    state = regency.state()
    assert not state["refused"], state
    assert sorted(state["available"]["wheels"]) == ["wheels/fakedep-1.1-py3-none-any.whl",
                                                    "wheels/loket_kecamatan-9.0.1-py3-none-any.whl"]


def test_an_app_wheel_only_for_another_platform_is_not_offered(regency):
    bundle = signed_bundle(regency, "9.0.0", [f"loket_kecamatan-9.0.0-cp311-cp311-{OTHER_PLATFORM}.whl"],
                           {"requires": []})
    published(regency, bundle)
    regency.sync()
    state = regency.state()
    assert "tidak berisi paket untuk komputer ini" in state["refused"] and "loket-kecamatan 9.0.0" in state["refused"]
    assert not state.get("available")


def test_a_file_altered_in_the_cache_after_its_download_is_not_installed(regency):
    """Issue 60, finding 9: removing the re-check of a cached file before it is installed passed every
    test. A file changed between the download and the button is refused, nothing changed."""
    regency.publish("9.0.0", "Rilis asli.", [APP_WHEEL])
    regency.sync()
    available = regency.state()["available"]
    cached = regency.office_dir / "pembaruan" / "cache" / ("wheels%2F" + APP_WHEEL)
    altered = bytearray(cached.read_bytes())
    altered[500] ^= 0xFF
    cached.write_bytes(bytes(altered))
    assert apply_now(regency) == ("Berkas pembaruan tidak cocok dengan yang ditandatangani kabupaten (rusak atau diubah "
                                  "di jalan): ditolak, tidak ada yang berubah di komputer ini.")
    assert not (regency.office_dir / "versions").exists()
    assert not list((regency.office_dir / "backups").glob("sebelum-pembaruan-*"))
    assert regency.state()["available"] == available


def test_a_release_is_on_offer_only_once_its_files_are_on_the_disk(regency, monkeypatch):
    """Power cuts (issue 60): ngclient writes what it verified without syncing it, and a cut left a
    release "available" over an empty metadata folder. The metadata and the release's files are
    synced before "available" is saved."""
    from app.frame import private_files
    from app.updates import state
    synced, saved = [], []
    monkeypatch.setattr(private_files, "sync_file", lambda path: synced.append(Path(path).name))

    def write_state(data_dir, **changes):
        if changes.get("available"):
            saved.append(list(synced))  # what was on the disk when the offer was saved
        return state.write_state(data_dir, **changes)
    monkeypatch.setattr(fetching, "write_state", write_state)
    regency.publish("9.0.0", "Rilis asli.", [APP_WHEEL])
    regency.sync()
    assert regency.state()["available"]["version"] == "9.0.0"
    before_offer = saved[-1]
    for name in ("root.json", "timestamp.json", "snapshot.json", "targets.json", "release.json", "wheels%2F" + APP_WHEEL):
        assert name in before_offer, (name, before_offer)


def test_a_release_whose_metadata_a_cut_took_is_fetched_again_not_blamed_on_the_fingerprint(regency):
    """What a cut left before the files were synced (an empty metadata folder under a typed fingerprint)
    is said as what it is, and the next pass brings the release back."""
    regency.publish("9.0.0", "Rilis asli.", [APP_WHEEL])
    regency.sync()
    shutil.rmtree(regency.office_dir / "pembaruan" / "metadata")
    (regency.office_dir / "pembaruan" / "metadata").mkdir()
    answer = apply_now(regency)
    assert answer.startswith("Berkas pembaruan di komputer ini tidak utuh (mungkin karena listrik padam)"), answer
    assert "belum dikonfirmasi" not in answer and regency.state()["available"] is None
    regency.sync()
    assert regency.state()["available"]["version"] == "9.0.0"


PREVIOUS_CENTER = """
import sys
from pathlib import Path
from tests.sync.harness import prepare_center
print(prepare_center(Path(sys.argv[1]))[1])
"""


@pytest.mark.slow  # the previous version's center as a real process
def test_an_office_syncing_with_a_center_of_the_previous_version_has_nothing_to_update_and_no_broken_link(
        tmp_path, caplog):
    """Issue 60, finding 8: a center of the previous version has no release repository and answers its
    address unsigned, which the office took for a broken link: "sambungan putus saat mengunduh
    pembaruan" on every pass. Its probe says which version it is: nothing to update there."""
    import logging
    import os
    import signal
    import subprocess
    from sync.client import engine
    from tests.sync.harness import enrol_kecamatan, free_port, kecamatan_app, wait_for
    from tests.sync.test_protocol_versions import _previous_release
    from tests.updates.helpers import confirm_root
    old = _previous_release(tmp_path / "pusat-versi-sebelumnya")
    assert not (old / "sync" / "center" / "updates.py").exists()  # it has no release repository
    center_dir, office_dir = tmp_path / "center", tmp_path / "kecamatan"
    env = dict(os.environ, PYTHONPATH=str(old))  # the previous version's own modules, not this tree's
    made = subprocess.run([sys.executable, "-c", PREVIOUS_CENTER, str(center_dir)], cwd=old, env=env,
                          capture_output=True, text=True, timeout=300)
    assert made.returncode == 0, made.stderr[-3000:]
    code = made.stdout.strip().splitlines()[-1]
    port = free_port()
    with open(tmp_path / "pusat.log", "wb") as log:
        center = subprocess.Popen([sys.executable, str(old / "run.py"), "center", "--data", str(center_dir), "--port",
                                   str(port)], cwd=old, env=env, stdout=log, stderr=subprocess.STDOUT,
                                  start_new_session=True)
    try:
        url = f"http://127.0.0.1:{port}"
        wait_for(url + "/masuk", timeout=120)
        office = kecamatan_app(office_dir)
        enrol_kecamatan(office, url, code)
        keys = tmp_path / "kunci-kabupaten"
        key_signing.create_keys(keys)
        confirm_root(office, office_dir, key_signing.key_folder_fingerprint(keys))  # the admin typed the sheet
        caplog.set_level(logging.INFO)
        for _ in range(2):
            with office.app_context(), office.extensions["database"].connection_context():
                report = engine.sync_once()
            assert not report.error, report.error
        from app.updates.state import read_state
        state = read_state(office_dir)
        assert state["checked_at"] and not state.get("refused") and not state.get("available")
        said = [record.getMessage() for record in caplog.records if record.name.startswith("app.updates")]
        assert said == []
        assert not any("sambungan putus" in record.getMessage() for record in caplog.records)
    finally:
        os.killpg(center.pid, signal.SIGTERM)
        center.wait(30)
