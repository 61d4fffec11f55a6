"""Loket Kecamatan: the front office of a kecamatan, on one PC, offline first.

Importing `app` loads nothing: `app.frame` is the shared frame, `app.kecamatan` builds the
office app from the capabilities. `from app import create_app` still works (loaded on use).
"""


def __getattr__(name):
    if name in ("create_app", "VERSION", "ROOT"):
        from app import kecamatan
        return getattr(kecamatan, name)
    raise AttributeError(f"module 'app' has no attribute {name!r}")
