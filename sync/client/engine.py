"""One sync pass at the kecamatan: manifest, packets, acknowledgements, then statuses by cursor.

The order of events makes it safe to kill at any moment: the outbox is only marked after the
center has answered, the center stores each application whole and answers "already have it"
for what it has, and each pulled status is applied in the same transaction as the cursor.
"""
import contextlib
import json
import logging
import random
import threading
import time
from collections import deque
from dataclasses import dataclass, field, fields, replace

from app.frame import audit, installation, statements
from app.frame.audit_rule import act
from app.frame.dates import utc_now
from app.frame.db import database
from app.frame.errors import is_disk_full, note_disk_full, note_write_went_through
from sync import jpeg_transit, protocol
from sync.client import center_words, outbox, photo_transit, pipeline, records, statuses
from sync.client.clerk_first import give_way
from sync.client import progress_bytes, settle
from sync.client.settle import NotPlanned, Settlement
from sync.client.link_down import LinkDown, MovedOn
from sync.client.models import OutboxItem, SyncLink, SyncLog
from sync.client.transport import Busy, CenterClient, Refused, manifest_request

log = logging.getLogger(__name__)

MANIFEST_CHUNK = 500
PACKET_TRIES = 3  # failures of the link in a row (requests, or connections without an answer): it is down
_pass_lock = threading.Lock()
# A clerk's press looks for a running pass, and a pass ending looks for a pass owed, one at a time:
# a press that finds the pass running is heard by its end, one that finds none starts its own.
_owed_guard = threading.Lock()


@contextlib.contextmanager
def write_transaction():
    """BEGIN IMMEDIATE: our transactions read then write; taking the write lock first makes a
    clerk's concurrent save queue behind us (busy timeout) instead of failing with SQLITE_BUSY."""
    with database.atomic("IMMEDIATE"):
        yield


@dataclass
class Progress:
    """What the clerk's progress bar shows; shared between the sync thread and the page."""
    running: bool = False
    phase: str = ""
    done: int = 0
    total: int = 0
    message: str = ""
    report: "PassReport | None" = None  # the last result as the box told it (a desa PC words it: app/desa/relay.py)
    started_at: float = 0.0
    finished_at: float = 0.0
    ok: bool | None = None
    sent: progress_bytes.PassBytes = field(default_factory=progress_bytes.PassBytes)  # the bytes the link took
    shown: tuple = (0.0, 0)  # (the pass's started_at, the percent shown): the bar never goes back

    def percent(self) -> int:
        if self.running:  # by the bytes the connection takes, not once a 2 MB packet is answered (issue 73)
            return progress_bytes.shown_percent(self)
        return int(100 * self.done / self.total) if self.total else 100


PROGRESS = Progress()


# A packet's items, at their size here (photos as stored, each header ~256 B). One size for every
# link: pipelined packets keep the link busy whatever their size, and a cut packet keeps its whole
# items at the center (protocol 6), so sizing them by the link's speed bought under 2 % of a rural
# pass (issue 63: docs/architecture.md, "What each mechanism of the pass buys"); on the regency's
# LAN a pass of 20-70 photographs is one signed request.
PACKET_BYTES = 2 * 1024 * 1024
ITEM_HEAD_BYTES = 256


# What the clerk does after a number is given again: the citizen's receipt carries the old one (issue 72).
REPRINT_RECEIPTS = ("berikan bukti pendaftaran baru kepada pemohonnya: Buku Register, daftar "
                    "“Nomor diganti, bukti belum dicetak ulang”")


@dataclass
class PassReport:
    sent: int = 0
    already: int = 0
    conflicts: int = 0  # still waiting for the center at the pass's end (renumbered ones are not)
    renumbered: int = 0  # answered "conflict", then renumbered by the center's event in the same pass
    conflicted: list = field(default_factory=list)  # the outbox ids answered "conflict" in this pass
    rejected: int = 0
    failed: int = 0
    statuses: int = 0
    unapplied: int = 0  # center events kept for a person (conflict, a move the record cannot make)
    relayed: int = 0  # pre-registrations pulled from the center's relay (kecamatan)
    published: int = 0  # records of kinds the clerk does not count (public status, issue 28) the center holds
    superseded: int = 0  # statuses of a relayed form another counter PC accepted first (not stored)
    changed: int = 0  # outbox rows a clerk's change superseded while they were on the wire (sent next pass)
    owed: bool = False  # no pass started: one runs, and one more is owed after it (request_pass)
    error: str = ""
    reasons: list = field(default_factory=list)

    def summary(self) -> str:
        """The pass in one line, for the sync log and the command line."""
        return (f"terkirim {self.sent}, sudah ada {self.already}, konflik {self.conflicts}, "
                f"ditolak {self.rejected}, gagal {self.failed}, status {self.statuses}"
                + (f", diberi nomor baru {self.renumbered} (nomornya dipakai pemohon lain di pusat; dikirim "
                   f"ulang dengan nomor baru; {REPRINT_RECEIPTS})" if self.renumbered else "")
                + (f", status tidak diterapkan {self.unapplied} (lihat daftar di halaman Sinkronisasi)"
                   if self.unapplied else "")
                + (f", pra-pendaftaran dari desa {self.relayed}" if self.relayed else "")
                + (f", {self.changed} kiriman berubah selama sinkronisasi (diubah petugas; versi barunya "
                   "dikirim pada sinkronisasi berikutnya)" if self.changed else ""))

    def and_then(self, later: "PassReport") -> "PassReport":
        """This pass and a pass owed right after it, as the one run the progress bar showed."""
        return replace(later, **{f.name: getattr(self, f.name) + getattr(later, f.name) for f in fields(self)
                                 if type(getattr(later, f.name)) in (int, list)})


def client_for(link: SyncLink, **options) -> CenterClient:
    return CenterClient(link.center_url, link.key_id, link.secret, **options)


def current_link() -> SyncLink | None:
    found = statements.rows(_newest_link)  # on every landing page (backup health)
    return found[0] if found else None


def _newest_link():  # its SQL built once (app/frame/statements.py)
    return SyncLink.select().order_by(SyncLink.id.desc()).limit(1)


def note_refusal(link: SyncLink, problem: Exception) -> None:
    """The center said another PC took over this PC's device code (its backup was restored there):
    this PC stops numbering until the admin enrols it as an additional PC (issue 24)."""
    if isinstance(problem, Refused) and problem.code == "replaced" and link.role == "kecamatan":
        with write_transaction():
            retire(problem.details.get("restored_up_to"))
            SyncLog.create(at=utc_now(), kind="galat", summary=str(problem)[:1000])


