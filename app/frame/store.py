"""Office settings kept in the database, with defaults declared by each capability.

Reads are cached for one request (they appear on every page: name, time zone), and kept across
requests until a setting changes (app/frame/figure_cache.py): read-only, like every kept figure.
"""
import json

from flask import g, has_app_context, has_request_context
from peewee import CharField, TextField
from playhouse.apsw_ext import DateTimeField

from app.frame.dates import utc_now
from app.frame.db import BaseModel
from app.frame import figure_cache, statements


class Setting(BaseModel):
    """Office settings the admin edits (JSON values)."""
    key = CharField(primary_key=True)
    value = TextField()
    updated_at = DateTimeField()


DEFAULTS: dict[str, object] = {
    "kecamatan_code": "",
    "kecamatan_name": "",
    "kabupaten_name": "",
    "provinsi_name": "",
    "address": "",
    "phone": "",
    "email": "",
    "camat_name": "",
    "camat_nip": "",
    "timezone": "WIB",
}


def register_defaults(**defaults) -> None:
    """Capabilities declare their own settings and defaults here at import time."""
    DEFAULTS.update(defaults)


def _every_setting():  # its SQL built once (app/frame/statements.py): read on the first page after a write
    return Setting.select(Setting.key, Setting.value)


def _load() -> dict:
    values = dict(DEFAULTS)
    for key, value in statements.fetched(_every_setting):
        values[key] = json.loads(value)
    return values


def all_settings() -> dict:
    if has_request_context():
        settings = g.get("settings")  # one lookup of g: asked a few dozen times a page (the menu's gates)
        if settings is None:
            # under the base part's version (figure_cache): a complaint or an application written leaves the
            # settings kept, so the page after a clerk's action does not read them again (issue 73)
            settings = g.settings = figure_cache.kept_figure("settings", (), _load, quarters=[])
        return settings
    return _load()


def get(key: str):
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    return all_settings().get(key, DEFAULTS[key])


def put(key: str, value) -> None:
    """Store one setting; callers wrap it in db.atomic() with the audit record."""
    if key not in DEFAULTS:
        raise KeyError(f"unknown setting {key!r}")
    (Setting.insert(key=key, value=json.dumps(value, ensure_ascii=False), updated_at=utc_now())
     .on_conflict_replace().execute())
    if has_app_context():  # g lives in the app context, which tests share across requests
        g.pop("settings", None)
