"""Where a release key copy lies on the regency admin's laptop (issue 79 finding 3): `release build` runs
no candidate while one is within its reach (sync/release/candidate_build.refuse_keys_in_reach).

A real laptop keeps copies where the admin forgot them, not only under the names `release keys` wrote:
the trash (Linux' ~/.local/share/Trash and a stick's .Trash-<uid>; Windows' `$Recycle.Bin\\<SID>\\$R…`
on every drive, named after nothing), any depth of the home folder and of every drive, a renamed copy
(`targets.pem.bak`, `kunci lama.txt`), a zip or tar holding one, and a folder reached through a link.
So a file is a key by its name (sync.release.key_signing.KEY_FILES) or by its content: the format `release keys`
writes, an unencrypted PKCS#8 PEM of an Ed25519 key (an admin's SSH or TLS keys are not refused). A copy
found by its content says which keys it holds (`key_ids`, key_checker.key_id): the machine's own checker
key (sync/release/key_checker.py, the same format, kept in the user's settings folder) is told apart by that,
not by where it lies (issue 88 finding 2: every second build called it a leaked release key).

Bounded: a file is read only when at most SNIFF_BYTES (a key is 119 bytes) or named as an archive,
an archive over its size limit is skipped, its members are listed up to ARCHIVE_MEMBERS and read
when at most MEMBER_BYTES; links are followed once per folder (a loop is walked once). Windows' own program
folders at a drive's top are not walked (no key is put there by hand)."""
import base64
import binascii
import os
import re
import struct
import tarfile
import zipfile
from dataclasses import dataclass
from pathlib import Path

from sync.release.key_signing import KEY_FILES

KEY_NAMES = frozenset(KEY_FILES.values())
SNIFF_BYTES = 16 * 1024          # a larger file is not a key: it is only opened when named as an archive
MEMBER_BYTES = 1024              # an archive's member is read when this small (a key with a note or CRLFs)
ZIP_LIMIT = 512 * 1024 * 1024     # a zip's listing is at its end: cheap even when large
TAR_LIMIT = 64 * 1024 * 1024      # a tar (gzip, bz2, xz) is read through to list it
ARCHIVE_MEMBERS = 20000
MAX_DEPTH = 64
ARCHIVE_ENDINGS = (".zip", ".tar", ".gz", ".tgz", ".bz2", ".tbz2", ".xz", ".txz")
PEM_KEY = re.compile(rb"-----BEGIN PRIVATE KEY-----\s*([A-Za-z0-9+/=\s]{40,400}?)\s*-----END PRIVATE KEY-----")
ED25519_OID = bytes.fromhex("06032b6570")  # 1.3.101.112, inside the PKCS#8 structure
WINDOWS_PROGRAM_FOLDERS = frozenset({"windows", "windows.old", "program files", "program files (x86)",
                                     "system volume information", "$winreagent"})
LINUX_PSEUDO_FOLDERS = frozenset({"/proc", "/sys", "/dev"})  # kernel files: reading some (/proc/kmsg) waits forever
NOT_ON_THIS_DISK = 0x1000 | 0x40000 | 0x400000  # Windows: OFFLINE, RECALL_ON_OPEN, RECALL_ON_DATA_ACCESS
TRASH_FOLDERS = ("$recycle.bin", "trash", ".trash", ".trash-")


@dataclass(frozen=True, order=True)
class KeyCopy:
    path: Path       # the file on disk
    inside: str = ""  # the member of an archive, '' for a plain file
    key_ids: tuple = ()  # the keys its content holds (key_checker.key_id); () when found by its name

    @property
    def name(self) -> str:
        return Path(self.inside).name if self.inside else self.path.name

    def in_trash(self) -> bool:
        return any(part.lower().startswith(TRASH_FOLDERS) for part in self.path.parts)

    def said(self) -> str:
        """How the refusal names it: the file, the member of an archive, the trash's original name."""
        where = f"{self.path} (di dalam arsip: {self.inside})" if self.inside else str(self.path)
        if self.in_trash():
            original = recycled_name(self.path)
            where += f" (di Tempat Sampah{', semula ' + original if original else ''})"
        return where


def keys_in(data: bytes) -> tuple:
    """The id (key_checker.key_id) of each private key in the format `release keys` writes (PKCS#8 PEM
    of Ed25519) that `data` holds; "?" for one that does not load. () when none."""
    if b"PRIVATE KEY-----" not in data:
        return ()
    found = []
    for pem in PEM_KEY.finditer(data):
        try:
            der = base64.b64decode(b"".join(pem.group(1).split()), validate=True)
        except (binascii.Error, ValueError):
            continue
        if der[:1] == b"\x30" and ED25519_OID in der[:16]:
            found.append(_key_id(der))
    return tuple(found)


def _key_id(der: bytes) -> str:
    from cryptography.hazmat.primitives.serialization import load_der_private_key
    from sync.release.key_checker import key_id
    try:
        return key_id(load_der_private_key(der, password=None).public_key())
    except (ValueError, TypeError):
        return "?"  # damaged or odd: still a key copy, never taken for the checker's


