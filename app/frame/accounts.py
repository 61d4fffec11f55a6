"""The account every program of the frame signs people in with.

The kecamatan's User and the center's Operator are this model in their own database (each
adds what only it needs); app.frame.signin loads them, app.frame.passwords hashes for them.
"""
from peewee import AutoField, BooleanField, CharField, Model, TextField
# apsw binds no datetime objects; this field stores "YYYY-MM-DD HH:MM:SS", which PostgreSQL's
# TIMESTAMP also accepts, so one field serves both dialects.
from playhouse.apsw_ext import DateTimeField


class Account(Model):
    id = AutoField()
    username = CharField(unique=True)
    full_name = CharField()
    role = CharField()
    password_hash = TextField()
    must_change_password = BooleanField(default=True)
    is_active = BooleanField(default=True)
    created_at = DateTimeField()
    password_changed_at = DateTimeField(null=True)
