from peewee import AutoField, CharField, ForeignKeyField, IntegerField, TextField
from playhouse.apsw_ext import DateTimeField

from app.auth.models import User
from app.db import BaseModel


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
    snapshot = TextField(null=True)  # JSON of every figure shown, written once at approval
    created_at = DateTimeField()
    updated_at = DateTimeField()

    class Meta:
        indexes = ((("year", "quarter"), True),)

    @property
    def status_label(self) -> str:
        return RecapStatus.LABELS.get(self.status, self.status)


class RecapAddendumItem(BaseModel):
    """A complaint entered after its quarter's recap was approved, listed in a later recap."""
    id = AutoField()
    recap = ForeignKeyField(QuarterRecap, backref="addendum_items", on_delete="CASCADE", index=False)
    complaint_id = IntegerField(index=True)

    class Meta:
        indexes = ((("recap", "complaint_id"), True),)
