from peewee import AutoField, CharField, FloatField, IntegerField
from playhouse.apsw_ext import DateTimeField

from app.frame.db import BaseModel


class IndicatorTarget(BaseModel):
    """The yearly target of one service indicator, set by the admin."""
    id = AutoField()
    year = IntegerField()
    indicator = CharField()
    target = FloatField()
    updated_at = DateTimeField()

    class Meta:
        indexes = ((("year", "indicator"), True),)


def _declare_registration_indexes() -> None:
    """Indexes the indicators need on registration's tables (created in 0005_recap.sql).

    Declared here on registration's models so the schema test sees them; each is covering, so a
    year of handovers or of 'dikembalikan' events is read from the index alone.
    """
    from app.registration.models import Application, StatusEvent
    Application.add_index(Application.handed_over_at, Application.promised_date,
                          name="application_indicator_handed_over")
    StatusEvent.add_index(StatusEvent.to_status, StatusEvent.at, StatusEvent.application,
                          name="application_status_event_indicator_to_status_at")


_declare_registration_indexes()
