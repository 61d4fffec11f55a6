"""Learning of a release and fetching it, verified by TUF (`tuf`'s ngclient Updater).

The source is the center over the signed link (during a sync pass) or a folder in the same form
(a USB stick with a copy of the center's repository, sync/release/key_signing.py). What this PC trusts is the
root it keeps in DATA/pembaruan/metadata: the first one only when its keys give the fingerprint the
admin typed from the regency's sheet (app/updates/trust.py); every later root must be signed by the
one before.

Every read is bounded as it streams: metadata within ngclient's length limits, a target within its
signed length, and so is the partial file a broken link leaves. Targets are fetched by hash into
DATA/pembaruan/cache and never again while they are there; a target cut by a broken link keeps its
bytes in cache/sebagian/ and the next pass asks for the rest. A release with a `closure` (every one
`release build` made) is fetched whole for this PC's Python and platform: every wheel of its lock, to
be installed in the version's own folder (app/updates/installing.py). An older release: only the
wheels this PC lacks (what its `requires` need that is not installed here). Nothing of a release that
cannot run here, and nothing at all before every wheel it needs is known to the signed targets."""
import hashlib
import io
import json
import logging
import sys
import sysconfig
from contextlib import contextmanager
from datetime import datetime, timedelta, timezone
from functools import lru_cache
from importlib import metadata as installed
from pathlib import Path
from typing import IO, Iterator
from urllib.parse import quote, urlencode

from packaging.requirements import InvalidRequirement, Requirement
from packaging.tags import sys_tags
from packaging.utils import InvalidWheelFilename, canonicalize_name, parse_wheel_filename
from packaging.version import Version
from tuf.api import exceptions as tuf_errors
from tuf.ngclient import FetcherInterface, Updater, UpdaterConfig

from app.frame.private_files import private_dir
from app.updates import room, trust
from app.updates.state import now_text, paths, read_selection, read_state, write_state
from app.updates.versions import (  # noqa: F401  (their old home: callers read them here too)
    APP_DISTRIBUTION, Postponed, UpdateRefused, current_version, release_version, running_version, version_key)
from loket_python import closure_key
from sync.release.key_signing import RELEASE_TARGET, UPDATE_CHUNK_BYTES

log = logging.getLogger(__name__)
UPDATES_FROM_PROTOCOL = 7  # the first center protocol whose center serves a release repository
MAX_ROOTS_SEARCHED = 16    # a regency that rotated its root: the sheet may name a later root


# --- where the bytes come from -----------------------------------------------------------------

class NoRepository(Exception):
    """The source holds no release repository at all (a center of the previous version)."""


TIMESTAMP_NAME = "metadata/timestamp.json"


class NothingPublished(tuf_errors.DownloadHTTPError):
    """The source has no timestamp for this PC: nothing published to its ring yet (a PC outside the
    pilots while the regency's first release is with them; a stick with no release to everyone). Not
    a refusal: the PC says nothing (issue 69 finding 4)."""


class CenterSource:
    """The center's repository over the signed link (sync/center/updates.py), a chunk per request."""

    def __init__(self, client):
        self.client = client

    def serves_updates(self) -> bool:
        """A center of the previous version (protocol 6, no "release" in its probe) has no /updates:
        it answers an unknown address unsigned, which the link would take for a broken answer."""
        probed = getattr(self.client, "probed", None) or {}
        protocol = probed.get("protocol", UPDATES_FROM_PROTOCOL)
        return "release" in probed or not isinstance(protocol, int) or protocol >= UPDATES_FROM_PROTOCOL

    def read(self, name: str, start: int, size: int = UPDATE_CHUNK_BYTES) -> bytes:
        """At most `size` bytes of `name` from `start`; fewer only at its end."""
        from sync import protocol
        from sync.client.transport import Refused
        if not self.serves_updates():
            raise NoRepository()
        try:
            chunk = self.client.call_alone(
                "GET", f"{protocol.API_PREFIX}/updates?{urlencode({'name': name, 'from': int(start)})}")
        except Refused as refusal:
            raise tuf_errors.DownloadHTTPError(str(refusal), refusal.status) from None
        return chunk[:size]  # the center answers a whole chunk; the rest is asked for again if wanted


