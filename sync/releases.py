"""The regency's signed releases: a TUF repository (The Update Framework, `tuf`'s metadata API).

Who holds which key (docs/operations.md, "Menerbitkan pembaruan"):
- the root and targets keys stay on the regency admin's own laptop or USB stick (the "key folder",
  made once by `run.py center release-keys`); with them the admin signs a release into a bundle
  (`run.py center release-sign`);
- the center's server holds only the online key (snapshot and timestamp), copied from the key
  folder into its data folder; `run.py center release-publish BUNDLE` checks that the bundle's
  targets are signed by the key the root trusts, puts them in its repository and signs the
  snapshot and timestamp.

A release is the target `release.json` ({version, notes, wheels}) beside its wheels
(`wheels/<file>`). The repository uses consistent snapshots: a target is stored as
`targets/<sha256>.<name>`, metadata as `metadata/<version>.<role>.json` (timestamp.json alone
unversioned), so a PC that already holds a wheel by its hash never fetches it again.

The office PC reads the same folder, served by the center over the signed link or copied to a USB
stick (app/updates/fetching.py).
"""
import hashlib
import json
import shutil
from datetime import datetime, timedelta, timezone
from pathlib import Path

from cryptography.hazmat.primitives import serialization
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


def root_fingerprint(root: Root) -> str:
    """The root key(s) a root metadata trusts, as the regency admin and an office admin compare them:
    the start of each key's TUF id (a SHA-256 of the public key) in groups of four, e.g.
    "3f2a 9c01 ...". Several root keys are joined by " / "."""
    keyids = root.roles[Root.type].keyids
    return " / ".join(" ".join(keyid[i:i + 4] for i in range(0, FINGERPRINT_HEX, 4)) for keyid in sorted(keyids))


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


def create_keys(folder: Path) -> Path:
    """Three new Ed25519 keys and the first root (version 1) in `folder`; refuses to overwrite
    keys that are there (a second root would not be trusted by PCs that know the first)."""
    folder = Path(folder)
    if any((folder / name).exists() for name in KEY_FILES.values()):
        kept = key_folder_fingerprint(folder)
        raise ReleaseError(f"Folder {folder} sudah berisi kunci rilis; kunci lama tidak ditimpa."
                           + (f" Sidik jari kunci root-nya: {kept}" if kept else ""))
    private_dir(folder)
    signers = {}
    for duty, file_name in KEY_FILES.items():
        signer = CryptoSigner.generate_ed25519()
        write_private(folder / file_name, signer.private_bytes.decode("ascii"))
        signers[duty] = signer
    root = Metadata(Root(expires=_expiry(ROOT_DAYS), consistent_snapshot=True))
    root.signed.add_key(signers["root"].public_key, Root.type)
    root.signed.add_key(signers["targets"].public_key, Targets.type)
    for online_duty in (Snapshot.type, Timestamp.type):
        root.signed.add_key(signers["online"].public_key, online_duty)
    root.sign(signers["root"])
    _write_json(folder / "metadata" / "1.root.json", root)
    return folder


def repository_versions(repository: Path) -> dict | None:
    """{"root": newest root's version, "timestamp": the timestamp's}, None when there is no timestamp."""
    try:
        timestamp = json.loads((Path(repository) / "metadata" / "timestamp.json").read_bytes())["signed"]["version"]
    except (OSError, ValueError, KeyError, TypeError):
        return None
    return {"root": _latest(repository, Root.type)[0], "timestamp": timestamp}


def _latest(folder: Path, role: str) -> tuple[int, Path | None]:
    """The highest version of `role` under folder/metadata (0, None when there is none)."""
    found = []
    for path in (Path(folder) / "metadata").glob(f"*.{role}.json"):
        number = path.name.split(".", 1)[0]
        if number.isdigit():
            found.append((int(number), path))
    return max(found) if found else (0, None)


