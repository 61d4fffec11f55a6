"""Signed HTTP to the center, and the check that each answer really comes from it.

Every request carries the key id, a timestamp, a fresh nonce and an HMAC over them and the
body; every answer must carry the center's HMAC over our nonce and its body. A hotspot login
page, a proxy error page or a cut-off answer fails that check and counts as "no link".
"""
import json
import time
from dataclasses import dataclass, field

from app.frame.version import APP_VERSION
from sync import protocol
from sync.bounded_answer import read_at_most
from sync.client.link_down import LinkDown, unreachable
from sync.client.progress_bytes import CountingBody


class Busy(LinkDown):
    """The center said "busy, come back in `seconds`" (503 with Retry-After) to the probe that
    begins a pass. Unsigned (the center answers it before any work): believed only up to
    MAX_BUSY_SECONDS a time, since all a forger gains is a later pass, as from a dead link."""

    def __init__(self, seconds: int):
        super().__init__(f"pusat sedang sibuk; dicoba lagi dalam {seconds} detik")
        self.seconds = seconds


MAX_BUSY_SECONDS = 120  # one wait at most, whatever Retry-After says
MAX_BUSY_WAIT_SECONDS = 30 * 60  # a pass gives up after waiting this long in all (the next one tries again)


class Refused(Exception):
    """The center answered, signed, with a refusal that retrying will not fix (4xx)."""

    def __init__(self, status: int, message: str, code: str = "", details: dict | None = None):
        super().__init__(message)
        self.status = status
        self.code = code  # the center's machine-readable reason ("unauthorized", "expired_code", ...)
        self.details = details or {}  # the refusal's further fields (a "replaced" key's restored_up_to)


class ClockSkew(Refused):
    """The center refused our timestamp: this PC's clock is off. str() tells the clerk how to fix it."""

    def __init__(self, skew_seconds: int, server_time: int):
        self.skew_seconds = skew_seconds
        self.server_time = server_time
        super().__init__(401, clock_message(skew_seconds, server_time))


def _new_session():
    """requests is imported by the first pass, not by the office's start (~40 ms of a slow core's CPU)."""
    import requests
    return requests.Session()


def _office_zone() -> str:
    """The office's zone for the center's time in a message (the default outside an app, e.g. a tool)."""
    from app.frame import dates, store
    try:
        return store.get("timezone") or dates.DEFAULT_TIME_ZONE
    except Exception:  # no app or database at hand
        return dates.DEFAULT_TIME_ZONE


def clock_message(skew_seconds: int, server_time: int) -> str:
    from app.frame.dates import duration_words, format_datetime
    from datetime import datetime, timezone
    direction = "lebih cepat" if skew_seconds > 0 else "lebih lambat"
    center_time = format_datetime(datetime.fromtimestamp(server_time, timezone.utc).replace(tzinfo=None), _office_zone())
    return (f"Jam komputer ini selisih {duration_words(skew_seconds)} dari pusat ({direction}; jam pusat {center_time}). "
            "Betulkan tanggal dan jam Windows: Pengaturan > Waktu & bahasa > nyalakan "
            "\u201cAtur waktu secara otomatis\u201d (atau setel manual), lalu sinkronkan lagi. "
            "Tidak perlu mendaftar ulang.")


class EnrolmentError(Exception):
    """Why enrolment failed, for the admin's page. kind: wrong_code | expired | used | replaced | unreachable |
    clock | unsigned; str() is the Indonesian message."""

    def __init__(self, kind: str, message: str):
        super().__init__(message)
        self.kind = kind


def center_trouble(status: int) -> str:
    """What the office reads when the center answered a 5xx: trouble there, retried later (never a forgery)."""
    if status == 507:
        return ("penyimpanan di komputer pusat penuh (HTTP 507): kiriman belum disimpan pusat; hubungi kabupaten. "
                "Dicoba lagi nanti")
    return f"pusat sedang bermasalah (HTTP {status}); dicoba lagi nanti"


