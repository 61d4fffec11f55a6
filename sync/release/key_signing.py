"""The regency's signed releases: a TUF repository (The Update Framework, `tuf`'s metadata API).

Who holds which key (docs/operations.md, "Updates from the regency"):
- the root key lives apart, on its own USB stick (the "root folder", made once by `run.py release
  keys --root`), and signs only which keys are trusted: it is needed to make or replace keys, never
  for a release (issue 69 finding 2: a candidate must never be near it);
- the targets key is on the regency admin's release stick (the "key folder", with the online key and
  the root metadata, which is public). `run.py release build` checks the project's release wheel with
  no key folder named or reachable and writes the checked files; `run.py release sign CHECKED --keys`
  runs no candidate code, re-hashes those files and signs exactly them (sync/release/key_sign_checked.py);
- the center's server holds only the online key (snapshot and timestamp), copied from the key
  folder into its data folder; `run.py release publish --bundle DIR` checks that the bundle's
  targets are signed by the key the root trusts, puts them in its repository and signs the
  snapshot and timestamp.

A release is the target `release.json` ({version, notes, wheels, signed_at; from `release build`
also requires and closure, see sign_release}) beside its wheels (`wheels/<file>`). The repository
uses consistent snapshots: a target is stored as `targets/<sha256>.<name>`, metadata as
`metadata/<version>.<role>.json` (timestamp.json alone unversioned), so a PC that already holds a
wheel by its hash never fetches it again.

The office PC reads the same folder, served by the center over the signed link or copied to a USB
stick (app/updates/fetching.py).
"""
import hashlib
import json
import os
import shutil
import time
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography.hazmat.primitives import serialization
from packaging.version import InvalidVersion, Version
from securesystemslib.signer import CryptoSigner
from tuf.api.exceptions import UnsignedMetadataError
from tuf.api.metadata import (Metadata, MetaFile, Root, Snapshot, TargetFile, Targets, Timestamp)
from tuf.api.serialization.json import JSONSerializer

from app.frame.private_files import private_dir, write_private

RELEASE_TARGET = "release.json"
UPDATE_CHUNK_BYTES = 1024 * 1024  # one answer of the center's repository; a shorter one ends the file
WHEEL_FOLDER = "wheels"
KEY_FILES = {"root": "root.pem", "targets": "targets.pem", "online": "online.pem"}
ROOT_DAYS = 365 * 2      # a root outlives many releases; renewing it needs the key folder
TARGETS_DAYS = 365       # a release stays installable for a year
SNAPSHOT_DAYS = 365
TIMESTAMP_DAYS = 14      # re-signed by the center every day (sync/center/updates.py)
SERIALIZER = JSONSerializer(compact=False)
SIGNED_LOG = "rilis-ditandatangani.json"  # in the key folder: every release signed from it, newest last


class ReleaseError(Exception):
    """str() says, in Indonesian, what is wrong and what to do."""


def _expiry(days: int) -> datetime:
    return (datetime.now(timezone.utc) + timedelta(days=days)).replace(microsecond=0)


def _write_json(path: Path, metadata: Metadata) -> None:
    path.parent.mkdir(parents=True, exist_ok=True)
    partial = path.with_name(path.name + ".sebagian")
    partial.write_bytes(metadata.to_bytes(SERIALIZER))
    partial.replace(path)


def load_signer(path: Path) -> CryptoSigner:
    try:
        private = serialization.load_pem_private_key(Path(path).read_bytes(), password=None)
    except (OSError, ValueError) as problem:
        raise ReleaseError(f"Kunci {path} tidak dapat dibaca ({type(problem).__name__}). Periksa folder kunci.") from None
    return CryptoSigner(private)


# --- the admin's key folder (laptop / USB) ------------------------------------------------------

FINGERPRINT_HEX = 32  # 128 bits of the key's id, read aloud or compared on paper in eight groups
# What `run.py release keys` and every office's update page say alike (issue 69 finding 1).
NEVER_BY_MESSAGE = ("Kabupaten tidak pernah mengirim sidik jari lewat pesan (WhatsApp, SMS, surel), telepon atau "
                    "halaman pusat: hanya lembar cetak dari admin kabupaten yang berlaku.")


