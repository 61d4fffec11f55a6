"""Trust rooted in paper (issue 60, finding 1): with only the center's data folder, or a stick, a stranger
made its own keys, signed a release and the office took the stranger's root on first use, offered its
release and ran its code (by the button or at night); afterwards the regency's genuine release was
refused for good. Now the regency root enters a PC only when its keys give the fingerprint the admin
typed from the regency's sheet; nothing is fetched, offered or installed before; a root a PC of the
previous version took on first use counts for nothing until the admin types the fingerprint; and the
regency can still rotate its root key (TUF's chain)."""
import json
import shutil
from pathlib import Path

import pytest
from securesystemslib.signer import CryptoSigner, SSlibKey
from tuf.api.metadata import Metadata, Root, Snapshot, Targets, Timestamp

from app.frame.audit import AuditEvent
from app.updates import fetching, installing, trust
from app.updates.state import paths, read_state, write_state
from sync.release import key_signing
from tests.updates.helpers import Regency, fake_wheel, sheet_form

FORGED = "loket_kecamatan-9.9.9-py3-none-any.whl"


@pytest.fixture
def regency(tmp_path, shared_regency):
    """The file's regency (conftest.py shared_regency), reset, with this test's own office."""
    return Regency(tmp_path, shared=shared_regency)


@pytest.fixture
def unconfirmed(tmp_path, shared_regency):
    return Regency(tmp_path, confirmed=False, shared=shared_regency)


def strangers_repository(work: Path, into: Path, version: str = "9.9.9") -> Path:
    """What the attacker of finding 1 did: its own keys (sync.release.key_signing.create_keys), a release signed
    with them, published into `into` (the center's release folder, or a folder on a stick)."""
    keys = work / f"kunci-penyusup-{version}"
    key_signing.create_keys(keys)
    wheels = work / f"wheels-penyusup-{version}"
    fake_wheel(wheels, f"loket_kecamatan-{version}-py3-none-any.whl", 20_000)
    bundle = key_signing.sign_release(keys, version, "Perbaikan penting.", sorted(wheels.glob("*.whl")),
                                   work / f"paket-penyusup-{version}")
    key_signing.publish(bundle, into, keys / "online.pem")
    return keys


def genuine_stick(regency: Regency, version: str, stick: Path) -> Path:
    """The regency's release copied to a stick: its center's repository after publishing."""
    regency.publish(version, f"Rilis kabupaten {version}.", [f"loket_kecamatan-{version}-py3-none-any.whl"], 20_000)
    shutil.copytree(regency.repository(), stick)
    return stick


def nothing_installed(regency: Regency, monkeypatch) -> None:
    """Neither the admin's button nor the night job installs anything, and no backup is made for it."""
    restarted = []
    monkeypatch.setattr(installing, "restart_into_selection", lambda: restarted.append(True))
    monkeypatch.setattr(installing, "NIGHT_HOURS", range(0, 24))  # it is night, whatever the clock says
    with regency.office.app_context(), regency.office.extensions["database"].connection_context():
        with pytest.raises(fetching.UpdateRefused):
            installing.apply_available(regency.office.config)
        write_state(regency.office_dir, apply_at_night=True)
        installing.nightly_apply(regency.office)
    assert not restarted
    assert not (regency.office_dir / "versions").exists()
    assert not list((regency.office_dir / "backups").glob("sebelum-pembaruan-*"))