@act("ubah")
def retire(restored_up_to) -> None:
    """This PC stops numbering under its device code, as the center decided (in the caller's transaction)."""
    code = installation.identity(database)[0]
    installation.retire(database, restored_up_to)
    audit.record("ubah", "pengaturan", "kode_perangkat", f"Komputer ini berhenti memberi nomor pendaftaran dengan kode "
                 f"perangkat {code or '-'}: pusat menyatakan kode itu kini dipakai PC lain (cadangan komputer ini "
                 "dipulihkan di sana)", user=records.BY_THE_CENTER)


# --- acknowledgements -----------------------------------------------------------------------

def _mark_sent(item: OutboxItem) -> None:
    """The center holds this version: outbox done, and the record moves on (a settlement of one)."""
    settlement = Settlement()
    settlement.mark_sent(item)
    settlement.write()


def _catch_up(events) -> None:
    """A "duplicate" answer for a version this PC had not sent before: the center's events about it
    that this PC's cursor has already passed are applied now, in seq order. It passed them while it
    did not hold this version (another PC holding the application since a restore sent the same
    correction first); the later ones come with the pull as usual."""
    if not isinstance(events, list):
        return
    cursor = current_link().status_cursor
    passed = [e for e in events if isinstance(e, dict) and isinstance(e.get("seq"), int) and e["seq"] <= cursor]
    for event in sorted(passed, key=lambda e: e["seq"]):
        settle.apply_one(center_words.in_answer(event), lambda: None)  # it arrived: the answer said so


CHANGED = "changed"  # apply_result: the row the answer is about was removed or rewritten under the pass


def apply_result(item: OutboxItem, result: dict) -> str:
    """Record one per-application answer of the center; returns the result word, or CHANGED when
    a clerk's change removed or rewrote the row while it was on the wire (the answer is about what
    the pass read, not what waits now: the row is left for the next pass)."""
    outcome = result.get("result")
    with write_transaction():
        sent_hash = item.content_hash
        item = OutboxItem.get_or_none(OutboxItem.id == item.id)
        if item is None or item.content_hash != sent_hash:
            return CHANGED
        if outcome in ("stored", "duplicate"):
            first_answer = item.state == "pending"  # not yet followed by any event of this version
            _mark_sent(item)
            if outcome == "duplicate" and first_answer:
                _catch_up(result.get("events"))
        elif outcome == "conflict":
            item.state = "conflict"
            item.last_error = result.get("reason", "konflik isi di pusat")
            outbox.after_conflict(item)  # a /cek record of a case the center refused is closed with it
            item.save()
        elif outcome == "superseded":
            # The center holds another outcome for this record (a relayed form accepted at another counter
            # PC first): nothing of it is stored there; the kind says what this PC does with that.
            item.state = "superseded"
            item.last_error = str(result.get("reason", ""))[:500]
            item.save()
            kind = records.kind(item.kind)
            if hasattr(kind, "superseded"):
                kind.superseded(item.source_id, item.version, result)
        elif outcome == "rejected":
            reason = result.get("reason", "ditolak pusat")
            item.state = "rejected"
            item.last_error = reason
            item.save()
            records.kind(item.kind).rejected(item.source_id, item.version, reason)
        else:
            raise LinkDown(f"jawaban pusat tidak dikenal: {outcome!r}")
    return outcome


# --- the one retry policy of the link ----------------------------------------------------------

class Retries:
    """Failures of the link in a row: after each a short jittered pause (a flaky link drops a
    request now and then), and after PACKET_TRIES of them the link counts as down. A request that
    gets through, or a connection that carried answers, starts the count again."""

    def __init__(self, rng=None):
        self.rng, self.in_row = rng or random, 0

    def pause(self) -> float:
        return min(0.2 * 2 ** (self.in_row - 1), 2) * self.rng.uniform(0.5, 1.5)

    def again(self) -> bool:
        """One more failure: pause and say True, or say False when the link counts as down."""
        self.in_row += 1
        if self.in_row >= PACKET_TRIES:
            return False
        time.sleep(self.pause())
        return True

    def reset(self) -> None:
        self.in_row = 0


def with_retries(call, rng=None):
    """A request retried under the one retry policy."""
    retries = Retries(rng)
    while True:
        try:
            return call()
        except MovedOn:
            continue  # the stall watch found the link back: at once, on the fresh connection
        except LinkDown:
            if not retries.again():
                raise


# --- push: which kinds, which items ------------------------------------------------------------

def push(client: CenterClient, report: PassReport, progress: Progress, ignore_delays=False,
         packet_bytes: int = PACKET_BYTES, rng=None, line: "PassConnection | None" = None) -> None:
    """Send what is due, kind by kind, each to its own endpoints (sync/client/records.py), all on
    the pass's one connection (`line`); the last kind writes the status pull's first request
    behind its last packet."""
    progress.phase, progress.total, progress.done = "kirim", outbox.waiting_count(), 0
    progress.sent.start(progress_bytes.waiting_bytes(ITEM_HEAD_BYTES))
    client.on_handed = progress.sent.took
    line = line or PassConnection(client)
    names = outbox.kinds_waiting(utc_now(), ignore_delays)
    for name in names:
        push_kind(client, records.kind(name), report, progress, ignore_delays, packet_bytes, rng, line,
                  last=name == names[-1])


def push_kind(client: CenterClient, kind, report: PassReport, progress: Progress, ignore_delays=False,
              packet_bytes: int = PACKET_BYTES, rng=None, line: "PassConnection | None" = None, last: bool = False) -> None:
    """One kind's due items: those that went out before without an answer are offered by manifest
    first (what never left this PC cannot be at the center, and the few that left just before a
    crash, unrecorded, are answered "duplicate" when they come again); the rest go in packets."""
    items = outbox.due_items(utc_now(), ignore_delays=ignore_delays, kind=kind.name)
    if not items:
        return
    line = line or PassConnection(client)
    offered_before = [i for i in items if i.attempts]
    if offered_before:  # the manifest goes first, so the probe goes before it
        line.negotiate()
    upload = Upload(client, kind, packet_bytes, report, progress, rng or random.Random(), line, last)
    needed, _ = upload.offer(offered_before)
    upload.queue.extend(i for i in items if not i.attempts or i.id in needed)
    upload.send_all()


