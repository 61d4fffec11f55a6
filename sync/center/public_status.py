"""The public status page (issue 28): a citizen follows a KTP-el application or a complaint from a
phone, with the tracking number and the slip's check code (or the slip's QR), while the
kecamatan's PC stays offline. The kecamatan sends the minimal public record by the signed API
(`/api/v1/public/manifest`, `/packets`, kind `status_publik` of its outbox); its routes here store
them (sync/center/public_status_records.py keeps the newest one per number) and the page answers.

An unknown number and a wrong code get the same page, and each miss is throttled per address and
for everyone (app/frame/throttle).
"""
import time
from datetime import timedelta
from urllib.parse import parse_qs

from flask import current_app, jsonify, render_template, request
from markupsafe import escape

from app.frame import regions, throttle
from sync import protocol
from sync import public_status as vocabulary
from sync.center import keys
from sync.center.db import center_database
from sync.center.models import PublicStatus
from sync.center.public_status_records import (code_key, find, find_previous, find_waiting, note_delivery,
                                               office_record, store_public,
                                               view_of)
from sync.center.routes import api_blueprint, error_answer, json_body, packet_results, page_blueprint

# A miss (unknown number or wrong code): per address, each one past the first few waits twice as
# long; for everyone, a flood of misses from many addresses closes the lookups for a minute.
ADDRESS_SCOPE, ALL_SCOPE = "cek_status", "cek_status_semua"
ADDRESS_FREE, ADDRESS_WINDOW = 10, timedelta(minutes=15)
ALL_FREE, ALL_WINDOW = 600, timedelta(minutes=1)


@api_blueprint.post("/v1/public/manifest")
def public_manifest():
    from flask import g
    body = json_body()
    items = body.get("items") if body else None
    if not isinstance(items, list) or len(items) > 5000:
        return error_answer(400, "bad_request", "items harus daftar {id, version, hash, size} yang sah")
    need, have = [], []
    for item in items:
        number = vocabulary.number_of(item.get("id")) if isinstance(item, dict) else None
        version = item.get("version") if isinstance(item, dict) else None
        if number is None or not isinstance(version, int) or isinstance(version, bool) \
                or not (isinstance(item.get("hash"), str) and protocol.HEX64.fullmatch(item["hash"])):
            return error_answer(400, "bad_request", "items harus daftar {id, version, hash, size} yang sah")
        row = PublicStatus.get_or_none((PublicStatus.kecamatan == g.kecamatan.id) & (PublicStatus.number == number))
        entry = {"id": item["id"], "version": version}
        held = row is not None and (row.version > version or (row.version == version
                                                              and row.content_hash == item["hash"]))
        (have if held else need).append(entry)
    if not need:  # all held: the office's state is here; else only once its packets are stored
        note_delivery(g.device_key)
    return jsonify({"need": need, "have": have, "conflict": []})


@api_blueprint.post("/v1/public/packets")
def public_packets():
    from flask import g
    return packet_results(lambda kecamatan, header, payload: store_public(kecamatan, header, payload,
                                                                          keys.device_codes(g.device_key)),
                          g.kecamatan, after=lambda: note_delivery(g.device_key))


# --- the page -----------------------------------------------------------------------------------

def _address() -> str:
    return request.remote_addr or ""


# A refusal already decided is remembered in this process until it ends (monotonic seconds), so a
# flood of guesses is turned away without reading the throttle's rows again (each read of the
# global scope walks up to a minute of misses): 200 wrong guesses a second must not slow the
# operators' pages (bench/bench_public_flood.py). The database stays the truth for every process.
_REMEMBERED = 10_000  # addresses; past that the memory starts again (the database still decides)


