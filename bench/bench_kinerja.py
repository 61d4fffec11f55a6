"""Kinerja Kecamatan benchmark (issue 29): the center's side-by-side view and its XLSX export with
30 kecamatan x 8 quarters of approved reports (two versions for every fourth one, as addenda make).

    python bench/bench_kinerja.py [--kecamatan 30] [--quarters 8] [--runs 30] [--pg postgresql://...]

Fills a fresh center database (SQLite in a temp folder, or the PostgreSQL database given, which is
emptied first) with reports shaped as app/recap/sync_records.py sends them, then asks the running
Flask app for the page and the XLSX of the latest quarter `--runs` times each, signed in as the
Pimpinan Kabupaten (the whole request: access check, session, queries, template or workbook).
Each is timed as the Pimpinan reads it again (figures kept until a report arrives), right after a sync
(before every request a new report version is stored through the center's own path and its answer
sent, which computes the figures ahead: "after_sync"), right after a restart (before every request the
kept figures, in memory only, are dropped and the center's start job computes them as a started center
does in its own thread: "after_restart"; the job's own time is "warm_at_start"), and with the kept
figures dropped before every request (a quarter nobody computed ahead: "cold"). Prints JSON: median and
p95 in ms.
"""
import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
sys.path.insert(0, str(ROOT))

ELEMENTS = ("persyaratan", "prosedur", "waktu", "biaya", "produk", "kompetensi", "perilaku", "maklumat", "pengaduan")
INDICATORS = (("serah_tepat_waktu", "KTP-el diserahkan tepat waktu", 90.0), ("berkas_dikembalikan",
              "Berkas dikembalikan karena belum lengkap", 10.0), ("pengaduan_tepat_waktu",
              "Pengaduan ditindaklanjuti tepat waktu", 90.0), ("kotak_saran", "Kotak saran dibuka setiap hari layanan",
              100.0), ("ikm", "Indeks Kepuasan Masyarakat (IKM)", 76.61))


def report(rng, code, quarter, addendum=0) -> dict:
    respondents = rng.randint(0, 400)
    elements = [{"key": k, "answers": respondents, "total": rng.randint(2 * respondents, 4 * respondents),
                 "nrr": None} for k in ELEMENTS]
    received = rng.randint(0, 300)
    closed = rng.randint(0, received)
    indicators = []
    for key, name, target in INDICATORS:
        denominator = rng.randint(1, 900)
        numerator = rng.randint(0, denominator)
        indicators.append({"key": key, "name": name, "numerator": numerator, "denominator": denominator,
                           "value": 100.0 * numerator / denominator, "target": target, "higher_is_better": True,
                           "is_index": key == "ikm", "available": True, "definition": "d" * 8})
    return {"format": 1, "kecamatan": code, "year": quarter.year, "quarter": quarter.number,
            "approved_at": f"{quarter.end.isoformat()}T02:00:00",
            "complaints": {"received": received, "confidential": 0, "closed": closed,
                           "closed_on_time": rng.randint(0, closed), "follow_up_days": 5, "responded": closed,
                           "responded_on_time": closed, "first_response_days": 1, "by_channel": [],
                           "by_status": [], "by_category": []},
            "ikm": {"respondents": respondents, "ikm": None, "grade": None, "elements": elements},
            "indicators": indicators, "notice": {"promises": "Menambah loket. " * 20, "narrative": "Uraian. " * 40},
            "addendum": {"count": addendum, "at": None, "listed_in": None}}


def fill(kecamatan: int, quarters: list) -> None:
    from app.frame.dates import utc_now
    from sync import protocol
    from sync.center.db import center_database
    from sync.center.models import Kecamatan, PerformanceReport
    from sync.center.performance import figures_of
    rng = random.Random(29)
    with center_database.atomic():
        for n in range(kecamatan):
            code = f"35.08.{n + 1:02d}"
            made = Kecamatan.create(code=code, digits=code.replace(".", ""), name=f"Kecamatan {n + 1}",
                                    created_at=utc_now())
            for i, quarter in enumerate(quarters):
                for version in (1, 2) if (n + i) % 4 == 0 else (1,):
                    record = report(rng, code, quarter, addendum=version - 1)
                    PerformanceReport.create(
                        kecamatan=made.id, year=quarter.year, quarter=quarter.number, version=version,
                        content_hash=protocol.content_hash(record, protocol.sha256_hex(b"")),
                        record_json=json.dumps(record), figures_json=json.dumps(figures_of(record)),
                        approved_at=utc_now(), key_id="bench", via="api",
                        received_at=utc_now())


def summary(took: list) -> dict:
    took = sorted(took)
    return {"median_ms": round(statistics.median(took), 1), "p95_ms": round(took[int(0.95 * (len(took) - 1))], 1)}


def timed(client, url: str, runs: int, cold: bool = False, before=None) -> dict:
    """`cold`: the kept figures are dropped before each request (a reader of a quarter nobody computed
    ahead). `before`: called before each request, outside the timing (a sync storing a report, a restart)."""
    from app.frame import figure_cache
    client.get(url)  # warm: templates compiled, connection opened
    took = []
    for _ in range(runs):
        if cold:
            figure_cache._kept.clear()
        if before is not None:
            before()
        start = time.perf_counter()
        response = client.get(url)
        took.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, response.status_code
    return {**summary(took), "bytes": len(response.data)}