def root_fingerprint(root: Root) -> str | None:
    """The root key(s) a root metadata trusts, as the regency admin and an office admin compare them:
    the start of each key's TUF id (a SHA-256 of the public key) in groups of four, e.g.
    "3f2a 9c01 ...". Several root keys are joined by " / ". None when an id in the metadata is not
    the hash of its key: a stranger could otherwise label its own key with the regency's id."""
    keyids = root.roles[Root.type].keyids
    for keyid in keyids:
        key = root.keys.get(keyid)
        if key is None or _key_id(key) != keyid:
            return None
    return " / ".join(printed_fingerprint(keyid) for keyid in sorted(keyids))


def printed_fingerprint(hex_digits: str) -> str:
    """A key's fingerprint as the sheet prints it and every page shows it: its first FINGERPRINT_HEX
    hex digits in groups of four ("3f2a 9c01 ...")."""
    return " ".join(hex_digits[i:i + 4] for i in range(0, FINGERPRINT_HEX, 4))


def _key_id(key) -> str:
    """TUF's default key id: the SHA-256 of the key's canonical JSON (type, scheme, public value)."""
    from securesystemslib.formats import encode_canonical
    canonical = encode_canonical({"keytype": key.keytype, "scheme": key.scheme, "keyval": key.keyval})
    return hashlib.sha256(canonical.encode("utf-8")).hexdigest()


def root_fingerprint_of(path: Path) -> str | None:
    """The fingerprint of the root metadata file at `path`; None when there is none or it is unreadable."""
    from securesystemslib.exceptions import StorageError
    from tuf.api.serialization import DeserializationError
    try:
        return root_fingerprint(Metadata[Root].from_file(str(path)).signed)
    except (OSError, ValueError, KeyError, StorageError, DeserializationError):
        return None


def newest_root(folder: Path) -> Path | None:
    """The newest root metadata of a key folder or a repository (metadata/<n>.root.json)."""
    return _latest(folder, Root.type)[1]


def key_folder_fingerprint(folder: Path) -> str | None:
    """The fingerprint of the newest root a key folder signed."""
    newest = newest_root(folder)
    return root_fingerprint_of(newest) if newest else None


def create_keys(folder: Path, root_folder: Path | None = None) -> Path:
    """Three new Ed25519 keys and the first root (version 1): targets.pem and online.pem in `folder`
    (the release stick), root.pem in `root_folder` (a stick kept elsewhere; `folder` itself only when
    none is given, as the tests' one-folder regencies do). The root metadata, public, goes to both.
    Refuses to overwrite keys that are there (a second root would not be trusted by PCs that know the
    first), and a root folder inside the key folder or around it (the root key would travel with it)."""
    folder = Path(folder)
    if root_folder is not None:
        one, other = folder.resolve(), Path(root_folder).resolve()
        if one == other or one in other.parents or other in one.parents:
            raise ReleaseError(f"Folder kunci root ({root_folder}) harus terpisah dari folder kunci rilis ({folder}), "
                               "sebaiknya di flashdisk lain: kunci root tidak boleh ikut setiap kali rilis ditandatangani. "
                               "Tidak ada kunci yang dibuat.")
    root_folder = Path(root_folder) if root_folder is not None else folder
    places = {"root": root_folder, "targets": folder, "online": folder}
    if any((places[duty] / name).exists() for duty, name in KEY_FILES.items()):
        kept = key_folder_fingerprint(folder) or key_folder_fingerprint(root_folder)
        raise ReleaseError(f"Folder {folder} atau {root_folder} sudah berisi kunci; kunci lama tidak ditimpa."
                           + (f" Sidik jari kunci root-nya: {kept}" if kept else ""))
    for place in {folder, root_folder}:
        private_dir(place)
    signers = {}
    for duty, file_name in KEY_FILES.items():
        signer = CryptoSigner.generate_ed25519()
        write_private(places[duty] / file_name, signer.private_bytes.decode("ascii"))
        signers[duty] = signer
    root = Metadata(Root(expires=_expiry(ROOT_DAYS), consistent_snapshot=True))
    root.signed.add_key(signers["root"].public_key, Root.type)
    root.signed.add_key(signers["targets"].public_key, Targets.type)
    for online_duty in (Snapshot.type, Timestamp.type):
        root.signed.add_key(signers["online"].public_key, online_duty)
    root.sign(signers["root"])
    for place in {folder, root_folder}:
        _write_json(place / "metadata" / "1.root.json", root)
    return folder