class FolderSource:
    """A copy of the repository on a USB stick (or any folder): metadata/ and targets/."""

    def __init__(self, folder: Path):
        self.folder = Path(folder)

    def read(self, name: str, start: int, size: int = UPDATE_CHUNK_BYTES) -> bytes:
        """At most `size` bytes of `name` from `start`; fewer only at its end."""
        path = self.folder / name
        if not path.is_file():
            raise tuf_errors.DownloadHTTPError(f"{name} tidak ada di folder", 404)
        with open(path, "rb") as file:
            file.seek(start)
            return file.read(min(size, UPDATE_CHUNK_BYTES))


class BoundedFetcher(FetcherInterface):
    """ngclient's downloads through a source, never reading more than the limit ngclient gives
    (metadata: its configured maximum or the length signed for it; a target: its signed length)
    plus one byte to see that a file is longer. Targets (large) are written chunk by chunk to a
    partial file that never outgrows that length, so a link that breaks loses at most one chunk;
    ngclient checks the whole file's length and hash as usual once it is complete."""

    def __init__(self, source, partial_dir: Path):
        self.source = source
        self.partial_dir = partial_dir

    def _fetch(self, url: str) -> Iterator[bytes]:  # the interface's; the downloads below bound it
        return self._chunks(url.split(":", 1)[1], 0, None)

    def _chunks(self, name: str, start: int, limit: int | None) -> Iterator[bytes]:
        """The file from `start` on, asking for no more than `limit` + 1 bytes in all."""
        offset = start
        while True:
            asked = UPDATE_CHUNK_BYTES if limit is None else min(UPDATE_CHUNK_BYTES, limit + 1 - (offset - start))
            try:
                chunk = self.source.read(name, offset, asked)
            except tuf_errors.DownloadHTTPError as problem:
                if problem.status_code == 404 and name == TIMESTAMP_NAME:
                    raise NothingPublished(str(problem), 404) from None
                raise
            except (tuf_errors.DownloadError, NoRepository):
                raise
            except Exception as problem:  # the link broke: ngclient's own kind, as fetch() gives
                raise tuf_errors.DownloadError(f"{name}: {problem}") from problem
            offset += len(chunk)
            yield chunk
            if len(chunk) < asked or (limit is not None and offset - start > limit):
                return

    @contextmanager
    def download_file(self, url: str, max_length: int) -> Iterator[IO]:
        name = url.split(":", 1)[1]
        if name.startswith("metadata/"):
            with self._bounded(name, max_length) as whole:
                yield whole
        else:
            with self._resumed(name, max_length) as whole:
                yield whole

    def download_bytes(self, url: str, max_length: int) -> bytes:
        with self.download_file(url, max_length) as whole:
            return whole.read()

    @contextmanager
    def _bounded(self, name: str, max_length: int) -> Iterator[IO]:
        whole = io.BytesIO()
        for chunk in self._chunks(name, 0, max_length):
            if whole.tell() + len(chunk) > max_length:
                raise tuf_errors.DownloadLengthMismatchError(f"{name} lebih dari {max_length} bita")
            whole.write(chunk)
        whole.seek(0)
        yield whole

    @contextmanager
    def _resumed(self, name: str, max_length: int) -> Iterator[IO]:
        partial = private_dir(self.partial_dir) / hashlib.sha256(name.encode()).hexdigest()
        if partial.exists() and partial.stat().st_size > max_length:
            partial.unlink()  # longer than what was signed: not this file
            raise tuf_errors.DownloadLengthMismatchError(f"{name}: bagian yang tersimpan lebih dari {max_length} bita")
        with open(partial, "ab") as out:
            for chunk in self._chunks(name, out.tell(), max_length - out.tell()):
                if out.tell() + len(chunk) > max_length:
                    out.close()
                    partial.unlink(missing_ok=True)
                    raise tuf_errors.DownloadLengthMismatchError(f"{name} lebih dari {max_length} bita")
                out.write(chunk)
                out.flush()
        try:
            with open(partial, "rb") as whole:
                yield whole
        finally:
            partial.unlink(missing_ok=True)  # verified or refused, the next try starts afresh


