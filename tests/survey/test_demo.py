"""`run.py demo --surveys N`: N complete surveys spread over the last two years."""
import argparse
import random
from datetime import timedelta

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
