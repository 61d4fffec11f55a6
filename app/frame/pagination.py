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
from app.frame import statements
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
    number, cursor, backwards = _cursor_in_url(keys, prefix)
    if cursor is not None:
        query = query.where(_later(keys, cursor, backwards))
    if backwards:
        query = query.order_by(*_reversed(keys))
    rows = list(query.limit(size + 1))
    return _page(rows, number, size, backwards, cursor is not None, prefix,
                 lambda row: [_value(row, node) for node, _ in keys])


def paginate_kept(build, args: tuple, size: int, prefix: str = "") -> Page:
    """paginate for the query build(*args) makes (a builder of app/frame/statements.py): the page's
    SQL is kept per builder, arguments and direction, the cursor given on each run, so a page turn
    builds no SQL; the rows are tuples as the database gives them, in the select's order (the
    caller formats them: peewee's conversion of each value is not run). A list read on every view
    of a heavy page (the recap's, issue 73) spent more Python building and converting than reading."""
    query = statements.query(build, *args)
    keys = _keys(query)
    number, cursor, backwards = _cursor_in_url(keys, prefix)
    rows = statements.fetched(_keyset_page, build, args, size, cursor is not None, backwards, each_run=cursor or ())
    positions = [_position(query, node) for node, _ in keys]
    return _page(rows, number, size, backwards, cursor is not None, prefix,
                 lambda row: [row[n] for n in positions])


def _keyset_page(build, args: tuple, size: int, after_cursor: bool, backwards: bool):
    """A builder (app/frame/statements.py): build(*args)'s page of size + 1 rows, after (or before)
    a cursor given on each run when `after_cursor`."""
    query = build(*args)
    keys = _keys(query)
    if after_cursor:
        query = query.where(_later(keys, [statements.each_run(n) for n in range(len(keys))], backwards))
    if backwards:
        query = query.order_by(*_reversed(keys))
    return query.limit(size + 1)


def _position(query, node: Field) -> int:
    """Where a sort key is among the query's columns (the same field object, not an equal one)."""
    for position, column in enumerate(query.selected_columns):
        if column is node:
            return position
    raise ValueError(f"a keyset page needs its sort key {node.name} among the selected columns")


def _cursor_in_url(keys, prefix: str) -> tuple:
    """(page number shown, the cursor's values as stored or None, whether it reads backwards)."""
    number = requested_page(prefix)  # shown only
    after, before = requested_cursor(prefix + "setelah"), requested_cursor(prefix + "sebelum")
    cursor = before if before is not None else after
    if cursor is None or len(cursor) != len(keys):
        return number, None, False
    try:
        # As stored: a Tuple does not pass its values through the columns' converters.
        bound = [node.db_value(_typed(node, value)) for (node, _), value in zip(keys, cursor)]
    except (TypeError, ValueError):
        return number, None, False
    return number, bound, before is not None


def _later(keys, bound: list, backwards: bool):
    """The rows after the cursor in the list's order (before it, reading backwards)."""
    row_keys, bound = Tuple(*[node for node, _ in keys]), Tuple(*bound)
    return (row_keys > bound) if keys[0][1] == backwards else (row_keys < bound)


def _reversed(keys) -> list:
    """The ORDER BY turned round: the previous page is read in reverse, then turned back."""
    return [node.asc() if descending else node.desc() for node, descending in keys]


def _page(rows: list, number: int, size: int, backwards: bool, had_cursor: bool, prefix: str, key_values) -> Page:
    more = len(rows) > size
    rows = rows[:size]
    if backwards:
        rows.reverse()
    if not had_cursor or (backwards and not more):
        number = 1  # the first page (a crafted 'halaman' without a cursor shows as what it is)
    else:
        number = max(number, 2)
    page = Page(rows, number, size, has_next=bool(rows) and (more or backwards), has_previous=number > 1)
    if rows:
        page.next_args = {prefix + "setelah": cursor_text(key_values(rows[-1])), prefix + "halaman": number + 1}
        page.previous_args = ({prefix + "sebelum": cursor_text(key_values(rows[0])),
                               prefix + "halaman": number - 1} if number > 2 else {prefix + "halaman": 1})
    return page
