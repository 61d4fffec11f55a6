"""The center's tables (schema/center/): kecamatan, their keys, what they sent, what happened."""
from peewee import SQL, AutoField, CharField, ForeignKeyField, IntegerField, TextField
# apsw binds no datetime objects; this field stores "YYYY-MM-DD HH:MM:SS", which PostgreSQL's
# TIMESTAMP also accepts, so one model serves both dialects.
from playhouse.apsw_ext import DateTimeField

from app.frame.accounts import Account
from app.frame.signin import SessionRecord
from app.frame.throttle import ThrottleRecord
from sync.center.db import CenterModel, center_database
from sync.center.sealed import SealedBlob, SealedChar, SealedSearchableChar, SealedSecretField, SealedText


class Operator(Account):
    """A center account (operator or admin): the frame's Account, in the center database."""

    class Meta:
        database = center_database
        legacy_table_names = False


class OperatorSession(SessionRecord):
    """Server-side sessions of the center's accounts (app.frame.signin)."""

    class Meta:
        database = center_database
        table_name = "staff_session"
        legacy_table_names = False


class CenterThrottleHit(ThrottleRecord):
    """The frame's throttle, in the center database: `throttle.seconds_to_wait(...)` as the
    kecamatan's login uses it (docs/privacy.md)."""

    class Meta:
        database = center_database
        table_name = "throttle_hit"
        legacy_table_names = False


class Kecamatan(CenterModel):
    id = AutoField()
    code = CharField(unique=True)  # Kemendagri "35.08.07"
    digits = CharField(unique=True)  # "350807", the prefix of its registration numbers
    name = CharField()
    enrolment_code_hash = TextField(null=True)
    enrolment_expires_at = DateTimeField(null=True)
    created_at = DateTimeField()
    last_seen_at = DateTimeField(null=True)
    last_sync_at = DateTimeField(null=True)
    # The counter PCs' last public-status delivery (pass or USB file): "Terakhir diperbarui" on /cek.
    public_synced_at = DateTimeField(null=True)
    # Per-kecamatan status event counter; bumping it locks the row, so events commit in order.
    event_seq = IntegerField(default=0)
    device_seq = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])  # device codes issued (P1, P2, ...)
    enrolment_used_at = DateTimeField(null=True)  # the code's retry window starts here
    enrolment_key_id = CharField(null=True)
    enrolment_installation = CharField(null=True)  # hash of the installation token that used it
    relay_seq = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])  # relay_item and relay_status rows
    # Codes replaced before they were used (keys.new_enrolment_code): their hashes, a JSON list, newest last.
    replaced_code_hashes = TextField(default="[]", constraints=[SQL("DEFAULT '[]'")])


class DeviceKey(CenterModel):
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, backref="keys", on_delete="CASCADE")
    key_id = CharField(unique=True)
    secret = SealedSecretField()  # encrypted with the server key (sync/center/sealed.py)
    device_id = CharField(default="")
    created_at = DateTimeField()
    revoked_at = DateTimeField(null=True)
    last_used_at = DateTimeField(null=True)
    # Issued at enrolment; the device part of the numbers this installation makes.
    device_code = CharField(default="", constraints=[SQL("DEFAULT ''")])
    # A desa PC's key (sync/center/relay.py): its desa and the kecamatan's key generation for that
    # desa when it enrolled; "" for a kecamatan's key.
    desa_code = CharField(default="", constraints=[SQL("DEFAULT ''")])
    desa_generation = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    # A counter PC's key taken over by another PC (keys.replace_device): the new key's id; the old
    # one is then refused with a message saying so. `machine`: hash of the PC that took it over.
    replaced_by = CharField(default="", constraints=[SQL("DEFAULT ''")])
    machine = CharField(default="", constraints=[SQL("DEFAULT ''")])
    # Of a key taken over: the last sequence of its code the backup restored on the new PC held (the
    # new PC's word); the numbers above it made by this key's PC are that PC's to send (issue 42).
    restored_up_to = IntegerField(null=True)
    # How many numbers its PC made before enrolling, under `device_id` (keys.pre_enrolment_series_taken).
    numbered_before = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    # Read by nothing since a relayed form is kept until its outcome is held (sync/center/retention.py):
    # a cursor does not confirm a form once a kecamatan can be restored from an older backup.
    relay_confirmed_seq = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    # A counter PC enrolled again after its key was revoked, which proved it held that key
    # (keys.follow_revoked_key): the revoked key's id, whose device code's statuses it hears too.
    previous_key = CharField(null=True, unique=True)
    # What the PC reported in its last signed request (protocol.VERSION_HEADER; 0 / "": nothing yet).
    protocol_version = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    app_version = CharField(max_length=32, default="", constraints=[SQL("DEFAULT ''")])
    # Release rings (issue 60, sync/center/updates.py): a pilot since when (None: everyone's ring), the
    # newest timestamp version this PC was handed and its snapshot (never an older one after), and its
    # report after an update (JSON, "" before any) with when it came.
    pilot_since = DateTimeField(null=True)
    served_timestamp = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    served_snapshot = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    update_health = TextField(default="", constraints=[SQL("DEFAULT ''")])
    update_health_at = DateTimeField(null=True)
    # When it signed again after a silence (keys.SILENCE: off, or no link): its running version's first pass
    # reports from then on (updates.version_that_runs).
    back_at = DateTimeField(null=True)