def test_a_stranger_with_the_centers_release_folder_gets_nothing_offered_and_the_regencys_release_comes_after(
        regency, monkeypatch):
    strangers_repository(regency.tmp, regency.repository())  # before the regency's first release
    regency.sync()
    state = regency.state()
    stranger = key_signing.root_fingerprint_of(key_signing.newest_root(regency.repository()))
    assert state["refused"] == fetching.SOURCE_ROOT_REFUSED  # named without its digits (issue 69)
    assert stranger[:9] not in state["refused"] and regency.fingerprint()[:9] not in state["refused"]
    assert not state.get("available")
    assert not trust.trusts_a_root(regency.office_dir)  # nothing stored
    assert not list((regency.office_dir / "pembaruan" / "cache").glob("wheels*"))
    write_state(regency.office_dir, available={"version": "9.9.9", "notes": "", "wheels": ["wheels/" + FORGED]})
    nothing_installed(regency, monkeypatch)  # even a release the state names is refused
    write_state(regency.office_dir, available=None)
    # The regency's server is cleaned and its genuine release published: it is offered.
    shutil.rmtree(regency.repository())
    regency.publish("9.0.0", "Rilis asli kabupaten.", ["loket_kecamatan-9.0.0-py3-none-any.whl"])
    regency.sync()
    state = regency.state()
    assert state["available"]["version"] == "9.0.0" and not state["refused"], state
    assert trust.trusted_fingerprint(regency.office_dir) == regency.fingerprint()
    assert fetching.verified_files(regency.office_dir, state["available"]["wheels"])


def test_a_strangers_stick_gets_nothing_offered_and_the_regencys_stick_is_read_after(regency, monkeypatch):
    stick = regency.tmp / "flashdisk-penyusup" / "pembaruan"
    strangers_repository(regency.tmp, stick)
    state = fetching.check_source(regency.office_dir, fetching.FolderSource(stick))
    assert state["refused"] == fetching.SOURCE_ROOT_REFUSED
    assert not state.get("available") and not trust.trusts_a_root(regency.office_dir)
    nothing_installed(regency, monkeypatch)
    good = genuine_stick(regency, "9.0.0", regency.tmp / "flashdisk-kabupaten" / "pembaruan")
    state = fetching.check_source(regency.office_dir, fetching.FolderSource(good))
    assert state["available"]["version"] == "9.0.0" and not state["refused"]


def test_a_root_the_regency_trusts_is_kept_when_a_stranger_brings_its_own_later(regency):
    """After the regency's root is trusted: a stranger's repository in the center's place, or on a
    stick, with or without a "next" root of its own, is refused; the regency's next release still comes."""
    regency.publish("9.0.0", "Rilis asli.", ["loket_kecamatan-9.0.0-py3-none-any.whl"])
    regency.sync()
    assert regency.state()["available"]["version"] == "9.0.0"
    stick = regency.tmp / "flashdisk-penyusup" / "pembaruan"
    keys = strangers_repository(regency.tmp, stick)
    shutil.copyfile(stick / "metadata" / "1.root.json", stick / "metadata" / "2.root.json")  # a "rotation"
    state = fetching.check_source(regency.office_dir, fetching.FolderSource(stick))
    assert state["refused"].startswith("Metadata pembaruan tidak ditandatangani kunci kabupaten yang dipercaya")
    assert state["available"]["version"] == "9.0.0"
    assert trust.trusted_fingerprint(regency.office_dir) == regency.fingerprint() != key_signing.key_folder_fingerprint(keys)
    regency.publish("9.0.1", "Rilis kedua.", ["loket_kecamatan-9.0.1-py3-none-any.whl"])
    regency.sync()
    assert regency.state()["available"]["version"] == "9.0.1" and not regency.state()["refused"]


def test_without_the_fingerprint_nothing_is_fetched_and_the_page_says_what_to_ask_for(unconfirmed, monkeypatch):
    asked = []
    real_read = fetching.CenterSource.read
    monkeypatch.setattr(fetching.CenterSource, "read", lambda source, name, start, size: asked.append(name)
                        or real_read(source, name, start, size))
    unconfirmed.publish("9.0.0", "Rilis asli.", ["loket_kecamatan-9.0.0-py3-none-any.whl"])
    report = unconfirmed.sync()
    assert not report.error, report.error
    assert asked == []
    assert not unconfirmed.state().get("available") and not unconfirmed.state().get("refused")
    page = admin_page(unconfirmed)
    assert "Minta lembar sidik jari kunci root dari admin kabupaten" in page
    assert "Pembaruan tersedia" not in page
    unconfirmed.confirm_root()
    unconfirmed.sync()
    assert unconfirmed.state()["available"]["version"] == "9.0.0"


OFFICE_ADMIN_PASSWORD = "admin-rahasia-12"


