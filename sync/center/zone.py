"""The center's own zone, for the pages that show its own moments (print runs, shipments)."""
from collections import Counter
from collections.abc import Iterable

from flask import current_app, has_request_context, request

from app.frame.dates import DEFAULT_TIME_ZONE
from app.frame.regions import zone_of
from sync.center.models import Kecamatan


def own_zone(codes: Iterable[str] | None = None) -> str:
    """The center's own zone: LOKET_CENTER_TIME_ZONE when set, else its kecamatan's (a regency's
    kecamatan share one zone, so a WITA regency's center shows WITA without a setting), else WIB.
    `codes`: every kecamatan's code, when the page has read them already (no second query)."""
    chosen = current_app.config.get("TIME_ZONE")
    if chosen:
        return chosen
    # Kept with the request, not on g: a test's app context outlives its requests.
    if has_request_context() and "loket.own_zone" in request.environ:
        return request.environ["loket.own_zone"]
    if codes is None:
        codes = (row.code for row in Kecamatan.select(Kecamatan.code))
    found = Counter(zone_of(code) for code in codes)
    found.pop(None, None)
    zone = found.most_common(1)[0][0] if found else DEFAULT_TIME_ZONE
    if has_request_context():
        request.environ["loket.own_zone"] = zone  # one query a page, not one a date
    return zone