def packet_entries(items: list[OutboxItem]) -> list:
    """Each item's (header, photo) as a packet or a USB file carries it, or None where its photo is
    gone or changed since it entered the outbox; the photos read a kind and 500 at a time."""
    photos = {}
    for name in {item.kind for item in items}:
        ids = [item.source_id for item in items if item.kind == name]
        for start in range(0, len(ids), 500):
            photos.update({(name, i): photo for i, photo in records.kind(name).payloads(ids[start:start + 500]).items()})
    entries = []
    for item in items:
        photo = photos.get((item.kind, item.source_id))
        if photo is None or protocol.sha256_hex(photo) != item.photo_sha256:
            entries.append(None)
            continue
        header = {"id": item.registration_number, "version": item.version, "hash": item.content_hash,
                  "record": json.loads(item.record_json)}
        entries.append((header, photo))
    return entries


# --- push: building a packet --------------------------------------------------------------------

def _next_batch(queue, packet_bytes, report, rng):
    """Take items off the queue up to `packet_bytes`, their photos read at once; an item whose
    photo is gone or changed fails alone."""
    taken, size = [], 0
    while (queue and (not taken or size + queue[0].size + ITEM_HEAD_BYTES <= packet_bytes)
           and len(taken) < protocol.MAX_APPLICATIONS_PER_PACKET):
        taken.append(queue.popleft())
        size += taken[-1].size + ITEM_HEAD_BYTES
    batch, entries, failed = [], [], []
    for item, entry in zip(taken, packet_entries(taken)):
        if entry is None:
            failed.append(item)
        else:
            batch.append(item)
            entries.append(entry)
    if failed:
        with write_transaction():
            outbox.note_failure([item.id for item in failed], "foto tidak ada atau berubah sejak lengkap; periksa berkas",
                                rng=rng)
        report.failed += len(failed)
    return batch, entries


def _in_transit(entries, codecs, photo_hashes):
    """Each photo in the codec the center takes (or as it is when the codec refuses): the stream
    made when it entered the outbox, or made now."""
    kept = photo_transit.kept_streams({(sha, codec) for sha, codec in zip(photo_hashes, codecs) if codec})
    wire = []
    for (header, photo), codec, photo_sha in zip(entries, codecs, photo_hashes):
        packed = photo_transit.stream_for(photo, photo_sha, codec, kept) if codec else None
        wire.append((dict(header, photo_codec=codec), packed) if packed is not None else (header, photo))
    return wire


def _encode(wire, seal: tuple[str, str], short: bool = True) -> bytes:
    """The packet's body (protocol.encode_packet): the photos' Lepton heads joined, each item
    sealed with `seal` (secret, the request's nonce). `short`: the applications' endpoint takes
    each content hash as its check (the center computes the whole one) and the number in the
    record only; the other kinds' endpoints read their headers whole."""
    if short:
        wire = [(protocol.unnumbered(dict(header, hash=header["hash"][:protocol.HASH_CHECK_CHARS])), photo)
                for header, photo in wire]
    photo_heads, cut = jpeg_transit.join_heads(wire)
    return protocol.encode_packet(cut, seal, photo_heads)


def _packet_answer(answer: bytes, in_order) -> tuple[dict, object]:
    """The center's answer to one packet, read once: its results (one per item, in the packet's order) by
    (id, version), and what it brought as the status page (a riding packet's, PassConnection.ride; None
    when it brought none)."""
    try:
        parsed = json.loads(answer)
        results = parsed["results"]
        if len(results) != len(in_order) or not all(isinstance(r, dict) for r in results):
            raise ValueError("not one result per application")
        by_item = {(item.registration_number, item.version): center_words.in_answer(r)  # the center's words, bounded
                   for item, r in zip(in_order, results)}
        return by_item, parsed.get("statuses")
    except (ValueError, KeyError, TypeError, AttributeError):
        raise LinkDown("jawaban pusat untuk paket tidak dapat dibaca") from None


# --- push: sending, and applying the answers -----------------------------------------------------

@dataclass
class Packet:
    items: list
    rides: bool = False  # its answer brings the status pull's first page (PassConnection.ride)


