from peewee import AutoField, CharField, IntegerField, TextField
from playhouse.apsw_ext import DateTimeField

from app.frame.db import BaseModel


class AuditEvent(BaseModel):
    """Append-only (database triggers refuse UPDATE and DELETE)."""
    id = AutoField()
    at = DateTimeField(index=True)
    user_id = IntegerField(null=True)
    username = CharField()
    address = CharField(default="")
    action = CharField(index=True)
    entity = CharField(index=True)
    entity_id = CharField(default="")
    summary = TextField(default="")
    before = TextField(null=True)
    after = TextField(null=True)
