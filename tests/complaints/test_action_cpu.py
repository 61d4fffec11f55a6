"""What the desk's complaint and its slip compute (issue 73, finding 1): their reads run from SQL text kept
since the first complaint, and a form without a desk answer asks for none."""
import pytest

from app.frame import statements
from app.complaints import views
from tests.support.clock import typed_hours_ago

pytestmark = pytest.mark.clock  # a complaint received two hours ago, at any hour (issue 93)


def _record(client, category, token):
    return client.post("/pengaduan/catat", data={
        "channel": "telepon", "category_id": str(category.id), "text": "Penelepon menanyakan antrean KTP-el.",
        "received_at": typed_hours_ago(2), "form_token": token, "desk_answer_id": "",
        "step": "baru"})


def test_a_complaint_and_its_slip_build_no_statement_after_the_first(client_for, category, monkeypatch):
    client = client_for("petugas_informasi")
    first = _record(client, category, "desk-token-0123456789a")
    assert first.status_code == 303 and client.get(first.headers["Location"]).status_code == 200
    kept, used = statements._kept, []
    monkeypatch.setattr(statements, "_kept", lambda build, args: used.append(build.__name__) or kept(build, args))
    misses = kept.cache_info().misses
    second = _record(client, category, "desk-token-0123456789b")
    slip = client.get(second.headers["Location"])
    assert second.status_code == 303 and slip.status_code == 200 and "Pengaduan" in slip.get_data(as_text=True)
    assert kept.cache_info().misses == misses
    assert {"_active_categories", "_by_submission", "_complaint_by_id",
            "_public_record_of", "_version_of",  # and its public record's, in its write and on the slip
            "_result_url", "_issued"} <= set(used)  # the form's one-submission guard, the slip's survey code


def test_a_complaint_without_a_desk_answer_asks_for_none(client_for, category, monkeypatch):
    asked = []
    real = views.DeskAnswer.get_or_none
    monkeypatch.setattr(views.DeskAnswer, "get_or_none", lambda *a, **k: asked.append(a) or real(*a, **k))
    assert _record(client_for("petugas_informasi"), category, "desk-token-0123456789c").status_code == 303
    assert asked == []
