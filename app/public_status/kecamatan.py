"""The kecamatan's part of the public status (app/programs/kecamatan.py): the counter's applications, the
desk's complaints and the desa's F-1.07 are followed; the forms' SMS consent joins their public record; a change
of the office calendar reaches the records of applications in service."""
from app.complaints.book import add_change_listener
from app.frame import sms_consent
from app.frame.office_calendar import add_change_listener as add_calendar_listener
from app.public_status import records
from app.public_status.slips import slip_blueprint
from app.registration.records import add_creation_listener, add_renumber_listener
from app.registration.status import add_transition_listener

blueprint = slip_blueprint(__name__)

add_creation_listener(records.application_changed)
add_renumber_listener(records.application_renumbered)
add_transition_listener(records.application_changed, records.applications_changed)
add_change_listener(records.complaint_changed)
sms_consent.add_consent_listener(records.give_sms_consent)
add_calendar_listener(records.calendar_changed)
