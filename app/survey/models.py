from peewee import SQL, AutoField, CharField, Check, ForeignKeyField, IntegerField, TextField
from playhouse.apsw_ext import DateTimeField

from app.auth.models import User
from app.frame.db import BaseModel


class SurveyCode(BaseModel):
    """A one-time code printed on the slip of a service received; the kiosk accepts it once."""
    id = AutoField()
    code = CharField(unique=True)
    service = CharField()    # pendaftaran | penyerahan | pengaduan (app.survey.codes.SERVICES)
    reference = CharField()  # the registration or complaint tracking number it was printed for
    issued_at = DateTimeField()
    used_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("service", "reference"), True),)


class ResponseStatus:
    VALID = "sah"          # counted in the official IKM
    PENDING = "menunggu"   # walk-in answer without a code: counted apart until reviewed
    VOID = "batal"         # voided by the information officer, with a reason


class SurveyResponse(BaseModel):
    """One visitor's filled survey (anonymous: no name, no NIK)."""
    id = AutoField()
    submission_key = CharField(unique=True)  # from the form: a resubmit of the same form stores nothing new
    submitted_at = DateTimeField(index=True)
    address = CharField(index=True)  # network address of the kiosk, only to throttle floods
    sex = CharField(default="")
    age_band = CharField(default="")
    education = CharField(default="")
    occupation = CharField(default="")
    comment = TextField(default="")
    code = ForeignKeyField(SurveyCode, null=True, unique=True, on_delete="SET NULL")
    # SQL defaults as in the migration, which added these columns to a table that had rows
    status = CharField(default=ResponseStatus.VALID, constraints=[SQL("DEFAULT 'sah'")])
    void_reason = TextField(default="", constraints=[SQL("DEFAULT ''")])
    reviewed_by = ForeignKeyField(User, null=True, on_delete="SET NULL", index=False)
    reviewed_at = DateTimeField(null=True)

    class Meta:
        indexes = ((("status", "submitted_at"), False),)  # official IKM: valid answers of a period


class SurveyAnswer(BaseModel):
    """The score (1-4) given to one element, stored by the element's key."""
    id = AutoField()
    response = ForeignKeyField(SurveyResponse, backref="answers", on_delete="CASCADE", index=False)
    element = CharField()
    score = IntegerField(constraints=[Check("score BETWEEN 1 AND 4")])

    class Meta:
        indexes = ((("response", "element"), True),)