def _latest(folder: Path, role: str) -> tuple[int, Path | None]:
    """The highest version of `role` under folder/metadata (0, None when there is none)."""
    found = []
    for path in (Path(folder) / "metadata").glob(f"*.{role}.json"):
        number = path.name.split(".", 1)[0]
        if number.isdigit():
            found.append((int(number), path))
    return max(found) if found else (0, None)


def release_version(text: str) -> Version:
    """A release's version as PEP 440 reads it (what every PC compares); ReleaseError for anything else,
    e.g. a path such as "10.0/../x"."""
    try:
        return Version(str(text))
    except InvalidVersion:
        raise ReleaseError(f"Versi rilis {text!r} tidak sah: tulis seperti 0.2.0 (PEP 440). Tidak ada yang "
                           "ditandatangani.") from None


def signed_releases(key_folder: Path) -> list[dict]:
    """Every release signed from this key folder, oldest first: {version, wheel, sha256, targets_version,
    signed_at}. Empty for a folder that signed none (or signed before this record was kept)."""
    try:
        found = json.loads((Path(key_folder) / SIGNED_LOG).read_text("utf-8"))
    except (OSError, ValueError):
        return []
    return found if isinstance(found, list) else []


def _app_wheel(wheels: list[Path]) -> Path | None:
    return next((Path(w) for w in wheels if Path(w).name.startswith("loket_kecamatan-")), None)


def refuse_not_newer(key_folder: Path, version: Version, app_sha256: str) -> None:
    """A release must be newer than every one signed from this key folder, or the very same app wheel
    signed again (a bundle lost on the way to the center)."""
    for signed in signed_releases(key_folder):
        try:
            before = Version(signed["version"])
        except (InvalidVersion, KeyError, TypeError):
            continue
        if version < before or (version == before and signed.get("sha256") != app_sha256):
            raise ReleaseError(f"Versi {version} tidak lebih baru dari versi {before} yang sudah ditandatangani "
                               "dengan folder kunci ini (" + str(signed.get("signed_at", "")) + "). Unduh rilis "
                               "yang lebih baru; tidak ada yang ditandatangani.")


