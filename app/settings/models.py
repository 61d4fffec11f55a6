from peewee import BlobField, CharField
from playhouse.apsw_ext import DateTimeField

from app.frame.db import BaseModel


class StoredFile(BaseModel):
    """Small files that belong with the data (the letterhead logo), so a backup carries them."""
    key = CharField(primary_key=True)
    content = BlobField()
    mime_type = CharField()
    updated_at = DateTimeField()
