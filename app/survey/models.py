from peewee import AutoField, CharField, Check, ForeignKeyField, IntegerField, TextField
from playhouse.apsw_ext import DateTimeField

from app.frame.db import BaseModel


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


class SurveyAnswer(BaseModel):
    """The score (1-4) given to one element, stored by the element's key."""
    id = AutoField()
    response = ForeignKeyField(SurveyResponse, backref="answers", on_delete="CASCADE", index=False)
    element = CharField()
    score = IntegerField(constraints=[Check("score BETWEEN 1 AND 4")])

    class Meta:
        indexes = ((("response", "element"), True),)