def admin_page(regency: Regency, typed: dict | None = None) -> str:
    """The office admin's update page (a POST of the fingerprint form first when `typed`)."""
    from app.auth.accounts import create_user
    from app.auth.models import User
    from app.frame.db import database
    from tests.conftest import CsrfClient, sign_in_as
    office = regency.office
    office.test_client_class = CsrfClient
    database.initialize(office.extensions["database"])
    with office.app_context(), office.extensions["database"].connection_context():
        admin = User.get_or_none(User.username == "admin-kantor")
        if admin is None:
            from app.firstrun import seed_identity
            seed_identity("35.08.07")  # the office's first-run setup, done
            admin = create_user("admin-kantor", "Admin Kantor", "admin", password=OFFICE_ADMIN_PASSWORD,
                                must_change_password=False)[0]
        client = office.test_client()
        sign_in_as(client, admin)
        if typed is not None:
            client.post("/admin/pembaruan/kunci-root", data=typed)
        return client.get("/admin/pembaruan").get_data(as_text=True)


def took_on_first_use(data_dir: Path, folder: Path) -> None:
    """What a PC of the previous version did with the first source it met: trusted its 1.root.json as
    it came, fetched the release and offered it."""
    from tuf.ngclient import Updater
    where = paths(data_dir)
    where.metadata.mkdir(parents=True, exist_ok=True)
    where.cache.mkdir(parents=True, exist_ok=True)
    fetcher = fetching.BoundedFetcher(fetching.FolderSource(folder), where.cache / "sebagian")
    updater = Updater(str(where.metadata), "loket:metadata/", str(where.cache), "loket:targets/", fetcher,
                      bootstrap=(folder / "metadata" / "1.root.json").read_bytes())
    updater.refresh()
    release = json.loads(Path(fetching._fetched(updater, key_signing.RELEASE_TARGET)).read_bytes())
    for wheel in release["wheels"]:
        fetching._fetched(updater, wheel)
    write_state(data_dir, available={"version": release["version"], "notes": release["notes"],
                                     "wheels": release["wheels"], "signed_at": ""}, refused=None)


def test_a_pc_that_took_a_strangers_root_on_first_use_drops_it_when_its_admin_types_the_regencys(
        unconfirmed, monkeypatch):
    regency = unconfirmed
    stick = regency.tmp / "flashdisk-penyusup" / "pembaruan"
    keys = strangers_repository(regency.tmp, stick)
    took_on_first_use(regency.office_dir, stick)
    stranger = key_signing.key_folder_fingerprint(keys)
    assert trust.trusted_fingerprint(regency.office_dir) == stranger
    page = admin_page(regency)
    assert "diterima tanpa dikonfirmasi" in page and stranger[:9] not in page  # no digits to copy (issue 69)
    assert "Pembaruan tersedia" not in page and "Pasang pembaruan sekarang" not in page
    nothing_installed(regency, monkeypatch)
    page = admin_page(regency, sheet_form(regency.fingerprint(), OFFICE_ADMIN_PASSWORD))
    assert ("Periksa lagi yang Anda ketik dengan lembar kabupaten. Sidik jari yang diketik tidak sama dengan kunci yang "
            "diterima komputer ini tanpa konfirmasi") in page  # the typing first, never "not the regency's"
    assert stranger[:9] not in page and "BUKAN" not in page
    assert not trust.trusts_a_root(regency.office_dir) and not read_state(regency.office_dir).get("available")
    regency.publish("9.0.0", "Rilis asli.", ["loket_kecamatan-9.0.0-py3-none-any.whl"])
    regency.sync()
    assert regency.state()["available"]["version"] == "9.0.0"
    assert trust.trusted_fingerprint(regency.office_dir) == regency.fingerprint()
    assert "tadinya memegang" not in admin_page(regency)  # said until the regency's root came


