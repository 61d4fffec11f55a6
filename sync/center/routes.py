"""The center's two blueprints and what every signed endpoint reads and answers with. Below the
modules that add routes (api, relay, public_status, performance, views), so each of them imports
this one and none imports another endpoint module for its blueprint or its request helpers."""
import json

from flask import Blueprint, g, jsonify, request
from werkzeug.exceptions import ClientDisconnected

from app.frame.request_cycle import int_arg
from sync import protocol
from sync.center import keys, records
from sync.center.public_status_records import note_delivery
from sync.center.server import CLOSE_AFTER_ANSWER

api_blueprint = Blueprint("center_api", __name__)  # /api: signed by a device key (sync/center/api.py)
page_blueprint = Blueprint("center", __name__)  # the operators' pages and the public status page
MAX_CURSOR = 2 ** 62  # far above any real event number, and inside every database's integer range


def error_answer(status: int, code: str, message: str, **details):
    """A refusal in the protocol's shape; `details` are further fields the refusal defines."""
    response = jsonify({"error": code, "message": message, **details})
    response.status_code = status
    return response


DAMAGED = "damaged"  # the error code of a body changed on the way: the kecamatan sends it again


def packet_refusal(problem: "protocol.PacketError", message: str | None = None):
    """A packet refused: DAMAGED when its bytes changed on the way (an item's MAC, its packed heads),
    else bad_packet (it does not follow the format)."""
    return error_answer(400, DAMAGED if isinstance(problem, protocol.PacketDamaged) else "bad_packet",
                        message or str(problem))


def streamed() -> bool:
    return request.mimetype == protocol.PACKET_CONTENT_TYPE


def packet_items() -> list[tuple[dict, bytes]]:
    """The whole packet of this request (each item's MAC checked against the signed head), for
    the endpoints that store a packet together; raises protocol.PacketError."""
    if not streamed():
        raise protocol.PacketError("paket harus dikirim sebagai " + protocol.PACKET_CONTENT_TYPE)
    try:
        return protocol.read_packet(request.stream.read, request.content_length or 0,
                                    (g.device_key.secret, g.request_nonce))
    except (protocol.PacketError, OSError, ClientDisconnected) as problem:
        request.environ[CLOSE_AFTER_ANSWER] = True  # the rest of the body is not read
        if isinstance(problem, protocol.PacketError):
            raise
        raise protocol.PacketCut("paket terpotong: sambungan putus sebelum paket utuh") from None


def packet_results(store, owner, after=None):
    """The answer to a packet stored together: each item's `store(owner, header, payload)` outcome, or the
    packet's refusal; `after()` runs once every item is stored."""
    try:
        items = packet_items()
    except protocol.PacketError as problem:
        return packet_refusal(problem)
    results = [store(owner, header, payload).as_json() for header, payload in items]
    if after:
        after()
    return packet_answer(results)


def packet_answer(results: list):
    """A packet's answer: one result per item, in the packet's order; and, when the packet asked for it
    (?statuses_after=, the pass's last packet), the pass's first status page as /statuses answers it,
    read once the packet is stored: a pass of a few applications makes one signed request fewer (issue 45)."""
    answer = {"results": results}
    if protocol.RIDE_AFTER in request.args:
        cursor, limit = cursor_args(protocol.RIDE_AFTER, protocol.RIDE_LIMIT)
        if cursor is not None:  # a cursor that cannot be right: no page, which the pass asks for on its own
            answer["statuses"] = status_page(cursor, limit)
    return jsonify(answer)


def status_page(cursor: int, limit: int) -> dict:
    """The events after `cursor` this PC hears of (records.events_after), at most `limit`; and the
    kecamatan's public state noted as delivered (a pass asks for it after pushing all it had)."""
    events = records.events_after(g.kecamatan, cursor, limit + 1, keys.device_codes(g.device_key))
    note_delivery(g.device_key)
    more = len(events) > limit
    events = events[:limit]
    return {"events": [records.event_json(e) for e in events], "next": events[-1].seq if events else cursor,
            "more": more}


def json_body():
    body = request.get_data(cache=True) or b"null"
    try:
        if request.mimetype == protocol.JSON_DEFLATE:  # protocol 3: the manifest travels deflated
            body = protocol.inflate(body, protocol.MAX_PACKET_BYTES)
        value = json.loads(body)
    except (ValueError, UnicodeDecodeError):
        return None
    return value if isinstance(value, dict) else None


def cursor_args(after: str = "after", limit_name: str = "limit") -> tuple[int | None, int | None]:
    """?after= (0 when absent) and ?limit= (500 when absent, kept within 1..1000), or the arguments of
    those names (a packet's RIDE_AFTER and RIDE_LIMIT); (None, None) when either is not a whole number
    or the cursor is outside 0..MAX_CURSOR."""
    cursor = int_arg(request.args, after, None if request.args.get(after) else 0, highest=MAX_CURSOR)
    limit = int_arg(request.args, limit_name, None if request.args.get(limit_name) else 500)
    if cursor is None or limit is None:
        return None, None
    return cursor, min(max(limit, 1), 1000)
