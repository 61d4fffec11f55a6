"""The list stays fast at 200,000 rows because SQLite walks an index in order and stops after a
page; these tests read the query plan (no timing) so a change that loses the index fails here."""
import pytest
from flask import g

from app.complaints import queries


def plan(db, query) -> str:
    sql, params = query.limit(51).sql()
    return " | ".join(row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, params))


@pytest.fixture
def as_desk(app, users):
    with app.test_request_context():
        g.user = users["petugas_informasi"]
        yield g.user


@pytest.mark.parametrize("args", [{}, {"status": "baru"}, {"saluran": "sms"}, {"kategori": "3"},
                                  {"dari": "2025-06-01", "sampai": "2025-06-30", "status": "selesai"},
                                  {"lewat": "tanggapan"}])
def test_list_pages_read_an_index_in_order_without_sorting(db, as_desk, args):
    filters = queries.Filters.from_args(args)
    found = plan(db, queries.complaint_query(filters, as_desk, queries.targets(), queries.LIST_COLUMNS))
    assert "TEMP B-TREE" not in found and "USING INDEX" in found, found


def test_many_overdue_rows_are_found_by_walking_the_date_index(db, as_desk, monkeypatch):
    monkeypatch.setattr(queries, "SORT_IN_MEMORY_MAX", -1)  # as if thousands were overdue
    for which in ("ya", "tindak_lanjut"):
        found = plan(db, queries.complaint_query(queries.Filters.from_args({"lewat": which}), as_desk,
                                                 queries.targets(), queries.LIST_COLUMNS))
        assert "complaint_received_at" in found and "TEMP B-TREE" not in found, found


def test_search_is_driven_by_the_full_text_index_in_rowid_order(db, as_desk):
    found = plan(db, queries.complaint_query(queries.Filters.from_args({"q": "antrean lama"}), as_desk,
                                             queries.targets(), queries.LIST_COLUMNS))
    assert found.startswith("SCAN") and "VIRTUAL TABLE" in found.split(" | ")[0] and "TEMP B-TREE" not in found, found


@pytest.mark.parametrize("role", ["camat", "petugas_informasi"])
def test_dashboard_overdue_counts_read_one_covering_index(db, app, users, role):
    """For the Camat (no confidential complaints) the counts once read every open complaint's row
    to test is_confidential: 14 s on the dashboard at 200,000 complaints (docs/benchmarks.md)."""
    statements = []
    connection = db.connection()
    connection.set_exec_trace(lambda cursor, sql, bindings: statements.append((sql, bindings)) or True)
    try:
        with app.test_request_context():
            queries.overdue_counts(users[role], queries.targets())
    finally:
        connection.set_exec_trace(None)
    counts = [(sql, bindings) for sql, bindings in statements if "count(" in sql.lower()]
    assert len(counts) in (2, 4)  # the earlier quarters' two, and this quarter's two once its first days passed
    for sql, bindings in counts:
        found = " | ".join(row[3] for row in db.execute_sql("EXPLAIN QUERY PLAN " + sql, bindings))
        assert found.startswith("SEARCH") and "COVERING INDEX" in found and " | " not in found, found