class Upload:
    """One kind's items on their way to the center in one pass, on pipelined connections.

    send_all() sends on the pass's connection (PassConnection) and keeps up to `stream.depth` packets
    on the wire ahead of the oldest answer, so the link stays busy while the center commits. When
    the connection breaks, the packets still unanswered go back to the front of the queue; before
    they go again on a fresh connection they are offered by manifest, since the center stores
    each item as it arrives whole and may hold much of a packet whose answer the break took.
    A connection that brings no answer at all counts as a link failure (Retries). This thread
    alone touches the database (reads photos, records each packet's answers in one transaction).
    """

    def __init__(self, client: CenterClient, kind, packet_bytes: int, report: PassReport, progress: Progress, rng,
                 line: "PassConnection | None" = None, last: bool = False):
        self.client, self.kind, self.packet_bytes, self.report, self.progress, self.rng = (
            client, kind, packet_bytes, report, progress, rng)
        self.line, self.last = line or PassConnection(client), last
        self.path = kind.path
        self.codec = self.codec_agreed()
        self.queue: deque = deque()
        self.send_raw = set()  # items whose recompressed photo arrived damaged: sent again as they are
        self.written = set()  # items that went out in this pass: if the pass ends, the next one offers them first
        self.unanswered = []  # of the last broken connection: offered by manifest before they go again
        self.manifest_ticket = None  # the manifest written ahead on this connection, while its answer is due
        self.in_question = []  # the items it offers, kept out of the queue until it is answered
        self.answered_any = False  # did the current connection carry an answer?

    def codec_agreed(self) -> str | None:
        """The photos' codec: the first of ours (jpeg_transit.CODECS: Lepton's, then JPEG XL) the center
        named in its probe; before its answer has come, the first of ours (a center that does not
        take it says so, and the packets written meanwhile go again: PassConnection.agree)."""
        if not self.kind.photo_codecs:
            return None
        known = self.client.photo_codecs if self.line.negotiated else jpeg_transit.CODECS[:1]
        return next((c for c in jpeg_transit.CODECS if c in known), None)

    def offer(self, offered_before) -> tuple[set, set]:
        return _offer(self.client, self.path, offered_before, self.report, self.progress, self.rng)

    def send_all(self) -> None:
        retries = Retries(self.rng)
        while self.queue:
            self.answered_any = False
            try:
                if self.line.careful or len(self.unanswered) > MANIFEST_CHUNK:
                    self.offer_unanswered()  # on its own: nothing is written behind it (PassConnection.careful)
                if self.queue and self.one_connection():
                    retries.reset()
            except LinkDown as failure:
                if self.answered_any or isinstance(failure, MovedOn):
                    retries.reset()
                    continue  # the connection carried answers before it broke, or a fresh one is there: go on
                if not retries.again():
                    self.give_up(failure)
                    raise

    def offer_unanswered(self) -> None:
        """The packets a broken connection left unanswered, offered by manifest: what the center
        already holds of them (whole packets, or the items of a packet cut mid-way) does not go again."""
        if self.unanswered:
            _, held = self.offer(self.unanswered)
            self.queue = deque(item for item in self.queue if item.id not in held)
            self.unanswered = []

    def write_manifest(self, stream) -> None:
        """After a break, the manifest of the unanswered packets goes first on the fresh connection,
        and packets of the other items behind it; its answer is read when it is the oldest, and the
        items the center needs go next. Waiting for it before any packet left the link idle for a
        round trip at every break (issue 32, the flapping link)."""
        if not self.unanswered:
            return
        offered, self.unanswered = self.unanswered, []
        asked = {item.id for item in offered}
        self.in_question = [item for item in self.queue if item.id in asked]
        self.queue = deque(item for item in self.queue if item.id not in asked)
        self.manifest_ticket = stream.send(*manifest_request(manifest_entries(offered), self.path))

    def take_manifest_answer(self, stream) -> None:
        """What the center holds of the items in question stays home; the rest go next."""
        self.manifest_ticket = None
        try:
            answer = json.loads(stream.receive())
        except ValueError:
            raise LinkDown("jawaban manifest pusat tidak dapat dibaca") from None
        in_question, self.in_question = self.in_question, []
        _, held = _record_manifest(answer, in_question, self.report, self.progress)
        self.queue.extendleft(reversed([item for item in in_question if item.id not in held]))

    def put_back_in_question(self) -> None:
        """The connection broke before the manifest's answer: its items are offered again."""
        if self.in_question:
            self.queue.extendleft(reversed(self.in_question))
            self.unanswered += self.in_question
        self.manifest_ticket, self.in_question = None, []

    def one_connection(self) -> bool:
        """Send packets on the pass's connection until the queue is empty; LinkDown when it breaks
        (its unanswered packets are back in the queue). True when it carried answers. Until the
        probe written ahead has been answered, one packet goes (the first round trip carries it)."""
        in_flight: deque[Packet] = deque()
        stream = self.line.open()
        # The pass's probe, or its relay requests, may have been answered on it already: it carries answers.
        self.answered_any = self.answered_any or stream.answered > 0
        try:
            if not self.line.negotiated:
                self.line.write_probe(stream)
            self.write_manifest(stream)
            while self.queue or in_flight or self.manifest_ticket is not None:
                while self.queue and self.may_write(stream, in_flight) and self.send_packet(stream, in_flight):
                    pass
                if self.last and not self.queue and not self.in_question and not self.line.careful:
                    self.line.write_status_request(stream)
                if not in_flight and self.line.probe_ticket is None and self.manifest_ticket is None:
                    break
                self.take_answer(stream, in_flight)
            return self.answered_any
        except (LinkDown, Renegotiated) as failure:
            broken = [item for packet in in_flight for item in packet.items]
            self.queue.extendleft(reversed(broken))
            self.unanswered += broken
            self.put_back_in_question()
            stalled = isinstance(failure, MovedOn)  # TCP's back-off, not the center's way with connections
            if not self.answered_any and not stalled:
                self.line.careful = True
            self.line.drop()
            if isinstance(failure, Renegotiated):  # not the link's fault: the packets go again in the agreed codec
                self.codec = self.codec_agreed()
                return False
            raise
        except BaseException:
            self.put_back_in_question()
            self.line.drop()
            raise

    def may_write(self, stream, in_flight: deque) -> bool:
        """Is there room for one more packet on the connection? Up to its depth ahead of the oldest
        answer; one behind the probe until the probe is answered; none behind anything while the
        connection is careful (PassConnection.careful); none once an answer said it closes."""
        if stream.closing:
            return False
        if self.line.careful:
            return not stream.waiting
        return len(in_flight) < (stream.depth if self.line.negotiated else 1)

    def send_packet(self, stream, in_flight: deque) -> bool:
        """The next packet off the queue, built, counted in flight (a write that breaks leaves it
        there, to go again) and written; False when nothing was left to send."""
        give_way()  # the packet's reading, recompressing and signing: after the clerk's request
        batch, entries = _next_batch(self.queue, self.packet_bytes, self.report, self.rng)
        if not batch:
            return False
        wire = _in_transit(entries, [None if item.id in self.send_raw else self.codec for item in batch],
                           [item.photo_sha256 for item in batch])
        nonce = protocol.new_nonce()  # the request's, which the item tags are bound to
        body = _encode(wire, (self.client.secret, nonce), short=not self.path)
        self.progress.sent.packet(sum(item.size + ITEM_HEAD_BYTES for item in batch), len(body),
                                  again=all(item.id in self.written for item in batch))
        self.written.update(item.id for item in batch)
        self.line.packet_written()
        ride = self.line.ride() if self.last and not self.queue and not self.in_question else ""
        in_flight.append(Packet(batch, rides=bool(ride)))
        stream.send("POST", protocol.API_PREFIX + self.path + "/packets" + ride, body, protocol.PACKET_CONTENT_TYPE,
                    nonce=nonce)
        return True

    def take_answer(self, stream, in_flight: deque) -> None:
        """The oldest answer: of a request written ahead of the packets (PassConnection.read_ahead),
        or of the oldest packet, recorded in one transaction (a signed refusal fails that packet
        alone; the connection goes on)."""
        if self.line.read_ahead(stream, self.codec):
            # The connection carried an answer (not a dead link if it breaks now); after the probe's,
            # the loop writes the packets its answer allows before waiting for the first packet's.
            self.answered_any = True
            self.line.answered(stream)
            return
        if stream.waiting and stream.waiting[0] is self.manifest_ticket:
            # Not an answer that makes the connection count as carrying answers (answered_any):
            # a connection that answers its first request and drops what is behind it must make
            # the pass careful, or each fresh one would answer the manifest and lose the packets.
            self.take_manifest_answer(stream)
            return
        packet = in_flight[0]
        try:
            results, page = _packet_answer(stream.receive(), packet.items)
        except Refused as refusal:
            in_flight.popleft()
            self.line.ride_after = None  # no page came: the pass asks for it itself
            with write_transaction():
                outbox.note_failure([i.id for i in packet.items], f"ditolak pusat: {refusal}", rng=self.rng)
            self.report.failed += len(packet.items)
            return
        in_flight.popleft()
        if packet.rides:
            self.line.ride_answered(page)
        self.answered_any = True
        self.line.answered(stream)
        give_way()  # before the write lock and the packet's commit: the clerk's save goes first
        with write_transaction():  # one commit per packet; each item is a savepoint inside
            again = settle_packet(packet.items, results, self.report, self.progress, self.rng, self.send_raw,
                                  received_at_once=not self.path)
        self.send_raw.update(item.id for item in again)
        self.queue.extend(again)

    def give_up(self, failure: LinkDown) -> None:
        """The link is down: what went out in this pass and is still waiting is offered first next time."""
        waiting = [item.id for item in self.queue if item.id in self.written]
        with write_transaction():
            outbox.note_failure(waiting, str(failure), rng=self.rng)
        self.report.failed += len(waiting)