def key_copies(folders: list[Path], depth: int | None = None, seen: set | None = None) -> list[KeyCopy]:
    """Every key copy in `folders` and their subfolders (to `depth` levels, any depth when None),
    through links and into archives. `seen` (folders already walked) is shared by the calls of one search."""
    seen = set() if seen is None else seen
    found: list[KeyCopy] = []
    for folder in folders:
        _walk(str(folder), MAX_DEPTH if depth is None else depth, seen, found, top=True)
    return found


def _walk(folder: str, depth: int, seen: set, found: list, top: bool = False) -> None:
    try:
        identity = os.stat(folder)
    except OSError:  # gone, a drive without a disc, no permission
        return
    key = (identity.st_dev, identity.st_ino)
    if key in seen or identity.st_dev in _pseudo_devices():  # walked already: the same folder through a link, or a link to a folder above
        return
    seen.add(key)
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return
    for entry in entries:
        try:
            if entry.is_dir(follow_symlinks=True):
                if depth > 0 and not (top and os.name == "nt" and entry.name.lower() in WINDOWS_PROGRAM_FOLDERS):
                    _walk(entry.path, depth - 1, seen, found)
            elif entry.is_file(follow_symlinks=True):
                status = entry.stat(follow_symlinks=True)
                if getattr(status, "st_file_attributes", 0) & NOT_ON_THIS_DISK:
                    continue  # a OneDrive file kept only online: opening it would download it
                found += _file_copies(entry.path, entry.name, status.st_size)
        except OSError:
            continue


def _pseudo_devices() -> frozenset:
    """The devices of Linux' kernel file systems (their folders are reached through links too)."""
    global _PSEUDO
    if _PSEUDO is None:
        _PSEUDO = frozenset(os.stat(place).st_dev for place in LINUX_PSEUDO_FOLDERS
                            if os.name != "nt" and os.path.isdir(place))
    return _PSEUDO


_PSEUDO = None


def _file_copies(path: str, name: str, size: int) -> list[KeyCopy]:
    if name in KEY_NAMES:
        return [KeyCopy(Path(path))]
    if size == 0 or (size > SNIFF_BYTES and not name.lower().endswith(ARCHIVE_ENDINGS)):
        return []
    try:
        with open(path, "rb") as file:
            head = file.read(SNIFF_BYTES)
    except OSError:
        return []
    held = keys_in(head)
    if held:
        return [KeyCopy(Path(path), "", held)]
    if head.startswith(b"PK\x03\x04") and size <= ZIP_LIMIT:
        return [KeyCopy(Path(path), member, held) for member, held in _zip_keys(path)]
    if _tar_like(head) and size <= TAR_LIMIT:
        return [KeyCopy(Path(path), member, held) for member, held in _tar_keys(path)]
    return []


def _tar_like(head: bytes) -> bool:
    return (head[257:262] == b"ustar" or head.startswith((b"\x1f\x8b", b"BZh", b"\xfd7zXZ\x00")))


def _zip_keys(path: str) -> list[tuple[str, tuple]]:
    found = []
    try:
        with zipfile.ZipFile(path) as archive:
            for member in archive.infolist()[:ARCHIVE_MEMBERS]:
                if member.is_dir():
                    continue
                if Path(member.filename).name in KEY_NAMES:
                    found.append((member.filename, ()))
                elif 0 < member.file_size <= MEMBER_BYTES:
                    with archive.open(member) as opened:
                        held = keys_in(opened.read(MEMBER_BYTES))
                        if held:
                            found.append((member.filename, held))
    except (OSError, zipfile.BadZipFile, RuntimeError, NotImplementedError, ValueError, EOFError):
        pass  # damaged, encrypted, or a compression this Python lacks: what was found so far stands
    return found


def _tar_keys(path: str) -> list[tuple[str, tuple]]:
    found = []
    try:
        with tarfile.open(path, "r:*") as archive:
            for number, member in enumerate(archive):
                if number >= ARCHIVE_MEMBERS:
                    break
                if not member.isfile():
                    continue
                if Path(member.name).name in KEY_NAMES:
                    found.append((member.name, ()))
                elif 0 < member.size <= MEMBER_BYTES:
                    opened = archive.extractfile(member)
                    held = keys_in(opened.read(MEMBER_BYTES)) if opened is not None else ()
                    if held:
                        found.append((member.name, held))
    except (OSError, tarfile.TarError, EOFError, ValueError):
        pass
    return found


def recycled_name(path: Path) -> str:
    """The name a file in Windows' `$Recycle.Bin` had before it was deleted ('' elsewhere): its `$R…`
    file (or folder, for a deleted folder) has a sibling `$I…` holding the original path."""
    parts = path.parts
    lowered = [part.lower() for part in parts]
    if "$recycle.bin" not in lowered:
        return ""
    at = lowered.index("$recycle.bin")
    if len(parts) < at + 3 or not parts[at + 2].upper().startswith("$R"):
        return ""
    info = Path(*parts[:at + 2]) / ("$I" + parts[at + 2][2:])
    try:
        data = info.read_bytes()[:4096]
        version = struct.unpack_from("<q", data)[0]
        if version == 2:  # Windows 10 and later: the name's length, then the name
            length = struct.unpack_from("<i", data, 24)[0]
            text = data[28:28 + 2 * length].decode("utf-16-le")
        else:  # Vista to 8: a fixed field of 260 characters
            text = data[24:24 + 520].decode("utf-16-le")
    except (OSError, struct.error, UnicodeDecodeError):
        return ""
    return text.split("\x00", 1)[0]
