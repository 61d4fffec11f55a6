"""What every request of both apps (the kecamatan and the center) goes through."""
import gzip
import re
import threading

from flask import current_app, g, request
from htmx_flask import Htmx
from htmx_flask.requests import HtmxAwareRequest
from werkzeug.routing import IntegerConverter

from app.frame.errors import error_page
from app.frame.error_summary import name_summary_links

SQLITE_MAX_ID = 2**63 - 1


class BoundedIntConverter(IntegerConverter):
    """`<int:id>` with a 64-bit ceiling: a larger id is simply not found (404), not a 500 from SQLite."""

    def __init__(self, map, *args, **kwargs):
        kwargs.setdefault("max", SQLITE_MAX_ID)
        super().__init__(map, *args, **kwargs)


def install_bounded_ids(app) -> None:
    """Call before registering blueprints: every `<int:...>` route then refuses ids >= 2^63."""
    app.url_map.converters["int"] = BoundedIntConverter


def bounded_int(text, default=None, *, lowest: int = 0, highest: int = SQLITE_MAX_ID):
    """The one parser of an integer a URL or a form sends (ids, years, counts, minutes): plain ASCII
    digits with an optional minus, within [lowest, highest]; else `default` (never an exception, so a
    huge, negative or garbage number is "not found" or a message, not a 500)."""
    text = text.strip() if isinstance(text, str) else ""
    digits = text[1:] if text.startswith("-") else text
    if not (digits.isascii() and digits.isdigit()) or len(digits) > 19:
        return default
    number = int(text)
    return number if lowest <= number <= highest else default


def int_arg(values, name: str, default=None, *, lowest: int = 0, highest: int = SQLITE_MAX_ID):
    """An integer from a query string or a form (`request.args`, `request.form`), by bounded_int."""
    return bounded_int(values.get(name), default, lowest=lowest, highest=highest)


# No inline script or style anywhere (static/js/app.js holds the few behaviours); htmx runs with
# allowEval off and its indicator styles off (meta htmx-config in templates/base.html).
# For answers no browser renders (JSON and deflated JSON of the center's API): nothing may load
# or frame them; the page-only headers (referrer, opener, permissions) say nothing there.
MACHINE_ANSWER_POLICY = "default-src 'none'; frame-ancestors 'none'"
MACHINE_ANSWER = "loket.machine_answer"  # set in request.environ by such an API (per request, unlike g in tests)
# The value of MACHINE_ANSWER for an answer to a correctly signed request (sync/center/api.py): only
# the key's holder can ask for it, no browser ever renders it, so it carries none of these headers.
SIGNED_ANSWER = "signed"
CONTENT_SECURITY_POLICY = ("default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data: blob:; "
                           "media-src 'self' blob:; connect-src 'self'; font-src 'self'; object-src 'none'; "
                           "base-uri 'none'; form-action 'self'; frame-ancestors 'none'")


# Characters no field of ours may hold: NUL (PostgreSQL refuses it in text, C strings end at it) and the
# bidi embeddings, overrides and isolates, which make a name or an address show other than it is stored
# and read ("Trojan Source", CVE-2021-42574).
BAD_CHARACTERS = re.compile("[\x00\u202a-\u202e\u2066-\u2069]")
BAD_CHARACTERS_MESSAGE = ("Isian berisi karakter yang tidak diizinkan (karakter NUL atau karakter pengatur arah "
                          "teks, misalnya dari teks yang disalin). Hapus karakter itu lalu kirim lagi; isian "
                          "belum tersimpan.")


def holds_bad_characters(value, depth: int = 0) -> bool:
    """Does this text, or any key or text inside this JSON value, hold a BAD_CHARACTERS character?"""
    if isinstance(value, str):
        return BAD_CHARACTERS.search(value) is not None
    if depth > 32:
        return True  # deeper than any of our records: refused like a bad character
    if isinstance(value, dict):
        return any(holds_bad_characters(k, depth + 1) or holds_bad_characters(v, depth + 1) for k, v in value.items())
    if isinstance(value, list):
        return any(holds_bad_characters(v, depth + 1) for v in value)
    return False


def bad_characters_in_request() -> bool:
    """Every text a request brings before a view reads it: the path, each query argument and form field
    (names too), uploaded files' names and a JSON body. Packets and deflated JSON (the center's signed
    API) are checked record by record where they are read (sync/center/records.py, relay.py)."""
    texts = [request.path]
    texts += [text for pair in request.args.items(multi=True) for text in pair]
    if request.mimetype in ("application/x-www-form-urlencoded", "multipart/form-data"):
        texts += [text for pair in request.form.items(multi=True) for text in pair]
        texts += [text for name, upload in request.files.items(multi=True) for text in (name, upload.filename or "")]
    if request.is_json and holds_bad_characters(request.get_json(silent=True, cache=True)):
        return True
    return any(holds_bad_characters(text) for text in texts)


class RequestsInFlight:
    """How many requests an app is serving now (issue 73; app.extensions[REQUESTS_IN_FLIGHT]). A sync
    pass in the same server (sync/client/clerk_first.py) gives way while there is one: on a half core
    a clerk's request met by a pass's packet building took twice as long. One per app, so an office
    and a center in one test process do not wait on each other."""

    def __init__(self):
        self.count = 0
        self.idle = threading.Condition()

    def begin(self) -> None:
        with self.idle:
            self.count += 1

    def end(self) -> None:
        with self.idle:
            self.count -= 1
            if not self.count:
                self.idle.notify_all()

    def wait_idle(self, most: float) -> bool:
        """Wait until no request is in flight, `most` seconds at the longest; True when none is."""
        with self.idle:
            return self.idle.wait_for(lambda: not self.count, timeout=most)


