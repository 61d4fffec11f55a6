"""Warnings other capabilities add to an applicant's page (the sync: the center's conflicts and
events not applied). Below the views, so a storage module can add one without importing a view."""

_detail_notices: list = []


def add_detail_notice(fn) -> None:
    """fn(application) -> [text]."""
    if fn not in _detail_notices:
        _detail_notices.append(fn)


def detail_notices(application) -> list[str]:
    return [text for fn in _detail_notices for text in fn(application)]
