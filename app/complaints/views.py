"""Routes of the Buku Pengaduan."""
from flask import Blueprint

from app.complaints import models  # noqa: F401  (models known to the app and its tests)

blueprint = Blueprint("complaints", __name__, url_prefix="/pengaduan")