def sign_release(key_folder: Path, version: str, notes: str, wheels: list[Path], bundle: Path,
                 requires: list[str] | None = None, closure: dict[str, list[str]] | None = None,
                 expected: dict[str, str] | None = None) -> Path:
    """The bundle of one release, signed by the targets key: every root so far, the new targets
    metadata (one version above the last one signed from this key folder) and the files. Carried in
    release.json when given: `requires`, the app wheel's Requires-Dist (a PC refuses a release without
    wheels for its own platform and Python), and `closure`, for each "<python>-<platform>" the build
    gathered for ("3.11-win_amd64", "3.15-manylinux_x86_64"), every wheel that PC installs, the app's
    and its dependencies' dependencies too (as target names, "wheels/<file>"). Refused when the
    version is not PEP 440 or not newer than the last one signed from this key folder, or, with
    `expected` ({file name: sha256}, a checked folder's manifest), when a file copied into the bundle
    is not the one checked. Only targets.pem is read: the root key is not needed for a release."""
    key_folder, bundle = Path(key_folder), Path(bundle)
    app_wheel = _app_wheel(wheels)
    if app_wheel is None:
        raise ReleaseError("Rilis harus berisi wheel loket_kecamatan (berkas loket_kecamatan-<versi>-py3-none-any.whl "
                           "dari halaman rilis proyek).")
    checked = release_version(version)
    app_sha256 = TargetFile.from_file("app", str(app_wheel), ["sha256"]).hashes["sha256"]
    refuse_not_newer(key_folder, checked, app_sha256)
    if bundle.exists():
        shutil.rmtree(bundle)
    (bundle / "targets" / WHEEL_FOLDER).mkdir(parents=True)
    targets = Targets(version=_latest(key_folder, Targets.type)[0] + 1, expires=_expiry(TARGETS_DAYS))
    names = []
    for wheel in wheels:
        name = f"{WHEEL_FOLDER}/{Path(wheel).name}"
        shutil.copyfile(wheel, bundle / "targets" / name)
        targets.targets[name] = TargetFile.from_file(name, str(bundle / "targets" / name), ["sha256"])
        if expected is not None and targets.targets[name].hashes["sha256"] != expected.get(Path(wheel).name):
            shutil.rmtree(bundle)  # what is signed is what was hashed here, the copy in the bundle
            raise ReleaseError(f"Berkas {Path(wheel).name} berubah sesudah diperiksa: tidak ada yang ditandatangani.")
        names.append(name)
    signed_at = datetime.now(timezone.utc).replace(microsecond=0).isoformat()
    release = {"version": str(checked), "notes": notes, "wheels": names, "signed_at": signed_at}
    if requires is not None:
        release["requires"] = list(requires)
    if closure is not None:
        release["closure"] = {target: [f"{WHEEL_FOLDER}/{Path(name).name}" for name in names]
                              for target, names in closure.items()}
    (bundle / "targets" / RELEASE_TARGET).write_bytes(json.dumps(release, indent=1, ensure_ascii=False).encode())
    targets.targets[RELEASE_TARGET] = TargetFile.from_file(RELEASE_TARGET, str(bundle / "targets" / RELEASE_TARGET),
                                                           ["sha256"])
    signed = Metadata(targets)
    signed.sign(load_signer(key_folder / KEY_FILES["targets"]))
    _write_json(key_folder / "metadata" / f"{targets.version}.targets.json", signed)  # the next one counts on
    _write_json(bundle / "metadata" / f"{targets.version}.targets.json", signed)
    for root in (key_folder / "metadata").glob("*.root.json"):
        shutil.copyfile(root, bundle / "metadata" / root.name)
    log = signed_releases(key_folder) + [{"version": str(checked), "wheel": app_wheel.name, "sha256": app_sha256,
                                          "targets_version": targets.version, "signed_at": signed_at}]
    partial = key_folder / (SIGNED_LOG + ".sebagian")
    partial.write_text(json.dumps(log, indent=1), "utf-8")
    partial.replace(key_folder / SIGNED_LOG)
    return bundle


# --- the center's repository ------------------------------------------------------------------
#
# Two rings (issue 60): the timestamp at metadata/timestamp.json is everyone's, the one a stick copy
# of the folder carries; PILOT_TIMESTAMP (not in metadata/, never asked for by name) always names the
# newest snapshot, for the PCs the regency admin made pilots. Everything else is shared (consistent
# snapshots). Both timestamps count on one counter, so a PC handed one and later the other never
# sees a version go back (sync/center/updates.py picks which file a PC is handed).

EVERYONE, PILOT = "semua", "uji"
PILOT_TIMESTAMP = "uji/timestamp.json"
SIGNING_LOCK = "uji/.menandatangani"


def timestamp_path(repository: Path, ring: str) -> Path:
    return Path(repository) / (PILOT_TIMESTAMP if ring == PILOT else "metadata/timestamp.json")


SIGNING_STALE_SECONDS = 60  # signing takes well under a second: a lock this old was left by a cut


@contextmanager
def _signing(repository: Path):
    """One signer at a time: the center's page, its daily job and `run.py release publish` are
    separate processes, and the two timestamps share one counter. A lock file made exclusively
    (the same on Windows and Linux); one left by a process that died is taken over once stale."""
    lock = Path(repository) / SIGNING_LOCK
    private_dir(lock.parent)
    gives_up = time.monotonic() + SIGNING_STALE_SECONDS
    while True:
        try:
            os.close(os.open(lock, os.O_CREAT | os.O_EXCL | os.O_WRONLY, 0o600))
            break
        except FileExistsError:
            try:
                stale = time.time() - lock.stat().st_mtime > SIGNING_STALE_SECONDS
            except OSError:
                continue  # released meanwhile
            if stale:
                lock.unlink(missing_ok=True)
            elif time.monotonic() > gives_up:
                raise ReleaseError("Repositori rilis sedang ditandatangani proses lain terlalu lama: coba lagi "
                                   "sebentar lagi. Tidak ada yang berubah.") from None
            else:
                time.sleep(0.05)
    try:
        yield
    finally:
        lock.unlink(missing_ok=True)


