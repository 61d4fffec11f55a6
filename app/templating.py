"""Jinja filters and globals shared by every page."""
from datetime import datetime, timezone

import segno
from flask import g
from markupsafe import Markup

from app import capabilities, dates
from app.access import user_may
from app.roles import ROLE_LABELS
from app.settings import store


def _zone() -> str:
    try:
        return store.get("timezone")
    except Exception:  # before migrations (first start) there is no setting table yet
        return dates.DEFAULT_TIME_ZONE


def menu_for_user():
    """The main menu entries this user may open, in order."""
    user = g.get("user")
    if user is None:
        return []
    items = [item for module in capabilities.modules() for item in getattr(module, "MENU", [])]
    entries = []
    for item in sorted(items, key=lambda i: i.order):
        if user_may(item.endpoint):
            entries.append((item, item.badge(user) if item.badge else 0))
    return entries


def install(app) -> None:
    app.jinja_env.filters["tanggal"] = lambda d, weekday=False: dates.format_date(d, weekday)
    app.jinja_env.filters["tanggal_jam"] = lambda moment: dates.format_datetime(moment, _zone())
    app.jinja_env.filters["waktu_berkas"] = lambda timestamp: dates.format_datetime(
        datetime.fromtimestamp(timestamp, timezone.utc).replace(tzinfo=None), _zone())
    app.jinja_env.globals.update(menu_for_user=menu_for_user, user_may=user_may, ROLE_LABELS=ROLE_LABELS,
                                 office=store.all_settings)


def qr_svg(text: str) -> Markup:
    """The QR code of `text` as inline SVG (segno; no image file, nothing from the internet)."""
    return Markup(segno.make(text, error="m").svg_inline(scale=4, border=2, omitsize=False))
