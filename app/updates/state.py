"""What this PC keeps about updates, below every other module of the package (the launcher stays
light: nothing here imports more than the frame's file helpers).

DATA/pembaruan/status.json: what the last check found ("available", "refused"), what was taken back
("rolled_back", "failed_versions"), the admin's night setting. DATA/versions/terpilih.json: the
version the launcher runs, its folder, whether it is on trial ("uji") or came up ("baik"), the backup
made before it and the selection before it."""
import json
from dataclasses import dataclass
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


def read_state(data_dir: Path) -> dict:
    return _read_json(paths(data_dir).state) or {}


def write_state(data_dir: Path, **changes) -> dict:
    state = dict(read_state(data_dir), **changes)
    private_dir(paths(data_dir).root)
    write_private(paths(data_dir).state, json.dumps(state, ensure_ascii=False, indent=1))
    return state


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
