"""Which version runs and how versions compare, and the update's two refusals: what the server needs
at start and in its menu, without TUF (app/updates/fetching.py loads it, some 17 MB of libraries,
only when a release is checked or applied, or the admin opens the update page to see its root key)."""
from importlib import metadata as installed
from pathlib import Path

from app.updates.state import read_selection

APP_DISTRIBUTION = "loket-kecamatan"


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


def version_key(version: str) -> tuple:
    """"0.10.1" after "0.9.3": numbers compare as numbers (a part that is not a number sorts first)."""
    return tuple((int(part), "") if part.isdigit() else (-1, part) for part in str(version).split("."))


class UpdateRefused(Exception):
    """A release this PC will not take; str() is the admin's Indonesian message. Nothing changed."""


class Postponed(Exception):
    """The link broke mid-way; what arrived is kept and the next pass goes on from there."""