class Renegotiated(Exception):
    """The probe's answer came after packets were written in a codec the center does not name, or
    the center was busy: those packets go again, on a fresh connection, after the manifest."""


class PassConnection:
    """The pass's one pipelined connection, from its probe to its first status page.

    Every request that waits for its answer before the next one is written leaves the link idle
    for a round trip (400 ms on a rural link), and every new connection costs one more and TCP's
    slow start. So the probe is written just ahead of the first packet and answered before it,
    the packets of every kind follow on the same connection, and the status pull's first page comes
    with the last packet's answer (`ride`, issue 45), or else is written behind the last packet and
    read after its answer (issue 32). A connection that breaks
    is dropped with what was written ahead on it; the next step opens a fresh one, and a probe or
    status page whose answer it took is asked for again the ordinary way.
    """

    def __init__(self, client: CenterClient, status_request: tuple[str, int] | None = None):
        self.client = client
        client.probed = {}  # this pass's probe says what waits (CenterClient.agree), not the last pass's
        self.status_request = status_request  # (feed, page size) of the pass's status pull, if any
        self.stream = None
        self.negotiated = False
        self.probe_ticket = self.status_ticket = None
        self.status_answer = None  # (after, verified body or the riding packet's page) or the Refused it brought
        self.status_after = 0
        self.status_stale = False  # a packet went behind the status request: its page may miss that packet's events
        self.ride_after = None  # the cursor a packet in flight asked its answer to bring the status page after (ride)
        # Careful: one request at a time on the connection, nothing written behind it. A server or
        # proxy that closes the connection after each answer resets it when requests wait unread
        # behind that answer, and the reset can take the answer with it; so after a connection that
        # broke without any answer, and while answers say the connection closes after them, each
        # request waits for the one before (issue 32's pipelining resumes with the next answer
        # that keeps the connection open).
        self.careful = False

    def open(self):
        if self.stream is not None and not self.stream.waiting and not self.stream.reusable():
            self.drop()
        if self.stream is None:
            self.stream = self.client.open_stream()
        return self.stream

    def drop(self) -> None:
        """Close the connection (reset when answers are due: pipeline.Pipeline.close)."""
        if self.stream is not None:
            self.stream.close()
        self.stream, self.probe_ticket, self.status_ticket, self.ride_after = None, None, None, None

    def close(self) -> None:
        """The pass's end: its connection, and a fresh one the stall watch left unused."""
        self.drop()
        pipeline.discard_spare(self.client)

    def call(self, method: str, path: str, body: bytes, content_type: str, nonce: str | None) -> bytes:
        """A request of the pass other than a packet (relay inbox, manifest, a further status page),
        on the same connection: no handshake of its own."""
        return self.call_all([(method, path, body, content_type, nonce)])[0]

    def call_all(self, requests: list[tuple]) -> list[bytes]:
        """Requests written back to back, their answers read in order (CenterClient.call_all). While
        the connection is careful, one at a time; requests written back to back on a connection
        that broke make it careful (a server that closes after each answer resets a connection
        with requests waiting behind the first, and the reset can take that answer too)."""
        if self.careful and len(requests) > 1:
            return [self.call_all([request])[0] for request in requests]
        stream = self.open()
        try:
            for request in requests:
                stream.send(*request)
            self.read_ahead(stream)
            answers = [stream.receive() for _ in requests]
            self.answered(stream)
            return answers
        except BaseException as failure:
            if len(requests) > 1 and isinstance(failure, LinkDown):
                self.careful = True
            self.drop()
            raise

    def negotiate(self) -> None:
        """The probe's answer before anything else is sent (a manifest goes first)."""
        if self.negotiated:
            return
        stream = self.open()
        try:
            self.write_probe(stream)
            self.read_ahead(stream)
            self.answered(stream)  # a center or proxy that closes after each answer: careful from here
        except Renegotiated:  # the center was busy; waited out
            self.drop()
        except BaseException:
            self.drop()
            raise

    def write_probe(self, stream) -> None:
        if self.probe_ticket is None:
            self.probe_ticket = stream.send("GET", protocol.API_PREFIX + "/probe", b"", protocol.JSON_CONTENT_TYPE)

    def write_status_request(self, stream) -> None:
        """The status pull's first page, behind the last packet: the center answers it after it has
        stored the packet. Its cursor is the one before the packets in flight are answered, so the
        page may repeat their `received` events, which apply_event passes over."""
        if (self.status_request is None or self.status_ticket is not None or self.status_answer is not None
                or self.ride_after is not None):
            return
        feed, page_size = self.status_request
        after = current_link().status_cursor
        self.status_ticket = stream.send("GET", f"{protocol.API_PREFIX}{feed}?after={int(after)}&limit={int(page_size)}",
                                         b"", protocol.JSON_CONTENT_TYPE)
        self.status_after, self.status_stale = after, False

    def answered(self, stream) -> None:
        """An answer came on `stream`: careful while the answers say the connection closes after them."""
        self.careful = stream.closing

    def packet_written(self) -> None:
        if self.status_ticket is not None or self.status_answer is not None or self.ride_after is not None:
            self.status_stale = True

    def ride(self) -> str:
        """The query of the pass's last packet that asks the center to answer it with the status pull's
        first page (protocol.RIDE_AFTER), which the packet's answer then brings instead of a request of
        its own; "" when the page is asked for otherwise or already was. Only the center's own feed
        (a desa PC's goes to its kecamatan), and not while the connection is careful."""
        if (self.status_request is None or self.status_request[0] != records.status_feed("kecamatan")
                or self.careful or self.status_ticket is not None or self.status_answer is not None
                or self.ride_after is not None):
            return ""
        self.ride_after, self.status_stale = current_link().status_cursor, False
        return f"?{protocol.RIDE_AFTER}={int(self.ride_after)}&{protocol.RIDE_LIMIT}={int(self.status_request[1])}"

    def ride_answered(self, page) -> None:
        """The riding packet's status page, kept as a status request's answer would be. A center that
        does not know the ride answers without one (None): the pass asks for the page itself."""
        after, self.ride_after = self.ride_after, None
        if isinstance(page, dict):
            self.status_answer = (after, page)

    def read_ahead(self, stream, codec_used: str | None = None) -> bool:
        """The answers of requests written ahead of the packets, while they are the oldest due;
        True when one was read."""
        read = False
        while stream.waiting and any(stream.waiting[0] is t for t in (self.probe_ticket, self.status_ticket)):
            if stream.waiting[0] is self.probe_ticket:
                self.probe_ticket = None
                self.agree(stream, codec_used)
            else:
                self.status_ticket = None
                try:
                    self.status_answer = (self.status_after, stream.receive())
                except Refused as refusal:
                    self.status_answer = refusal
            read = True
        return read

    def agree(self, stream, codec_used: str | None) -> None:
        try:
            answer = json.loads(stream.receive())
        except Busy:  # the center asks us to come back: waited out as at the start of any pass
            self.client.negotiate()
            self.negotiated = True
            raise Renegotiated() from None
        except ValueError:
            raise LinkDown("jawaban probe pusat tidak dapat dibaca") from None
        self.client.agree(answer)  # Refused when the versions do not meet: the pass stops
        self.negotiated = True
        if codec_used is not None and codec_used not in self.client.photo_codecs:
            raise Renegotiated()

    def status_page(self, feed: str, after: int) -> dict | None:
        """The first status page written ahead, if it is this feed's and is still to be had."""
        stream = self.stream
        if self.status_ticket is not None and stream is not None:
            try:
                self.read_ahead(stream)
            except LinkDown:
                self.drop()
        answer, self.status_answer = self.status_answer, None
        if isinstance(answer, Refused):
            raise answer
        if answer is None or self.status_stale or self.status_request[0] != feed or answer[0] > after:
            return None
        return answer[1] if isinstance(answer[1], dict) else json.loads(answer[1])


