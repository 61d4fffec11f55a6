"""The Pythons the office install supports, named once: the build (build_backend.py) and `run.py`
refuse any other with one sentence, before pip's or Python's own error.

Kept to syntax every Python 3 reads, since its job is to speak on the ones that are too old. The
range grows when scripts/check_wheels.py finds a wheel of every pinned dependency for the new one.
"""
import sys

OLDEST = (3, 11)
NEWEST = (3, 15)
SUPPORTED = ["%d.%d" % (3, minor) for minor in range(OLDEST[1], NEWEST[1] + 1)]
# The regency's center (the `center` extra) stops one earlier: simplejpeg, its strict photo
# decoder, has no wheel for 3.15 yet. A regency server runs its distribution's Python (3.11-3.13).
CENTER_NEWEST = (3, 14)
CENTER_SUPPORTED = SUPPORTED[:SUPPORTED.index("%d.%d" % CENTER_NEWEST) + 1]


# A PC's sysconfig.get_platform() -> the platform a release's wheels are gathered for (sync/release/candidate_build
# PLATFORMS); release.json's closure names a PC "<python>-<platform>" (closure_key).
CLOSURE_PLATFORMS = {"win-amd64": "win_amd64", "linux-x86_64": "manylinux_x86_64"}


def closure_key():
    """This Python's key in release.json's closure ("3.13-win_amd64"), None on a platform no release is
    gathered for (32-bit or ARM Windows, a Mac)."""
    import sysconfig
    platform = CLOSURE_PLATFORMS.get(sysconfig.get_platform())
    return "%d.%d-%s" % (sys.version_info[0], sys.version_info[1], platform) if platform else None


def unsupported(version_info=None):
    """The sentence for a Python outside OLDEST..NEWEST (its version_info), None for a supported one."""
    major, minor = tuple(version_info or sys.version_info)[:2]
    if OLDEST <= (major, minor) <= NEWEST:
        return None
    return ("Loket Kecamatan berjalan di Python %s sampai %s, bukan di Python %d.%d yang menjalankan perintah ini: "
            "pasang Python %s dari python.org, lalu ulangi perintahnya dengan Python itu."
            % (SUPPORTED[0], SUPPORTED[-1], major, minor, SUPPORTED[-1]))


# What `pip install -e .` brings that every program imports first: missing, the program was started with
# another Python than the one Loket was installed into (the README's `.venv`).
INSTALLED_MARKERS = ("flask", "peewee", "waitress")


def not_installed(folder, find_spec=None):
    """The sentence for a Python that lacks Loket's packages (e.g. `python run.py` instead of
    `.venv\\Scripts\\python run.py`), naming the folder's own Python; None when they are there."""
    import importlib.util
    import os
    find_spec = find_spec or importlib.util.find_spec
    missing = [name for name in INSTALLED_MARKERS if find_spec(name) is None]
    if not missing:
        return None
    if os.name == "nt":
        python = os.path.join(".venv", "Scripts", "python")
    else:
        python = os.path.join(".venv", "bin", "python")
    here = os.path.join(str(folder), python)
    return ("Python yang menjalankan perintah ini belum berisi Loket Kecamatan (tidak ada %s). Jalankan perintahnya "
            "dengan Python tempat Loket dipasang: %s run.py ... dari folder %s (README, Quick start)."
            % (", ".join(missing), here if os.path.exists(os.path.dirname(here)) else python, folder))