class UsedNonce(CenterModel):
    id = AutoField()
    key_id = CharField()
    nonce = CharField()
    seen_at = DateTimeField(index=True)

    class Meta:
        indexes = ((("key_id", "nonce"), True),)


class PrintRun(CenterModel):
    id = AutoField()
    created_at = DateTimeField()
    created_by = CharField()
    printed_at = DateTimeField(null=True)
    note = TextField(default="")


class Shipment(CenterModel):
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, backref="shipments")
    created_at = DateTimeField()
    created_by = CharField()
    note = TextField(default="")


class ReceivedApplication(CenterModel):
    """One version of one application, exactly as the kecamatan sent it (record + photo)."""
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, backref="applications")
    registration_number = CharField()
    version = IntegerField()
    content_hash = CharField()
    # Sealed with the server key on PostgreSQL (sync/center/sealed.py, issue 30).
    record_json = SealedText()
    nik = SealedSearchableChar(index=True)
    full_name = SealedChar()
    photo = SealedBlob()
    photo_sha256 = CharField()
    photo_width = IntegerField()
    photo_height = IntegerField()
    status = CharField(index=True)  # received | printed | shipped | rejected | resend
    reason = TextField(default="")
    received_at = DateTimeField(index=True)
    received_via = CharField(default="api")  # api | usb
    print_run = ForeignKeyField(PrintRun, null=True, backref="applications")
    shipment = ForeignKeyField(Shipment, null=True, backref="applications")
    printed_at = DateTimeField(null=True)
    shipped_at = DateTimeField(null=True)
    # The device code of the key that sent it: its statuses go to that PC only ("" before issue 24: all).
    sender_device = CharField(default="", constraints=[SQL("DEFAULT ''")])

    class Meta:
        indexes = ((("registration_number", "version"), True),)


class Conflict(CenterModel):
    """Same number and version, different content: a person decides (never overwritten)."""
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, backref="conflicts")
    registration_number = CharField()
    version = IntegerField()
    existing_hash = CharField()
    offered_hash = CharField()
    offered_record = SealedText()
    at = DateTimeField()
    resolved_at = DateTimeField(null=True)
    note = TextField(default="")
    offered_photo = SealedBlob(null=True)
    decision = CharField(default="", constraints=[SQL("DEFAULT ''")])  # keep | accept | reject | given_twice (records.py)
    # Who offered this version and who sent the held one (device code, key): its decision goes to the offerer.
    offered_device = CharField(default="", constraints=[SQL("DEFAULT ''")])
    offered_key = CharField(default="", constraints=[SQL("DEFAULT ''")])
    existing_device = CharField(default="", constraints=[SQL("DEFAULT ''")])


class StatusEvent(CenterModel):
    """What happened to an application, in order per kecamatan; pulled by cursor (seq)."""
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, backref="events")
    seq = IntegerField()
    application = ForeignKeyField(ReceivedApplication, backref="events")
    registration_number = CharField()
    version = IntegerField()
    status = CharField()
    reason = TextField(default="")
    at = DateTimeField()
    content_hash = CharField(default="", constraints=[SQL("DEFAULT ''")])  # the content this event is about
    # The one device that hears it ('': the devices that sent the application): a conflict's decision (issue 61).
    recipient_device = CharField(default="", constraints=[SQL("DEFAULT ''")])

    class Meta:
        indexes = ((("kecamatan", "seq"), True),)


