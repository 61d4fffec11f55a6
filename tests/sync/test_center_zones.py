"""Issue 25, "zones from the map": the center shows each kecamatan's times in that kecamatan's zone,
and its own pages in its own configured zone (LOKET_CENTER_TIME_ZONE). The print list showed every
kecamatan's "Diterima" in the center's zone, and a center set to WITA had no test at all."""
import json
from datetime import datetime

import pytest

from app.frame.config import SettingInvalid
from sync.center import records
from sync.center.accounts import create_operator
from sync.center.app import center_config
from sync.center.models import Conflict, PrintRun, ReceivedApplication
from tests.sync.helpers import packet_item, record_for
from tests.sync.test_center_pages import client_as
from tests.support.factory import kecamatan_row

MOMENT = datetime(2026, 11, 23, 2, 30)  # UTC: 09.30 WIB, 10.30 WITA, 11.30 WIT


@pytest.fixture
def operator(center_db):
    return create_operator("operator", "Akun operator", "operator", password="rahasia-pusat-1",
                           must_change_password=False)[0]


@pytest.fixture
def jayapura(center_db):
    """Jayapura Utara (Kota Jayapura, Papua): WIT."""
    return kecamatan_row("91.71.01", "Jayapura Utara")


def receive(kecamatan, n: int, at: datetime) -> ReceivedApplication:
    digits = kecamatan.digits
    record = {**record_for(n, digits), "nik": f"{digits}0101900{n:03d}", "kk_number": f"{digits}0101900001",
              "desa_code": f"{kecamatan.code}.{'1001' if digits == '917101' else '2001'}"}
    header, photo = packet_item(n, digits=digits, record=record)
    assert records.store_application(kecamatan, header, photo).result == "stored"
    item = ReceivedApplication.get(ReceivedApplication.registration_number == record["registration_number"])
    ReceivedApplication.update(received_at=at).where(ReceivedApplication.id == item.id).execute()
    return item


def row_of(page: str, marker: str) -> str:
    start = page.index(marker)
    return page[start:page.index("</tr>", start)]


def test_the_centers_own_zone_is_read_from_its_setting(monkeypatch, tmp_path):
    def zone(value):
        monkeypatch.setenv("LOKET_CENTER_TIME_ZONE", value)
        return center_config({"DATA_DIR": tmp_path})["TIME_ZONE"]

    monkeypatch.delenv("LOKET_CENTER_TIME_ZONE", raising=False)
    assert center_config({"DATA_DIR": tmp_path})["TIME_ZONE"] == ""  # unset: its kecamatan's (below)
    assert zone("WITA") == "WITA" and zone(" wita ") == "WITA" and zone("Asia/Jayapura") == "WIT"
    # Anything else once showed WIB times labelled with the typed words: refused at the start instead.
    with pytest.raises(SettingInvalid, match="WIB, WITA atau WIT"):
        zone("Makassar")


def test_a_center_in_wita_shows_its_own_times_in_wita_and_a_wit_kecamatans_in_wit(center_app, operator, enrolled,
                                                                                    jayapura, monkeypatch):
    monkeypatch.setenv("LOKET_CENTER_TIME_ZONE", "WITA")  # the center of a WITA regency
    center_app.config["TIME_ZONE"] = center_config({"DATA_DIR": center_app.config["DATA_DIR"]})["TIME_ZONE"]
    lumajang, _ = enrolled
    wib_item, wit_item = receive(lumajang, 1, MOMENT), receive(jayapura, 2, MOMENT)
    PrintRun.create(created_at=MOMENT, created_by="operator", printed_at=MOMENT)
    client = client_as(center_app, operator)

    print_list = client.get("/cetak").get_data(as_text=True)
    assert "09.30 WIB" in row_of(print_list, wib_item.registration_number)  # Lumajang: WIB
    assert "11.30 WIT" in row_of(print_list, wit_item.registration_number)  # Jayapura: WIT, not the center's
    runs = print_list[print_list.index('id="daftar-cetak"'):]
    assert "23 November 2026 10.30 WITA oleh operator" in runs and "dicetak 23 November 2026 10.30 WITA" in runs
    assert "WITA" not in row_of(print_list, wit_item.registration_number)

    listed = client.get("/permohonan").get_data(as_text=True)
    assert "11.30 WIT" in row_of(listed, wit_item.registration_number)
    assert "09.30 WIB" in row_of(listed, wib_item.registration_number)


def test_a_conflict_shows_when_its_kecamatan_sent_it_in_that_kecamatans_zone(center_app, operator, jayapura):
    Conflict.create(kecamatan=jayapura, registration_number="917101-01-000009", version=2, existing_hash="a",
                    offered_hash="b", offered_record=json.dumps({"full_name": "Yohana", "nik": "9171010101900009"}),
                    at=MOMENT)
    page = client_as(center_app, operator).get("/konflik").get_data(as_text=True)
    assert "23 November 2026 11.30 WIT" in row_of(page, "917101-01-000009")


def test_the_received_day_filter_takes_each_kecamatans_day_in_its_zone(center_app, operator, enrolled, jayapura):
    """16.30 UTC is 23.30 WIB on the 23rd and 01.30 WIT on the 24th: each row is found on the day it shows."""
    lumajang, _ = enrolled
    evening = datetime(2026, 11, 23, 16, 30)
    wib_item, wit_item = receive(lumajang, 1, evening), receive(jayapura, 2, evening)
    client = client_as(center_app, operator)
    on_23 = client.get("/permohonan?tanggal=2026-11-23").get_data(as_text=True)
    on_24 = client.get("/permohonan?tanggal=2026-11-24").get_data(as_text=True)
    assert wib_item.registration_number in on_23 and wit_item.registration_number not in on_23
    assert wit_item.registration_number in on_24 and wib_item.registration_number not in on_24
    assert "24 November 2026 01.30 WIT" in row_of(on_24, wit_item.registration_number)
    chosen = client.get(f"/permohonan?tanggal=2026-11-24&kecamatan={jayapura.id}").get_data(as_text=True)
    assert wit_item.registration_number in chosen


def test_a_center_without_the_setting_takes_the_zone_of_its_kecamatan(center_app, operator, monkeypatch):
    """Issue 71: a WITA regency's center showed its print runs in WIB unless its admin set the variable.
    Unset, the zone is its kecamatan's (a regency's kecamatan share one); set, the variable still wins."""
    monkeypatch.delenv("LOKET_CENTER_TIME_ZONE", raising=False)
    center_app.config["TIME_ZONE"] = center_config({"DATA_DIR": center_app.config["DATA_DIR"]})["TIME_ZONE"]
    client = client_as(center_app, operator)
    PrintRun.create(created_at=MOMENT, created_by="operator", printed_at=MOMENT)

    def runs() -> str:
        page = client.get("/cetak").get_data(as_text=True)
        return page[page.index('id="daftar-cetak"'):]

    assert "23 November 2026 09.30 WIB oleh operator" in runs()  # no kecamatan yet: WIB
    kecamatan_row("73.71.01", "Mariso")  # Kota Makassar, Sulawesi Selatan: WITA
    assert "23 November 2026 10.30 WITA oleh operator" in runs()
    monkeypatch.setenv("LOKET_CENTER_TIME_ZONE", "WIT")
    center_app.config["TIME_ZONE"] = center_config({"DATA_DIR": center_app.config["DATA_DIR"]})["TIME_ZONE"]
    assert "23 November 2026 11.30 WIT oleh operator" in runs()
