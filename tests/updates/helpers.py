"""A regency that publishes releases at a real center, and an office PC that learns of them."""
import os
import shutil
from contextlib import contextmanager
from pathlib import Path

import run
from tests.sync.harness import CenterServer, enrol_kecamatan, kecamatan_app, prepare_center


def fake_wheel(folder: Path, name: str, size: int = 300_000) -> Path:
    """A file named like a wheel (the fetch tests never install it)."""
    folder.mkdir(parents=True, exist_ok=True)
    path = folder / name
    path.write_bytes(os.urandom(size))
    return path


def release(keys: Path, center_dir: Path, version: str, notes: str, wheels: Path, work: Path) -> None:
    """The regency admin's steps: sign on the laptop (the key folder), publish on the center's server."""
    bundle = work / f"paket-{version}"
    assert run.main(["release", "sign", "--keys", str(keys), "--version", version, "--notes", notes,
                     "--wheels", str(wheels), "--bundle", str(bundle)]) == 0
    assert run.main(["release", "publish", "--data", str(center_dir), "--bundle", str(bundle)]) == 0


def sheet_form(fingerprint: str, password: str | None = None) -> dict:
    """The update page's form as the admin fills it from the regency's sheet: the fingerprint typed
    twice and the admin's own password (the first typing as much as a change, issue 79)."""
    from tests.conftest import TEST_PASSWORD
    return {"sidik_jari": fingerprint, "sidik_jari_ulang": fingerprint, "kata_sandi": password or TEST_PASSWORD}


def confirm_root(app, data_dir: Path, typed: str):
    """What the office admin does with the regency's sheet: types its fingerprint twice on the update
    page, with the password (the page's own function, audited as the page does it)."""
    from app.updates import trust
    with app.app_context(), app.extensions["database"].connection_context():
        return trust.confirm(data_dir, typed, again=typed, password_ok=True)


class RegencyCenter:
    """The regency's side alone: release keys on the admin's stick, the online key installed and a real
    `run.py center` process. Made once per test file (`shared_regency`) and handed to each test's
    Regency with the release state of a regency that published nothing (reset()): the keys, the
    center's database and its process stay; a test that changes those (a root rotated, the center
    stopped) makes a Regency of its own."""

    def __init__(self, folder: Path, database_url: str | None = None):
        import pytest
        self.folder = folder
        self.center_dir, self.keys = folder / "center", folder / "flashdisk-admin" / "kunci-rilis"
        self.root = folder / "flashdisk-root" / "kunci-root"  # the root key on a stick of its own
        self.database_url = database_url  # the center started with `--database-url` (else its folder's own)
        # Its settings and temp folders its own (tests/support/own_folders.py), the center process's too.
        (folder / "tmp").mkdir(parents=True)  # a folder inside the test's own, e.g. tmp_path / "kabupaten"
        with pytest.MonkeyPatch.context() as patch:
            for name in ("XDG_CONFIG_HOME", "LOCALAPPDATA"):
                patch.setenv(name, str(folder / "pengaturan"))
            for name in ("TMPDIR", "TEMP", "TMP"):
                patch.setenv(name, str(folder / "tmp"))
            _, self.first_code = prepare_center(self.center_dir, database_url)
            assert run.main(["release", "keys", "--keys", str(self.keys), "--root", str(self.root)]) == 0
            assert run.main(["release", "install-online-key", "--data", str(self.center_dir), "--keys", str(self.keys)]) == 0
            # What a release changes: the center's updates folder and the key folders (the versions signed).
            self.release_folders = [self.center_dir / "pembaruan", self.keys.parent, self.root.parent]
            self.published_nothing = folder / "sebelum-rilis"  # their copies before any release
            for index, place in enumerate(self.release_folders):
                shutil.copytree(place, self.published_nothing / str(index))
            self.center = CenterServer(self.center_dir, database_url=database_url).start()
        self.used = False
        self.app = None  # the center's app in this process (center_db)

    def reset(self) -> str:
        """The release state of a regency that published nothing, and a new enrolment code: the
        repository, online key and key folders as `release keys` and install-online-key left them
        (the same keys), no pilot PC, no release marked "coba lagi". The PCs earlier tests enrolled
        stay enrolled (a regency has many)."""
        if not self.used:
            self.used = True
            return self.first_code
        from sync.center import keys
        from sync.center.models import DeviceKey, Kecamatan, ReleaseRetry
        from tests.sync.harness import KECAMATAN_CODE
        for index, place in enumerate(self.release_folders):
            shutil.rmtree(place)
            shutil.copytree(self.published_nothing / str(index), place)
        with self.center_db():
            with self.app.extensions["center_database"].atomic():
                DeviceKey.update(pilot_since=None).where(DeviceKey.pilot_since.is_null(False)).execute()
                ReleaseRetry.delete().execute()
            return keys.new_enrolment_code(Kecamatan.get(Kecamatan.code == KECAMATAN_CODE))

    @contextmanager
    def center_db(self):
        """The center's database in this process, as `run.py release` opens it (one app per regency,
        its migrations run once; the models' proxy pointed at it again, another center may have taken it)."""
        from sync.center.app import create_center_app
        from sync.center.db import center_database
        if self.app is None:
            given = {"DATABASE_URL": self.database_url} if self.database_url else {}
            self.app = create_center_app({"DATA_DIR": self.center_dir, **given})
        center_database.initialize(self.app.extensions["center_database"])
        with self.app.app_context(), self.app.extensions["center_database"].connection_context():
            yield

    def stop(self):
        self.center.stop()


