"""Complaints and survey answers made directly in the tables, for recap and indicator tests."""
import uuid
from datetime import datetime

from app.complaints.models import Complaint, ComplaintCategory
from app.survey.elements import ELEMENT_KEYS
from app.survey.models import SurveyAnswer, SurveyResponse


def category(name="KTP-el") -> ComplaintCategory:
    return ComplaintCategory.get_or_create(name=name)[0]


def complaint(received_at: datetime, channel="meja_informasi", category_name="KTP-el", status="baru",
              first_response_at=None, followed_up_at=None, created_at=None, **fields) -> Complaint:
    """`received_at` etc. are naive UTC, as stored."""
    return Complaint.create(
        tracking_number=f"PGD-{uuid.uuid4().hex[:8].upper()}", received_at=received_at, channel=channel,
        category=category(category_name), text=fields.pop("text", "Antrean terlalu lama"), status=status,
        first_response_at=first_response_at, followed_up_at=followed_up_at,
        created_at=created_at or received_at, updated_at=created_at or received_at, **fields)


def survey(submitted_at: datetime, scores: dict[str, int] | int) -> SurveyResponse:
    if isinstance(scores, int):
        scores = dict.fromkeys(ELEMENT_KEYS, scores)
    response = SurveyResponse.create(submission_key=uuid.uuid4().hex, submitted_at=submitted_at, address="x")
    for key, score in scores.items():
        SurveyAnswer.create(response=response, element=key, score=score)
    return response