def _wait() -> int:
    config, now = current_app.config, time.monotonic()
    refused = current_app.extensions.setdefault("public_status_refused_until", {})  # per app (and test)
    until = max(refused.get("*", 0.0), refused.get(_address(), 0.0))
    if until > now:
        return int(until - now) + 1
    by_address = throttle.seconds_to_wait(ADDRESS_SCOPE, _address(), free=config.get("PUBLIC_STATUS_FREE", ADDRESS_FREE),
                                          window=ADDRESS_WINDOW, growing=True)
    for_all = throttle.seconds_to_wait(ALL_SCOPE, "*", free=config.get("PUBLIC_STATUS_ALL_FREE", ALL_FREE),
                                       window=ALL_WINDOW)
    if len(refused) > _REMEMBERED:
        refused.clear()
    if by_address:
        refused[_address()] = now + by_address
    if for_all:
        refused["*"] = now + for_all
    return max(by_address, for_all)


class RefusalGate:
    """In front of the center's Flask app: a lookup from an address (or in a minute) whose refusal
    _wait already decided and remembered is answered here, 429 with the same calm page and a
    Retry-After, before Flask builds a request, opens the cookie session, lends a database
    connection or reads the operator's session: a flood of guesses costs the operators' pages
    almost nothing (bench/bench_public_flood.py). Everything else, and each first refusal, goes
    through the page (the database decides)."""

    MARKS = ("\x01number\x01", "\x01code\x01", "\x01wait\x01")

    def __init__(self, app, wsgi_app):
        self.app, self.wsgi_app, self.pages = app, wsgi_app, {}
        self.page("")  # rendered once now: the first refusal of a flood must not open a session either

    def page(self, script_name: str) -> tuple[list[str], list[tuple[str, str]]]:
        """The refusal page split at the typed values and the wait, and its head, as the page sends them."""
        if script_name not in self.pages:
            marks = dict(zip(("number", "code", "wait"), self.MARKS))
            with self.app.test_request_context("/cek", environ_base={"SCRIPT_NAME": script_name}):
                response = self.app.process_response(self.app.make_response(
                    (render_template("center/public_status.html", status=None, missed=False, kabupaten=kabupaten(),
                                     **marks), 429)))
            body = response.get_data(as_text=True)
            for mark in self.MARKS:
                body = body.replace(mark, "\x00" + mark + "\x00")
            head = [(k, v) for k, v in response.headers.items() if k not in ("Content-Length", "Vary", "Set-Cookie")]
            if len(self.pages) > 8:  # a few proxy prefixes at most
                self.pages.clear()
            self.pages[script_name] = (body.split("\x00"), head)
        return self.pages[script_name]

    def __call__(self, environ, start_response):
        if environ.get("PATH_INFO") != "/cek" or environ.get("REQUEST_METHOD") != "GET":
            return self.wsgi_app(environ, start_response)
        refused = self.app.extensions.get("public_status_refused_until")
        if not refused:
            return self.wsgi_app(environ, start_response)
        until = max(refused.get("*", 0.0), refused.get(environ.get("REMOTE_ADDR") or "", 0.0))
        now = time.monotonic()
        if until <= now:
            return self.wsgi_app(environ, start_response)
        asked = parse_qs(environ.get("QUERY_STRING", ""), keep_blank_values=True, errors="replace")
        number, code = (asked.get("n") or [""])[0], (asked.get("k") or [""])[0]
        if not number and not code:  # the empty form is no lookup
            return self.wsgi_app(environ, start_response)
        wait = int(until - now) + 1
        values = {self.MARKS[0]: str(escape(number[:60].strip())), self.MARKS[1]: str(escape(code[:20].strip())),
                  self.MARKS[2]: throttle.in_words(wait)}
        parts, head = self.page(environ.get("SCRIPT_NAME", ""))
        body = "".join(values.get(part, part) for part in parts).encode()
        start_response("429 TOO MANY REQUESTS", head + [("Content-Length", str(len(body))), ("Retry-After", str(wait))])
        return [body]


def install_refusal_gate(app) -> None:
    app.wsgi_app = RefusalGate(app, app.wsgi_app)


def kabupaten() -> str:
    """The kabupaten in the page's header: the center's configured one (LOKET_CENTER_KABUPATEN), known
    without the database (the refusal gate's page is the same page); a found status names its own."""
    configured = current_app.config.get("REGENCY_NAME") or ""
    return (regions.region_name(configured) or configured) if configured else ""


