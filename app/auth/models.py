from peewee import AutoField, CharField, IntegerField, TextField
from playhouse.apsw_ext import BooleanField, DateTimeField

from app.db import BaseModel


class User(BaseModel):
    id = AutoField()
    username = CharField(unique=True)
    full_name = CharField()
    nip = CharField(default="")
    role = CharField()
    password_hash = TextField()
    must_change_password = BooleanField(default=True)
    is_active = BooleanField(default=True)
    created_at = DateTimeField()
    password_changed_at = DateTimeField(null=True)
    last_login_at = DateTimeField(null=True)

    @property
    def role_label(self) -> str:
        from app.roles import ROLE_LABELS
        return ROLE_LABELS.get(self.role, self.role)


class StaffSession(BaseModel):
    """A signed-in browser. The cookie holds a random token; only its hash is stored here."""
    id = AutoField()
    token_hash = CharField(unique=True)
    user_id = IntegerField(index=True)
    address = CharField(default="")
    created_at = DateTimeField()
    last_seen_at = DateTimeField()
    ended_at = DateTimeField(null=True)
