"""Warnings other parts add to an applicant's page (the sync: what the center said), fn(application) ->
[text]. Here and not in the views, so a storage module (registration/sync_records.py) adds one without
importing a page."""
from typing import NamedTuple

from app.frame import reactions

_detail_notices = reactions.detail_notices


class Notice(NamedTuple):
    """A warning with the one action that resolves it: a button posting to `action` (the endpoint
    `endpoint`, shown to those who may reach it)."""
    text: str
    action: str
    endpoint: str
    button: str



def add_detail_notice(fn) -> None:
    _detail_notices.add(fn)


def notices_for(application) -> list[str]:
    return [text for texts in _detail_notices.answers(application) for text in texts]