def test_a_pc_that_took_the_regencys_root_on_first_use_keeps_it_when_the_fingerprint_matches(unconfirmed):
    regency = unconfirmed
    stick = genuine_stick(regency, "9.0.0", regency.tmp / "flashdisk" / "pembaruan")
    took_on_first_use(regency.office_dir, stick)
    kept = sorted(p.name for p in (regency.office_dir / "pembaruan" / "metadata").rglob("*.json"))
    assert not trust.confirmed(regency.office_dir)
    message, well = regency.confirm_root(regency.fingerprint().upper().replace(" ", "-"))
    assert well and message.startswith("Cocok: komputer ini memercayai kunci root kabupaten")
    assert trust.confirmed(regency.office_dir)
    assert sorted(p.name for p in (regency.office_dir / "pembaruan" / "metadata").rglob("*.json")) == kept
    assert "Pembaruan tersedia: versi 9.0.0" in admin_page(regency)


def rotate_root(keys: Path, root_folder: Path) -> str:
    """The regency replaces its root key: root 2, signed by the old root key and the new one; the root
    stick keeps the new key, the release key folder the new root metadata. Returns the new fingerprint."""
    old = Metadata[Root].from_file(str(keys / "metadata" / "1.root.json"))
    old_signer = key_signing.load_signer(root_folder / key_signing.KEY_FILES["root"])
    new_signer = CryptoSigner.generate_ed25519()
    root = old.signed
    root.version = 2
    root.revoke_key(old_signer.public_key.keyid, Root.type)
    root.add_key(new_signer.public_key, Root.type)
    rotated = Metadata(root)
    rotated.sign(old_signer)
    rotated.sign(new_signer, append=True)
    (keys / "metadata" / "2.root.json").write_bytes(rotated.to_bytes(key_signing.SERIALIZER))
    (root_folder / key_signing.KEY_FILES["root"]).write_text(new_signer.private_bytes.decode("ascii"))
    return key_signing.root_fingerprint(root)


@pytest.fixture
def own_regency(tmp_path):
    """A regency of the test's own: rotating the root changes the key folder the file's regency shares."""
    made = Regency(tmp_path)
    yield made
    made.stop()


def test_the_regency_rotates_its_root_key_and_pcs_follow_the_chain(own_regency, tmp_path):
    regency = own_regency
    regency.publish("9.0.0", "Rilis pertama.", ["loket_kecamatan-9.0.0-py3-none-any.whl"])
    regency.sync()
    first = regency.fingerprint()
    assert trust.trusted_fingerprint(regency.office_dir) == first
    second = rotate_root(regency.keys, regency.root)
    assert second != first and regency.fingerprint() == second
    regency.publish("9.0.1", "Rilis dengan kunci root baru.", ["loket_kecamatan-9.0.1-py3-none-any.whl"])
    regency.sync()
    state = regency.state()
    assert state["available"]["version"] == "9.0.1" and not state["refused"], state
    assert trust.trusted_fingerprint(regency.office_dir) == second and trust.confirmed(regency.office_dir)
    # The office admin types the new sheet (password, twice): a key on the PC's chain, taken as it is.
    with regency.office.app_context(), regency.office.extensions["database"].connection_context():
        message, well = trust.confirm(regency.office_dir, second, again=second, password_ok=True)
    assert well and message.startswith("Cocok") and trust.expected_root(regency.office_dir) == second
    assert trust.confirmed(regency.office_dir) and regency.state()["available"]["version"] == "9.0.1"
    # A new PC whose admin typed the new sheet's fingerprint starts from root 2.
    newcomer = tmp_path / "kecamatan-baru"
    write_state(newcomer, expected_root=second)
    state = fetching.check_source(newcomer, fetching.FolderSource(regency.repository()))
    assert state["available"]["version"] == "9.0.1", state
    assert trust.trusted_fingerprint(newcomer) == second


