"""Jinja filters and globals shared by every program's pages."""
import re
from datetime import datetime, timezone
from numbers import Number
from pathlib import Path

import js_lib_htmx
import segno
import segno.encoder
from flask import request, send_from_directory
from markupsafe import Markup

from app.frame import dates, regions, rounding
from app.frame.fingerprint_text import without_fingerprints

# htmx 2.0.3 as shipped inside the pinned django-js-lib-htmx wheel: no CDN, no copy in the repo.
HTMX_DIR = Path(js_lib_htmx.__file__).parent / "static" / "htmx"


def send_htmx():
    return send_from_directory(HTMX_DIR, "htmx.min.js", max_age=86400)


def install(app, zone, user_may, htmx_endpoint: str) -> None:
    """Date filters in the zone `zone()` names, `user_may(endpoint)` for menus and buttons, and
    where templates/base.html loads htmx from."""
    app.jinja_env.filters["tanggal"] = lambda d, weekday=False: dates.format_date(d, weekday)
    # `moment|tanggal_jam(region_code)`: a moment of another office (the center's list of a
    # kecamatan's work) in that office's legal zone, not the reader's.
    app.jinja_env.filters["tanggal_jam"] = lambda moment, region=None: dates.format_datetime(
        moment, (regions.zone_of(region) if region else None) or zone())
    app.jinja_env.filters["waktu_berkas"] = lambda timestamp: dates.format_datetime(
        datetime.fromtimestamp(timestamp, timezone.utc).replace(tzinfo=None), zone())
    app.jinja_env.filters["desimal"] = rounding.decimal_text  # every figure rounds half up, one rule
    app.jinja_env.filters["numbers_whole"] = numbers_whole
    app.jinja_env.filters["ribuan"] = thousands
    # Text the center wrote, as every page shows it (kept before this rule too): no root fingerprint to type.
    app.jinja_env.filters["tanpa_sidik_jari"] = without_fingerprints
    app.jinja_env.globals.update(user_may=user_may, htmx_endpoint=htmx_endpoint, persen=rounding.percent_text,
                                 url_for=kept_url_for(app))


def kept_url_for(app):
    """The templates' url_for: a link to a page with no values (a menu entry) or to a static file is built
    once per script root, not on every page (the base page built ~25 a request, ~5 µs each, issue 73).
    Anything else (an id, a query, an external link, a relative endpoint) is built each time."""
    kept = {}

    def url_for(endpoint, **values):
        if endpoint.startswith(".") or (values and (endpoint != "static" or values.keys() != {"filename"})):
            return app.url_for(endpoint, **values)
        try:
            key = (request.script_root, endpoint, values.get("filename"))
        except RuntimeError:  # outside a request (a page rendered by a job): the app's own address
            return app.url_for(endpoint, **values)
        link = kept.get(key)
        if link is None:
            link = kept[key] = app.url_for(endpoint, **values)
        return link
    return url_for


def thousands(value):
    """A count with dots between its thousands (12.345), anything else as it is: a filter, not a macro
    called per cell (a macro call cost the recap's tables ~8 µs a number, issue 73)."""
    return f"{value:,}".replace(",", ".") if isinstance(value, Number) else value


# A number with its range or its fraction ("08.00–15.00,", "3/2024"): a reader copies it by hand, so a
# narrow printed column never breaks it after its dash (issue 43's print check).
_NUMBER_RUN = re.compile(r"\d+(?:[.,:]\d+)*(?:\s?[–—/-]\s?\d+(?:[.,:]\d+)*)+[.,;:]?")


def numbers_whole(text) -> Markup:
    """`text` escaped, each run of numbers joined by a dash or slash on one line (`.nowrap`)."""
    return Markup(_NUMBER_RUN.sub(lambda m: f'<span class="nowrap">{m.group(0)}</span>', str(Markup.escape(text))))


# Every one of the eight data masks makes a valid QR (ISO/IEC 18004 7.8.2; segno's make(mask=) takes
# any); segno picks the one of least penalty (7.8.3: few long runs, blocks, finder look-alikes, a
# balanced dark share) by scoring all eight in Python, a quarter of a complaint's CPU (issue 73). So
# up to three masks are scored and the first whose penalty is within what segno's own pick reaches
# for texts of that version is kept: _GOOD_ENOUGH is the highest penalty of segno's pick over 200
# random texts filling each version at level M, scored as printed. The same text always gets the same
# code (a reprinted slip looks as the first did). Larger codes, or none good enough, get segno's full pick.
_GOOD_ENOUGH = {1: 1149, 2: 1291, 3: 1397, 4: 1547, 5: 1773, 6: 1941, 7: 2215, 8: 2576, 9: 2767, 10: 3112}
_FIRST_MASKS = (4, 7, 0, 2, 3, 1, 5, 6)
_TRIES = 3


def _qr_code(text: str):
    for mask in _FIRST_MASKS[:_TRIES]:
        code = segno.make(text, error="m", micro=False, mask=mask)
        bound = _GOOD_ENOUGH.get(code.version)
        if bound is None:
            break
        width = len(code.matrix)
        if segno.encoder.evaluate_mask(code.matrix, width, width) <= bound:
            return code
    return segno.make(text, error="m", micro=False)


def qr_svg(text: str) -> Markup:
    """The QR code of `text` as inline SVG (segno; no image file, nothing from the internet). Always a
    standard QR: segno picks a Micro QR for short texts, which phone cameras do not read."""
    svg = _qr_code(text).svg_inline(scale=4, border=2, omitsize=False)
    # With a viewBox the print CSS scales the code to its width on paper; without one it cropped it
    size = re.match(r'<svg width="(\d+)" height="(\d+)"', svg)
    return Markup(svg.replace(size[0], f'{size[0]} viewBox="0 0 {size[1]} {size[2]}"', 1))
