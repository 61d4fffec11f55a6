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


def unsupported(version_info=None):
    """The sentence for a Python outside OLDEST..NEWEST (its version_info), None for a supported one."""
    major, minor = tuple(version_info or sys.version_info)[:2]
    if OLDEST <= (major, minor) <= NEWEST:
        return None
    return ("Loket Kecamatan berjalan di Python %s sampai %s, bukan di Python %d.%d yang menjalankan perintah ini: "
            "pasang Python %s dari python.org, lalu ulangi perintahnya dengan Python itu."
            % (SUPPORTED[0], SUPPORTED[-1], major, minor, SUPPORTED[-1]))