# --- this PC's view of the releases ------------------------------------------------------------

class Unconfirmed(UpdateRefused):
    """No fingerprint typed from the regency's sheet yet: nothing is fetched, offered or installed."""


def updater_for(data_dir: Path, source) -> Updater:
    """ngclient's Updater on the root this PC trusts; the first root only when its keys give the
    fingerprint the admin typed (trust.py), else UpdateRefused with nothing stored."""
    where = paths(data_dir)
    expected = trust.expected_root(data_dir)
    if expected is None:
        raise Unconfirmed(trust.ASK_REGENCY)
    private_dir(where.metadata)
    private_dir(where.cache)
    fetcher = BoundedFetcher(source, where.cache / "sebagian")
    if trust.trusts_a_root(data_dir) and not trust.confirmed(data_dir):
        trust.forget(data_dir)  # taken on first use from someone else: start afresh from the regency's
        private_dir(where.metadata)
    bootstrap = None
    if not trust.trusts_a_root(data_dir):
        bootstrap = _regency_root(fetcher, expected)
    try:
        return Updater(str(where.metadata), "loket:metadata/", str(where.cache), "loket:targets/", fetcher,
                       UpdaterConfig(), bootstrap=bootstrap)
    except (tuf_errors.RepositoryError, ValueError) as problem:
        raise UpdateRefused(f"Metadata akar pembaruan tidak sah ({type(problem).__name__}): ditolak.") from None


# A refused root is named without its digits (issue 69): printed in the sheet's format beside the field,
# it was copied into the field and let a stranger's release in.
SOURCE_ROOT_REFUSED = (
    "Kunci root dari sumber pembaruan ini TIDAK sama dengan sidik jari dari lembar kabupaten yang diketik di "
    "komputer ini: ditolak, tidak ada yang disimpan atau dipasang. " + trust.CHECK_TYPING + " Kunci dari sumber itu "
    "bukan dari lembar kabupaten: jangan diketik (halaman ini tidak menampilkannya). Bila yang diketik sudah sama "
    "dengan lembar, laporkan ke admin kabupaten: sumber ini memberi kunci lain.")


def _regency_root(fetcher: BoundedFetcher, expected: str) -> bytes:
    """The source's root whose own keys give the expected fingerprint, all of it: its first, or a later
    one when the regency rotated its key and printed the new one. UpdateRefused when none does."""
    offered = 0
    for version in range(1, MAX_ROOTS_SEARCHED + 1):
        try:
            data = fetcher.download_bytes(f"loket:metadata/{version}.root.json", UpdaterConfig().root_max_length)
        except tuf_errors.DownloadHTTPError as problem:
            if problem.status_code in (403, 404) and offered:
                break
            raise
        if trust.fingerprint_of_bytes(data) == expected:
            return data
        offered += 1
    raise UpdateRefused(SOURCE_ROOT_REFUSED)


# --- which wheels this PC needs ------------------------------------------------------------------

@lru_cache(maxsize=1)
def _our_tags() -> frozenset:
    return frozenset(sys_tags())


def wheel_fits(filename: str) -> bool:
    """Does this wheel install on this PC's Python and platform? (its tags among packaging's sys_tags)"""
    try:
        return not parse_wheel_filename(filename)[3].isdisjoint(_our_tags())
    except InvalidWheelFilename:
        return False


def this_pc() -> str:
    """This PC as the refusal names it: "Windows 64-bit, Python 3.13"."""
    platform = sysconfig.get_platform()
    system = next((label for prefix, label in (("win", "Windows"), ("linux", "Linux"), ("macosx", "macOS"))
                   if platform.startswith(prefix)), platform)
    arm = "ARM " if any(word in platform for word in ("arm", "aarch")) else ""
    bits = "64-bit" if sys.maxsize > 2 ** 32 else "32-bit"
    return f"{system} {arm}{bits}, Python {sys.version_info.major}.{sys.version_info.minor}"


