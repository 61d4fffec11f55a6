"""The kecamatan end of the link: the outbox, the link's state, and a log the clerk can read."""
from peewee import SQL, AutoField, BlobField, CharField, CompositeKey, IntegerField, TextField
from playhouse.apsw_ext import DateTimeField

from app.frame.db import BaseModel


class OutboxItem(BaseModel):
    """One version of one record waiting for (or done with) the center.

    Written in the same transaction that made the record ready (a KTP-el application turning
    complete); the record is a snapshot, so what travels is exactly what was ready, and its
    hash never drifts. `kind` names the record kind (sync/client/records.py) whose table holds
    the row `source_id`.
    """
    id = AutoField()
    kind = CharField(default="permohonan")
    source_id = IntegerField()
    registration_number = CharField()
    version = IntegerField()
    content_hash = CharField()
    record_json = TextField()
    photo_sha256 = CharField()
    size = IntegerField()
    state = CharField()  # pending | acked | conflict | rejected | renumbered | elsewhere (a PC tambahan leaves it
    # to the PC that numbered it, app/sync_page/identity.py) | superseded (the center stored another outcome:
    # a relayed form accepted at another counter PC first) | duplicate (held back: that form's application
    # here, until the clerk marks it) | closed (marked); indexed with attempts (0017)
    attempts = IntegerField(default=0)
    next_attempt_at = DateTimeField(null=True)
    last_error = TextField(default="")
    created_at = DateTimeField()
    acked_at = DateTimeField(null=True)

    class Meta:
        table_name = "sync_outbox"
        indexes = ((("registration_number", "version"), True), (("kind", "source_id"), False),
                   (("state", "attempts"), False))


class SyncLink(BaseModel):
    """This PC's enrolment with the center (one row) and where the status cursor stands."""
    id = AutoField()
    center_url = CharField()
    kecamatan_code = CharField()
    key_id = CharField()
    secret = TextField()
    enrolled_at = DateTimeField()
    status_cursor = IntegerField(default=0)
    last_attempt_at = DateTimeField(null=True)
    last_success_at = DateTimeField(null=True)
    last_probe_at = DateTimeField(null=True)
    last_probe_ok = IntegerField(default=0)
    last_full_sync_on = CharField(default="")  # the local date of the last nightly full sync
    last_error = TextField(default="")
    # kecamatan | desa (a desa PC's link to the center's relay, app/desa/relay.py)
    role = CharField(default="kecamatan", constraints=[SQL("DEFAULT 'kecamatan'")])
    relay_cursor = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])  # the kecamatan's cursor in the relay inbox
    # "Sinkronkan sekarang" pressed during a pass: one more pass is owed (sync/client/engine.py, request_pass)
    pass_requested_at = DateTimeField(null=True)
    # Written by no pass since issue 63 (packets have one size, engine.PACKET_BYTES); the column stays,
    # since dropping it would be a schema level of its own for both programs
    packet_bytes = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])

    class Meta:
        table_name = "sync_link"


class RetiredKey(BaseModel):
    """The key of the link the admin unlinked ("Putus"), kept (in the encrypted database, as the link's
    secret was) until the next enrolment proves with it that this PC held it: the center then serves
    the new key the statuses of what was sent under the old one (sync/client/enrolment.previous_key_proof)."""
    id = AutoField()
    key_id = CharField()
    secret = TextField()
    retired_at = DateTimeField()

    class Meta:
        table_name = "sync_retired_key"


class SyncLog(BaseModel):
    id = AutoField()
    at = DateTimeField(index=True)
    kind = CharField()  # kirim | status | probe | usb | daftar | galat
    summary = TextField()

    class Meta:
        table_name = "sync_log"


class StatusIssue(BaseModel):
    """A center event this PC could not apply: shown on the applicant's page and the sync page."""
    id = AutoField()
    seq = IntegerField()
    registration_number = CharField(index=True)
    version = IntegerField()
    status = CharField()
    content_hash = CharField()
    reason = TextField()
    problem = TextField()
    at = DateTimeField()
    resolved_at = DateTimeField(null=True, index=True)

    class Meta:
        table_name = "sync_status_issue"


class PhotoTransit(BaseModel):
    """A photo's stream in a transit codec, made ahead of the sync (sync/client/photo_transit.py)."""
    photo_sha256 = CharField(max_length=64)
    codec = CharField(max_length=16)
    stream = BlobField(null=True)  # None: the codec refused this photo, it travels as it is
    made_at = DateTimeField()

    class Meta:
        table_name = "sync_photo_transit"
        primary_key = CompositeKey("photo_sha256", "codec")
