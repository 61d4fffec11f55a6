"""The Buku Pengaduan: one complaint record whatever the channel, its timeline and attachments,
the daily opening of the kotak saran, the desk information answers, and kiosk throttling.

Dates are naive UTC (app.frame.dates.utc_now); `received_at` is when the office got the complaint.
"""
from datetime import datetime

from peewee import AutoField, BlobField, CharField, ForeignKeyField, IntegerField, TextField
from playhouse.apsw_ext import BooleanField, DateField, DateTimeField
from playhouse.sqlite_ext import FTS5Model, RowIDField, SearchField

from app.auth.models import User
from app.frame.db import BaseModel

CHANNELS = {
    "meja_informasi": "Meja informasi",
    "kiosk": "Kios pengaduan",
    "kotak_saran": "Kotak saran",
    "telepon": "Telepon (hotline)",
    "sms": "SMS (hotline)",
    "surat": "Surat",
}
HOTLINE_CHANNELS = ("telepon", "sms")

STATUSES = {
    "baru": "Baru",
    "diteruskan": "Diteruskan",
    "ditindaklanjuti": "Ditindaklanjuti",
    "selesai": "Selesai",
    "bukan_kewenangan": "Bukan kewenangan",
}
CLOSED_STATUSES = ("selesai", "bukan_kewenangan")

DEFAULT_SECTION = "Kasi Pelayanan"


class MomentField(DateTimeField):
    """A naive-UTC DATETIME read with datetime.fromisoformat: the list reads thousands of them,
    and peewee's strptime over several formats was most of a list page's time."""

    def python_value(self, value):
        if isinstance(value, str):
            try:
                return datetime.fromisoformat(value)
            except ValueError:
                pass
        return super().python_value(value)


class ComplaintCategory(BaseModel):
    """KTP-el, KK, akta, staff behaviour, ...; `section` is who follows complaints of this kind up."""
    id = AutoField()
    name = CharField(unique=True)
    section = CharField(default=DEFAULT_SECTION)
    is_active = BooleanField(default=True)

    class Meta:
        table_name = "complaint_category"


class SuggestionBoxSession(BaseModel):
    """The kotak saran opened at the end of a service day: who, how many slips, or empty."""
    id = AutoField()
    opened_on = DateField(unique=True)  # the office's local date
    opened_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    slip_count = IntegerField(default=0)
    is_empty = BooleanField(default=False)
    note = TextField(default="")
    created_at = DateTimeField()

    class Meta:
        table_name = "suggestion_box_session"


class DeskAnswer(BaseModel):
    """Desk information: a question people ask and the answer the officer reads out."""
    id = AutoField()
    topic = CharField(default="")  # persyaratan, biaya, jam layanan, waktu layanan, ...
    question = TextField()
    answer = TextField()
    is_active = BooleanField(default=True)
    updated_at = DateTimeField()
    updated_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "desk_answer"


class Complaint(BaseModel):
    id = AutoField()
    tracking_number = CharField(unique=True)  # e.g. PGD-7K3M9Q, for the public status page
    # A random token carried by the form: a second submit of the same form finds this row.
    submission_token = CharField(null=True, unique=True)
    received_at = MomentField(index=True)
    channel = CharField()
    category = ForeignKeyField(ComplaintCategory, on_delete="RESTRICT", index=False)  # see Meta.indexes
    complainant_name = CharField(default="")
    complainant_contact = CharField(default="")
    is_anonymous = BooleanField(default=False)
    is_confidential = BooleanField(default=False)
    registration_number = CharField(default="")
    text = TextField()
    status = CharField(default="baru")
    section = CharField(default=DEFAULT_SECTION)  # the category's section when it was routed
    other_office = CharField(default="")  # when status is bukan_kewenangan
    first_response_at = MomentField(null=True)
    followed_up_at = MomentField(null=True)  # when it reached selesai / bukan_kewenangan
    tindak_lanjut = TextField(default="")
    answered_from_desk_info = BooleanField(default=False)
    desk_answer = ForeignKeyField(DeskAnswer, null=True, on_delete="SET NULL")
    suggestion_box_session = ForeignKeyField(SuggestionBoxSession, null=True, on_delete="RESTRICT")
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    created_at = MomentField()
    updated_at = MomentField()

    class Meta:
        table_name = "complaint"
        indexes = (
            # Lists and the quarterly recap filter by one of these and sort by received_at;
            # each also serves a filter on its first column alone.
            (("status", "received_at"), False),
            (("channel", "received_at"), False),
            (("category_id", "received_at"), False),
            # Overdue counts for staff who do not see confidential ones, from the index alone.
            (("status", "is_confidential", "received_at"), False),
        )

    @property
    def channel_label(self) -> str:
        return CHANNELS.get(self.channel, self.channel)

    @property
    def status_label(self) -> str:
        return STATUSES.get(self.status, self.status)

    @property
    def is_closed(self) -> bool:
        return self.status in CLOSED_STATUSES


# The recap and the indicators aggregate complaints by receipt time; this index holds every column
# they read, so a quarter of 20 000 complaints is one index-only range scan (no table lookups).
# Created in 0005_recap.sql; declared here, with the table, so the model matches the schema.
Complaint.add_index(Complaint.received_at, Complaint.channel, Complaint.category, Complaint.status,
                    Complaint.is_confidential, Complaint.first_response_at, Complaint.followed_up_at,
                    name="complaint_recap_cover")


class ComplaintEvent(BaseModel):
    """The timeline: every change of a complaint with who and when."""
    id = AutoField()
    complaint = ForeignKeyField(Complaint, backref="events", on_delete="CASCADE")
    at = MomentField()
    user = ForeignKeyField(User, null=True, on_delete="SET NULL")
    from_status = CharField(null=True)
    to_status = CharField()
    note = TextField(default="")

    class Meta:
        table_name = "complaint_event"


class ComplaintAttachment(BaseModel):
    """A photo of a handwritten slip or letter, re-encoded as JPEG (kept in the database, so backups carry it)."""
    id = AutoField()
    complaint = ForeignKeyField(Complaint, backref="attachments", on_delete="CASCADE")
    content = BlobField()
    mime_type = CharField(default="image/jpeg")
    byte_size = IntegerField()
    width = IntegerField()
    height = IntegerField()
    uploaded_at = DateTimeField()
    uploaded_by = ForeignKeyField(User, null=True, on_delete="SET NULL")

    class Meta:
        table_name = "complaint_attachment"


class ComplaintSearch(BaseModel, FTS5Model):
    """Full-text index of the complaint text (external content: the text lives once, in `complaint`).

    Kept in step by triggers in the migration. unicode61 tokens with prefix queries: 'antri' finds
    'antrian'; Javanese script and emoji are letters/symbols it keeps as they are.
    """
    rowid = RowIDField()
    text = SearchField()
    tindak_lanjut = SearchField()

    class Meta:
        table_name = "complaint_search"
        options = {"content": "complaint", "content_rowid": "id",
                   "tokenize": "unicode61 remove_diacritics 2"}