def _installed_version(name: str) -> Version | None:
    try:
        return Version(installed.version(name))
    except (installed.PackageNotFoundError, ValueError):
        return None


def closure_wheels(release: dict) -> list[str] | None:
    """The wheels of the release's closure for this PC's Python and platform (release.json's `closure`,
    sync/release/candidate_build.gather): every one the version runs with. None for a release without a closure (an
    older one). UpdateRefused, naming this PC, when the closure has no entry for it, lacks the app wheel of
    its version, names a wheel the release does not carry or one that does not install here."""
    closure = release.get("closure")
    if closure is None:
        return None
    version = release_version(release.get("version"))
    names = closure.get(closure_key()) if isinstance(closure, dict) else None
    names = [str(name) for name in names] if isinstance(names, list) else []
    carried = {str(target) for target in release.get("wheels", [])}
    app = [name for name in names if _is_app_wheel(name, version)]
    problems = [f"{APP_DISTRIBUTION} {version}"] if not app else []
    problems += [name.rsplit("/", 1)[-1] for name in names if name not in carried or not wheel_fits(name.rsplit("/", 1)[-1])]
    if problems:
        raise UpdateRefused(f"Rilis {version} tidak berisi paket untuk komputer ini ({this_pc()}): "
                            f"{', '.join(problems[:8])}. Tidak ada yang diunduh; versi yang berjalan tetap dipakai. "
                            "Minta admin kabupaten menerbitkan rilis lengkap untuk komputer ini.")
    return app[:1] + [name for name in names if name not in app]


def _is_app_wheel(target: str, version: str) -> bool:
    try:
        name, wheel_version, _, _ = parse_wheel_filename(target.rsplit("/", 1)[-1])
    except InvalidWheelFilename:
        return False
    return name == canonicalize_name(APP_DISTRIBUTION) and wheel_version == Version(version)


