"""/cek as a citizen expects from a status page (issue 43): the step first and apart from the links, the
expected date (marked as an estimate where it is one), what to do next, the office's telephone (now in the
public record that travels) and hours, and the kabupaten in the header."""
import json
import re
from pathlib import Path

from app.frame import store
from app.frame.db import database
from sync import protocol, public_status as vocabulary
from sync.center import public_status_records as center_public
from sync.center.models import Kecamatan, PublicStatus
from sync.client import engine
from tests.sync.test_client import client_of, kecamatan, run  # noqa: F401  (kecamatan is a fixture)
from tests.sync.test_public_status import FIRST, code_of, page

ROOT = Path(__file__).resolve().parents[2]


def _text(body: str) -> str:
    return " ".join(re.sub(r"<[^>]+>", " ", body).split())


def test_the_status_page_says_the_step_the_date_what_to_do_and_whom_to_call(kecamatan, center_app, center_db):
    def with_phone():
        with database.atomic():
            store.put("phone", "(0334) 571234")
        return engine.sync_once(client=client_of(center_app))
    assert run(kecamatan, with_phone).error == ""
    code = code_of(kecamatan)
    record = json.loads(PublicStatus.get(PublicStatus.number == FIRST).record_json)
    assert record["office_phone"] == "(0334) 571234"  # travels with the record
    status, body = page(center_app, FIRST, code)
    shown = _text(body)
    assert status == 200
    assert "Kabupaten Lumajang" in _text(body[:body.index("<main")])  # the header names the kabupaten
    assert "Status sekarang Berkas lengkap, sedang diproses Dukcapil" in shown
    assert "Janji selesai:" in shown and "(perkiraan" not in shown
    assert "Yang perlu Anda lakukan Belum ada yang perlu Anda lakukan." in shown
    assert "Telepon: (0334) 571234" in shown and 'href="tel:0334571234"' in body

    # A date past the year's published cuti bersama is an estimate, and said so
    _newer(step="diproses", promised_estimate="1")
    shown = _text(page(center_app, FIRST, code)[1])
    # a promise named as the application page and the receipt name it, its estimate marked once (issue 61)
    assert "Janji selesai:" in shown and shown.lower().count("perkiraan") == 1
    assert "(perkiraan: cuti bersama tahun itu belum ditetapkan)" in shown
    _newer(step="siap")  # the card at the kecamatan: what to bring, where
    shown = _text(page(center_app, FIRST, code)[1])
    assert "Bawa tanda terima ke loket Kantor Kecamatan Yosowilangun pada jam layanan" in shown


def _newer(**changes):
    """The kecamatan's next version of the first application's record, with `changes`, as the API stores it."""
    newest = PublicStatus.get(PublicStatus.number == FIRST)
    record = json.loads(newest.record_json) | changes
    header = {"id": vocabulary.wire_key(FIRST), "version": newest.version + 1, "record": record,
              "hash": protocol.content_hash(record, protocol.sha256_hex(b""))}
    assert center_public.store_public(Kecamatan.get(Kecamatan.code == "35.08.07"), header, b"").result == "stored"


def test_the_status_stands_apart_from_the_link_under_it():
    """It was the links' blue at the links' weight; now the largest words of the card, in the text colour."""
    css = (ROOT / "static/css/public.css").read_text(encoding="utf-8")
    step = re.search(r"\.public-status \.step \{([^}]*)\}", css).group(1)
    link = re.search(r"\.public-status a \{([^}]*)\}", css).group(1)
    colour = lambda rule: re.search(r"(?<![-\w])color:\s*([^;]+);", rule).group(1).strip()  # noqa: E731
    assert colour(step) != colour(link)
    assert float(re.search(r"font-size:\s*([\d.]+)rem", step).group(1)) > 1.125  # above the card's h2


def test_a_record_with_a_bad_phone_or_estimate_mark_is_refused(kecamatan, center_app, center_db):
    run(kecamatan, lambda: engine.sync_once(client=client_of(center_app)))
    row = PublicStatus.get(PublicStatus.number == FIRST)
    kecamatan_row = Kecamatan.get(Kecamatan.code == "35.08.07")
    for bad in ({"office_phone": "9" * 41}, {"promised_estimate": "maybe"}):
        record = json.loads(row.record_json) | bad
        assert center_public.record_problem(kecamatan_row, FIRST, record) == "isian status publik tidak sah"
