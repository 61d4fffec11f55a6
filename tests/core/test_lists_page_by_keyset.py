"""Deep pages of every list go by keyset (app/frame/pagination.py), never LIMIT/OFFSET: a deep
OFFSET page walks and throws away every row before it, so page 2,000 of the register would cost
2,000 pages. This fails when any query of the kecamatan app or the center skips rows by OFFSET
(SQL text, peewee's .offset() or its .paginate(), which is OFFSET underneath)."""
import re
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]
# OFFSET with a value after it (a placeholder, a number, a format field), not the word in prose
SKIPPING_ROWS = re.compile(r"\bOFFSET\s*(\?|\d|\{|%s|:\w)|(?i:\boffset\s+(\?|\d|\{|%s))|\.offset\(|\.paginate\(")


def test_no_query_skips_rows_by_offset():
    found = []
    for folder in ("app", "sync"):
        for path in sorted((ROOT / folder).rglob("*.py")):
            for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), 1):
                code = line.split("#", 1)[0]
                if SKIPPING_ROWS.search(code):
                    found.append(f"{path.relative_to(ROOT)}:{number}: {line.strip()}")
    assert not found, "lists must page by keyset (app.frame.pagination.paginate):\n" + "\n".join(found)


def test_the_check_sees_each_way_of_writing_an_offset():
    for line in ('sql += " LIMIT ? OFFSET ?"', "query.limit(50).offset(100)", "query.paginate(3, 50)",
                 "f'LIMIT 50 OFFSET {skip}'", '"limit %s offset %s"', "LIMIT :n OFFSET :skip"):
        assert SKIPPING_ROWS.search(line), line
    for line in ("offset = utc_offset_hours(zone)", "where LIMIT/OFFSET would walk", "body[offset:offset + size]"):
        assert not SKIPPING_ROWS.search(line), line
