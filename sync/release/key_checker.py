"""The walk record (issue 79 finding 2): what `release build` checked, signed by the checker's own
key, as in-toto's link metadata binds a step's products to the functionary who ran it.

The record ({version, app, files: {name: sha256}, closure, verdict, pages, checked_at}) is signed
with the checker key (Ed25519) of the machine that ran the walk: made there at the first check, kept
in the user's own settings folder (never in a work folder, never bound into the candidate's
sandbox: sync/release/candidate_sandbox.py). The record vouches for the check's quality, never for the files: `release
sign` signs only the app wheel the admin holds and what its own lock names (issue 88 finding 1,
sync/release/key_sign_checked.sign_checked), so a checker key says at most "lulus" about the genuine release.
`release sign` takes a verdict only from checker keys pinned in the key folder
(`pemeriksa/<key id>.pub`, public): the key of the laptop that signs is pinned there when it signs
(the same program on the same account made both), a key of another machine (the center's server,
where a Windows laptop's regency checks) only when the admin types its fingerprint, read from that
machine's own screen where the check ran. A record changed beside a file, or signed by any other
key, is refused."""
import hashlib
import json
import os
from pathlib import Path

from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import serialization
from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey, Ed25519PublicKey

from app.frame.private_files import private_dir, write_private
from sync.release.key_signing import FINGERPRINT_HEX, ReleaseError, printed_fingerprint

CHECKER_KEY = "pemeriksa-rilis.pem"
PINNED = "pemeriksa"  # in the key folder: the checker keys release sign trusts, public


def checker_key_path() -> Path:
    """This account's checker key: Windows' local app data, else the XDG config folder."""
    if os.name == "nt":
        base = Path(os.environ.get("LOCALAPPDATA") or Path.home() / "AppData" / "Local")
    else:
        base = Path(os.environ.get("XDG_CONFIG_HOME") or Path.home() / ".config")
    return base / "loket-kecamatan" / CHECKER_KEY


def checker_key(create: bool = True) -> Ed25519PrivateKey | None:
    """This machine's checker key, made at the first use when `create`; None when there is none."""
    path = checker_key_path()
    if path.is_file():
        try:
            return serialization.load_pem_private_key(path.read_bytes(), password=None)
        except (OSError, ValueError) as problem:
            raise ReleaseError(f"Kunci pemeriksa {path} tidak dapat dibaca ({type(problem).__name__}).") from None
    if not create:
        return None
    key = Ed25519PrivateKey.generate()
    private_dir(path.parent)
    write_private(path, key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                                          serialization.NoEncryption()).decode("ascii"))
    return key


def _raw(public: Ed25519PublicKey) -> bytes:
    return public.public_bytes(serialization.Encoding.Raw, serialization.PublicFormat.Raw)


def key_id(public: Ed25519PublicKey) -> str:
    return hashlib.sha256(_raw(public)).hexdigest()


def fingerprint(public: Ed25519PublicKey) -> str:
    """As the admin reads it off the checking machine's screen and types it at signing."""
    return printed_fingerprint(key_id(public))


def _canonical(record: dict) -> bytes:
    return json.dumps(record, sort_keys=True, separators=(",", ":"), ensure_ascii=False).encode("utf-8")


def sign(record: dict) -> dict:
    """The record with this machine's checker signature (the key made at the first check)."""
    key = checker_key()
    return {"signed": record, "signatures": [{"keyid": key_id(key.public_key()), "public": _raw(key.public_key()).hex(),
                                              "sig": key.sign(_canonical(record)).hex()}]}


def pinned(key_folder: Path) -> dict[str, Ed25519PublicKey]:
    """The checker keys a key folder trusts, by key id."""
    found = {}
    for path in sorted((Path(key_folder) / PINNED).glob("*.pub")):
        try:
            public = Ed25519PublicKey.from_public_bytes(bytes.fromhex(path.read_text("ascii").strip()))
        except (OSError, ValueError):
            continue
        found[key_id(public)] = public
    return found


