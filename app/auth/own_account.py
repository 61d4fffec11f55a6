"""The desa PC's part of the accounts capability (app/programs/desa.py): sign in, sign out, one's own
password. Its admin makes the desa operators' accounts on the desa's own page."""
from flask import Blueprint

from app.auth.views import own_pages

blueprint = Blueprint("auth", __name__, template_folder="templates")
own_pages.add_to(blueprint)
