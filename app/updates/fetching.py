"""Learning of a release and fetching it, verified by TUF (`tuf`'s ngclient Updater).

The source is the center over the signed link (during a sync pass) or a folder in the same form
(a USB stick with a copy of the center's repository, sync/releases.py). What this PC trusts is the
root it keeps in DATA/pembaruan/metadata: the first one came from its center over the enrolled,
signed link (or the first USB stick); every later root must be signed by the one before.

Targets are fetched by hash into DATA/pembaruan/cache and never again while they are there; a
target cut by a broken link keeps its bytes in cache/sebagian/ and the next pass asks for the rest.
Only the wheels this PC lacks are fetched: the release's own wheel, and a dependency's only when
the release pins another version than the one installed here (and for this PC's platform)."""
import hashlib
import json
import logging
import sys
import sysconfig
from datetime import datetime, timedelta, timezone
from importlib import metadata as installed
from pathlib import Path
from typing import Iterator
from urllib.parse import quote, urlencode

from tuf.api import exceptions as tuf_errors
from tuf.ngclient import FetcherInterface, Updater

from app.frame.private_files import private_dir
from app.updates.state import paths, read_state, write_state
from app.updates.versions import (  # noqa: F401  (their old home: callers read them here too)
    APP_DISTRIBUTION, Postponed, UpdateRefused, current_version, running_version, version_key)
from sync.releases import RELEASE_TARGET, UPDATE_CHUNK_BYTES, root_fingerprint_of

log = logging.getLogger(__name__)


# --- where the bytes come from -----------------------------------------------------------------

class CenterSource:
    """The center's repository over the signed link (sync/center/updates.py), a chunk per request."""

    def __init__(self, client):
        self.client = client

    def read(self, name: str, start: int) -> bytes:
        from sync import protocol
        from sync.client.transport import Refused
        try:
            return self.client.call_alone("GET", f"{protocol.API_PREFIX}/updates?{urlencode({'name': name, 'from': int(start)})}")
        except Refused as refusal:
            raise tuf_errors.DownloadHTTPError(str(refusal), refusal.status) from None


class FolderSource:
    """A copy of the repository on a USB stick (or any folder): metadata/ and targets/."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def read(self, name: str, start: int) -> bytes:
        path = self.folder / name
        if not path.is_file():
            raise tuf_errors.DownloadHTTPError(f"{name} tidak ada di folder", 404)
        with open(path, "rb") as file:
            file.seek(start)
            return file.read(UPDATE_CHUNK_BYTES)


class ResumingFetcher(FetcherInterface):
    """ngclient's downloads through a source. Targets (large) are written to a partial file chunk
    by chunk, so a link that breaks loses at most one chunk; ngclient checks the whole file's
    length and hash as usual once it is complete."""

    def __init__(self, source, partial_dir: Path):
        self.source = source
        self.partial_dir = partial_dir

    def _fetch(self, url: str) -> Iterator[bytes]:
        name = url.split(":", 1)[1]
        if name.startswith("metadata/"):
            return iter([self._whole(name)])
        return self._resumed(name)

    def _whole(self, name: str) -> bytes:
        parts = []
        while True:
            chunk = self.source.read(name, sum(map(len, parts)))
            parts.append(chunk)
            if len(chunk) < UPDATE_CHUNK_BYTES:
                return b"".join(parts)

    def _resumed(self, name: str) -> Iterator[bytes]:
        partial = private_dir(self.partial_dir) / hashlib.sha256(name.encode()).hexdigest()
        with open(partial, "ab") as out:
            while True:
                try:
                    chunk = self.source.read(name, out.tell())
                except tuf_errors.DownloadError:
                    raise
                except Exception as problem:  # the link broke: ngclient's own kind, as fetch() gives
                    raise tuf_errors.DownloadError(f"{name}: {problem}") from problem
                out.write(chunk)
                out.flush()
                if len(chunk) < UPDATE_CHUNK_BYTES:
                    break
        try:
            with open(partial, "rb") as whole:
                yield from iter(lambda: whole.read(UPDATE_CHUNK_BYTES), b"")
        finally:
            partial.unlink(missing_ok=True)  # verified or refused, the next try starts afresh


# --- this PC's view of the releases ------------------------------------------------------------

def updater_for(data_dir: Path, source) -> Updater:
    where = paths(data_dir)
    private_dir(where.metadata)
    private_dir(where.cache)
    fetcher = ResumingFetcher(source, where.cache / "sebagian")
    bootstrap = None
    if not (where.metadata / "root.json").exists():  # first contact: the enrolled center's (or stick's) root
        bootstrap = fetcher.download_bytes("loket:metadata/1.root.json", 512000)
    try:
        return Updater(str(where.metadata), "loket:metadata/", str(where.cache), "loket:targets/", fetcher,
                       bootstrap=bootstrap)
    except (tuf_errors.RepositoryError, ValueError) as problem:
        raise UpdateRefused(f"Metadata akar pembaruan tidak sah ({type(problem).__name__}): ditolak.") from None


def trusted_root_fingerprint(data_dir: Path) -> str | None:
    """Which regency root this PC trusts (the root it keeps, the newest it accepted), as
    `run.py release keys` printed it for the regency admin; None before its first contact."""
    return root_fingerprint_of(paths(data_dir).metadata / "root.json")


def wheel_fits(filename: str) -> bool:
    """Does this wheel install on this PC's Python and platform? (name-ver-pyver-abi-platform.whl)"""
    parts = filename[:-4].split("-")
    if len(parts) < 5:
        return False
    python_tags, abi, platform_tags = parts[-3], parts[-2], parts[-1]
    ours = f"cp{sys.version_info.major}{sys.version_info.minor}"
    python_ok = any(t in ("py3", ours) or (abi == "abi3" and t.startswith("cp3") and int(t[3:] or 0) <= sys.version_info.minor)
                    for t in python_tags.split("."))
    machine = sysconfig.get_platform().replace("-", "_").replace(".", "_")  # win_amd64, linux_x86_64
    arch = machine.split("_", 1)[-1]
    platform_ok = any(t == "any" or t == machine or (machine.startswith("linux") and "linux" in t and t.endswith(arch))
                      for t in platform_tags.split("."))
    return python_ok and platform_ok


