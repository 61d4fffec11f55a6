"""Loket Kecamatan: the front office of a kecamatan, on one PC, offline first.

Importing `app` loads nothing: `app.frame` is the shared frame, `app.programs.office_app` builds the
office app from the capabilities. `from app import create_app` still works (loaded on use).
"""


def __getattr__(name):
    if name in ("create_app", "VERSION", "ROOT"):
        from app.programs import office_app
        return getattr(office_app, name)
    raise AttributeError(f"module 'app' has no attribute {name!r}")