class Regency:
    """A running center with release keys, its online key installed, and one enrolled office app
    whose admin typed the fingerprint `run.py release keys` printed (`confirmed=False`: not yet).
    `shared`: the center of the test file (RegencyCenter), reset, with this test's own office in
    tmp_path; without it, a center of the test's own."""

    def __init__(self, tmp_path: Path, confirmed: bool = True, database_url: str | None = None,
                 shared: RegencyCenter | None = None):
        self.tmp = tmp_path
        self.owned = shared is None
        regency = shared or RegencyCenter(tmp_path, database_url)
        code = regency.reset()
        self.center_dir, self.keys, self.root = regency.center_dir, regency.keys, regency.root
        self.database_url, self.center = regency.database_url, regency.center
        self.office_dir = tmp_path / "kecamatan"
        self.office = kecamatan_app(self.office_dir)
        enrol_kecamatan(self.office, self.center.url, code)
        if confirmed:
            self.confirm_root()

    def fingerprint(self) -> str:
        from sync.release import key_signing
        return key_signing.key_folder_fingerprint(self.keys)

    def confirm_root(self, typed: str | None = None):
        return confirm_root(self.office, self.office_dir, typed or self.fingerprint())

    def publish(self, version: str, notes: str, wheels: list[str], size: int = 300_000) -> Path:
        folder = self.tmp / f"wheels-{version}"
        for name in wheels:
            fake_wheel(folder, name, size)
        release(self.keys, self.center_dir, version, notes, folder, self.tmp)
        return folder

    def sync(self):
        from sync.client import engine
        with self.office.app_context(), self.office.extensions["database"].connection_context():
            return engine.sync_once()

    def state(self) -> dict:
        from app.updates.state import read_state
        return read_state(self.office_dir)

    def repository(self) -> Path:
        return self.center_dir / "pembaruan" / "repo"

    def stop(self):
        if self.owned:
            self.center.stop()


def resigned(bundle: Path, keys: Path, **changes) -> Path:
    """A signed bundle whose release.json says something else (`changes`), signed again with the
    targets key: what only the regency's own key folder, used by mistake or stolen, could make."""
    import json
    from tuf.api.metadata import Metadata, TargetFile, Targets
    from sync.release import key_signing
    release_file = bundle / "targets" / key_signing.RELEASE_TARGET
    release_file.write_bytes(json.dumps(dict(json.loads(release_file.read_bytes()), **changes), indent=1).encode())
    targets_path = max((bundle / "metadata").glob("*.targets.json"), key=lambda p: int(p.name.split(".")[0]))
    signed = Metadata[Targets].from_file(str(targets_path))
    signed.signed.targets[key_signing.RELEASE_TARGET] = TargetFile.from_file(key_signing.RELEASE_TARGET, str(release_file),
                                                                         ["sha256"])
    signed.sign(key_signing.load_signer(keys / key_signing.KEY_FILES["targets"]))
    targets_path.write_bytes(signed.to_bytes(key_signing.SERIALIZER))
    return bundle