class RelayItem(CenterModel):
    """A desa's pre-registration waiting for (or pulled by) its kecamatan; the center never prints it."""
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, backref="relay_items", on_delete="CASCADE", index=False)
    seq = IntegerField()
    desa_code = CharField()
    device_code = CharField()
    key_id = CharField()
    number = CharField()
    version = IntegerField()
    content_hash = CharField()
    record_json = SealedText()
    photo = SealedBlob(null=True)
    photo_sha256 = CharField()
    received_at = DateTimeField()

    class Meta:
        indexes = ((("number", "version"), True), (("kecamatan", "seq"), True))


class RelayStatus(CenterModel):
    """The kecamatan's n-th status of a relayed pre-registration, waiting for the desa's cursor."""
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, backref="relay_statuses", on_delete="CASCADE", index=False)
    seq = IntegerField()
    desa_code = CharField()
    device_code = CharField()
    number = CharField()
    step = IntegerField()
    content_hash = CharField()
    pra_version = IntegerField()
    pra_hash = CharField()
    status = CharField()
    label = CharField()
    reason = TextField()
    application_number = CharField()
    at = DateTimeField()
    # The number the step replaced: a "nomor_diganti" step, or an older PC's step taken as one (issue 80).
    renumbered_from = CharField(default="", constraints=[SQL("DEFAULT ''")])

    class Meta:
        indexes = ((("number", "step"), True), (("kecamatan", "seq"), True), (("kecamatan", "desa_code", "seq"), False))


# Kesehatan Komputer's "nomor_lama" (fleet.old_queue_numbers, issue 94) reads a kecamatan's renumbers, few among
# its relay statuses (kept): a partial index, made in 0029_i94_relay_status_renumbered.sql, declared here too so
# the model matches the schema.
RelayStatus.add_index(RelayStatus.index(RelayStatus.kecamatan, where=(RelayStatus.renumbered_from != ""),
                                        name="relay_status_renumbered"))


class RelayTicket(CenterModel):
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, on_delete="CASCADE", backref="+", index=False)
    ticket_id = CharField(unique=True)
    key_id = CharField()
    installation = CharField()
    used_at = DateTimeField()


class RelayDesa(CenterModel):
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, on_delete="CASCADE", backref="+", index=False)
    desa_code = CharField()
    generation = IntegerField()

    class Meta:
        indexes = ((("kecamatan", "desa_code"), True),)


class PerformanceReport(CenterModel):
    """One version of a kecamatan's approved quarterly recap (issue 29): counts, IKM, indicators and
    the public notice, as JSON; sync/center/performance.py stores and reads it."""
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, on_delete="CASCADE", backref="+", index=False)
    year = IntegerField()
    quarter = IntegerField()
    version = IntegerField()
    content_hash = CharField()
    record_json = TextField()
    figures_json = TextField()  # the table's figures only (performance.figures_of): a page parses these
    approved_at = DateTimeField()
    key_id = CharField()
    via = CharField()
    received_at = DateTimeField()

    class Meta:
        indexes = ((("kecamatan", "year", "quarter", "version"), True), (("year", "quarter"), False))


class CenterAudit(CenterModel):
    id = AutoField()
    at = DateTimeField(index=True)
    username = CharField()
    action = CharField()
    entity = CharField()
    entity_id = CharField(default="")
    summary = TextField(default="")


class PublicStatus(CenterModel):
    """The newest public record of one application or complaint (issue 28, sync/public_status.py)."""
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, on_delete="CASCADE", backref="+", index=False)
    kind = CharField()  # "ktp" | "pgd"
    number = CharField(index=True)
    version = IntegerField()
    content_hash = CharField()
    code_key = CharField()  # HMAC of the check code's digest under this center's key: the code never rests here
    record_json = TextField()
    final_at = DateTimeField(null=True, index=True)  # handed over / closed: the retention clock
    received_at = DateTimeField()

    class Meta:
        indexes = ((("kecamatan", "number"), True),)


class PublicStatusPrevious(CenterModel):
    """A number the kecamatan gave again (issue 72): the old receipt's number and code find "changed", never the record."""
    id = AutoField()
    status = ForeignKeyField(PublicStatus, on_delete="CASCADE", backref="previous")
    number = CharField(index=True)
    code_key = CharField()  # HMAC of the code's digest under the old number, as PublicStatus.code_key


