from peewee import AutoField, CharField, FloatField, IntegerField
from playhouse.apsw_ext import DateTimeField

from app.frame.db import BaseModel


class IndicatorTarget(BaseModel):
    """The yearly target of one service indicator, set by the admin."""
    id = AutoField()
    year = IntegerField()
    indicator = CharField()
    target = FloatField()
    updated_at = DateTimeField()

    class Meta:
        indexes = ((("year", "indicator"), True),)
