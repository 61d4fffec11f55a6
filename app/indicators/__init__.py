"""Service indicators (Standar Pelayanan Minimal style) with yearly targets."""
from flask import Blueprint
from app.indicators import models  # noqa: F401
blueprint = Blueprint("indicators", __name__)
