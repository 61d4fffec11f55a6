"""Page numbers for long lists; the URL keeps the page and the filters."""
from dataclasses import dataclass

from flask import request


@dataclass
class Page:
    items: list
    number: int
    size: int
    has_next: bool

    @property
    def has_previous(self) -> bool:
        return self.number > 1


def requested_page() -> int:
    try:
        return max(1, min(int(request.args.get("halaman", 1)), 100_000))
    except ValueError:
        return 1


def paginate(query, size: int) -> Page:
    """One extra row tells whether there is a next page, without a COUNT over the whole table."""
    number = requested_page()
    rows = list(query.limit(size + 1).offset((number - 1) * size))
    return Page(rows[:size], number, size, len(rows) > size)