def timestamp_of(repository: Path, ring: str) -> dict | None:
    """{"bytes", "version", "snapshot"} of a ring's timestamp as it is on disk; None when there is none."""
    try:
        content = timestamp_path(repository, ring).read_bytes()
        signed = json.loads(content)["signed"]
        return {"bytes": content, "version": int(signed["version"]),
                "snapshot": int(signed["meta"]["snapshot.json"]["version"])}
    except (OSError, ValueError, KeyError, TypeError):
        return None


def _sign_ring(repository: Path, online: CryptoSigner, ring: str, snapshot_version: int) -> None:
    """A ring's timestamp over `snapshot_version`, one above the highest of both rings."""
    version = 1 + max((found["version"] for found in (timestamp_of(repository, r) for r in (EVERYONE, PILOT))
                       if found), default=0)
    timestamp = Metadata(Timestamp(version=version, expires=_expiry(TIMESTAMP_DAYS),
                                   snapshot_meta=MetaFile(version=snapshot_version)))
    timestamp.sign(online)
    _write_json(timestamp_path(repository, ring), timestamp)


def publish(bundle: Path, repository: Path, online_key: Path, to_everyone: bool = True) -> dict:
    """Put a signed bundle into the served repository and sign its snapshot and the pilots' timestamp
    (and everyone's when `to_everyone`: the center's command decides, release_commands.publish_release)
    with the online key. Refused (ReleaseError, the repository unchanged) when the targets are not
    signed by the key the root trusts, are no newer than the published ones, or a file does not match."""
    bundle, repository = Path(bundle), Path(repository)
    _, targets_path = _latest(bundle, Targets.type)
    if targets_path is None:
        raise ReleaseError(f"{bundle} bukan paket rilis (tidak ada metadata targets).")
    for root_path in sorted((bundle / "metadata").glob("*.root.json")):
        if not (repository / "metadata" / root_path.name).exists():
            private_dir(repository / "metadata")
            shutil.copyfile(root_path, repository / "metadata" / root_path.name)
    root_metadata = Metadata[Root].from_file(str(_latest(repository, Root.type)[1]))
    targets = Metadata[Targets].from_file(str(targets_path))
    try:
        root_metadata.verify_delegate(Targets.type, targets)
    except UnsignedMetadataError:
        raise ReleaseError("Paket rilis tidak ditandatangani kunci targets yang dipercaya root pusat ini: "
                           "ditolak, tidak ada yang berubah.") from None
    published_version, _ = _latest(repository, Targets.type)
    if targets.signed.version <= published_version:
        raise ReleaseError(f"Paket rilis ini (targets versi {targets.signed.version}) tidak lebih baru dari yang "
                           f"sudah terbit (versi {published_version}): ditolak.")
    _refuse_published_version(bundle, repository, targets.signed)
    for name, info in targets.signed.targets.items():
        source = bundle / "targets" / name
        try:
            with open(source, "rb") as file:
                info.verify_length_and_hashes(file)
        except (OSError, Exception) as problem:
            raise ReleaseError(f"Berkas {name} di paket rilis rusak atau hilang ({type(problem).__name__}): "
                               "ditolak.") from None
    for name, info in targets.signed.targets.items():
        folder, _, base = name.rpartition("/")
        stored = repository / "targets" / folder / f"{info.hashes['sha256']}.{base}"
        if not stored.exists():
            stored.parent.mkdir(parents=True, exist_ok=True)
            partial = stored.with_name(stored.name + ".sebagian")
            shutil.copyfile(bundle / "targets" / name, partial)
            partial.replace(stored)
    online = load_signer(online_key)
    with _signing(repository):
        shutil.copyfile(targets_path, repository / "metadata" / targets_path.name)
        snapshot = Metadata(Snapshot(version=_latest(repository, Snapshot.type)[0] + 1,
                                     expires=_expiry(SNAPSHOT_DAYS),
                                     meta={"targets.json": MetaFile(version=targets.signed.version)}))
        snapshot.sign(online)
        _write_json(repository / "metadata" / f"{snapshot.signed.version}.snapshot.json", snapshot)
        _sign_ring(repository, online, PILOT, snapshot.signed.version)
        if to_everyone:  # after the pilots': a pilot taken out of the ring comes back to everyone's at once
            _sign_ring(repository, online, EVERYONE, snapshot.signed.version)
    return release_of(repository, targets.signed)


