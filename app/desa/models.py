"""Desa operator scopes and pre-registrations (pra-pendaftaran) entered by the village office."""
from peewee import (SQL, AutoField, BlobField, CharField, CompositeKey, DeferredForeignKey, ForeignKeyField,
                    IntegerField, TextField)
from playhouse.apsw_ext import DateField, DateTimeField

from app.auth.models import User
from app.frame.applicant_fields import ApplicantFields
from app.frame.db import BaseModel


class UserDesa(BaseModel):
    """One desa a desa operator account may work for (an account may have several)."""
    user = ForeignKeyField(User, backref="desa_scope", on_delete="CASCADE", index=False)  # the key leads with it
    desa_code = CharField()

    class Meta:
        primary_key = CompositeKey("user", "desa_code")


class ApplicationKey(DeferredForeignKey):
    """Untied (a desa PC), a plain integer as schema/desa has it: the kecamatan's application, always NULL there."""
    field_type = "INTEGER"


class PreRegistration(BaseModel, ApplicantFields):
    """The F-1.07 as the desa typed it (the person's fields: app.frame.applicant_fields); the counter
    turns it into an Application in one step."""
    WAITING = "menunggu"
    ACCEPTED = "diterima"

    id = AutoField()
    number = CharField(unique=True)
    photo_jpeg = BlobField(null=True)
    photo_background = CharField(default="")
    status = CharField(default=WAITING)
    source = CharField(default="desa")  # 'desa' typed here | 'qr' scanned from a printed F-1.07 | 'relay'
    entered_by_name = CharField()
    entered_at = DateTimeField()
    expires_on = DateField()
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+", index=False)
    # The application the counter made of it: named, not imported, so a desa PC (no applications) never
    # loads the counter's models; the kecamatan's desa pages tie it (tie_to_applications).
    application = ApplicationKey("Application", null=True, on_delete="SET NULL", backref="pre_registrations",
                                 column_name="application_id")
    accepted_at = DateTimeField(null=True)
    accepted_by = ForeignKeyField(User, null=True, on_delete="SET NULL", backref="+", index=False)
    differences = TextField(default="{}")
    # The relay (app/desa/relay.py): the version and content hash it travelled with, the last relay
    # status (kecamatan: sent to the desa; desa: received), its step, note, application number, time.
    relay_version = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    relay_hash = CharField(default="", constraints=[SQL("DEFAULT ''")])
    relay_status = CharField(default="", constraints=[SQL("DEFAULT ''")])
    relay_step = IntegerField(default=0, constraints=[SQL("DEFAULT 0")])
    relay_note = TextField(default="", constraints=[SQL("DEFAULT ''")])
    relay_application_number = CharField(default="", constraints=[SQL("DEFAULT ''")])
    relay_at = DateTimeField(null=True)

    @property
    def application_id(self):
        """Until the kecamatan ties `application` (a desa PC never does): its stored id, None there. The
        tie replaces this with peewee's own accessor."""
        return self.__data__.get("application")

    class Meta:
        indexes = (
            (("desa_code", "status", "id"), False),  # the desa's list
            (("status", "id"), False),  # the counter's queue, oldest first
        )


def tie_to_applications(application_model) -> None:
    """At the kecamatan: PreRegistration.application becomes a foreign key to the counter's Application
    (peewee ties it by itself only when Application is defined after this module)."""
    field = PreRegistration._meta.fields["application"]
    if isinstance(field, DeferredForeignKey):
        field.set_model(application_model)
        DeferredForeignKey._unresolved.discard(field)
    # A tied key is an ordinary one, with its REFERENCES clause as schema/ writes it: peewee leaves a key it
    # tied late (here, or by itself when Application was defined after this module) out of CREATE TABLE.
    PreRegistration._meta.fields["application"].deferred = False