def sign_release(key_folder: Path, version: str, notes: str, wheels: list[Path], bundle: Path) -> Path:
    """The bundle of one release, signed by the targets key: every root so far, the new targets
    metadata (one version above the last one signed from this key folder) and the files."""
    key_folder, bundle = Path(key_folder), Path(bundle)
    if not wheels or not any(Path(w).name.startswith("loket_kecamatan-") for w in wheels):
        raise ReleaseError("Rilis harus berisi wheel loket_kecamatan (buat dengan: pip wheel --no-deps .).")
    if bundle.exists():
        shutil.rmtree(bundle)
    (bundle / "targets" / WHEEL_FOLDER).mkdir(parents=True)
    targets = Targets(version=_latest(key_folder, Targets.type)[0] + 1, expires=_expiry(TARGETS_DAYS))
    names = []
    for wheel in wheels:
        name = f"{WHEEL_FOLDER}/{Path(wheel).name}"
        shutil.copyfile(wheel, bundle / "targets" / name)
        targets.targets[name] = TargetFile.from_file(name, str(bundle / "targets" / name), ["sha256"])
        names.append(name)
    release = {"version": version, "notes": notes, "wheels": names,
               "signed_at": datetime.now(timezone.utc).replace(microsecond=0).isoformat()}
    (bundle / "targets" / RELEASE_TARGET).write_bytes(json.dumps(release, indent=1, ensure_ascii=False).encode())
    targets.targets[RELEASE_TARGET] = TargetFile.from_file(RELEASE_TARGET, str(bundle / "targets" / RELEASE_TARGET),
                                                           ["sha256"])
    signed = Metadata(targets)
    signed.sign(load_signer(key_folder / KEY_FILES["targets"]))
    _write_json(key_folder / "metadata" / f"{targets.version}.targets.json", signed)  # the next one counts on
    _write_json(bundle / "metadata" / f"{targets.version}.targets.json", signed)
    for root in (key_folder / "metadata").glob("*.root.json"):
        shutil.copyfile(root, bundle / "metadata" / root.name)
    return bundle


# --- the center's repository ------------------------------------------------------------------

def _sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


def publish(bundle: Path, repository: Path, online_key: Path) -> dict:
    """Put a signed bundle into the served repository and sign its snapshot and timestamp with the
    online key. Refused (ReleaseError, the repository unchanged) when the targets are not signed by
    the key the root trusts, are no newer than the published ones, or a file does not match."""
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
    shutil.copyfile(targets_path, repository / "metadata" / targets_path.name)
    online = load_signer(online_key)
    snapshot = Metadata(Snapshot(version=_latest(repository, Snapshot.type)[0] + 1, expires=_expiry(SNAPSHOT_DAYS),
                                 meta={"targets.json": MetaFile(version=targets.signed.version)}))
    snapshot.sign(online)
    _write_json(repository / "metadata" / f"{snapshot.signed.version}.snapshot.json", snapshot)
    sign_timestamp(repository, online)
    return release_of(repository, targets.signed)


def sign_timestamp(repository: Path, online: CryptoSigner) -> None:
    """A fresh timestamp over the latest snapshot (the center's daily job keeps it from expiring)."""
    snapshot_version, _ = _latest(repository, Snapshot.type)
    if not snapshot_version:
        return
    path = Path(repository) / "metadata" / "timestamp.json"
    version = Metadata[Timestamp].from_file(str(path)).signed.version + 1 if path.exists() else 1
    timestamp = Metadata(Timestamp(version=version, expires=_expiry(TIMESTAMP_DAYS),
                                   snapshot_meta=MetaFile(version=snapshot_version)))
    timestamp.sign(online)
    _write_json(path, timestamp)


def release_of(repository: Path, targets: Targets) -> dict:
    info = targets.targets[RELEASE_TARGET]
    stored = Path(repository) / "targets" / f"{info.hashes['sha256']}.{RELEASE_TARGET}"
    release = json.loads(stored.read_bytes())
    release["targets_version"] = targets.version
    release["size"] = sum(f.length for n, f in targets.targets.items() if n != RELEASE_TARGET)
    return release


def published_releases(repository: Path) -> list[dict]:
    """Every release this repository published, newest first (for the center's admin page)."""
    found = []
    for path in (Path(repository) / "metadata").glob("*.targets.json"):
        try:
            found.append(release_of(repository, Metadata[Targets].from_file(str(path)).signed))
        except (OSError, ValueError, KeyError):
            continue
    return sorted(found, key=lambda r: r["targets_version"], reverse=True)
