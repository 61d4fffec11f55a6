"""`run.py demo --surveys N`: N complete surveys spread over the last two years."""
import argparse
import random
from datetime import datetime, timedelta

from app.frame.dates import utc_now
from app.survey.demo import add_demo_arguments, fill_demo
from app.survey.models import SurveyAnswer, SurveyResponse


def test_demo_surveys_default_and_spread(db):
    parser = argparse.ArgumentParser()
    add_demo_arguments(parser)
    assert parser.parse_args([]).surveys == 1500
    fill_demo(parser.parse_args(["--surveys", "40"]), random.Random(1))
    assert SurveyResponse.select().count() == 40 and SurveyAnswer.select().count() == 40 * 9
    oldest = SurveyResponse.select().order_by(SurveyResponse.submitted_at).first().submitted_at
    assert utc_now() - oldest < timedelta(days=731)
    assert all(1 <= a.score <= 4 for a in SurveyAnswer.select())


def test_demo_surveys_stay_within_two_years_whatever_the_day(db, monkeypatch):
    """CI on Monday 2026-11-23 drew a Sunday 729 days back and moved it to the Friday before:
    731 days and a few hours ago. Pinned to such a Monday, every draw lands within 730 days."""
    monday_night = datetime(2026, 11, 23, 23, 0)
    monkeypatch.setattr("app.survey.demo.utc_now", lambda: monday_night)
    parser = argparse.ArgumentParser()
    add_demo_arguments(parser)
    fill_demo(parser.parse_args(["--surveys", "3000"]), random.Random(1))
    oldest = SurveyResponse.select().order_by(SurveyResponse.submitted_at).first().submitted_at
    assert timedelta(days=700) < monday_night - oldest < timedelta(days=731)
