from peewee import SQL, AutoField, CharField, IntegerField
from playhouse.apsw_ext import DateTimeField

from app.frame.db import BaseModel


class PublicStatus(BaseModel):
    """An application's or complaint's check code and the step counter of its public record."""
    id = AutoField()
    kind = CharField()  # "ktp" | "pgd" (sync/public_status.STEPS)
    source_id = IntegerField()
    number = CharField(unique=True)
    check_code = CharField()  # printed on the slip; only its digest leaves this PC
    step = IntegerField(default=0)  # the version of the last record queued for the center
    content_hash = CharField(default="")  # of that record: an unchanged public state is not sent again
    created_at = DateTimeField()
    # One SMS per event, consent only: the number the citizen gave for it, sent with the record.
    sms_phone = CharField(default="", constraints=[SQL("DEFAULT ''")])
    sms_consent_at = DateTimeField(null=True)

    class Meta:
        table_name = "public_status"
        indexes = ((("kind", "source_id"), True),)
