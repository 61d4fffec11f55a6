"""The desa PC's part of the settings capability (app/programs/desa.py): the F-1.07 letterhead's logo
and starting with the PC. A desa PC takes its office identity from its enrolment code, so it has no
office settings page and no setup."""
from app.settings.views import letterhead_blueprint

blueprint = letterhead_blueprint(__name__)
