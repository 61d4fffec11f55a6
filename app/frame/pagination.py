"""Pages of long lists by keyset: the URL carries the sort keys of the row a page starts after.

A deep page costs what the first page costs: the database seeks to the key in the list's index
and reads one page, where LIMIT/OFFSET would walk and throw away every row before it. The list's
own ORDER BY (all ascending or all descending, the last key unique) is the keyset. The page
number in the URL is only shown ("Halaman 3"), never used to skip rows.
"""
import json
from datetime import date, datetime
from dataclasses import dataclass, field

from flask import request
from peewee import DateField, DateTimeField, Field, IntegerField, Tuple
from app.frame.request_cycle import int_arg

MAX_CURSOR_CHARS = 200


@dataclass
class Page:
    items: list
    number: int
    size: int
    has_next: bool
    has_previous: bool = False
    next_args: dict = field(default_factory=dict)  # URL arguments of the next page
    previous_args: dict = field(default_factory=dict)


def requested_page(prefix: str = "") -> int:
    return min(int_arg(request.args, prefix + "halaman", 1, lowest=1), 100_000)


def requested_cursor(name: str) -> list | None:
    """A cursor from the URL ('setelah' or 'sebelum'); None when absent or malformed."""
    text = request.args.get(name, "")
    if not text or len(text) > MAX_CURSOR_CHARS:
        return None
    try:
        values = json.loads(text)
    except ValueError:
        return None
    if not isinstance(values, list) or not all(isinstance(v, (str, int)) and not isinstance(v, bool) for v in values):
        return None
    return values


def cursor_text(values) -> str:
    return json.dumps([v if isinstance(v, int) else str(v) for v in values], separators=(",", ":"))


def _keys(query):
    """[(field, descending)] of the query's ORDER BY."""
    keys = [(ordering.node, ordering.direction.upper() == "DESC") for ordering in query._order_by]
    if not keys or not all(isinstance(node, Field) for node, _ in keys) or len({d for _, d in keys}) != 1:
        raise ValueError("keyset pages need an ORDER BY of plain columns, all in one direction")
    return keys


def _value(row, node: Field):
    # An FTS index's rowid is the row's own id (external-content tables), so rows carry it as "id".
    name = "id" if node.name == "rowid" else node.name
    return row[name] if isinstance(row, dict) else getattr(row, name)


def _typed(node: Field, value):
    """A cursor value back in the column's Python type, so it compares as the stored value does;
    ValueError for a value of the wrong kind (a hand-edited URL)."""
    if node.name == "rowid" or isinstance(node, IntegerField):
        if not isinstance(value, int):
            raise ValueError(value)
        return value
    if not isinstance(value, str):
        raise ValueError(value)
    if isinstance(node, DateTimeField):
        return datetime.fromisoformat(value)
    if isinstance(node, DateField):
        return date.fromisoformat(value)
    return value


def paginate(query, size: int, prefix: str = "") -> Page:
    """One page of `query` after (or before) the cursor in the URL; one extra row tells whether
    there is more, without a COUNT over the whole table. `prefix` names the URL arguments of a
    second list on the same page."""
    keys = _keys(query)
    descending = keys[0][1]
    number = requested_page(prefix)  # shown only
    after, before = requested_cursor(prefix + "setelah"), requested_cursor(prefix + "sebelum")
    cursor = before if before is not None else after
    if cursor is not None and len(cursor) != len(keys):
        cursor = None
    backwards = cursor is not None and before is not None
    if cursor is not None:
        try:
            # As stored: a Tuple does not pass its values through the columns' converters.
            bound = Tuple(*[node.db_value(_typed(node, value)) for (node, _), value in zip(keys, cursor)])
        except (TypeError, ValueError):
            bound, cursor, backwards = None, None, False
    if cursor is not None:
        row_keys = Tuple(*[node for node, _ in keys])
        later = (row_keys > bound) if descending == backwards else (row_keys < bound)
        query = query.where(later)
    if backwards:  # read the previous page in reverse, then turn it round
        query = query.order_by(*[node.desc() if not descending else node.asc() for node, _ in keys])
    rows = list(query.limit(size + 1))
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if cursor is None or (backwards and not more):
        number = 1  # the first page (a crafted 'halaman' without a cursor shows as what it is)
    else:
        number = max(number, 2)
    page = Page(rows, number, size, has_next=bool(rows) and (more or backwards), has_previous=number > 1)
    if rows:
        page.next_args = {prefix + "setelah": cursor_text(_value(rows[-1], n) for n, _ in keys),
                          prefix + "halaman": number + 1}
        page.previous_args = ({prefix + "sebelum": cursor_text(_value(rows[0], n) for n, _ in keys),
                               prefix + "halaman": number - 1} if number > 2 else {prefix + "halaman": 1})
    return page
