"""What the release wheel the admin holds says about itself (its version, notes, needs and office lock),
the marker environment of each target PC, and the checked folder's names: read by `release build`
(candidate_build) and `release sign` (key_sign_checked) alike. It reads files only: it runs nothing of a
candidate and opens no key."""
import email.parser
import hashlib
import re
import zipfile
from dataclasses import dataclass
from pathlib import Path

from packaging.markers import default_environment

from sync.release.dependency_lock import OFFICE_LOCK
from sync.release.key_signing import ReleaseError, release_version

APP_DISTRIBUTION = "loket-kecamatan"
APP_WHEEL_PREFIX = "loket_kecamatan-"
NOTES_FILE = "app/frame/data/catatan-rilis.md"
NOTES_HEADING = re.compile(r"^## +(\S+)\s*$", re.M)
# Our name of a target platform -> what pip downloads for it and the markers a PC of it evaluates.
# Linux: manylinux up to glibc 2.34 (README, "Python and platforms"); pip takes the exact tags given.
PLATFORMS = {
    "win_amd64": {"label": "Windows 64-bit", "tags": ["win_amd64"],
                  "markers": {"sys_platform": "win32", "platform_system": "Windows", "os_name": "nt",
                              "platform_machine": "AMD64"}},
    "manylinux_x86_64": {"label": "Linux x86_64",
                         "tags": [f"manylinux_2_{minor}_x86_64" for minor in range(34, 4, -1)]
                         + ["manylinux2014_x86_64", "manylinux2010_x86_64", "manylinux1_x86_64"],
                         "markers": {"sys_platform": "linux", "platform_system": "Linux", "os_name": "posix",
                                     "platform_machine": "x86_64"}},
}
CHECKED_MANIFEST = "pemeriksaan.json"  # in the checked folder `release build` writes, beside CHECKED_WHEELS
CHECKED_WHEELS = "wheels"
PASSED = "lulus"


@dataclass
class AppWheel:
    path: Path
    version: str
    notes: str
    requires: list[str]
    lock: str = ""  # its office lock (sync/release/dependency_lock.OFFICE_LOCK): the versions CI tested, with hashes


def read_app_wheel(path: Path) -> AppWheel:
    """What the release wheel says about itself; ReleaseError when it is not one of this project's or
    says it badly (no notes for its version, a version that is not PEP 440)."""
    path = Path(path)
    if not (path.name.startswith(APP_WHEEL_PREFIX) and path.name.endswith(".whl")):
        raise ReleaseError(f"{path.name} bukan wheel rilis Loket Kecamatan: pilih berkas "
                           "loket_kecamatan-<versi>-py3-none-any.whl dari halaman rilis proyek.")
    try:
        with zipfile.ZipFile(path) as wheel:
            names = wheel.namelist()
            metadata_name = next(n for n in names if re.fullmatch(r"[^/]+\.dist-info/METADATA", n))
            metadata = email.parser.Parser().parsestr(wheel.read(metadata_name).decode("utf-8"))
            notes_text = wheel.read(NOTES_FILE).decode("utf-8") if NOTES_FILE in names else ""
            lock = wheel.read(OFFICE_LOCK).decode("utf-8") if OFFICE_LOCK in names else ""
    except (OSError, zipfile.BadZipFile, StopIteration, UnicodeDecodeError, KeyError):
        raise ReleaseError(f"{path} tidak dapat dibaca sebagai wheel (rusak atau terpotong saat diunduh). "
                           "Unduh lagi dari halaman rilis proyek.") from None
    if (metadata.get("Name") or "").lower().replace("_", "-") != APP_DISTRIBUTION:
        raise ReleaseError(f"{path.name} bukan wheel Loket Kecamatan (namanya {metadata.get('Name')!r}).")
    version = str(release_version(metadata.get("Version") or ""))
    if path.name.split("-")[1] != version:
        raise ReleaseError(f"Nama berkas {path.name} tidak cocok dengan versi di dalamnya ({version}): "
                           "unduh lagi dari halaman rilis proyek, jangan ganti namanya.")
    notes = release_notes(notes_text, version)
    if not notes:
        raise ReleaseError(f"Wheel {path.name} tidak membawa catatan rilis untuk versi {version} "
                           f"({NOTES_FILE}, bagian \"## {version}\"): rilis ini belum siap, tanyakan ke proyek.")
    return AppWheel(path, version, notes, list(metadata.get_all("Requires-Dist") or []), lock)


def release_notes(text: str, version: str) -> str:
    """The section of catatan-rilis.md under "## <version>" (up to the next such heading), '' when none."""
    headings = list(NOTES_HEADING.finditer(text))
    for at, heading in enumerate(headings):
        if heading.group(1) == version:
            end = headings[at + 1].start() if at + 1 < len(headings) else len(text)
            return text[heading.end():end].strip()
    return ""


def target_environment(python: str, platform: str) -> dict:
    """The marker environment of a PC running CPython `python` on `platform` (packaging.markers)."""
    return dict(default_environment(), **PLATFORMS[platform]["markers"], python_version=python,
                python_full_version=f"{python}.0", implementation_name="cpython",
                platform_python_implementation="CPython", implementation_version=f"{python}.0", extra="")


def sha256(path: Path) -> str:
    digest = hashlib.sha256()
    with open(path, "rb") as file:
        for block in iter(lambda: file.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()
