from peewee import AutoField, CharField, ForeignKeyField, IntegerField, TextField
from playhouse.apsw_ext import DateTimeField

from app.auth.models import User
from app.complaints.models import Complaint
from app.frame.db import BaseModel


class RecapStatus:
    """A recap's life: drafted by the information officer, reviewed by the Camat."""
    DRAFT = "draf"
    SUBMITTED = "diajukan"
    SENT_BACK = "dikembalikan"
    APPROVED = "disetujui"
    LABELS = {DRAFT: "Draf", SUBMITTED: "Menunggu persetujuan Camat", SENT_BACK: "Dikembalikan untuk diperbaiki",
              APPROVED: "Disetujui"}


class QuarterRecap(BaseModel):
    """The recap of one quarter (triwulan); its figures are frozen in `snapshot` on approval."""
    id = AutoField()
    year = IntegerField()
    quarter = IntegerField()
    starts_at = DateTimeField()  # UTC bounds of the quarter when drafted (office time zone)
    ends_at = DateTimeField()
    status = CharField(default=RecapStatus.DRAFT)
    promises = TextField(default="")   # janji perbaikan
    narrative = TextField(default="")
    camat_remark = TextField(default="")
    drafted_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    submitted_at = DateTimeField(null=True)
    reviewed_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    reviewed_at = DateTimeField(null=True)
    approved_at = DateTimeField(null=True, index=True)
    signer_name = CharField(default="")
    signer_nip = CharField(default="")
    snapshot = TextField(null=True)  # JSON of every figure shown, written once at approval (list: RecapFrozenComplaint)
    created_at = DateTimeField()
    updated_at = DateTimeField()

    class Meta:
        indexes = ((("year", "quarter"), True),)

    @property
    def status_label(self) -> str:
        return RecapStatus.LABELS.get(self.status, self.status)


class RecapFrozenComplaint(BaseModel):
    """One row of an approved recap's complaint list, as it stood at approval (JSON of what is shown).

    Kept apart from the summary snapshot so a page of the list is a LIMIT query, not a parse of
    thousands of rows.
    """
    id = AutoField()
    recap = ForeignKeyField(QuarterRecap, on_delete="CASCADE", index=False)
    position = IntegerField()
    item = TextField()

    class Meta:
        indexes = ((("recap", "position"), True),)


class RecapLateEntry(BaseModel):
    """A complaint entered (or moved) into a quarter whose recap was already approved.

    Rows are written by triggers on `complaint` (0005_recap.sql), so no code path can forget one;
    `listed_in` is set when the recap that lists it as an addendum is approved.
    """
    id = AutoField()
    complaint = ForeignKeyField(Complaint, unique=True, on_delete="CASCADE")
    late_for = ForeignKeyField(QuarterRecap, on_delete="CASCADE")
    listed_in = ForeignKeyField(QuarterRecap, null=True, on_delete="SET NULL")
