from peewee import AutoField, CharField, TextField
from playhouse.apsw_ext import BooleanField, DateTimeField

from app.frame.accounts import Account
from app.frame.db import BaseModel, database


class User(Account):
    """An office account (app.frame.accounts.Account) with its NIP and last login."""
    nip = CharField(default="")
    last_login_at = DateTimeField(null=True)

    class Meta:
        database = database
        legacy_table_names = False

    @property
    def role_label(self) -> str:
        from app.frame.roles import ROLE_LABELS
        return ROLE_LABELS.get(self.role, self.role)


class LoginAttempt(BaseModel):
    """Failed and successful logins, kept for throttling (per account and per address)."""
    id = AutoField()
    username = CharField(index=True)
    address = CharField(index=True)
    at = DateTimeField(index=True)
    succeeded = BooleanField()
