"""Buku Pengaduan: complaints from the information desk, kiosk, kotak saran, hotline and letters,
routed to the section head for follow-up, with time targets in working days."""
from app.settings.store import register_defaults

register_defaults(
    complaint_first_response_days=1,  # hotline procedure: answer within one working day
    complaint_follow_up_days=5,       # service standard: follow-up within five working days
)

from app.complaints.views import blueprint  # noqa: E402,F401
