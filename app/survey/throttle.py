"""Kiosk flood control: at most N surveys per network address in a sliding window.

Counted from the stored responses themselves, so a restart does not reset it and a refused
flood stores nothing at all.
"""
from datetime import timedelta

from flask import current_app

from app.frame.dates import utc_now
from app.survey.models import SurveyResponse


def is_flooding(address: str) -> bool:
    window = timedelta(minutes=current_app.config["SURVEY_WINDOW_MINUTES"])
    recent = (SurveyResponse.select()
              .where(SurveyResponse.address == address, SurveyResponse.submitted_at >= utc_now() - window)
              .count())
    return recent >= current_app.config["SURVEY_MAX_PER_ADDRESS"]