def manifest_entries(items) -> list[dict]:
    return [{"id": i.registration_number, "version": i.version, "hash": i.content_hash, "size": i.size}
            for i in items]


def _record_manifest(answer: dict, items, report, progress) -> tuple[set, set]:
    """The center's manifest answer for `items`: those it holds are marked sent (nothing goes
    again); returns the ids it needs and the ids it holds."""
    by_key = {(i.registration_number, i.version): i for i in items}
    held = set()
    try:
        have, need = list(answer.get("have", [])), list(answer.get("need", []))
        keys_have = [(e["id"], e["version"]) for e in have]
        entries_have = {(e["id"], e["version"]): e.get("events") for e in have}
        keys_need = [(e["id"], e["version"]) for e in need]
    except (AttributeError, KeyError, TypeError):
        raise LinkDown("jawaban manifest pusat tidak dapat dibaca") from None
    with write_transaction():
        for key in keys_have:
            item = by_key.get(key)
            if item is None:
                continue
            held.add(item.id)  # nothing of it goes in this pass (a row changed under it goes in the next)
            if apply_result(item, {"result": "duplicate", "events": entries_have.get(key)}) == CHANGED:
                report.changed += 1
            elif records.counted(item.kind):
                report.already += 1
            else:
                report.published += 1
            progress.done += 1
    return {by_key[key].id for key in keys_need if key in by_key}, held


def _offer(client, path, offered_before, report, progress, rng) -> tuple[set, set]:
    """The manifest: which of these items, sent before without an answer, does the center hold?
    Those are marked sent (nothing goes again); returns the ids it needs and the ids it holds."""
    needed, held = set(), set()
    for start in range(0, len(offered_before), MANIFEST_CHUNK):
        chunk = offered_before[start:start + MANIFEST_CHUNK]
        answer = with_retries(lambda: client.manifest(manifest_entries(chunk), path), rng)  # noqa: B023  called in this iteration
        chunk_needed, chunk_held = _record_manifest(answer, chunk, report, progress)
        needed |= chunk_needed
        held |= chunk_held
    return needed, held


def settle_packet(batch, by_id, report, progress, rng, send_raw=(), received_at_once=True) -> list:
    """Record a packet's answers and, for the applications' endpoints, the received statuses they
    carry (_apply_received_at_once), in the caller's transaction; returns the items to send again
    as they are in this pass. Both are planned in one Settlement and written together: each
    application's moves, audit lines and listeners (its public status record) in one round."""
    again, settlement = _apply_packet_results(batch, by_id, report, progress, rng, send_raw)
    if received_at_once:
        _apply_received_at_once(batch, by_id, report, settlement)
    else:
        settlement.write()
    return again


def _apply_packet_results(batch, by_id, report, progress, rng, send_raw=()) -> tuple[list, Settlement]:
    """Plan a packet's answers: returns the items to send again as they are in this pass, and the
    Settlement of what the center holds, not yet written; the rest is settled one by one in its order."""
    again = []
    settlement = Settlement(items=batch)
    # What each row holds now, read inside the caller's write transaction: an answer is about the
    # content the pass sent, so a row a clerk rewrote meanwhile is left for the next pass.
    current = dict(OutboxItem.select(OutboxItem.id, OutboxItem.content_hash)
                   .where(OutboxItem.id.in_([item.id for item in batch])).tuples())
    for item in batch:
        result = by_id.get((item.registration_number, item.version))
        if result is None:
            with write_transaction():
                outbox.note_failure([item.id], "pusat tidak menjawab untuk permohonan ini", rng=rng)
            report.failed += 1
            continue
        if result.get("result") == "retry":
            # The center's hash check caught a photo damaged on the way; nothing was stored.
            if item.id in send_raw:
                with write_transaction():
                    outbox.note_failure([item.id], result.get("reason", "kirim ulang"), rng=rng)
                report.failed += 1
            else:
                again.append(item)
            continue
        if current.get(item.id) != item.content_hash:
            report.changed += 1  # a clerk's change removed or rewrote the row while it was on the wire
            progress.done += 1
            continue
        held = settlement.item(item.registration_number, item.version)
        # A duplicate carrying events it may have to catch up with goes the one-by-one way (rare).
        if result.get("result") in ("stored", "duplicate") and held is not None and not result.get("events"):
            settlement.mark_sent(held)
            outcome = result["result"]
        else:
            settlement.write()
            outcome = apply_result(item, result)
            settlement = Settlement(items=batch)
        if outcome == CHANGED:
            report.changed += 1
        elif outcome in ("stored", "duplicate") and not records.counted(item.kind):
            report.published += 1
        elif outcome == "stored":
            report.sent += 1
        elif outcome == "duplicate":
            report.already += 1
        elif outcome == "conflict":
            if records.counted(item.kind):  # a /cek record's conflict is its application's, counted once (issue 72)
                report.conflicts += 1
                report.conflicted.append(item.id)
        elif outcome == "superseded":
            report.superseded += 1
        else:
            report.rejected += 1
            report.reasons.append(f"{item.registration_number}: {result.get('reason', '')}")
        progress.done += 1
    return again, settlement


