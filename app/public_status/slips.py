"""The check code and QR every slip prints, on the blueprint of each office program's part."""
from flask import Blueprint

from app.public_status import records  # noqa: F401  (plugs the public record into the sync outbox)


def public_slip(kind: str, source_id: int) -> dict | None:
    """For every slip's template: the number, check code, center page and QR (records.slip_of)."""
    return records.slip_of(kind, source_id)


def slip_blueprint(name: str) -> Blueprint:
    made = Blueprint("public_status", name)
    made.add_app_template_global(public_slip)
    return made
