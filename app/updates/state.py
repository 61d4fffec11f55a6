"""What this PC keeps about updates, below every other module of the package (the launcher stays
light: nothing here imports more than the frame's file helpers).

DATA/pembaruan/status.json: what the last check found ("available", "refused"), the versions that
failed here ("failed_versions": refused by the walk on a copy, "check_refused"; or taken back after
the switch, "rolled_back"; each with its "_at" moment, and never offered again unless the regency marks
it "coba lagi": take_retries, "retry_seen"), a check or a switch
cut short before its verdict ("interrupted": the release stays offered), the last walk of
the running version ("health", sent to the center), the admin's night setting.
DATA/versions/terpilih.json: the version the launcher runs, and its state (app/updates/launcher.py).
Both are written whole and durably (write_private: synced, renamed, the folder synced)."""
import json
import threading
import time
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path

from app.frame.private_files import private_dir, write_private

FOLDER = "pembaruan"
SELECTION_FILE = "terpilih.json"


@dataclass
class Paths:
    root: Path

    @property
    def metadata(self) -> Path:
        return self.root / "metadata"

    @property
    def cache(self) -> Path:
        return self.root / "cache"

    @property
    def state(self) -> Path:
        return self.root / "status.json"


def paths(data_dir: Path) -> Paths:
    return Paths(Path(data_dir) / FOLDER)


def _read_json(path: Path) -> dict | None:
    try:
        value = json.loads(path.read_text("utf-8"))
    except (OSError, ValueError):
        return None
    return value if isinstance(value, dict) else None


class State(dict):
    """status.json as read; `moment(text)` turns a stored UTC moment back into one a page shows in the
    office's zone (`{{ state.moment(state.checked_at)|tanggal_jam }}`)."""

    @staticmethod
    def moment(text) -> datetime | None:
        try:
            return datetime.fromisoformat(str(text)).replace(tzinfo=None) if text else None
        except ValueError:
            return None


def read_state(data_dir: Path) -> State:
    return _as_read(State(_read_json(paths(data_dir).state) or {}))


def _as_read(state: State) -> State:
    """A release that failed here is never offered: "available" reads as None (each pass finds it
    again) until a newer one comes."""
    available = state.get("available")
    if isinstance(available, dict) and available.get("version") in state.get("failed_versions", []):
        state = State(state, available=None)
    return state


_writing = threading.RLock()  # one read-modify-write at a time in this process (a pass, a page, the error count)


def write_state(data_dir: Path, **changes) -> State:
    with _writing:
        state = State(_read_json(paths(data_dir).state) or {}, **changes)
        private_dir(paths(data_dir).root)
        write_private(paths(data_dir).state, json.dumps(state, ensure_ascii=False, indent=1))
    return _as_read(state)


def now_text() -> str:
    from app.frame.dates import utc_now
    return utc_now().isoformat(timespec="seconds")


def remember_failure(data_dir: Path, version: str, key: str, message: str) -> None:
    """A version refused by the walk ("check_refused") or taken back ("rolled_back"): said on the update
    page in the office's time, and never offered or installed again, by day or by night."""
    failed = sorted(set(read_state(data_dir).get("failed_versions", [])) | {version})
    write_state(data_dir, failed_versions=failed, **{key: message, f"{key}_at": now_text(), f"{key}_version": version})


def failure_version(state: dict, key: str) -> str | None:
    """The version the kept message `key` ("check_refused", "rolled_back") is about: the failed version its
    first words name ("Versi X ..."), or else as remembered. An older launcher's own take_back (6ce2a857's,
    the first updatable's) writes no version, and one an earlier going back left may name another."""
    why = state.get(key)
    if not isinstance(why, str) or not why:
        return None
    failed = [str(version) for version in state.get("failed_versions") or []]
    # The words first: an older launcher's message over a "_version" an earlier going back left (issue 94)
    named = next((version for version in failed if why.startswith(f"Versi {version} ")), None)
    return named or state.get(f"{key}_version")


MAX_RETRY_MARKS = 20  # sync/center/updates.MAX_RETRY_NEWS
RETRY_SEEN = "retry_seen"  # {version: the center's count of "coba lagi" marks this PC has seen}