DAMAGED = "damaged"  # the center's error code for a request body changed on the way (sync/center/routes.py)
MAX_ANSWER_BYTES = protocol.MAX_ANSWER_BYTES


@dataclass
class Counters:
    requests: int = 0
    bytes_sent: int = 0
    bytes_received: int = 0
    failures: int = 0
    busy_seconds: int = 0  # waited because the center said it was busy
    moves: int = 0  # connections left for a fresh one while stalled in TCP's back-off (sync/client/stall.py)


def manifest_request(items: list[dict], path: str = "") -> tuple:
    """The manifest of `items` ({id, version, hash, size}) as a request for call()/call_all() or a
    pipeline's send(); `path`: the record kind's endpoints under /api/v1 ("" for KTP-el
    applications). The list travels deflated."""
    body = protocol.deflate(protocol.canonical_json({"items": items}))
    return "POST", protocol.API_PREFIX + path + "/manifest", body, protocol.JSON_DEFLATE, None


@dataclass
class CenterClient:
    base_url: str
    key_id: str
    secret: str
    # (connect, read): 10 s to connect, then 30 s without a byte counts as a dead link. A packet
    # is sized for ~15 s of transfer, so a live link never hits it; after an outage a fresh
    # connection beats waiting for TCP's backed-off retransmission on the old one.
    timeout: float | tuple = (10.0, 30.0)
    session: object = field(default_factory=_new_session)  # a requests.Session (a test: its in-process one)
    counters: Counters = field(default_factory=Counters)
    photo_codecs: list = field(default_factory=list)  # what the center decodes (negotiate())
    # The pass's probe answer: besides the versions, what the pass's other requests would bring
    # (sync/center/relay.waiting_for); {} until the pass's probe is answered (engine.PassConnection).
    probed: dict = field(default_factory=dict)
    line: object = field(default=None, repr=False, compare=False)  # the pass's connection, while a pass runs
    spare: object = field(default=None, repr=False, compare=False)  # (socket, made at): a fresh connection to move to
    send_buffer: int = 0  # what the last connection kept in flight (sync/client/in_flight.py; 0: the system's)
    # Told of each run of bytes the connection takes (the clerk's progress bar: sync/client/progress_bytes.py).
    on_handed: object = field(default=None, repr=False, compare=False)

    def __post_init__(self):
        import requests
        from urllib3.util import SKIP_HEADER
        if isinstance(self.session, requests.Session):
            # Only what the protocol needs crosses the link: not requests' User-Agent,
            # Accept-Encoding (the center compresses nothing that way), Accept or Connection, nor
            # the User-Agent and Accept-Encoding that urllib3 adds where none is given.
            self.session.headers.clear()
            self.session.headers.update({"User-Agent": SKIP_HEADER, "Accept-Encoding": SKIP_HEADER})

    def handed(self, size: int) -> None:
        """`size` more bytes of a request taken by the connection."""
        if self.on_handed is not None:
            self.on_handed(size)

    def signed_headers(self, method: str, path: str, body: bytes, content_type: str,
                       nonce: str | None = None) -> tuple[dict, tuple]:
        """The headers of one signed request, and what its answer is checked against (verified()).
        `nonce`: the one a packet's item tags were made with; its signature covers the head, the
        tags the body. One short header (protocol.AUTH_HEADER); JSON answers come deflated. Every
        request reports this PC's versions (protocol.VERSION_HEADER) for the center's pages."""
        timestamp, nonce = str(int(time.time())), nonce or protocol.new_nonce()
        packet = content_type == protocol.PACKET_CONTENT_TYPE
        signature = protocol.sign_request(self.secret, method, path, timestamp, nonce, None if packet else body)
        headers = {protocol.AUTH_HEADER: protocol.auth_header(self.key_id, timestamp, nonce, signature),
                   protocol.VERSION_HEADER: protocol.version_report(APP_VERSION)}
        if body or method != "GET":
            headers["Content-Type"] = content_type
        if body and not packet:  # lets the center tell a body damaged on the way from a refused key
            headers[protocol.BODY_CHECK_HEADER] = protocol.body_check(body)
        self.counters.requests += 1
        self.counters.bytes_sent += len(body) + 400  # headers, roughly; the bench measures the wire itself
        return headers, (nonce, timestamp)

    def verified(self, ticket: tuple, status: int, headers, content: bytes) -> bytes:
        """The answer's body if the center signed it over our nonce (inflated when it came deflated);
        `ticket` is what signed_headers returned with the request's headers. Raises LinkDown (not
        the center, 5xx) or Refused (a signed 4xx)."""
        nonce, timestamp = ticket
        self.counters.bytes_received += len(content) + 200
        retry = headers.get("Retry-After", "")
        if status == 503 and retry.isdigit():
            raise Busy(min(max(int(retry), 1), MAX_BUSY_SECONDS))
        if status == 400 and _json(content).get("error") == DAMAGED:
            # What we sent arrived damaged (signed: a packet item's MAC; unsigned: a body whose check
            # failed): a LinkDown, so it goes again like after a break, never a refusal of our key.
            self.counters.failures += 1
            raise LinkDown(f"kiriman rusak di jalan dan dikirim ulang ({_message(content)[:200]})")
        expected = protocol.sign_response(self.secret, nonce, status, content)
        expected = protocol.compact_signature(expected)
        given = headers.get(protocol.HEADER_SIGNATURE, "")
        if not protocol.signatures_match(expected, given):
            self.counters.failures += 1
            if status == 401:
                raise LinkDown("pusat menolak kunci ini (401) atau permintaan terulang")
            if given:  # signed, but not these bytes: the answer changed on the way
                raise LinkDown(f"jawaban pusat rusak di jalan (HTTP {status}, tanda tangan tidak cocok); dicoba lagi")
            if status >= 500:
                # The center in trouble (a full disk, a crash, its proxy) signs nothing: said so, not as a
                # forgery. A forger saying it gains what a dead link gives him: the same retry, later.
                raise LinkDown(center_trouble(status))
            raise LinkDown(f"jawaban bukan dari pusat (HTTP {status}, tanpa tanda tangan sah)")
        if headers.get("Content-Type", "").split(";")[0].strip() == protocol.JSON_DEFLATE:
            try:
                content = protocol.inflate(content, MAX_ANSWER_BYTES)
            except ValueError:
                self.counters.failures += 1
                raise LinkDown("jawaban pusat rusak (isi terkompresi tidak utuh)") from None
        if status >= 500:
            self.counters.failures += 1
            raise LinkDown(center_trouble(status))
        if status == 401:
            answer = _json(content)
            if answer.get("error") == "clock_skew" and isinstance(answer.get("server_time"), int):
                raise ClockSkew(int(timestamp) - answer["server_time"], answer["server_time"])
        if status >= 400:
            answer = _json(content)
            raise Refused(status, _message(content), str(answer.get("error") or ""), answer)
        return content

    def call(self, method: str, path: str, body: bytes = b"", content_type: str = protocol.JSON_CONTENT_TYPE,
             nonce: str | None = None) -> bytes:
        """One signed request; returns the verified answer body, or raises LinkDown / Refused. During
        a pass it goes on the pass's one connection (`line`: sync/client/engine.PassConnection)."""
        return self.call_all([(method, path, body, content_type, nonce)])[0]

    def call_all(self, requests: list[tuple]) -> list[bytes]:
        """Several signed requests (method, path, body, content_type, nonce), their verified answers
        in order. During a pass they are written back to back on its connection: one round trip
        for all of them, where one after another would cost a round trip each."""
        if self.line is not None:
            return self.line.call_all(requests)
        return [self.call_alone(*request) for request in requests]

    def call_alone(self, method: str, path: str, body: bytes = b"", content_type: str = protocol.JSON_CONTENT_TYPE,
                   nonce: str | None = None) -> bytes:
        """call() through the session, on its own."""
        import requests  # on a pass's first request: a start of the office does not load it
        headers, ticket = self.signed_headers(method, path, body, content_type, nonce)
        try:
            plain = isinstance(self.session, requests.Session)
            streamed = {"stream": True} if plain else {}
            if body and plain:  # counted as urllib3 reads it into the socket
                data = CountingBody(body, self.handed)
            else:  # a test's in-process session takes it whole
                data = body or None
                self.handed(len(body))
            response = self.session.request(method, self.base_url.rstrip("/") + path, data=data,
                                            headers=headers, timeout=self.timeout, allow_redirects=False, **streamed)
            content = _bounded_body(response)
        except requests.RequestException as problem:
            self.counters.failures += 1
            raise unreachable(problem) from None
        return self.verified(ticket, response.status_code, response.headers, content)

    def open_stream(self):
        """Where a pass sends its packets: one pipelined connection (sync/client/pipeline.py), or
        one request at a time through the session when that cannot be (a test's in-process
        session, or an HTTP proxy set for the center in the environment)."""
        import requests

        from sync.client import pipeline
        if type(self.session) is requests.Session and not requests.utils.get_environ_proxies(self.base_url):
            return pipeline.Pipeline(self)
        return pipeline.OneAtATime(self)

    def call_json(self, method: str, path: str, value=None) -> dict:
        body = protocol.canonical_json(value) if value is not None else b""
        return json.loads(self.call(method, path, body))

    def probe(self, sleep=time.sleep) -> dict:
        """Proves the far end holds our key: it signed its answer over our fresh nonce. A busy
        center's "come back in N s" is waited out here, at the start of the pass, N s at a time."""
        waited = 0
        while True:
            try:
                return json.loads(self.call_alone("GET", protocol.API_PREFIX + "/probe"))
            except Busy as busy:
                if waited + busy.seconds > MAX_BUSY_WAIT_SECONDS:
                    raise
                self.counters.busy_seconds += busy.seconds
                sleep(busy.seconds)
                waited += busy.seconds

    def manifest(self, items: list[dict], path: str = "") -> dict:
        return json.loads(self.call(*manifest_request(items, path)))

    def negotiate(self) -> int:
        """The protocol version both ends speak, from the center's signed probe: a center that
        needs a newer kecamatan, or one too old for this one, is refused with a clear message."""
        return self.agree(self.probe())

    def agree(self, answer: dict) -> int:
        """negotiate() on a probe's answer already read (the pass writes its probe ahead of its
        first packet: sync/client/engine.PassConnection)."""
        theirs = answer.get("protocol", 1)
        if not isinstance(theirs, int) or answer.get("min_protocol", 1) > protocol.PROTOCOL_VERSION:
            raise Refused(426, f"pusat memakai protokol sinkronisasi versi {theirs}, komputer ini versi "
                               f"{protocol.PROTOCOL_VERSION}: perbarui aplikasi Loket di komputer ini")
        if theirs < protocol.MIN_PROTOCOL_VERSION:
            raise Refused(426, f"pusat memakai protokol sinkronisasi versi {theirs} yang sudah tidak didukung; "
                               "hubungi pengelola komputer pusat")
        self.photo_codecs = [c for c in answer.get("photo_codecs", []) if c in protocol.PHOTO_CODECS]
        self.probed = answer
        return min(theirs, protocol.PROTOCOL_VERSION)

    def statuses(self, after: int, limit: int = 500, feed: str = "/statuses") -> dict:
        return self.call_json("GET", f"{protocol.API_PREFIX}{feed}?after={int(after)}&limit={int(limit)}")


