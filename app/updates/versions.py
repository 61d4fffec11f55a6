"""Which version runs and how versions compare, and the update's two refusals: what the server needs
at start and in its menu, without TUF (app/updates/fetching.py loads it, some 17 MB of libraries,
only when a release is checked or applied, or the admin opens the update page to see its root key).

A release's version is a PEP 440 version (packaging's `Version`): anything else (a path such as
`10.0/../../KORBAN`, which would name a folder outside DATA/versions) is refused when it is read."""
from importlib import metadata as installed
from pathlib import Path

from packaging.version import InvalidVersion, Version

from app.updates.state import read_selection

APP_DISTRIBUTION = "loket-kecamatan"
LOWEST = Version("0.dev0")  # below every real version: what an unreadable one compares as
MAX_VERSION_CHARS = 64


def running_version() -> str:
    try:
        return installed.version(APP_DISTRIBUTION)
    except installed.PackageNotFoundError:
        return "0"


def current_version(data_dir: Path) -> str:
    """The version this PC runs: the one its launcher selected (a command run beside the server runs
    the installed program's code), else this code's."""
    selection = read_selection(data_dir)
    return selection["version"] if selection else running_version()


def version_key(version: str) -> Version:
    """"0.10.1" after "0.9.3", "1.0rc1" before "1.0" (PEP 440); what is not a version sorts first."""
    try:
        return Version(str(version))
    except InvalidVersion:
        return LOWEST


def release_version(text) -> str:
    """A release's version, normalized ("1.0.0-RC1" -> "1.0.0rc1"); UpdateRefused when it is not a
    PEP 440 version, so it never becomes a folder's or a file's name."""
    shown = str(text)[:MAX_VERSION_CHARS]
    try:
        if not isinstance(text, str) or len(text) > MAX_VERSION_CHARS:
            raise InvalidVersion(shown)
        return str(Version(text))
    except InvalidVersion:
        raise UpdateRefused(f"Rilis bernomor versi \"{shown}\" ditolak: itu bukan nomor versi yang sah (contoh yang "
                            "sah: 0.2.1). Tidak ada yang diunduh atau dipasang; laporkan ke admin kabupaten.") from None


class UpdateRefused(Exception):
    """A release this PC will not take; str() is the admin's Indonesian message. Nothing changed."""


class CheckInterrupted(UpdateRefused):
    """The check of a release could not come to a verdict (out of time, a full disk, a crash before any
    page answered): nothing changed, the release stays offered, said on the page as interrupted."""


class Postponed(Exception):
    """The link broke mid-way; what arrived is kept and the next pass goes on from there."""
