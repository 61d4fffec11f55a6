"""Kesehatan Komputer at a regency's size (issue 81): the center's page of every PC read with 50 kecamatan
x 3 PCs (a counter PC and two desa PCs each) and a year of nightly reports per PC (365, of which the
center keeps KEPT_PER_PC), beside the plain query of the same rows (the floor: the database's part).

    python bench/bench_fleet.py [--kecamatan 50] [--pcs 3] [--nights 365] [--runs 30] [--pg postgresql://...]

Fills a fresh center database (SQLite in a temp folder, or the PostgreSQL database given, which is
emptied first), a fifth of the PCs with a problem in their latest report. Times, signed in as the
Pimpinan Kabupaten, the whole request of /armada (access check, session, query, template) and of one
PC's page with its history, and the plain query (device_key, kecamatan and fleet_latest joined, read to
the last row), taking turns (page, plain, page, plain...: what disturbs one disturbs the other; issue 89
finding 8: the sequential runs gave the plain query a quieter machine). Prints JSON: median and p95 in ms,
the page's median and p95 over the plain query's, and the load average before and after.
"""
import argparse
import json
import os
import random
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

PLAIN = ('SELECT k.*, c.code, c.name, f.report, f.received_at, f.clock_offset, f.clock_at FROM "device_key" k '
         'JOIN "kecamatan" c ON c.id = k.kecamatan_id LEFT JOIN "fleet_latest" f ON f.device_key_id = k.id '
         'WHERE k.revoked_at IS NULL AND k.replaced_by = \'\' ORDER BY c.code, k.desa_code, k.device_code')


def report(rng, night: int) -> dict:
    troubled = rng.random() < 0.2
    return {"version": "0.3.0", "update": {"outcome": "dikembalikan" if troubled else "diambil", "version": "0.3.0",
                                           "why": "halaman /pendaftaran (500)" if troubled else "",
                                           "at": "2026-11-20T01:00:00"},
            "backup": {"age_hours": 24 * 9 if troubled else 20, "where": "usb"},
            "disk_free_mb": 900 if troubled else 40000 + night, "trail_gaps": 0, "errors": rng.randint(0, 3),
            "outbox": rng.randint(0, 40), "phone": "(0334) 881234"}


def fill(kecamatan: int, pcs: int, nights: int) -> None:
    from app.frame.dates import utc_now
    from sync.center.db import center_database
    from sync.center.fleet import KEPT_PER_PC
    from sync.center.models import DeviceKey, FleetLatest, FleetReport, Kecamatan
    rng = random.Random(81)
    now = utc_now()
    with center_database.atomic():
        for n in range(kecamatan):
            code = f"35.08.{n + 1:02d}"
            made = Kecamatan.create(code=code, digits=code.replace(".", ""), name=f"Kecamatan {n + 1}",
                                    created_at=now, last_seen_at=now)
            for p in range(pcs):
                key = DeviceKey.create(kecamatan=made, key_id=f"{code}-{p}", secret="s" * 43, created_at=now,
                                       desa_code="" if p == 0 else f"{code}.200{p}", device_code=f"P{p + 1}",
                                       last_used_at=now, protocol_version=7, app_version="0.3.0")
                rows = [{"device_key": key.id, "received_at": now - timedelta(days=nights - night),
                         "clock_offset": rng.randint(-30, 30), "report": json.dumps(report(rng, night))}
                        for night in range(max(0, nights - KEPT_PER_PC), nights)]
                for start in range(0, len(rows), 200):
                    FleetReport.insert_many(rows[start:start + 200]).execute()
                last = rows[-1]
                FleetLatest.create(device_key=key.id, received_at=last["received_at"], report=last["report"],
                                   clock_offset=last["clock_offset"], clock_at=last["received_at"])


def summary(took: list) -> dict:
    took = sorted(took)
    return {"median_ms": round(statistics.median(took), 2), "p95_ms": round(took[int(0.95 * (len(took) - 1))], 2)}


def interleaved(runs: int, **named) -> dict:
    """Each of `named` run `runs` times, taking turns (its order turned each round); {name: summary}."""
    for run in named.values():
        run()  # warm: templates compiled, connection opened
    took = {name: [] for name in named}
    for turn in range(runs):
        for name in (list(named) if turn % 2 == 0 else list(named)[::-1]):
            start = time.perf_counter()
            named[name]()
            took[name].append((time.perf_counter() - start) * 1000)
    return {name: summary(values) for name, values in took.items()}


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kecamatan", type=int, default=50)
    parser.add_argument("--pcs", type=int, default=3)
    parser.add_argument("--nights", type=int, default=365)
    parser.add_argument("--runs", type=int, default=200)
    parser.add_argument("--pg", help="PostgreSQL URL (emptied first)")
    options = parser.parse_args()
    from app.frame.signin import SESSION_TOKEN, start_session
    from sync.center.accounts import create_operator
    from sync.center.app import create_center_app
    from sync.center.db import in_dialect
    if options.pg:
        from tests.sync.helpers import reset_postgres
        reset_postgres(options.pg)
    with tempfile.TemporaryDirectory() as folder:
        app = create_center_app({"DATA_DIR": Path(folder), "DATABASE_URL": options.pg, "SECRET_KEY": "bench"})
        db = app.extensions["center_database"]
        with db.connection_context():
            start = time.perf_counter()
            fill(options.kecamatan, options.pcs, options.nights)
            filled = time.perf_counter() - start
            operator = create_operator("bupati", "Pimpinan", "pimpinan", password="bench-rahasia-1",
                                       must_change_password=False)[0]
        client = app.test_client()
        with app.test_request_context(), db.connection_context():
            token = start_session(operator)
        with client.session_transaction() as session:
            session[SESSION_TOKEN] = token

        def page(url):
            def get():
                response = client.get(url)
                assert response.status_code == 200, response.status_code
            return get

        def plain():
            with db.connection_context():
                return db.execute_sql(in_dialect(PLAIN)).fetchall()
        rows = len(plain())
        load_before = " ".join(f"{n:.2f}" for n in os.getloadavg())
        measured = interleaved(options.runs, page=page("/armada"), plain_query=plain,
                               page_filtered=page("/armada?masalah=disk"), pc_page=page("/armada/1"))
        view, floor = measured["page"], measured["plain_query"]
        print(json.dumps({"database": "postgresql" if options.pg else "sqlite", "kecamatan": options.kecamatan,
                          "pcs": rows, "reports": options.nights, "runs": options.runs, "fill_s": round(filled, 1),
                          **measured, "ratio_median": round(view["median_ms"] / floor["median_ms"], 1),
                          "ratio_p95": round(view["p95_ms"] / floor["p95_ms"], 1),
                          "load_before": load_before, "load_after": " ".join(f"{n:.2f}" for n in os.getloadavg())},
                         indent=1))


if __name__ == "__main__":
    main()