def _json(content: bytes) -> dict:
    try:
        value = json.loads(content)
    except (ValueError, UnicodeDecodeError):
        return {}
    return value if isinstance(value, dict) else {}


def _message(content: bytes) -> str:
    """The center's refusal in its own words, as a page may show them (sync/client/center_words.py)."""
    from sync.client.center_words import MAX_MESSAGE_CHARS, cleaned
    answer = _json(content)
    return cleaned(answer.get("message", "") if answer else content[:200].decode(errors="replace"), MAX_MESSAGE_CHARS)


# The center's refusal codes (sync/center/keys.py) -> this function's kinds.
ENROLMENT_KINDS = {"wrong_code": "wrong_code", "expired_code": "expired", "used_code": "used",
                   "replaced_code": "replaced"}
ENROLMENT_FIELDS = ("key_id", "secret", "kecamatan_code")


def enrol(center_url: str, kecamatan_code: str, code: str, device_id: str, installation: str = "",
          timeout: float = 30, session=None, previous: dict | None = None, numbered_before: int = 0) -> dict:
    """Trade the one-time enrolment code for this PC's key (send it over TLS in production).

    Raises EnrolmentError. Retrying with the same code and the same `installation` token soon
    after a lost answer returns the same key (the center keeps a short window). `previous`
    ({key_id, proof}, enrolment.previous_key_proof): the key this PC held before, proved. `numbered_before`:
    the numbers this PC made before its first enrolment (enrolment.enrol)."""
    import requests
    session = session or requests
    body = {"kecamatan_code": kecamatan_code, "enrolment_code": code, "device_id": device_id,
            "installation": installation, "numbered_before": numbered_before}
    if previous:
        body["previous"] = previous
    try:
        response = session.post(center_url.rstrip("/") + protocol.API_PREFIX + "/enrol", timeout=timeout,
                                json=body, allow_redirects=False)
    except requests.RequestException:
        raise EnrolmentError("unreachable", "Pusat tidak dapat dihubungi. Periksa alamat pusat dan sambungan "
                                            "internet, lalu coba lagi dengan kode yang sama.") from None
    answer = _json(response.content)
    if response.status_code == 401 and answer.get("error") in ENROLMENT_KINDS:
        raise EnrolmentError(ENROLMENT_KINDS[answer["error"]], _message(response.content) or "Kode pendaftaran ditolak pusat.")
    if response.status_code >= 500:  # the center in trouble (its disk full): not a stranger's page
        raise EnrolmentError("unreachable", f"{center_trouble(response.status_code)[0].upper()}"
                                            f"{center_trouble(response.status_code)[1:]} dengan kode yang sama.")
    if response.status_code != 201 or not all(isinstance(answer.get(k), str) for k in ENROLMENT_FIELDS):
        raise EnrolmentError("unsigned", "Jawaban ini bukan dari komputer pusat Loket (mungkin halaman login Wi-Fi "
                                         f"atau alamat salah; HTTP {response.status_code}). Periksa alamat pusat.")
    if isinstance(answer.get("time"), int) and abs(time.time() - answer["time"]) > protocol.TIMESTAMP_WINDOW_SECONDS:
        answer["clock_problem"] = clock_message(int(time.time()) - answer["time"], answer["time"])
    return answer


def _bounded_body(response) -> bytes:
    """The answer's body, read no further than MAX_ANSWER_BYTES: a longer one (a broken or hostile
    far end) is a broken link, never a process that fills the office PC's memory."""
    if not hasattr(response, "iter_content"):  # a test's in-process session: its body is whole already
        content = response.content
    else:
        try:
            content = read_at_most(response, MAX_ANSWER_BYTES)
        finally:
            response.close()
    if len(content) > MAX_ANSWER_BYTES:
        from requests.exceptions import ContentDecodingError
        raise ContentDecodingError(f"jawaban lebih dari {MAX_ANSWER_BYTES} bita")
    return content
