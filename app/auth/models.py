from peewee import CharField
from playhouse.apsw_ext import DateTimeField

from app.frame.accounts import Account
from app.frame.db import database
from app.frame.signin import SessionRecord


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


class StaffSession(SessionRecord):
    """Server-side sessions of the office's accounts (app.frame.signin)."""

    class Meta:
        database = database
        table_name = "staff_session"
        legacy_table_names = False
