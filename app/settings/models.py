from peewee import BlobField, CharField, TextField
from playhouse.apsw_ext import DateTimeField

from app.db import BaseModel


class Setting(BaseModel):
    """Office settings the admin edits (JSON values)."""
    key = CharField(primary_key=True)
    value = TextField()
    updated_at = DateTimeField()


class StoredFile(BaseModel):
    """Small files that belong with the data (the letterhead logo), so a backup carries them."""
    key = CharField(primary_key=True)
    content = BlobField()
    mime_type = CharField()
    updated_at = DateTimeField()