def _miss() -> None:
    with center_database.atomic():
        throttle.hit(ADDRESS_SCOPE, _address())
        throttle.hit(ALL_SCOPE, "*")


def _changed(row: PublicStatus, typed: str) -> dict:
    """What /cek says of an old receipt: its number was changed, ask the office for the new receipt, with the
    office's address, telephone and hours as the kecamatan sent them; nothing of the record itself."""
    shown = view_of(row)
    return {"title": "Nomor pendaftaran sudah diganti", "office": shown["office"],
            "text": vocabulary.NUMBER_CHANGED.format(number=typed, office=shown["office"]),
            **{key: shown[key] for key in ("office_address", "office_phone", "hours")}}


def _being_checked(waiting, typed: str) -> dict:
    """What /cek says of a fresh receipt whose number waits on a conflict at the center (issue 83); once the
    center decided that the PC whose record waits gives its application a new number (keep, or given twice
    before enrolment), the receipt is an old one, whether or not that PC ever moves its record (a counter on
    6ce2a857 does not: "sedang diperiksa" for good; issue 94 finding 6). So is the receipt of the record the center
    held when the operator gave its number to another PC's application (accept: records.number_given_away;
    before, "tidak cocok" for good)."""
    from sync.center.models import Conflict
    from sync.center.records import GIVEN_TWICE, KEEP
    shown = office_record(waiting.kecamatan_id)
    office = shown.get("office") or waiting.kecamatan.name
    conflicts = Conflict.select().where((Conflict.kecamatan == waiting.kecamatan_id)
                                        & (Conflict.registration_number == waiting.number))
    # a third PC's conflict on the number still waiting: its receipt may be this one, still being checked
    renumbered = (conflicts.where(Conflict.decision.in_([KEEP, GIVEN_TWICE])).exists()
                  and not conflicts.where(Conflict.resolved_at.is_null()).exists())
    # the receipt of the record the center held, whose number the operator gave to another PC's application
    renumbered = renumbered or waiting.renumbered_at is not None
    title, words = (("Nomor pendaftaran sudah diganti", vocabulary.NUMBER_CHANGED) if renumbered
                    else ("Nomor sedang diperiksa", vocabulary.NUMBER_BEING_CHECKED))
    return {"title": title, "office": office, "text": words.format(number=typed, office=office),
            **{key: shown.get(key, "") for key in ("office_address", "office_phone", "hours")}}


@page_blueprint.get("/cek")
def status_page():
    """No login, no script: a GET form; the slip's QR opens it with both fields filled."""
    typed_number = (request.args.get("n") or "")[:60]
    numbers = vocabulary.number_candidates(typed_number)
    code = vocabulary.normalise_code(request.args.get("k"))
    context = {"number": typed_number.strip(), "code": (request.args.get("k") or "")[:20].strip(),
               "status": None, "missed": False, "wait": 0, "kabupaten": kabupaten()}
    if not typed_number and not request.args.get("k"):
        return render_template("center/public_status.html", **context)
    wait = _wait()
    if wait:
        context["wait"] = throttle.in_words(wait)
        return render_template("center/public_status.html", **context), 429, {"Retry-After": str(wait)}
    row = find(numbers, code) if code and numbers else None
    moved = find_previous(numbers, code) if row is None and code and numbers else None
    if moved is not None:  # an old receipt (issue 72): changed, and where to ask; never the new number
        context["changed"] = _changed(moved, context["number"])
        return render_template("center/public_status.html", **context)
    waiting = find_waiting(numbers, code) if row is None and code and numbers else None
    if waiting is not None:  # a fresh receipt whose number waits on a conflict here (issue 83)
        context["changed"] = _being_checked(waiting, context["number"])
        return render_template("center/public_status.html", **context)
    if row is None:
        code_key(vocabulary.code_digest(typed_number, code))  # a malformed query costs what a wrong code costs
        _miss()
        context["missed"] = True
        return render_template("center/public_status.html", **context), 404
    context["status"] = view_of(row)
    context["kabupaten"] = context["kabupaten"] or regions.region_name(row.kecamatan.code.rpartition(".")[0]) or ""
    return render_template("center/public_status.html", **context)
