from peewee import CharField
from playhouse.apsw_ext import DateField, DateTimeField

from app.frame.db import BaseModel


class OfficeDay(BaseModel):
    """The admin's corrections to the national calendar: an extra closed day, or a reopened one."""
    day = DateField(primary_key=True)
    kind = CharField()  # 'tutup' (office closed) or 'buka' (open although nationally a holiday)
    name = CharField()
    created_by = CharField()
    created_at = DateTimeField()