class PublicStatusWaiting(CenterModel):
    """A fresh receipt whose number another PC of the kecamatan holds at the center (issue 83): /cek tells it the
    number is being checked at the regency, not "tidak cocok"; gone once its record is stored. Also the receipt of
    the record the center held under a number the operator gave to another PC's application (`renumbered_at`)."""
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, on_delete="CASCADE", index=False)
    number = CharField()
    code_key = CharField()  # HMAC of the code's digest under the number, as PublicStatus.code_key
    at = DateTimeField()
    # Set when the operator gave the number to another PC's application (accept): this receipt is an old one, its
    # PC gives its applicant a new number (issue 94, finding 6); /cek says the number was changed.
    renumbered_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("number", "code_key", "kecamatan"), True),)


class SmsConsent(CenterModel):
    """A citizen's consent to one SMS per event (issue 28): the phone sealed (sync/center/sealed.py)."""
    id = AutoField()
    kecamatan = ForeignKeyField(Kecamatan, on_delete="CASCADE", backref="+", index=False)
    number = CharField()
    phone_sealed = TextField()
    given_at = DateTimeField()

    class Meta:
        indexes = ((("kecamatan", "number"), True),)


class SmsMessage(CenterModel):
    """One message written to the gateway's outbox; `key` (kecamatan|number|event) makes it once."""
    id = AutoField()
    key = CharField(unique=True)
    kecamatan = ForeignKeyField(Kecamatan, on_delete="CASCADE", backref="+", index=False)
    number = CharField()
    event = CharField()  # "siap" | "selesai"
    gateway_id = IntegerField(null=True)  # the gateway outbox row's ID
    written_at = DateTimeField()

    class Meta:
        indexes = ((("kecamatan", "number"), False),)


class UsbBatchFile(CenterModel):
    """A batch file the USB import read, by its bytes' hash (sync/center/usb_files.py; issue 61)."""
    id = AutoField()
    sha256 = CharField(unique=True)
    kecamatan = ForeignKeyField(Kecamatan, on_delete="CASCADE", backref="+", index=False)
    filename = CharField()
    imported_at = DateTimeField()


class FleetReport(CenterModel):
    """A PC's report of its health (issue 81, sync/center/fleet.py): its last KEPT_PER_PC, as sent (JSON)."""
    id = AutoField()
    device_key = ForeignKeyField(DeviceKey, on_delete="CASCADE", index=False)
    received_at = DateTimeField()
    clock_offset = IntegerField(null=True)  # seconds the PC's clock is ahead (negative: behind); None: by USB file
    report = TextField()

    class Meta:
        indexes = ((("device_key", "id"), False),)


class FleetLatest(CenterModel):
    """A PC's latest report (its page row) and its clock as last read, from a report or a refused request."""
    id = AutoField()
    device_key = ForeignKeyField(DeviceKey, on_delete="CASCADE", unique=True)
    received_at = DateTimeField(null=True)
    report = TextField(default="", constraints=[SQL("DEFAULT ''")])
    clock_offset = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    clock_at = DateTimeField(null=True)
    trail_gaps_recent = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])  # in the last TRAIL_GAPS_SHOWN
    trail_gaps_at = DateTimeField(null=True)  # the last report that carried any
    usb_at = DateTimeField(null=True)  # the last batch file this PC signed, read here (issue 89)


class ReleaseRetry(CenterModel):
    """A release marked "coba lagi" (issue 81, sync/center/updates.py): each mark offers it again, once, to the
    PCs that refused or took it back."""
    id = AutoField()
    version = CharField(unique=True)
    marks = IntegerField()
    marked_at = DateTimeField()


MODELS = [Operator, OperatorSession, CenterThrottleHit, Kecamatan, DeviceKey, UsedNonce, PrintRun, Shipment,
          ReceivedApplication, Conflict, StatusEvent, CenterAudit, RelayItem, RelayStatus, RelayTicket, RelayDesa,
          PerformanceReport, PublicStatus, PublicStatusPrevious, PublicStatusWaiting, SmsConsent, SmsMessage, UsbBatchFile,
          FleetReport, FleetLatest, ReleaseRetry]