def wheels_needed(release: dict) -> list[str]:
    """The release's wheels this PC must fetch: with a closure, all of it (closure_wheels). Without
    one: its own, and for each requirement of the release (`requires`, the app wheel's Requires-Dist)
    whose marker applies here and that the installed version does not satisfy, the newest fitting
    wheel that does. UpdateRefused, naming what is missing, when the release cannot run here. A
    release without `requires` either (an older center's): each fitting dependency whose version
    differs from the installed one."""
    version = release_version(release.get("version"))
    whole = closure_wheels(release)
    if whole is not None:
        return whole
    fitting: dict[str, list[tuple[Version, str]]] = {}
    for target in release.get("wheels", []):
        filename = str(target).rsplit("/", 1)[-1]
        if wheel_fits(filename):
            name, wheel_version, _, _ = parse_wheel_filename(filename)
            fitting.setdefault(name, []).append((wheel_version, target))
    own = [target for wheel_version, target in fitting.get(canonicalize_name(APP_DISTRIBUTION), [])
           if wheel_version == Version(version)]
    missing = [] if own else [f"{APP_DISTRIBUTION} {version}"]
    needed = own[:1]
    requires = release.get("requires")
    if requires is None:
        for name, found in fitting.items():
            if name != canonicalize_name(APP_DISTRIBUTION):
                needed += [target for wheel_version, target in found if _installed_version(name) != wheel_version]
    else:
        for text in requires if isinstance(requires, list) else [requires]:
            try:
                requirement = Requirement(str(text))
            except InvalidRequirement:
                raise UpdateRefused(f"Rilis {version} menyebut syarat paket yang tidak terbaca ({str(text)[:80]!r}): "
                                    "ditolak, tidak ada yang diunduh. Laporkan ke admin kabupaten.") from None
            if requirement.marker is not None and not requirement.marker.evaluate({"extra": ""}):
                continue  # for another platform, Python or extra
            have = _installed_version(requirement.name)
            if have is not None and requirement.specifier.contains(have, prereleases=True):
                continue
            choices = sorted((v, t) for v, t in fitting.get(canonicalize_name(requirement.name), [])
                             if requirement.specifier.contains(v, prereleases=True))
            if choices:
                needed.append(choices[-1][1])
            else:
                missing.append(str(requirement).split(";")[0].strip())
    if missing:
        raise UpdateRefused(f"Rilis {version} tidak berisi paket untuk komputer ini ({this_pc()}): "
                            f"{', '.join(missing)}. Tidak ada yang diunduh; versi yang berjalan tetap dipakai. "
                            "Minta admin kabupaten menerbitkan rilis lengkap untuk komputer ini.")
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
    release_news). True when the center has published nothing for this PC and it holds no timestamp, or when
    this PC's last check ran to its end with nothing waiting (no release to fetch or install, no
    refusal) on the very root and timestamp the center holds, and that timestamp is not near its
    expiry. A check a broken link cut short ended nothing: the next pass goes on with it."""
    from app.frame.dates import utc_now
    state = read_state(data_dir)
    if state.get("refused") or state.get("available") or state.get(room.ROOM):  # waiting for room: checked again
        return False
    if news is None:  # nothing published for this PC's ring: unless it holds a timestamp the center lost
        return not (paths(data_dir).metadata / "timestamp.json").exists()
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


class WaitsForRoom(Exception):
    """The disk would keep less than its floor after fetching and installing the release (room.py)."""

    def __init__(self, version: str, wheels: list[str], need: int, free: int):
        super().__init__(version)
        self.version, self.wheels, self.need, self.free = version, wheels, need, free


def check_source(data_dir: Path, source) -> dict:
    """Learn of the newest release from `source` and fetch what this PC lacks of it, when the disk has
    room for it (room.py). Returns the saved state ({available: release or None, refused: message or
    None, waits_for_room: message or None, ...}). Raises Postponed when the link broke: only then are
    downloads cut short kept, for the next pass to resume. A refusal is saved and returned, never raised
    (the pass goes on). Before the admin confirmed the regency's fingerprint, nothing is fetched and
    nothing is offered."""
    try:
        kept = _learn_and_fetch(data_dir, source)
    except WaitsForRoom as waiting:
        log.warning("release %s waits for room: %d bytes needed, %d free", waiting.version, waiting.need, waiting.free)
        _drop_cached_wheels(data_dir, [*waiting.wheels, *_wheels_in_use(data_dir)])  # what it has counts as fetched
        # The check ran to its end on these ("settled"): the pass of an installed 0.3.0 or 0.3.1 (no room check),
        # told no news beyond them by the center (sync/center/updates.release_news), finds nothing new and fetches
        # nothing; this version's own pass checks again while it waits (nothing_new).
        kept = write_state(data_dir, available=None, refused=None, checked_at=now_text(),
                           settled=_trusted_versions(data_dir), **{
            room.ROOM: room.waiting_message(waiting.version, waiting.need, waiting.free),
            f"{room.ROOM}_at": now_text(), f"{room.ROOM}_version": waiting.version,
            f"{room.ROOM}_mb": room.megabytes(waiting.need - waiting.free)})
    else:
        if kept.get(room.ROOM):
            kept = write_state(data_dir, **{room.ROOM: None, f"{room.ROOM}_at": None, f"{room.ROOM}_version": None,
                                            f"{room.ROOM}_mb": None})
    room.drop_partials(data_dir)
    return kept


def _learn_and_fetch(data_dir: Path, source) -> dict:
    from app.frame.dates import utc_now
    now = utc_now().isoformat(timespec="seconds")
    try:
        updater = updater_for(data_dir, source)
        updater.refresh()
        release_file = _fetched(updater, RELEASE_TARGET)
        release = json.loads(Path(release_file).read_bytes())
        version = release_version(release.get("version"))
        if version_key(version) <= version_key(current_version(data_dir)):
            _drop_cached_wheels(data_dir, _wheels_in_use(data_dir))
            return write_state(data_dir, available=None, refused=None, checked_at=now,
                               settled=_trusted_versions(data_dir), dropped_root=None)
        if version in (read_state(data_dir).get("failed_versions") or []):
            # Never offered here again unless the regency marks it "coba lagi" (state.take_retries, before this
            # check): nothing of it is fetched, and its cache (some 60 MB) goes.
            _drop_cached_wheels(data_dir, _wheels_in_use(data_dir))
            return write_state(data_dir, available=None, refused=None, checked_at=now)
        wheels = wheels_needed(release)
        signed = [_signed_target(updater, target) for target in wheels]  # each one signed before any is fetched
        missing = [info for info in signed if not updater.find_cached_target(info)]
        short = room.shortfall(data_dir, sum(info.length for info in missing), sum(info.length for info in signed))
        if short:
            raise WaitsForRoom(version, wheels, *short)
        for info in missing:
            updater.download_target(info)
    except Unconfirmed:
        return write_state(data_dir, available=None, refused=None, settled=None, checked_at=now)
    except UpdateRefused as refusal:
        return write_state(data_dir, refused=str(refusal), checked_at=now)
    except NoRepository:  # a center of the previous version: nothing to learn there, nothing broke
        return write_state(data_dir, refused=None, checked_at=now)
    except tuf_errors.RepositoryError as problem:
        log.warning("release refused: %s", problem)
        return write_state(data_dir, refused=refused_message(problem), checked_at=now)
    except tuf_errors.DownloadHTTPError as problem:
        if isinstance(problem, NothingPublished) and not (paths(data_dir).metadata / "timestamp.json").exists():
            # Never had a timestamp (outside the pilots, nothing published yet): nothing to say, though its
            # root may be taken already (ngclient keeps it at once). One it had and lost is the 404 below.
            return write_state(data_dir, refused=None, checked_at=now)
        if problem.status_code == 404 and not trust.trusts_a_root(data_dir):
            return write_state(data_dir, available=None, refused=None, checked_at=now)  # nothing published yet
        return write_state(data_dir, refused=f"Berkas pembaruan tidak ada di sumbernya (HTTP {problem.status_code}): "
                                             "dicoba lagi pada sinkronisasi berikutnya.", checked_at=now)
    except tuf_errors.DownloadLengthMismatchError:
        return write_state(data_dir, refused=refused_message(tuf_errors.LengthOrHashMismatchError()), checked_at=now)
    except tuf_errors.DownloadError as problem:  # the link broke (LinkDown inside): resumed next time
        raise Postponed("sambungan putus saat mengunduh pembaruan; dilanjutkan pada sinkronisasi berikutnya") from problem
    except (ValueError, KeyError, TypeError, AttributeError):
        return write_state(data_dir, refused="Berkas rilis tidak dapat dibaca: ditolak, tidak ada yang berubah.",
                           checked_at=now)
    available = {"version": version, "notes": str(release.get("notes", ""))[:4000],
                 "wheels": wheels, "signed_at": str(release.get("signed_at", "")),
                 "whole_lock": release.get("closure") is not None}  # installed alone in its folder, run isolated
    _kept_on_disk(data_dir, [RELEASE_TARGET, *wheels])
    _drop_cached_wheels(data_dir, [*wheels, *_wheels_in_use(data_dir)])  # an apply may be reading them
    return write_state(data_dir, available=available, refused=None, checked_at=now, dropped_root=None)


def drop_leftovers(data_dir: Path) -> None:
    """A pass with nothing on offer: downloads cut short and cached wheels of any release go."""
    room.drop_partials(data_dir)
    _drop_cached_wheels(data_dir, _wheels_in_use(data_dir))


def _wheels_in_use(data_dir: Path) -> list[str]:
    """The wheels the cache keeps: the release on offer (an install may be reading it); the one a switch on
    trial offers again when it is cut short (launcher: the selection's "offer"); the running version's while
    the disk keeps its floor (the next release fetches only the wheels that changed), not below it."""
    selection = read_selection(data_dir) or {}
    offer = selection.get("offer") if isinstance(selection.get("offer"), dict) else {}
    if selection.get("state") == "baik" and not room.above_floor(data_dir):
        offer = {}
    return [*((read_state(data_dir).get("available") or {}).get("wheels") or []), *(offer.get("wheels") or [])]


def _drop_cached_wheels(data_dir: Path, kept: list[str]) -> None:
    """Cached wheels of older releases, or of one no longer offered (installed, or older than the running
    version): the cache holds the releases on offer (a closure is some 60 MB); a wheel a newer release
    names again is kept by name and not fetched again."""
    names = {quote(target, "") for target in kept}
    for path in paths(data_dir).cache.glob(quote("wheels/", "") + "*"):
        if path.name not in names:
            try:
                path.unlink(missing_ok=True)
            except OSError:  # Windows: open by an install of another process; the next pass drops it
                pass


def _kept_on_disk(data_dir: Path, targets: list[str]) -> None:
    """ngclient writes what it verified without syncing it: before "available" is saved (durably),
    the metadata and the release's files are on the disk too, so a power cut never leaves a release
    on offer with nothing behind it (issue 60's power cuts: "available" and an empty metadata folder)."""
    from app.frame.private_files import sync_file, sync_folder
    where = paths(data_dir)
    for folder in (where.metadata, where.metadata / "root_history"):
        if folder.is_dir():
            for path in folder.glob("*.json"):
                sync_file(path)
            sync_folder(folder)
    for target in targets:
        sync_file(where.cache / quote(target, ""))
    sync_folder(where.cache)


def _signed_target(updater: Updater, target: str):
    info = updater.get_targetinfo(target)
    if info is None:
        raise UpdateRefused(f"Berkas {target} tidak disebut metadata rilis yang ditandatangani: ditolak.")
    return info


def _fetched(updater: Updater, target: str) -> str:
    info = _signed_target(updater, target)
    return updater.find_cached_target(info) or updater.download_target(info)


def verified_files(data_dir: Path, targets: list[str]) -> list[Path]:
    """The cached files of `targets`, each checked again (length and hash) against the targets
    metadata ngclient verified and kept; UpdateRefused when one does not match, or when this PC's
    root is not the one its admin confirmed (a release learnt before is never installed then)."""
    if trust.expected_root(data_dir) and not trust.trusts_a_root(data_dir):
        # Typed, but the metadata is gone (a power cut before this version synced it): fetched anew.
        write_state(data_dir, available=None, settled=None)
        raise UpdateRefused("Berkas pembaruan di komputer ini tidak utuh (mungkin karena listrik padam): tidak "
                            "dipasang. Pembaruan diunduh lagi pada sinkronisasi berikutnya.")
    if not trust.confirmed(data_dir):
        raise UpdateRefused("Kunci root kabupaten belum dikonfirmasi di komputer ini: pembaruan tidak dipasang. "
                            + trust.ASK_REGENCY)
    return checked_files(data_dir, targets)


def kept_targets(data_dir: Path):
    """The targets metadata ngclient verified and kept (its signed part), as the last check left it."""
    from tuf.api.metadata import Metadata, Targets
    try:
        return Metadata[Targets].from_file(str(paths(data_dir).metadata / "targets.json")).signed
    except Exception as problem:  # OSError, ValueError, securesystemslib's StorageError for a missing file
        raise UpdateRefused(f"Metadata rilis tidak terbaca ({type(problem).__name__}): periksa pembaruan lagi.") from None


def checked_files(data_dir: Path, targets: list[str]) -> list[Path]:
    """verified_files' check of each cached file against the kept targets metadata, without asking which
    root this PC trusts (app/updates/own_lock.py: the updater that installed the running version asked)."""
    where = paths(data_dir)
    trusted = kept_targets(data_dir)
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