def wheels_needed(release: dict) -> list[str]:
    """The release's wheels this PC must fetch: its own, and each dependency whose version differs."""
    needed = []
    for target in release.get("wheels", []):
        filename = target.rsplit("/", 1)[-1]
        if not filename.endswith(".whl") or not wheel_fits(filename):
            continue
        name, version = filename.split("-")[:2]
        if name.replace("_", "-").lower() == APP_DISTRIBUTION:
            needed.append(target)
            continue
        try:
            if installed.version(name) == version:
                continue
        except installed.PackageNotFoundError:
            pass
        needed.append(target)
    return needed


# Each refusal TUF raises, in the admin's words; checked in this order (isinstance).
REFUSALS = (
    (tuf_errors.LengthOrHashMismatchError,
     "Berkas pembaruan tidak cocok dengan yang ditandatangani kabupaten (rusak atau diubah di jalan): "
     "ditolak, tidak ada yang berubah di komputer ini."),
    (tuf_errors.BadVersionNumberError,
     "Metadata pembaruan lebih lama daripada yang sudah diterima komputer ini (rilis lama diputar ulang): "
     "ditolak, tidak ada yang berubah di komputer ini."),
    (tuf_errors.ExpiredMetadataError,
     "Metadata pembaruan sudah kedaluwarsa (pusat belum memperbarui tanda waktunya, atau jam komputer "
     "ini salah): ditolak, tidak ada yang berubah. Periksa tanggal komputer, lalu coba lagi."),
    (tuf_errors.UnsignedMetadataError,
     "Metadata pembaruan tidak ditandatangani kunci kabupaten yang dipercaya komputer ini: "
     "ditolak, tidak ada yang berubah di komputer ini."),
)


def refused_message(problem: Exception) -> str:
    for kind, message in REFUSALS:
        if isinstance(problem, kind):
            return message
    return f"Pembaruan ditolak ({type(problem).__name__}): tidak ada yang berubah di komputer ini."


# A timestamp this PC trusts is checked with the center again this long before it expires, whatever
# the probe says: a center that kept saying "nothing new" would otherwise hide a frozen repository.
FRESH_ENOUGH_DAYS = 2


def nothing_new(data_dir: Path, news) -> bool:
    """Would a check now learn nothing? `news`: the center's probe's `release` (sync/center/updates.
    release_news). True when the center has published nothing and this PC trusts no root yet, or when
    this PC's last check ran to its end with nothing waiting (no release to fetch or install, no
    refusal) on the very root and timestamp the center holds, and that timestamp is not near its
    expiry. A check a broken link cut short ended nothing: the next pass goes on with it."""
    from app.frame.dates import utc_now
    state = read_state(data_dir)
    if state.get("refused") or state.get("available"):
        return False
    if news is None:
        return not (paths(data_dir).metadata / "root.json").exists()
    settled = state.get("settled")
    if not isinstance(news, dict) or not isinstance(settled, dict):
        return False
    try:
        expires = datetime.fromisoformat(settled["expires"]).astimezone(timezone.utc).replace(tzinfo=None)
        return ((settled["root"], settled["timestamp"]) == (news.get("root"), news.get("timestamp"))
                and expires - utc_now() > timedelta(days=FRESH_ENOUGH_DAYS))
    except (KeyError, TypeError, ValueError):
        return False


