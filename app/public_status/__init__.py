"""Public status (issue 28): every application and complaint is followed from a citizen's phone on
the regency center's public page; this PC sends the minimal public record through the sync outbox
and prints the check code and QR on every slip. No page of its own."""
from flask import Blueprint

from app.public_status import records  # noqa: F401  (plugs the public record into the sync outbox)

blueprint = Blueprint("public_status", __name__)


@blueprint.app_template_global()
def public_slip(kind: str, source_id: int) -> dict | None:
    """For every slip's template: the number, check code, center page and QR (records.slip_of)."""
    return records.slip_of(kind, source_id)