def test_a_stranger_that_labels_its_key_with_the_regencys_id_is_refused(regency):
    """A key's id in TUF metadata is a label: the fingerprint is taken from the key itself."""
    genuine = Metadata[Root].from_file(str(regency.keys / "metadata" / "1.root.json")).signed
    regency_id = genuine.roles[Root.type].keyids[0]
    forged_signer = CryptoSigner.generate_ed25519()
    labelled = SSlibKey(regency_id, forged_signer.public_key.keytype, forged_signer.public_key.scheme,
                        forged_signer.public_key.keyval)
    signer = CryptoSigner(forged_signer._private_key, labelled)
    stick = regency.tmp / "flashdisk-penyusup" / "pembaruan"
    (stick / "metadata").mkdir(parents=True)
    (stick / "targets").mkdir()
    root = Root(expires=genuine.expires, consistent_snapshot=True)
    for role in (Root.type, Targets.type, Snapshot.type, Timestamp.type):
        root.add_key(labelled, role)
    forged = Metadata(root)
    forged.sign(signer)
    (stick / "metadata" / "1.root.json").write_bytes(forged.to_bytes(key_signing.SERIALIZER))
    # Neither the PC nor the center's Rilis Pembaruan page (the same function) reads the regency's
    # fingerprint off the label: the id is computed from the key.
    assert key_signing.root_fingerprint_of(stick / "metadata" / "1.root.json") is None
    state = fetching.check_source(regency.office_dir, fetching.FolderSource(stick))
    assert state["refused"] == fetching.SOURCE_ROOT_REFUSED
    assert not trust.trusts_a_root(regency.office_dir)


def test_the_admin_types_the_fingerprint_on_the_update_page(client_for, db, tmp_path):
    admin = client_for("admin")
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "Sidik jari kunci root dari kabupaten" in page and 'name="sidik_jari"' in page
    for junk in ("", "   ", "3f2a 9c01", "g" * 32, "0" * 33, "0" * 31, "0" * 32 + "/" + "1" * 5, "x" * 5000):
        answer = admin.post("/admin/pembaruan/kunci-root", data={"sidik_jari": junk})
        assert answer.status_code == 422, junk
        text = answer.get_data(as_text=True)
        assert 'href="#f-sidik_jari"' in text and 'aria-invalid="true"' in text
        assert "Sidik jari" in text.split('id="e-sidik_jari">', 1)[1].split("</span>", 1)[0] or junk.strip() == ""
    assert AuditEvent.select().where(AuditEvent.entity_id == "kunci_root_pembaruan").count() == 0
    assert trust.expected_root(tmp_path) is None
    answer = admin.post("/admin/pembaruan/kunci-root", follow_redirects=True, data=sheet_form(
        " 3F2A-9C01 aaaa BBBB\t0123-4567 89ab cdef\n") | {"sidik_jari_ulang": "3f2a9c01aaaabbbb0123456789abcdef"})
    assert answer.status_code == 200
    page = answer.get_data(as_text=True)
    assert "Sidik jari disimpan." in page and "Sidik jari dari lembar kabupaten sudah diketik oleh Pegawai admin" in page
    assert "3f2a 9c01" not in page  # never shown back: the only one to type is the sheet's (issue 69)
    row = AuditEvent.get(AuditEvent.entity_id == "kunci_root_pembaruan")
    # The trail keeps the first and last groups only: no page, print or trail shows the sheet's eight (issue 79).
    assert row.summary == "Sidik jari kunci root kabupaten diketik dua kali dari lembar, dengan kata sandi"
    assert row.username == "admin" and "9c01" not in row.after and "3f2a\u2026cdef" in json.loads(row.after)["sidik_jari"]
    assert client_for("petugas_loket").post("/admin/pembaruan/kunci-root",
                                            data={"sidik_jari": "0" * 32}).status_code == 403
    assert trust.expected_root(tmp_path) == "3f2a 9c01 aaaa bbbb 0123 4567 89ab cdef"


def test_a_stick_is_not_read_before_the_fingerprint_is_typed(client_for, tmp_path):
    from tests.updates.test_update_page import usb_copy_of_a_release
    admin = client_for("admin")
    answer = admin.post("/admin/pembaruan/usb", data={"folder": str(usb_copy_of_a_release(tmp_path))})
    assert answer.status_code == 422
    page = answer.get_data(as_text=True)
    assert 'href="#f-sidik_jari"' in page and "Ketik dulu sidik jari kunci root dari lembar kabupaten" in page
    assert not trust.trusts_a_root(tmp_path) and not read_state(tmp_path).get("available")
