"""A night at the center (issue 62): received applications whose applicants carry the long names real registers
hold, and the print runs made of them (tests/browser/test_print_pages.py, bench/print_run_sheets.py)."""
from datetime import datetime
from pathlib import Path

# Long names as Indonesian registers hold them (Javanese, Sundanese, Batak, Minang, Bugis, Balinese, Arabic), up to
# the 100 characters the counter accepts (app/frame/person_rules.LIMITS)
LONG_NAMES = (
    "Raden Ajeng Siti Nurhalimah Kusumawardhani Prawiroatmodjo",
    "Muhammad Rizky Ramadhan Syahputra Nasution",
    "Ni Luh Putu Ayu Sekar Kinasih Wulandari Dewi",
    "Andi Muhammad Fadhlurrahman Aswar Daeng Mattiro Baji Sulawesi",
    "Yohanes Hasiholan Parulian Sitompul Hutabarat Lumbantobing",
    "Siti Aisyah Nur Fitriani Rahmawati Kusumaningrum Handayani Putri Lestari",
    "Gusti Ngurah Made Agung Wirasatya Pramana Jaya Kusuma",
    "Teuku Muhammad Iskandar Zulkarnain Fachrurrazi",
    "Raden Mas Haryo Bagus Setyo Wicaksono Hadiningrat",
    "Nurul Hidayatullah Khairunnisa Ramadhani Sholihah",
    "Fransiska Xaveria Maria Immaculata Kurniawati Tanoesoedibjo",
    "Sayyid Ahmad Fauzan Abdurrahman Al Habsyi bin Sayyid Abdullah Alaydrus Al Hamid Assegaf",
    "Cut Nyak Meutia Rahmadhani Safitri",
    "Dwi Hartono Budi Santoso Prasetyo Nugroho Wibowo",
    "Raden Roro Siti Nurhaliza Kusumawardhani Puspitasari Ningrum Prawiroatmodjo Hadiningrat Wiryo Kusumo",  # 100: the most
)
KECAMATAN = (("35.08.07", "Yosowilangun"), ("35.08.08", "Kunir"), ("35.08.20", "Pasirian"))


def fill_night(folder: Path, total: int) -> object:
    """`total` received applications with long names; returns the center app."""
    from sync.center import records
    from sync.center.models import Kecamatan, ReceivedApplication
    from tests.support.factory import kecamatan_row
    from tests.sync.harness import prepare_center
    from tests.sync.helpers import packet_item, record_for
    app, _ = prepare_center(folder)
    with app.extensions["center_database"].connection_context(), app.app_context():
        places = [Kecamatan.get_or_none(Kecamatan.code == code)
                  or kecamatan_row(code, name)
                  for code, name in KECAMATAN]
        for n in range(1, total + 1):
            kecamatan = places[n % len(places)]
            digits = kecamatan.digits
            record = {**record_for(n, digits), "full_name": LONG_NAMES[n % len(LONG_NAMES)],
                      "kk_number": f"{digits}0101900001", "desa_code": f"{kecamatan.code}.2001"}
            header, photo = packet_item(n, digits=digits, record=record)
            assert records.store_application(kecamatan, header, photo).result == "stored"
        ReceivedApplication.update(received_at=datetime(2026, 11, 23, 2, 30)).execute()
    return app


def make_runs(app, sizes: list[int]) -> list[int]:
    from sync.center import desk_records
    from sync.center.models import ReceivedApplication
    runs = []
    with app.extensions["center_database"].connection_context(), app.app_context():
        ids = [row.id for row in ReceivedApplication.select(ReceivedApplication.id).order_by(ReceivedApplication.id)]
        start = 0
        for size in sizes:
            runs.append(desk_records.create_print_run(ids[start:start + size], "operator").id)
            start += size
    return runs
