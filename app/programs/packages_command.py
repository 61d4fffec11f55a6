"""`run.py paket`: the packages this version imports, as import finds them (the first on its path),
each `name==version` and its folder. What an office tells the regency when asked what it runs; a
version installed with its whole lock lists its own folder only (app/updates/installing.py)."""
import re
from importlib import metadata


def add_packages(commands, add_data_option) -> None:
    listing = commands.add_parser("paket", help="list the packages this version imports: name==version, folder")
    add_data_option(listing)
    listing.set_defaults(handler=cmd_packages)


def imported_packages() -> dict[str, tuple[str, str]]:
    """{normalized name: (version, folder)}, the first of each name on sys.path: the one import uses."""
    found: dict[str, tuple[str, str]] = {}
    for distribution in metadata.distributions():
        name = re.sub(r"[-_.]+", "-", distribution.metadata["Name"] or "").lower()
        if name and name not in found:
            found[name] = (distribution.version, str(distribution.locate_file("")))
    return found


def cmd_packages(options) -> int:
    for name, (version, folder) in sorted(imported_packages().items()):
        print(f"{name}=={version} {folder}")
    return 0
