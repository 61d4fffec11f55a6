"""What the outbox carries and what a pass pulls, plugged in by the capabilities that own them.

The sync machinery (outbox, acknowledgements, status cursor) knows nothing of what a record
is: a capability describes each kind once and calls `plug(kind)` when it is imported
(app/registration/sync_records.py: KTP-el applications, kecamatan -> center; app/desa/relay.py:
a desa PC's pre-registrations, desa -> center, and the kecamatan's statuses of relayed
pre-registrations, kecamatan -> center). Every outbox row names its kind; the pass sends each
kind to its own endpoints (`path`) with the same manifest, packets and per-item answers.

What a pass pulls besides depends on the link's role (`SyncLink.role`: a kecamatan PC or a desa
PC): `status_feed(role)` is the path of its status cursor, and `plug_phase(role, when, phase)`
adds a step before or after the push (the kecamatan pulls relayed pre-registrations).
"""
from dataclasses import dataclass
from typing import Callable, Protocol

DEFAULT_KIND = "permohonan"


@dataclass(frozen=True)
class _NoAccount:
    id: None = None
    username: str = "sinkronisasi"


# Who a record's move names when the center decided it and a pass (or a USB file) wrote it: the trail and
# the timeline say "sinkronisasi", not the clerk whose press or file carried it, nor "sistem".
BY_THE_CENTER = _NoAccount()


class StatusNotApplied(Exception):
    """A status from the center that the record's own rules refuse (logged, cursor moves on)."""


class RecordKind(Protocol):
    name: str  # stored in every outbox row of this kind
    path: str  # under /api/v1: "" for /manifest and /packets, "/relay/pra" for /relay/pra/manifest ...
    photo_codecs: bool  # may its photos travel recompressed (protocol 2)?
    # counted = False (optional): the pass report and the waiting count leave it out (public status
    # records ride along with every change; the clerk counts applications).
    # settle_many(items) (optional): the kind's batch form for a page of answers and statuses
    # (sync/client/settle.py): an object with `acknowledged` and `apply_status` as below, deciding in
    # memory, and `write()`; without it the kind's statuses are settled one by one.
    # first = True (optional): its items go before other kinds' in a pass (the kecamatan's statuses of
    # relayed forms: a form's acceptance reaches the center before the application made of it).
    # superseded(source_id, version, answer) (optional): the center stored another outcome instead
    # (answer "superseded", with `accepted_as`).
    # renumber_before_enrolment(count_only=False) (optional): at a first enrolment, the records it
    # numbered before under LOKET_DEVICE_ID and never sent, given new keys in the series the center just
    # issued when another PC of the office numbered under the same id (issue 61); returns how many
    # (with count_only: how many it would renumber).

    def payloads(self, source_ids: list[int]) -> dict[int, bytes]:
        """The bytes that travel beside each record (a photo), by source id; a source that is gone
        is left out. A packet's are read at once: one query, not one per record."""

    def acknowledged(self, source_id: int, version: int) -> None:
        """The center holds this version: move the source on (inside the caller's transaction)."""

    def rejected(self, source_id: int, version: int, reason: str) -> None:
        """The center refused this version for good."""

    def apply_status(self, event: dict, arrived) -> bool:
        """Apply one status event of the center; call `arrived()` when the event proves that an
        unacknowledged version reached the center. True when a status moved; raises
        StatusNotApplied when the record's rules refuse it (kept for a person, never skipped).
        The outbox has already checked that the event is about this PC's content."""

    def renumber(self, source_id: int, record: dict, reason: str) -> tuple[str, dict]:
        """The center kept another record under this key: give the source a fresh key (in the
        caller's transaction) and return it with the record as it now travels."""


_kinds: dict[str, RecordKind] = {}
_feeds: dict[str, str] = {"kecamatan": "/statuses"}
_phases: list[tuple[str, str, Callable]] = []


def plug(kind: RecordKind) -> None:
    """Register `kind` under its name (plugging it again replaces it)."""
    _kinds[kind.name] = kind


def kind(name: str = DEFAULT_KIND) -> RecordKind:
    try:
        return _kinds[name]
    except KeyError:
        raise RuntimeError(f"record kind {name!r} is not plugged into the sync outbox") from None


def kinds() -> list[RecordKind]:
    return list(_kinds.values())


def counted(name: str) -> bool:
    """Does this kind count in what the sync page and a pass report show the clerk?"""
    return getattr(_kinds.get(name), "counted", True)


def goes_first(name: str) -> bool:
    """Do this kind's items go before the others' in a pass?"""
    return getattr(_kinds.get(name), "first", False)


def plug_feed(role: str, path: str) -> None:
    """The status feed a link of this role pulls by cursor (applied by sync/client/statuses.py)."""
    _feeds[role] = path


def status_feed(role: str) -> str:
    return _feeds.get(role, _feeds["kecamatan"])


def plug_phase(role: str, when: str, phase: Callable) -> None:
    """phase(client, link, report, progress), run for links of `role` before ("before") or after
    ("after") the push, or once right after this PC enrolled ("enrolled", app/sync_page/enrolment.py), or
    alone when the pass cannot write for a full disk ("disk_full": it must write nothing itself to matter);
    it raises link_down.LinkDown or transport.Refused like the rest of the pass."""
    if (role, when, phase) not in _phases:
        _phases.append((role, when, phase))


def phases(role: str, when: str) -> list[Callable]:
    return [phase for r, w, phase in _phases if r == role and w == when]