def take_retries(data_dir: Path, marks) -> list[str]:
    """The regency's "coba lagi" marks ({version: count}, the center's probe: sync/center/updates.retry_news):
    a failed version whose count is above the one this PC saw last is offered again, and the counts are
    kept as seen, so a version that fails again (or fails only after a mark) stays failed until the next
    mark. The worst a lying center can do is this: a release still has to be signed with the regency's
    targets key and is walked on a copy again before any switch. Returns the versions offered again."""
    if not isinstance(marks, dict):
        return []
    marks = {version: count for version, count in list(marks.items())[:MAX_RETRY_MARKS]
             if isinstance(version, str) and len(version) <= 32
             and isinstance(count, int) and not isinstance(count, bool) and 0 < count <= 10 ** 6}
    with _writing:
        state = read_state(data_dir)
        seen = state.get(RETRY_SEEN) if isinstance(state.get(RETRY_SEEN), dict) else {}
        failed = [str(version) for version in state.get("failed_versions") or []]
        again = [version for version in failed if marks.get(version, 0) > seen.get(version, 0)]
        kept = {version: count for version, count in dict(seen, **marks).items() if version in marks or version in failed}
        if not again and kept == seen:
            return []
        changes = {RETRY_SEEN: kept, "failed_versions": [version for version in failed if version not in again]}
        if again:  # said on the update page: the admin sees why a refused release is offered once more
            changes.update(retry_offered=", ".join(again), retry_offered_at=now_text())
        for key in ("check_refused", "rolled_back"):  # its message on the update page goes with it
            if failure_version(state, key) in again:
                changes.update({key: None, f"{key}_at": None, f"{key}_version": None})
        write_state(data_dir, **changes)
    return again


def note_health(data_dir: Path, version: str, passed: bool, pages: int, failed: list[str]) -> None:
    """The walk of `version` after its switch, as the center reads it (sync: "health")."""
    write_state(data_dir, health={"version": version, "walk": "lulus" if passed else "gagal", "pages": pages,
                                  "failed": failed[:20], "at": now_text(), "errors_since": 0})


class ErrorCount:
    """Every 5xx the serving program gives, added to its health's "errors_since": counted in memory,
    written at most every `every` seconds (a storm of errors is not a storm of writes), never raising."""

    def __init__(self, data_dir: Path, version: str, every: float = 5.0):
        self.data_dir, self.version, self.every = Path(data_dir), version, every
        self.pending, self.written_at, self.timer = 0, 0.0, None
        self.lock = threading.Lock()

    def __call__(self, response):
        if response.status_code >= 500:
            with self.lock:
                self.pending += 1
                if self.timer is None:
                    wait = max(0.0, self.written_at + self.every - time.monotonic())
                    self.timer = threading.Timer(wait, self.flush)
                    self.timer.daemon = True
                    self.timer.start()
        return response

    def flush(self) -> None:
        with self.lock:
            count, self.pending, self.timer = self.pending, 0, None
            self.written_at = time.monotonic()
        if not count:
            return
        try:
            with _writing:  # read and written as one step: two flushes never count the same errors once
                health = read_state(self.data_dir).get("health")
                if not isinstance(health, dict) or health.get("version") != self.version:
                    health = {"version": self.version, "walk": None, "pages": 0, "failed": [], "at": None,
                              "errors_since": 0}
                write_state(self.data_dir, health=dict(health, errors_since=int(health.get("errors_since") or 0) + count))
        except Exception:  # a full disk, a locked file: the count is worth less than the request
            with self.lock:
                self.pending += count


def versions_dir(data_dir: Path) -> Path:
    return Path(data_dir) / "versions"


def read_selection(data_dir: Path) -> dict | None:
    selection = _read_json(versions_dir(data_dir) / SELECTION_FILE)
    return selection if selection and selection.get("version") else None


def write_selection(data_dir: Path, selection: dict | None) -> None:
    path = versions_dir(data_dir) / SELECTION_FILE
    if selection is None:
        path.unlink(missing_ok=True)
        return
    private_dir(path.parent)
    write_private(path, json.dumps(selection, ensure_ascii=False, indent=1))