def sign_timestamp(repository: Path, online: CryptoSigner) -> None:
    """Both rings' timestamps signed afresh over the snapshots they name (the center's daily job keeps
    them from expiring): everyone's first, so a PC just made a pilot can take the pilots' at once."""
    with _signing(repository):
        for ring in (EVERYONE, PILOT):
            found = timestamp_of(repository, ring)
            if found:
                _sign_ring(repository, online, ring, found["snapshot"])


def _targets_version_of(repository: Path, snapshot_version: int) -> int:
    try:
        snapshot = json.loads((Path(repository) / "metadata" / f"{snapshot_version}.snapshot.json").read_bytes())
        return int(snapshot["signed"]["meta"]["targets.json"]["version"])
    except (OSError, ValueError, KeyError, TypeError):
        return 0


def ring_releases(repository: Path) -> dict:
    """{ring: the targets version (release) its timestamp names, 0 when none}. Without a pilots'
    timestamp (a repository published before rings) the pilots take everyone's."""
    found = {}
    for ring in (EVERYONE, PILOT):
        timestamp = timestamp_of(repository, ring)
        found[ring] = _targets_version_of(repository, timestamp["snapshot"]) if timestamp else 0
    found[PILOT] = max(found[PILOT], found[EVERYONE])
    return found


def release_to_everyone(repository: Path, online_key: Path, targets_version: int) -> dict:
    """Everyone's timestamp moved on to the release of `targets_version` (one the pilots took, newer
    than everyone's); ReleaseError, nothing changed, when it is not."""
    repository = Path(repository)
    snapshots = [number for number, _ in _snapshots(repository)
                 if _targets_version_of(repository, number) == targets_version]
    if not snapshots:
        raise ReleaseError("Rilis itu tidak ada di repositori pusat ini: tidak ada yang berubah.")
    online = load_signer(online_key)
    with _signing(repository):
        everyone, pilot = timestamp_of(repository, EVERYONE), timestamp_of(repository, PILOT)
        if everyone and _targets_version_of(repository, everyone["snapshot"]) >= targets_version:
            raise ReleaseError("Rilis itu (atau yang lebih baru) sudah terbit untuk semua komputer: tidak ada "
                               "yang berubah.")
        if pilot:  # signed first: a pilot taken out of the ring can come back to everyone's now
            _sign_ring(repository, online, PILOT, pilot["snapshot"])
        _sign_ring(repository, online, EVERYONE, max(snapshots))
    return release_of(repository, Metadata[Targets].from_file(
        str(repository / "metadata" / f"{targets_version}.targets.json")).signed)


def _snapshots(repository: Path) -> list[tuple[int, Path]]:
    found = []
    for path in (Path(repository) / "metadata").glob(f"*.{Snapshot.type}.json"):
        number = path.name.split(".", 1)[0]
        if number.isdigit():
            found.append((int(number), path))
    return sorted(found)


def newest_root_version(repository: Path) -> int:
    return _latest(repository, Root.type)[0]


