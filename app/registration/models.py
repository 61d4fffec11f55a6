"""KTP-el applications, their photos, their status history and collective letters.

Photos live in the database (not on disk) so that a backup carries them and a save is atomic.
"""
from peewee import AutoField, BlobField, CharField, ForeignKeyField, IntegerField, TextField
from playhouse.apsw_ext import DateField, DateTimeField
from playhouse.sqlite_ext import FTS5Model, SearchField

from app.auth.models import User
from app.frame.applicant_fields import ApplicantFields
from app.frame.db import BaseModel, database


class CollectiveLetter(BaseModel):
    """One letter from an institution (school, company, office) applying for many people."""
    id = AutoField()
    letter_number = CharField()
    letter_date = DateField()
    sender = CharField()  # the institution
    contact = CharField(default="")  # person and phone to call about the session
    recording_date = DateField(null=True)  # the scheduled perekaman session
    notes = TextField(default="")
    handed_over_at = DateTimeField(null=True)
    handed_over_to = CharField(default="")
    handover_id_number = CharField(default="")
    created_at = DateTimeField(index=True)
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")


class Application(BaseModel, ApplicantFields):
    """One KTP-el application; `registration_number` + `version` identify it at the center. The person's
    fields (NIK to mismatch reason) are the F-1.07's, shared with the desa's form (app.frame.applicant_fields)."""
    id = AutoField()
    registration_number = CharField(unique=True)
    version = IntegerField(default=1)
    requirements_met = TextField(default="[]")  # JSON list of requirement codes the clerk ticked
    missing_requirements = TextField(default="[]")  # JSON list of labels, for the return slip
    status = CharField()
    completed_at = DateField(null=True)
    promised_date = DateField(null=True)
    collective = ForeignKeyField(CollectiveLetter, null=True, backref="applications", on_delete="SET NULL")
    handed_over_to = CharField(default="")
    handover_relation = CharField(default="")  # '' (the applicant) or the representative's relation
    handover_id_number = CharField(default="")  # the representative's NIK / ID number
    handed_over_at = DateTimeField(null=True)
    created_at = DateTimeField()
    created_by = ForeignKeyField(User, null=True, on_delete="SET NULL")
    updated_at = DateTimeField()

    class Meta:
        indexes = (
            (("status", "id"), False),  # a status filter, newest first, without sorting
            (("status", "promised_date"), False),  # overdue and due-this-week counts
            (("desa_code", "id"), False),
            (("reason", "id"), False),
            (("created_at",), False),
        )


# Covering indexes the figures read (app/figures: a year of handovers or of 'dikembalikan' events from
# the index alone; created in 0005_recap.sql), declared here with the table so the schema test sees them.
Application.add_index(Application.handed_over_at, Application.promised_date, name="application_indicator_handed_over")


class ApplicationPhoto(BaseModel):
    """The normalised 3x4 photo of an application (one per application; a new one replaces it)."""
    id = AutoField()
    application = ForeignKeyField(Application, unique=True, backref="photos", on_delete="CASCADE")
    jpeg = BlobField()
    sha256 = CharField()
    width = IntegerField()
    height = IntegerField()
    background = CharField()  # 'merah' | 'biru' | 'lain'
    uploaded_at = DateTimeField()


class StatusEvent(BaseModel):
    """One step of an application's life: who moved it from which status to which, when, why."""
    id = AutoField()
    application = ForeignKeyField(Application, backref="events", on_delete="CASCADE")
    from_status = CharField(default="")
    to_status = CharField()
    at = DateTimeField()
    user_id = IntegerField(null=True)
    username = CharField()
    note = TextField(default="")

    class Meta:
        table_name = "application_status_event"


StatusEvent.add_index(StatusEvent.to_status, StatusEvent.at, StatusEvent.application,
                      name="application_status_event_indicator_to_status_at")


class ApplicationNameIndex(FTS5Model, BaseModel):
    """Word-prefix search on names (FTS5, contentless); kept in step by triggers in the migration."""
    full_name = SearchField()

    class Meta:
        database = database
        table_name = "application_fts"
        options = {"prefix": "'1 2 3'", "content": "''", "contentless_delete": 1}