# --- statuses -------------------------------------------------------------------------------

def _apply_received_at_once(batch, results: dict, report: PassReport, settlement: Settlement) -> None:
    """The center answers "stored" with the seq of the `received` event it made in our status
    feed. While those seqs follow our cursor without a gap they are exactly the events the status
    pull would bring next: applied here, in the packet's transaction, the pull has nothing to
    fetch for them, and applying them overlaps the upload instead of following it. A gap (another
    PC of this kecamatan, a center event in between) leaves the rest to the pull. `settlement`: the
    packet's acknowledgements, planned: written with these statuses."""
    link = current_link()
    if link is None or records.status_feed(link.role) != "/statuses":
        settlement.write()
        return
    stored = sorted((r["seq"], item) for item in batch
                    if (r := results.get((item.registration_number, item.version)))
                    and r.get("result") == "stored" and isinstance(r.get("seq"), int))
    cursor, events = link.status_cursor, []
    for seq, item in stored:
        if seq != cursor + 1:
            break
        events.append({"seq": seq, "id": item.registration_number, "version": item.version, "status": "received",
                       "reason": "", "at": "", "hash": item.content_hash})
        cursor = seq
    for outcome in apply_events(link.id, events, settlement):
        count_outcome(report, outcome)

def _arrived(event: dict) -> None:
    """A status for a version whose acknowledgement was lost: it arrived, so mark it sent."""
    item = OutboxItem.get_or_none((OutboxItem.registration_number == event["id"])
                                  & (OutboxItem.version == event["version"]))
    if item is not None and item.state != "acked":  # an acknowledged one moved on with its answer
        _mark_sent(item)


def apply_event(link_id: int, event: dict) -> str | None:
    """Apply one center status event and move the cursor, in one transaction: a page of one.

    Returns statuses.APPLIED / UNAPPLIED / NOT_OURS, or None when the cursor had passed it."""
    return apply_events(link_id, [event])[0]


def apply_events(link_id: int, events: list[dict], settlement: Settlement | None = None) -> list[str | None]:
    """A page of the center's status events in one transaction, settled together (sync/client/settle.py):
    a handful of statements instead of a dozen per event, the cursor moved with them. A
    `settlement` planned before (a packet's acknowledgements) takes them and is written with them."""
    outcomes = []
    events = [center_words.in_answer(event) for event in events]  # a reason is the center's words, bounded
    with write_transaction():
        link = SyncLink.get_by_id(link_id)
        cursor = link.status_cursor
        for n, event in enumerate(events):
            if event["seq"] <= cursor:
                outcomes.append(None)  # already applied (a repeated page, a re-imported status file)
                continue
            settlement = settlement or Settlement(events=events[n:])
            try:
                outcomes.append(settlement.status(event))
            except NotPlanned:  # settled the one-by-one way, after what was planned before it
                settlement.write()
                settlement = None
                outcomes.append(statuses.apply_unplanned(event, lambda event=event: _arrived(event)))
            cursor = event["seq"]
        if settlement is not None:
            settlement.write()
        if cursor != link.status_cursor:
            link.status_cursor = cursor
            link.save()
    return outcomes


def count_outcome(report: "PassReport", outcome: str | None) -> None:
    if outcome == statuses.APPLIED:
        report.statuses += 1
    elif outcome == statuses.UNAPPLIED:
        report.unapplied += 1


def pull_statuses(client: CenterClient, link: SyncLink, report: PassReport, progress: Progress,
                  page_size: int = 500, line: PassConnection | None = None) -> None:
    progress.phase = "status"
    feed = records.status_feed(link.role)
    while True:
        cursor = current_link().status_cursor
        page = line.status_page(feed, cursor) if line else None  # brought by the last packet, or asked behind it
        if page is None:
            page = with_retries(lambda: client.statuses(cursor, page_size, feed))  # noqa: B023  called in this iteration
        events = page.get("events", [])
        progress.total += len(events)
        give_way()
        for outcome in apply_events(link.id, events):  # the page and the cursor commit together
            count_outcome(report, outcome)
        progress.done += len(events)
        if not page.get("more") or not events:
            return


def _count_renumbered(report: PassReport, before: int) -> None:
    """A conflict the center settled as it arrived (a number two PCs gave before enrolment) was renumbered by
    the pull that followed: counted as renumbered, not as a conflict waiting for the center's operator. An
    earlier pass's conflict the operator settled with a new number counts too (issue 72: its citizen's receipt
    is wrong as well); `before`: renumbered_rows() when the pass started."""
    same_pass = 0
    for start in range(0, len(report.conflicted), 500):
        same_pass += (OutboxItem.select().where(OutboxItem.id.in_(report.conflicted[start:start + 500])
                                                & (OutboxItem.state == "renumbered")).count())
    report.conflicts -= same_pass
    report.renumbered = max(renumbered_rows() - before, same_pass)


def renumbered_rows() -> int:
    """Applications' outbox rows the center renumbered, ever (a pass or a status file counts its own by difference)."""
    return OutboxItem.select().where((OutboxItem.kind == records.DEFAULT_KIND)
                                     & (OutboxItem.state == "renumbered")).count()


# --- one pass ---------------------------------------------------------------------------------

def pass_in_progress() -> bool:
    """Is a sync pass (scheduled or manual) running right now in this process?"""
    return _pass_lock.locked()


def request_pass(link_id: int) -> None:
    """"Sinkronkan sekarang" pressed while a pass runs: one more pass is owed, kept in the database, so
    that whichever process ends a pass next (the server's thread or `run.py sync`) runs it, or the
    server's scheduler on its next tick (sync/client/scheduler.scheduled_sync). The pass that starts next
    clears it: it starts after the press, which is all the press asked."""
    with write_transaction():
        SyncLink.update(pass_requested_at=utc_now()).where(SyncLink.id == link_id).execute()


