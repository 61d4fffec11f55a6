"""The read model's tables: per-day tallies of applications, complaints and survey answers, kept by
triggers in the same transaction as every write (schema 0008_i16_daily_tallies.sql,
0013_p16_survey_tallies.sql, 0015_p20_recap_tallies.sql, 0020_figures_indicators.sql)."""
from peewee import SQL, CompositeKey, IntegerField, TextField

from app.frame.db import BaseModel


def _counter():
    return IntegerField(constraints=[SQL("DEFAULT 0")])


class TallyZone(BaseModel):
    """The zone whose local days the tallies count (schema 0008_i16_daily_tallies.sql)."""
    id = IntegerField(primary_key=True)
    modifier = TextField()
    built = IntegerField()

    class Meta:
        table_name = "tally_zone"


class ApplicationDay(BaseModel):
    """Per local day: applications registered, handed over (on time), first returned in their quarter."""
    day = TextField(primary_key=True)
    registered = _counter()
    handed_over = _counter()
    handed_on_time = _counter()
    returned = _counter()

    class Meta:
        table_name = "application_day"
        without_rowid = True


class ApplicationCohortDay(BaseModel):
    """Per local day: applications registered that day and ever returned; promises settled that day
    (card ready by the promised date, or overdue from the day after it) and of them kept."""
    day = TextField(primary_key=True)
    returned = _counter()
    ready_due = _counter()
    ready_kept = _counter()

    class Meta:
        table_name = "application_cohort_day"
        without_rowid = True


class ComplaintDay(BaseModel):
    """Per local receipt day: complaints received, and first responses / follow-ups per local done day."""
    day = TextField()
    kind = TextField()
    done_day = TextField()
    n = IntegerField()

    class Meta:
        table_name = "complaint_day"
        primary_key = CompositeKey("day", "kind", "done_day")
        without_rowid = True


class SurveyDay(BaseModel):
    """Per local day and IKM element: valid ('sah') answers and their total score (0013_p16_survey_tallies.sql)."""
    day = TextField()
    element = TextField()
    answers = IntegerField()
    score = IntegerField()

    class Meta:
        table_name = "survey_day"
        primary_key = CompositeKey("day", "element")
        without_rowid = True


class ComplaintCountDay(BaseModel):
    """Per local receipt day: complaints per channel, status, category id, and confidential ones
    (dimension 'confidential', key ''), for the recap (0015_p20_recap_tallies.sql)."""
    day = TextField()
    dimension = TextField()
    key = TextField()
    n = IntegerField()

    class Meta:
        table_name = "complaint_count_day"
        primary_key = CompositeKey("day", "dimension", "key")
        without_rowid = True
