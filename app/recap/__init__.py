"""Quarterly complaint recap: drafted by the information officer, approved by the Camat."""
from flask import Blueprint
from app.recap import models  # noqa: F401
blueprint = Blueprint("recap", __name__)