def _refuse_published_version(bundle: Path, repository: Path, targets: Targets) -> None:
    """A release never reuses a version (issue 80): a PC tells releases apart by their version alone
    (what it runs, what failed on it, what the center shows it runs), so one number is one program."""
    try:
        version = json.loads((bundle / "targets" / RELEASE_TARGET).read_bytes())["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return  # a missing or broken release.json is refused by its hash next
    for published in published_releases(repository):
        if published.get("version") == version:
            raise ReleaseError(f"Versi {version} sudah pernah terbit di pusat ini (targets versi "
                               f"{published['targets_version']}): satu nomor versi hanya untuk satu rilis. Naikkan "
                               "versi di pyproject.toml, buat dan tandatangani rilisnya lagi; tidak ada yang berubah.")


def release_of(repository: Path, targets: Targets) -> dict:
    info = targets.targets[RELEASE_TARGET]
    stored = Path(repository) / "targets" / f"{info.hashes['sha256']}.{RELEASE_TARGET}"
    release = json.loads(stored.read_bytes())
    release["targets_version"] = targets.version
    release["size"] = sum(f.length for n, f in targets.targets.items() if n != RELEASE_TARGET)
    return release


def published_releases(repository: Path) -> list[dict]:
    """Every release this repository published, newest first (for the center's admin page), each with
    its `ring`: EVERYONE once released to everyone (or an older one), PILOT while only the pilots take it."""
    rings = ring_releases(repository)
    found = []
    for path in (Path(repository) / "metadata").glob("*.targets.json"):
        try:
            release = release_of(repository, Metadata[Targets].from_file(str(path)).signed)
        except (OSError, ValueError, KeyError):
            continue
        release["ring"] = EVERYONE if release["targets_version"] <= rings[EVERYONE] else PILOT
        found.append(release)
    return sorted(found, key=lambda r: r["targets_version"], reverse=True)


USB_MARK = "salinan-flashdisk.json"  # in a folder everyone_copy wrote: it may be written over next time


def everyone_copy(repository: Path, to: Path) -> dict:
    """The folder an office without a link reads from a USB stick ("Pembaruan dari flashdisk"): only
    what the release released to everyone needs (issue 69 finding 4: a copy of the whole repository
    carried the pilots' timestamp and their release). Every root, everyone's timestamp, the snapshot
    and targets metadata it names and that release's files; never the pilots' timestamp, snapshot,
    targets metadata or a file only a pilots' release holds. Written beside `to` first and then put in
    its place, so a stick pulled out half-way holds no half copy. ReleaseError (nothing written) when
    nothing is released to everyone, or `to` holds something else. {"version", "files", "size",
    "expires", "with_pilots"}."""
    repository, to = Path(repository), Path(to)
    if os.path.ismount(to) or not to.name:  # a drive or a mounted stick itself: the copy goes in a folder on it
        raise ReleaseError(f"Sebutkan folder di dalam flashdisk, bukan flashdisk itu sendiri ({to}), misalnya "
                           "E:\\pembaruan. Tidak ada yang ditulis.")
    everyone = timestamp_of(repository, EVERYONE)
    targets_version = _targets_version_of(repository, everyone["snapshot"]) if everyone else 0
    if not targets_version:
        raise ReleaseError("Belum ada rilis yang terbit untuk semua komputer di pusat ini: tidak ada yang ditulis ke "
                           "flashdisk. Rilis yang masih di komputer uji tidak dibawa dengan flashdisk.")
    if to.exists() and not (to.is_dir() and ((to / USB_MARK).is_file() or not any(to.iterdir()))):
        raise ReleaseError(f"Folder {to} sudah berisi berkas lain (bukan salinan pembaruan dari perintah ini): pilih "
                           "folder baru, misalnya E:\\pembaruan. Tidak ada yang ditulis.")
    metadata = repository / "metadata"
    targets = Metadata[Targets].from_file(str(metadata / f"{targets_version}.targets.json")).signed
    names = [root.name for root in metadata.glob("*.root.json")]
    names += [f"{everyone['snapshot']}.snapshot.json", f"{targets_version}.targets.json"]
    files = [Path("targets", name.rpartition("/")[0], f"{info.hashes['sha256']}.{name.rpartition('/')[2]}")
             for name, info in targets.targets.items()]  # as publish stores them
    partial = to.with_name(to.name + ".sebagian")
    shutil.rmtree(partial, ignore_errors=True)
    for name in names:
        (partial / "metadata").mkdir(parents=True, exist_ok=True)
        shutil.copyfile(metadata / name, partial / "metadata" / name)
    for name in files:
        (partial / name).parent.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(repository / name, partial / name)
    (partial / "metadata" / "timestamp.json").write_bytes(everyone["bytes"])  # the bytes PCs are handed
    expires = json.loads(everyone["bytes"])["signed"]["expires"]
    release = release_of(repository, targets)
    (partial / USB_MARK).write_text(json.dumps({"version": release["version"], "expires": expires}), "utf-8")
    if to.exists():
        shutil.rmtree(to)
    partial.replace(to)
    return {"version": release["version"], "files": len(files), "size": release["size"], "expires": expires,
            "with_pilots": ring_releases(repository)[PILOT] > targets_version}