def pass_owed(link: SyncLink | None = None) -> bool:
    """Is a pass owed (request_pass) that no pass has started for yet? Read from the database: another
    process may have asked for it or started it."""
    link = link or current_link()
    return link is not None and SyncLink.select(SyncLink.id).where(
        (SyncLink.id == link.id) & SyncLink.pass_requested_at.is_null(False)).exists()


def begin_or_owe_pass(progress: Progress | None = None) -> bool:
    """The clerk's press: True when no pass runs in this process (the progress bar now says one is
    starting, and the caller starts it); False when one runs, and one more pass is owed after it."""
    progress = progress or PROGRESS
    with _owed_guard:
        if progress.running or _pass_lock.locked():
            link = current_link()
            if link is not None:
                request_pass(link.id)
            return False
        progress.running, progress.phase, progress.message = True, "mulai", ""
        return True


def _run_phases(phases, client, link, report, progress) -> None:
    """A capability's own step of the pass (the desa relay). The center refusing it is reported but
    does not hold back the applications' push and statuses; a dead link still ends the pass."""
    for phase in phases:
        try:
            phase(client, link, report, progress)
        except Refused as refusal:
            log.warning("sync step %s refused by the center", getattr(phase, "__name__", phase))
            report.error = report.error or str(refusal)


def sync_once(client: CenterClient | None = None, full: bool = False, progress: Progress | None = None,
              packet_bytes: int = PACKET_BYTES, status_page: int = 500, owe_if_running: bool = False) -> PassReport:
    """Push what is due (everything when `full`) and pull statuses; never raises for link trouble.

    While a pass owed (request_pass) waits when a pass ends, another (full) pass follows at once, with
    the progress bar still running; the report is the last pass's. `owe_if_running`: when a pass runs
    in this process already, one more is owed after it (report.owed) instead of nothing."""
    progress = progress or PROGRESS
    report = PassReport()
    link = current_link()
    if link is None:
        report.error = "komputer ini belum terdaftar di pusat"
        return report
    refusal = _refusal(link)
    if refusal:
        report.error = refusal
        if link.pass_requested_at is not None:  # the pass owed is answered by the refusal too
            with write_transaction():
                SyncLink.update(pass_requested_at=None).where(SyncLink.id == link.id).execute()
        return report
    with _owed_guard:
        if not _pass_lock.acquire(blocking=False):
            if owe_if_running:
                request_pass(link.id)
                report.owed = True
            else:
                report.error = "sinkronisasi lain sedang berjalan"
            return report
    client = client or client_for(link)
    ended, before = False, None
    try:
        while True:
            try:
                report = _one_pass(client, link, full, progress, packet_bytes, status_page, before)
            except Exception as error:
                if not is_disk_full(error):
                    raise
                return _pass_on_a_full_disk(client, link, progress)
            with _owed_guard:  # a press now is either seen here or finds no pass running
                now = SyncLink.get_or_none(SyncLink.id == link.id)  # unlinked meanwhile: nothing is owed
                if now is None or now.pass_requested_at is None or _refusal(now):
                    progress.running, progress.finished_at = False, time.time()
                    _pass_lock.release()
                    ended = True
                    return report
            full, link, before = True, now, report  # a full pass, as the button asks
    finally:
        if not ended:  # an unexpected error: a pass owed stays for the scheduler's next tick
            progress.running, progress.finished_at = False, time.time()
            _pass_lock.release()


def _pass_on_a_full_disk(client: CenterClient, link: SyncLink, progress: Progress) -> PassReport:
    """Nothing goes out or comes in (both write), but the phases that write nothing go: the health report, so
    the center's page says the office stopped (issue 89)."""
    note_disk_full()
    report = PassReport(error="disk komputer penuh: sinkronisasi tidak dapat menyimpan apa pun")
    try:
        client.probed or client.negotiate()
        _run_phases(records.phases(link.role, "disk_full"), client, link, report, progress)
    except Exception:  # noqa: BLE001  (the report's own note after sending may meet the full disk too)
        log.warning("the health report of a pass on a full disk failed", exc_info=True)
    progress.message, progress.ok = f"Terhenti: {report.error}", False
    return report


def _refusal(link: SyncLink) -> str:
    """Why nothing may go out from this PC (a restored backup of another PC, or a PC another one
    replaced, the center said so in a pass), or ""."""
    return (installation.numbering_refusal(database) or "") if link.role == "kecamatan" else ""


def _one_pass(client: CenterClient, link: SyncLink, full: bool, progress: Progress, packet_bytes: int,
              status_page: int, before: "PassReport | None" = None) -> PassReport:
    """One pass, under the pass lock; it answers every pass owed until now (it starts after the press)."""
    report = PassReport()
    progress.running, progress.ok = True, None
    progress.started_at = progress.started_at if before else time.time()  # a pass owed: the bar never goes back
    progress.message, progress.report, progress.done, progress.total = "", None, 0, 0
    with write_transaction():
        SyncLink.update(last_attempt_at=utc_now(), pass_requested_at=None).where(SyncLink.id == link.id).execute()
    note_write_went_through()  # the disk takes writes (again)
    line = client.line = PassConnection(client, (records.status_feed(link.role), status_page))
    try:
        _run_phases(records.phases(link.role, "before"), client, link, report, progress)
        renumbered_before = renumbered_rows()
        push(client, report, progress, ignore_delays=full, packet_bytes=packet_bytes, line=line)
        pull_statuses(client, link, report, progress, status_page, line)
        _count_renumbered(report, renumbered_before)
        if not client.probed:  # nothing went out, so no probe came ahead of it: the phases after read its answer
            client.negotiate()  # (a desa PC with nothing to send sent no health report, checked no release; issue 89)
        _run_phases(records.phases(link.role, "after"), client, link, report, progress)
    except (LinkDown, Refused) as problem:
        report.error = str(problem)
        note_refusal(link, problem)
    finally:
        client.line = None
        line.close()
    summary = report.summary()
    with write_transaction():
        values = {"last_error": report.error}
        if not report.error:
            values["last_success_at"] = utc_now()
        SyncLink.update(**values).where(SyncLink.id == link.id).execute()
        SyncLog.create(at=utc_now(), kind="galat" if report.error else "kirim",
                       summary=summary + (f"; berhenti: {report.error}" if report.error else ""))
    shown = before.and_then(report) if before else report  # the box tells every pass the bar showed (issue 83)
    progress.message = shown.summary() if not report.error else f"Terhenti: {report.error}"
    progress.report = shown
    progress.ok = not report.error
    return shown
