"""Benchmark: the center's public status page (issue 28) at a million tracked numbers.

    python bench/bench_public_status.py [--numbers 1000000] [--runs 201] [--database-url postgresql://...]

A center data folder (SQLite, its migrations; or the PostgreSQL database given, emptied first) with one kecamatan and `--numbers` public status
records written in one transaction, then over Flask's test client, one request at a time:
- the page with a right number and code (each run another number), median and p95 in ms;
- a wrong code from one address: the first few answered, the rest refused by the throttle (429),
  median and p95 of those refusals;
- wrong guesses from many addresses: how many of them pass before the global limit closes the
  lookups (the rest answer 429).
"""
import argparse
import json
import random
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_day import percentile  # noqa: E402


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--numbers", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=201)
    parser.add_argument("--database-url", default=None, help="a PostgreSQL database to empty and use")
    options = parser.parse_args(argv)
    from app.frame.dates import utc_now
    from sync import public_status as vocabulary
    from sync.center.app import create_center_app
    from sync.center.models import Kecamatan, PublicStatus
    from sync.center.public_status_records import code_key

    folder = Path(tempfile.mkdtemp(prefix="bench-public-"))
    if options.database_url:
        import psycopg
        with psycopg.connect(options.database_url, autocommit=True) as connection:
            connection.execute("DROP SCHEMA public CASCADE; CREATE SCHEMA public;")
    app = create_center_app({"DATA_DIR": folder, "SECRET_KEY": "bench", "TESTING": True,
                             "DATABASE_URL": options.database_url})
    db = app.extensions["center_database"]
    started = time.perf_counter()
    with app.app_context(), db.connection_context():
        kecamatan = Kecamatan.create(code="35.08.07", digits="350807", name="Yosowilangun", created_at=utc_now(),
                                     last_seen_at=utc_now())
        record = {"kind": "ktp", "step": "diproses", "steps": [["diterima", "2026-11-02"], ["diproses", "2026-11-03"]],
                  "promised": "2026-11-19", "follow_up": "", "follow_up_due": "", "office": "Yosowilangun",
                  "hours": "Senin–Kamis 08.00–15.30, Jumat 08.00–14.00"}
        with db.atomic():
            batch = []
            for n in range(1, options.numbers + 1):
                number = f"350807-01-{n:06d}" if n < 1_000_000 else f"350807-02-{n:07d}"
                batch.append({"kecamatan": kecamatan.id, "kind": "ktp", "number": number, "version": 2,
                              "content_hash": "0" * 64, "code_key": code_key(vocabulary.code_digest(number, "ABCDEF")),
                              "record_json": json.dumps(dict(record, number=number, code_digest="0" * 64)),
                              "final_at": None, "received_at": utc_now()})
                if len(batch) == 3000:
                    PublicStatus.insert_many(batch).execute()
                    batch = []
            if batch:
                PublicStatus.insert_many(batch).execute()
    print(f"center on {'PostgreSQL' if options.database_url else 'SQLite'}: {options.numbers} records written in "
          f"{time.perf_counter() - started:.0f} s")
    client, rng = app.test_client(), random.Random(28)

    def timed(query, address):
        began = time.perf_counter()
        response = client.get("/cek", query_string=query, environ_base={"REMOTE_ADDR": address})
        return (time.perf_counter() - began) * 1000, response.status_code

    right = []
    for run in range(options.runs):
        n = rng.randrange(1, min(options.numbers, 999_999))
        ms, status = timed({"n": f"350807-01-{n:06d}", "k": "ABCDEF"}, f"10.1.{run // 250}.{run % 250}")
        assert status == 200, status
        right.append(ms)
    one_address = [timed({"n": "350807-01-000001", "k": "ZZZZZZ"}, "10.9.9.9") for _ in range(options.runs)]
    refused = [ms for ms, status in one_address if status == 429]
    many = [timed({"n": f"350807-01-{rng.randrange(1, 999_999):06d}", "k": "ZZZZZZ"}, f"10.2.{i // 250}.{i % 250}")
            for i in range(1000)]
    print(f"right number and code: median {statistics.median(right):.1f} ms, p95 {percentile(right, 95):.1f} ms "
          f"({options.runs} runs)")
    print(f"wrong code, one address: {len(one_address) - len(refused)} answered, {len(refused)} refused (429); "
          f"refusal median {statistics.median(refused):.1f} ms, p95 {percentile(refused, 95):.1f} ms")
    print(f"wrong codes, 1000 addresses: {sum(1 for _, s in many if s == 404)} answered 404, "
          f"{sum(1 for _, s in many if s == 429)} refused (429) by the global limit")
    return 0


if __name__ == "__main__":
    sys.exit(main())
