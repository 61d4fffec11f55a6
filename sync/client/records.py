"""What the outbox carries, plugged in by the capability that owns the records.

The sync machinery (outbox, acknowledgements, status cursor) knows nothing of what a record
is: a capability describes its kind once (app/registration/sync_records.py for KTP-el
applications) and calls `plug(kind)` when it is imported. One kind is plugged at a time: the
outbox table points at its source table (`source_model`).
"""
from typing import Protocol


class StatusNotApplied(Exception):
    """A status from the center that the record's own rules refuse (logged, cursor moves on)."""


class RecordKind(Protocol):
    source_model: type  # the table the outbox rows point at

    def payload(self, source_id: int) -> bytes | None:
        """The bytes that travel beside the record (a photo), or None when the source is gone."""

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


_plugged: list[RecordKind] = []


def plug(kind: RecordKind) -> None:
    """Make `kind` the records the outbox carries and point the outbox at its table."""
    from peewee import DeferredForeignKey, ForeignKeyField

    from sync.client.models import OutboxItem
    field = OutboxItem._meta.fields["source"]
    if isinstance(field, DeferredForeignKey):
        # A real foreign key (not peewee's deferred one, which create_table would leave out).
        OutboxItem._meta.add_field("source", ForeignKeyField(kind.source_model, **field.field_kwargs))
        DeferredForeignKey._unresolved.discard(field)
    _plugged[:] = [kind]


def kind() -> RecordKind:
    if not _plugged:
        raise RuntimeError("no record kind is plugged into the sync outbox")
    return _plugged[0]