def syncer(app, quarter):
    """A new version of one kecamatan's report stored through the center's own path (store_report, as
    /api/v1/kinerja/packets does), and the answer sent: what the first reader after a sync meets."""
    from sync import protocol
    from sync.center.db import center_database
    from sync.center.models import Kecamatan, PerformanceReport
    from sync.center.performance import store_report
    rng = random.Random(7)

    class Key:  # the enrolled PC's key as store_report reads it
        def __init__(self, kecamatan):
            self.kecamatan, self.kecamatan_id, self.key_id = kecamatan, kecamatan.id, "bench"

    def sync():
        with app.test_request_context("/api/v1/kinerja/packets", method="POST"), center_database.connection_context():
            kecamatan = Kecamatan.select().order_by(Kecamatan.id).first()
            version = 1 + (PerformanceReport.select().where(
                (PerformanceReport.kecamatan == kecamatan.id) & (PerformanceReport.year == quarter.year)
                & (PerformanceReport.quarter == quarter.number)).count())
            record = report(rng, kecamatan.code, quarter, addendum=version - 1)
            header = {"id": f"KINERJA-{quarter.year}-{quarter.number}", "version": version, "record": record,
                      "hash": protocol.content_hash(record, protocol.sha256_hex(b""))}
            assert store_report(Key(kecamatan), header, b"").result == "stored"
            response = app.response_class("{}")
            response = app.process_response(response)  # after_this_request: what the route's answer gets
        response.close()  # the answer sent: the server closes it, and what was scheduled on close runs
    return sync


def restarter(app, took: list):
    """A restart as the kept figures see it: dropped (they live in memory), then the center's start job
    (sync/center/program.py, performance.warm_job) run to its end; its time is appended to `took`."""
    from app.frame import figure_cache
    from sync.center.performance import warm_job

    def restart():
        figure_cache._kept.clear()
        start = time.perf_counter()
        with app.app_context(), app.extensions["center_database"].connection_context():
            warm_job(app)
        took.append((time.perf_counter() - start) * 1000)
    return restart


def main() -> None:
    parser = argparse.ArgumentParser()
    parser.add_argument("--kecamatan", type=int, default=30)
    parser.add_argument("--quarters", type=int, default=8)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--pg", help="PostgreSQL URL (emptied first)")
    options = parser.parse_args()
    from app.frame.dates import local_today
    from app.frame.periods import Quarter
    from app.frame.signin import SESSION_TOKEN, start_session
    from sync.center.accounts import create_operator
    from sync.center.app import create_center_app
    if options.pg:
        from tests.sync.helpers import reset_postgres
        reset_postgres(options.pg)
    with tempfile.TemporaryDirectory() as folder:
        app = create_center_app({"DATA_DIR": Path(folder), "DATABASE_URL": options.pg, "SECRET_KEY": "bench"})
        db = app.extensions["center_database"]
        last = Quarter.containing(local_today("Asia/Jakarta")).previous()
        with db.connection_context():
            start = time.perf_counter()
            fill(options.kecamatan, last.last(options.quarters))
            filled = time.perf_counter() - start
            operator = create_operator("bupati", "Pimpinan", "pimpinan", password="bench-rahasia-1",
                                       must_change_password=False)[0]
        client = app.test_client()
        with app.test_request_context(), db.connection_context():
            token = start_session(operator)
        with client.session_transaction() as session:
            session[SESSION_TOKEN] = token
        query = f"tahun={last.year}&triwulan={last.number}"
        warmed = []
        print(json.dumps({"database": "postgresql" if options.pg else "sqlite", "kecamatan": options.kecamatan,
                          "quarters": options.quarters, "runs": options.runs, "fill_s": round(filled, 2),
                          "view": timed(client, f"/kinerja?{query}", options.runs),
                          "view_cold": timed(client, f"/kinerja?{query}", options.runs, cold=True),
                          "view_after_sync": timed(client, f"/kinerja?{query}", options.runs, before=syncer(app, last)),
                          "view_after_restart": timed(client, f"/kinerja?{query}", options.runs,
                                                      before=restarter(app, warmed)),
                          "xlsx": timed(client, f"/kinerja.xlsx?{query}", options.runs),
                          "xlsx_cold": timed(client, f"/kinerja.xlsx?{query}", options.runs, cold=True),
                          "xlsx_after_sync": timed(client, f"/kinerja.xlsx?{query}", options.runs,
                                                   before=syncer(app, last)),
                          "xlsx_after_restart": timed(client, f"/kinerja.xlsx?{query}", options.runs,
                                                      before=restarter(app, warmed)),
                          "trend": timed(client, "/kinerja/kecamatan/1", options.runs),
                          "warm_at_start": summary(warmed)}, indent=1))


if __name__ == "__main__":
    main()
