"""The desa PC's part of the public status (app/programs/desa.py): its F-1.07 carries the check code
and QR, and the form is followed from a phone (records.pre_registration_changed)."""
from app.public_status.slips import slip_blueprint

blueprint = slip_blueprint(__name__)