def _trusted_versions(data_dir: Path) -> dict | None:
    """The root and timestamp this PC trusts (ngclient writes each file once it has verified it)."""
    try:
        root, timestamp = (json.loads((paths(data_dir).metadata / name).read_bytes())["signed"]
                           for name in ("root.json", "timestamp.json"))
        return {"root": root["version"], "timestamp": timestamp["version"],
                "expires": datetime.fromisoformat(timestamp["expires"].replace("Z", "+00:00")).isoformat()}
    except (OSError, ValueError, KeyError, TypeError, AttributeError):
        return None


def check_source(data_dir: Path, source) -> dict:
    """Learn of the newest release from `source` and fetch what this PC lacks of it. Returns the
    saved state ({available: release or None, refused: message or None, ...}). Raises Postponed
    when the link broke; a refusal is saved and returned, never raised (the pass goes on)."""
    from app.frame.dates import utc_now
    now = utc_now().isoformat(timespec="seconds")
    try:
        updater = updater_for(data_dir, source)
        updater.refresh()
        release_file = _fetched(updater, RELEASE_TARGET)
        release = json.loads(Path(release_file).read_bytes())
        if version_key(release.get("version", "0")) <= version_key(current_version(data_dir)):
            return write_state(data_dir, available=None, refused=None, checked_at=now,
                               settled=_trusted_versions(data_dir))
        for target in wheels_needed(release):
            _fetched(updater, target)
    except UpdateRefused as refusal:
        return write_state(data_dir, refused=str(refusal), checked_at=now)
    except tuf_errors.RepositoryError as problem:
        log.warning("release refused: %s", problem)
        return write_state(data_dir, refused=refused_message(problem), checked_at=now)
    except tuf_errors.DownloadHTTPError as problem:
        if problem.status_code == 404 and not (paths(data_dir).metadata / "root.json").exists():
            return write_state(data_dir, available=None, refused=None, checked_at=now)  # nothing published yet
        return write_state(data_dir, refused=f"Berkas pembaruan tidak ada di sumbernya (HTTP {problem.status_code}): "
                                             "dicoba lagi pada sinkronisasi berikutnya.", checked_at=now)
    except tuf_errors.DownloadLengthMismatchError:
        return write_state(data_dir, refused=refused_message(tuf_errors.LengthOrHashMismatchError()), checked_at=now)
    except tuf_errors.DownloadError as problem:  # the link broke (LinkDown inside): resumed next time
        raise Postponed("sambungan putus saat mengunduh pembaruan; dilanjutkan pada sinkronisasi berikutnya") from problem
    except (ValueError, KeyError, TypeError):
        return write_state(data_dir, refused="Berkas rilis tidak dapat dibaca: ditolak, tidak ada yang berubah.",
                           checked_at=now)
    available = {"version": release["version"], "notes": str(release.get("notes", ""))[:4000],
                 "wheels": wheels_needed(release), "signed_at": release.get("signed_at", "")}
    return write_state(data_dir, available=available, refused=None, checked_at=now)


def _fetched(updater: Updater, target: str) -> str:
    info = updater.get_targetinfo(target)
    if info is None:
        raise UpdateRefused(f"Berkas {target} tidak disebut metadata rilis yang ditandatangani: ditolak.")
    return updater.find_cached_target(info) or updater.download_target(info)


def verified_files(data_dir: Path, targets: list[str]) -> list[Path]:
    """The cached files of `targets`, each checked again (length and hash) against the targets
    metadata ngclient verified and kept; UpdateRefused when one does not match."""
    from tuf.api.metadata import Metadata, Targets
    where = paths(data_dir)
    try:
        trusted = Metadata[Targets].from_file(str(where.metadata / "targets.json")).signed
    except (OSError, ValueError) as problem:
        raise UpdateRefused(f"Metadata rilis tidak terbaca ({type(problem).__name__}): periksa pembaruan lagi.") from None
    files = []
    for target in targets:
        info = trusted.targets.get(target)
        path = where.cache / quote(target, "")  # ngclient's name for a downloaded target
        try:
            with open(path, "rb") as file:
                info.verify_length_and_hashes(file)
        except (AttributeError, OSError, tuf_errors.LengthOrHashMismatchError):
            raise UpdateRefused(refused_message(tuf_errors.LengthOrHashMismatchError(target))) from None
        files.append(path)
    return files
