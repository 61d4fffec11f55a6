"""The indicators page builds no SQL text after its first view (issue 73), computed from nothing kept
as the first view after a write is: peewee built the letterhead's logo read on every view of a printed
page, and the office's settings on every view after a write (0.1-0.15 ms each, above reads of 0.02 ms);
they keep their text (app/frame/statements.py), as the frame's statements do (tests/core/test_frame_cost.py)."""
from datetime import datetime

from app.frame import figure_cache
from tests.support.factory import complaint_row, survey_response
from tests.support.sql_built import sql_texts_built


def test_a_computed_view_of_the_indicators_builds_no_sql_text(client_for, db, monkeypatch):
    complaint_row(datetime(2025, 1, 6, 3), followed_up_at=datetime(2025, 1, 8, 3), status="selesai")
    survey_response(datetime(2025, 2, 5, 3), 4)
    # every figure computed on each view, the settings too: what the first view after a write reads
    monkeypatch.setattr(figure_cache, "kept", lambda name, key, compute, stamp=None: compute())
    monkeypatch.setattr(figure_cache, "kept_figure", lambda name, key, compute, quarters=None: compute())
    monkeypatch.setattr(figure_cache, "kept_quarters", lambda name, keys, compute_many: compute_many(list(keys)))
    client = client_for("camat")
    first = client.get("/indikator?tahun=2025")
    assert first.status_code == 200
    built = sql_texts_built(monkeypatch)
    again = client.get("/indikator?tahun=2025")
    assert again.status_code == 200 and again.get_data() == first.get_data()
    assert built == []
