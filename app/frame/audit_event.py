from peewee import AutoField, CharField, IntegerField, TextField
from playhouse.apsw_ext import DateTimeField

from app.frame.db import BaseModel


class AuditEvent(BaseModel):
    """Append-only (database triggers refuse UPDATE and DELETE)."""
    id = AutoField()
    at = DateTimeField(index=True)
    user_id = IntegerField(null=True)
    username = CharField(index=True)  # the trail's Pengguna filter (0018_s25_audit_by_user.sql)
    address = CharField(default="")
    action = CharField(index=True)
    entity = CharField(index=True)
    entity_id = CharField(default="")
    summary = TextField(default="")
    before = TextField(null=True)
    after = TextField(null=True)