REQUESTS_IN_FLIGHT = "requests_in_flight"


class OfficeRequest(HtmxAwareRequest):
    """htmx-flask's request (request.htmx), whose body may be as large as the app's MAX_CONTENT_LENGTH,
    or what a capability's UPLOAD_LIMITS allows on its path (app.extensions["upload_limits"]: the
    restore upload of a whole database)."""

    @property
    def max_content_length(self):
        larger = current_app.extensions.get("upload_limits", {}).get(self.path)
        return larger if larger is not None else super().max_content_length

    @max_content_length.setter
    def max_content_length(self, value):
        HtmxAwareRequest.max_content_length.fset(self, value)


def install_request_cycle(app, db, load_user, enforce_roles, content_security_policy: str | None = None,
                          gzip_for_this_pc: bool = True) -> None:
    """A database connection for each request (from the pool, given back at its end), the signed-in
    user, the role check, security headers, and request.htmx (htmx-flask), through which the frame
    and every view read the HX-* headers. Before any of them, a request bringing a NUL or a bidi
    control character anywhere is refused with a 400 and the message to remove it."""
    Htmx(app)
    # after Htmx(app), which sets its own request class: a class set before it was lost (the restore's
    # larger upload was refused at the app's limit)
    app.request_class = OfficeRequest
    in_flight = app.extensions[REQUESTS_IN_FLIGHT] = RequestsInFlight()

    @app.before_request
    def count_in_flight():  # first, so every request counted is also uncounted at its teardown
        in_flight.begin()
        g.counted_in_flight = True

    @app.before_request
    def refuse_bad_characters():
        if bad_characters_in_request():
            return error_page(400, BAD_CHARACTERS_MESSAGE)
        return None

    @app.before_request
    def open_connection():
        # A caller that already holds a connection (CLI, tests) keeps it.
        g.opened_connection = db.is_closed()
        if g.opened_connection:
            db.connect()
        load_user()

    app.before_request(enforce_roles)

    @app.teardown_request
    def close_connection(exc):
        if g.get("opened_connection") and not db.is_closed():
            db.close()
        if g.pop("counted_in_flight", False):
            in_flight.end()

    page_headers = (*BROWSER_HEADERS, *([("Content-Security-Policy", content_security_policy)]
                                        if content_security_policy else []))
    # pages with personal data must not linger in shared caches
    signed_in_page_headers = (*page_headers, ("Cache-Control", "no-store"))

    @app.after_request
    def security_headers(response):
        if request.environ.get(MACHINE_ANSWER) == SIGNED_ANSWER:  # each answer's head crosses a 256 kbit/s link
            return response
        if request.environ.get(MACHINE_ANSWER):  # the center's signed API: never a page, and every byte crosses a 256 kbit/s link
            unless_set(response.headers, MACHINE_HEADERS)
            return response
        unless_set(response.headers, signed_in_page_headers if g.get("user") else page_headers)
        return compressed(with_named_summary(response), gzip_for_this_pc)


BROWSER_HEADERS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                   ("Referrer-Policy", "same-origin"), ("Cross-Origin-Opener-Policy", "same-origin"),
                   ("Permissions-Policy", "camera=(self), microphone=(), geolocation=(), payment=()"))
MACHINE_HEADERS = (("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                   ("Content-Security-Policy", MACHINE_ANSWER_POLICY))


def unless_set(headers, pairs) -> None:
    """Each (name, value) added unless the view set that header itself: one pass over the answer's headers,
    where a setdefault for each went over them twice (issue 73)."""
    present = {name.lower() for name in headers.keys()}
    headers.extend([(name, value) for name, value in pairs if name.lower() not in present])


def with_named_summary(response):
    """A refused form's page (422) whose error summary links name their fields (app/frame/error_summary.py)."""
    if response.status_code != 422 or response.mimetype != "text/html" or response.direct_passthrough \
            or response.is_streamed:
        return response
    page = response.get_data(as_text=True)
    if "data-error-summary" in page:
        response.set_data(name_summary_links(page))
    return response


COMPRESSED_TYPES = ("text/", "application/json", "application/javascript", "image/svg+xml")
COMPRESS_FROM_BYTES = 1024  # below this the gzip head and the work cost more than they save


LOOPBACK = frozenset({"127.0.0.1", "::1", "::ffff:127.0.0.1"})


def compressed(response, for_this_pc: bool = True):
    """The answer gzipped when the client accepts it (issue 32): pages, fragments, JSON and CSV travel
    at a fifth of their size to a desa laptop or over the regency's link. Files sent from disk (static,
    downloads: their ETags and ranges name the bytes on disk) and the signed API's answers (their
    packets are compressed already) go as they are. for_this_pc=False: a browser on the serving PC itself
    (the office's clerk at its own PC) gets the page as it is: over loopback gzip costs CPU, 0.02-0.3 ms a
    page (x4 on a half core shared with a busy program), and saves no time (issue 73). The center keeps it:
    behind its proxy every address may be the proxy's."""
    if (response.status_code != 200 or response.direct_passthrough or response.is_streamed
            or "Content-Encoding" in response.headers or request.environ.get(MACHINE_ANSWER)
            or not (response.mimetype or "").startswith(COMPRESSED_TYPES)):
        return response
    response.vary.add("Accept-Encoding")
    if request.accept_encodings["gzip"] <= 0 or (not for_this_pc and request.remote_addr in LOOPBACK):
        return response
    body = response.get_data()
    if len(body) < COMPRESS_FROM_BYTES:
        return response
    response.set_data(gzip.compress(body, compresslevel=5, mtime=0))
    response.headers["Content-Encoding"] = "gzip"
    return response