def pin(key_folder: Path, public: Ed25519PublicKey) -> None:
    folder = Path(key_folder) / PINNED
    folder.mkdir(parents=True, exist_ok=True)
    (folder / f"{key_id(public)[:FINGERPRINT_HEX]}.pub").write_text(_raw(public).hex() + "\n", "ascii")


def _trusted_said(trusted: dict) -> str:
    """Every checker key the stick now trusts, said whenever one is added: none piles up unseen (issue 88)."""
    return (f"Folder kunci kini mempercayai {len(trusted)} kunci pemeriksa: "
            + ", ".join(fingerprint(public) for public in trusted.values()) + ".")


def _typed(text: str) -> str:
    return "".join(ch for ch in (text or "").lower() if ch in "0123456789abcdef")


def verified(envelope, key_folder: Path, manifest_name: str, typed: str | None = None) -> tuple[dict, str, list]:
    """The signed record, its checker's fingerprint and the checker keys to pin once the release is signed
    (pin_new: a refused folder pins nothing) when a checker key the key folder trusts signed it, or this
    machine's own, or the one of `typed` (the fingerprint of another machine's checker key, read where it
    checked); ReleaseError naming the manifest otherwise."""
    own = checker_key(create=False)
    trusted, new = pinned(key_folder), []
    if own is not None and key_id(own.public_key()) not in trusted:
        trusted[key_id(own.public_key())] = own.public_key()
        new.append((own.public_key(), True))
    try:
        record, signatures = envelope["signed"], list(envelope["signatures"])
        if not isinstance(record, dict):
            raise TypeError
    except (KeyError, TypeError):
        raise ReleaseError(f"{manifest_name} tidak bertanda tangan pemeriksa (dibuat oleh versi lama atau diubah): "
                           "jalankan lagi release build. Tidak ada yang ditandatangani.") from None
    stranger = False
    for signature in signatures:
        try:
            keyid, sig = str(signature["keyid"]), bytes.fromhex(signature["sig"])
            public = trusted.get(keyid) or Ed25519PublicKey.from_public_bytes(bytes.fromhex(signature["public"]))
        except (KeyError, TypeError, ValueError):
            continue
        try:
            public.verify(sig, _canonical(record))
        except InvalidSignature:
            continue
        if key_id(public) in trusted:
            return record, fingerprint(public), new
        if typed and _typed(typed) == key_id(public)[:FINGERPRINT_HEX]:
            return record, fingerprint(public), [*new, (public, False)]
        stranger = True
    if stranger:  # its fingerprint is not said: the admin types the one the checking machine showed, never ours
        raise ReleaseError(f"{manifest_name} ditandatangani oleh pemeriksa yang belum dikenal folder kunci ini. Bila "
                           "pemeriksaan ini Anda jalankan sendiri di komputer pusat, ketik sidik kunci pemeriksa yang tertulis di layar komputer itu di akhir release build, dengan "
                           "--pemeriksa \"<sidik>\". Tidak ada yang ditandatangani.")
    raise ReleaseError(f"Tanda tangan pemeriksa di {manifest_name} tidak cocok dengan isinya: berkas itu atau daftar "
                       "berkas di dalamnya diubah sesudah diperiksa. Jalankan lagi release build dari wheel yang diunduh "
                       "dari halaman rilis proyek. Tidak ada yang ditandatangani.")


def pin_new(key_folder: Path, new: list, say=print) -> None:
    """Pin the checker keys verified() found new, each said with every key the stick now trusts."""
    for public, own in new:
        pin(key_folder, public)
        trusted = _trusted_said(pinned(key_folder))
        if own:
            say(f"Kunci pemeriksa laptop ini ({fingerprint(public)}) dicatat di folder kunci. {trusted}")
        else:
            say(f"Kunci pemeriksa {fingerprint(public)} dicatat di folder kunci. {trusted}")
