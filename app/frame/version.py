"""The app's version, named once: `version` in pyproject.toml's [project].

A source tree (an editable install, the tests) reads its own pyproject.toml, so a version raised
there is never hidden by the metadata pip wrote at install time; an installed wheel reads its
metadata. Every signed request to the center reports it (sync/protocol.py VERSION_HEADER), and the
center's pages show which PCs still run an older one.
"""
import functools
import re
import tomllib
from importlib import metadata
from pathlib import Path

DISTRIBUTION = "loket-kecamatan"
_PYPROJECT = Path(__file__).resolve().parents[2] / "pyproject.toml"


def _read() -> str:
    if _PYPROJECT.is_file():
        project = tomllib.loads(_PYPROJECT.read_text(encoding="utf-8")).get("project", {})
        if project.get("name") == DISTRIBUTION and isinstance(project.get("version"), str):
            return project["version"]
    try:
        return metadata.version(DISTRIBUTION)
    except metadata.PackageNotFoundError:
        return "0"


APP_VERSION = _read()


@functools.lru_cache(maxsize=512)  # a few versions, read for every PC on each Kesehatan Komputer page
def version_key(version: str) -> tuple[int, ...]:
    """'0.10.2' -> (0, 10, 2): release numbers compared as numbers ('' and junk sort first)."""
    release = re.match(r"\d+(?:\.\d+)*", version or "")
    return tuple(int(part) for part in release.group(0).split(".")) if release else ()
