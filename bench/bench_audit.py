"""Benchmark: the audit trail (Jejak Audit) and its filters at a million events, against the way the
page read them before (sixth-to-eighth sessions), in one run on the same database.

    python bench/bench_audit.py [--events 1000000] [--runs 21] [--cache DIR]

Every view of personal data is recorded, so a busy office's trail grows by thousands of events a
day. The folder is a real data folder (the app's encrypted database, its migrations): five
accounts, then `--events` events written in one transaction, 99.9 % by the three counter clerks
and the rest by the Camat; one account (`baru`) has none.

Printed, median and p95 of `--runs` (ms), in one process, one request at a time:
- the page, signed in as the Camat, over Flask's test client: unfiltered, filtered on the Camat
  (a rare name), on `baru` (a name with no events), on an action; as shipped;
- the two reads the page changed, ours against the earlier statement on the same data: the kinds of
  data for the Data list (one index seek per value, against SELECT DISTINCT), and
  the Pengguna filter (the username index, against the same statement with NOT INDEXED, which is
  how it ran before 0018_s25_audit_by_user.sql).
"""
import argparse
import json
import random
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))
sys.path.insert(0, str(ROOT / "bench"))

from bench_day import percentile  # noqa: E402

PASSWORD = "bench-password-1"
CLERKS = ("loket1", "loket2", "loket3")
ACTIONS = ("lihat", "lihat_foto", "ubah", "status", "serah", "ekspor", "masuk", "keluar")
ENTITIES = ("permohonan_ktp", "pengaduan", "pengguna", "pengaturan", "cadangan", "hari_libur")
FILL_VERSION = 1


def prepare(folder: Path, events: int) -> None:
    marker = folder / "bench-audit.json"
    wanted = {"version": FILL_VERSION, "events": events}
    if marker.exists() and json.loads(marker.read_text()) == wanted:
        print(f"reusing {folder} ({events} events)", flush=True)
        return
    if folder.exists():
        shutil.rmtree(folder)
    folder.mkdir(parents=True)
    from app import create_app
    from app.auth.accounts import create_user
    from app.firstrun import DEMO_KECAMATAN, seed_identity
    started = time.perf_counter()
    app = create_app({"DATA_DIR": folder})
    database = app.extensions["database"]
    rng = random.Random(16)
    with app.app_context(), database.connection_context():
        seed_identity(DEMO_KECAMATAN)
        for username, role in (("camat", "camat"), ("baru", "petugas_loket"),
                               *((clerk, "petugas_loket") for clerk in CLERKS)):
            create_user(username, f"{username.title()} Bench", role, password=PASSWORD, must_change_password=False)
        rows = []
        for n in range(events):
            who = "camat" if rng.random() < 0.001 else rng.choice(CLERKS)
            day = 1 + n * 360 // events
            rows.append((f"2026-{1 + (day - 1) // 30:02d}-{1 + (day - 1) % 30:02d} 08:00:00", who,
                         rng.choice(ACTIONS), rng.choice(ENTITIES), str(n), "Membuka permohonan"))
        with database.atomic():
            for start in range(0, len(rows), 50_000):
                database.connection().cursor().executemany(
                    'INSERT INTO "audit_event" ("at", "user_id", "username", "address", "action", "entity", '
                    '"entity_id", "summary") VALUES (?, NULL, ?, \'127.0.0.1\', ?, ?, ?, ?)', rows[start:start + 50_000])
    marker.write_text(json.dumps(wanted))
    print(f"filled {folder}: {events} audit events in {time.perf_counter() - started:.0f} s", flush=True)


def timed(call, runs: int) -> tuple[float, float]:
    call()  # warm: the pages the statement reads
    times = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        times.append((time.perf_counter() - started) * 1000)
    return statistics.median(times), percentile(times, 95)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--events", type=int, default=1_000_000)
    parser.add_argument("--runs", type=int, default=21)
    parser.add_argument("--cache", type=Path, default=None, help="keep and reuse the data folder under DIR")
    options = parser.parse_args(argv)
    parent = options.cache or Path(tempfile.mkdtemp(prefix="bench-audit-"))
    folder = parent / f"audit{options.events}"
    prepare(folder, options.events)

    from app import create_app
    from app.audit.views import values_in_trail
    app = create_app({"DATA_DIR": folder})
    database = app.extensions["database"]
    client = app.test_client()
    form = client.get("/masuk").get_data(as_text=True)
    token = form.split('name="csrf_token" value="')[1].split('"')[0]
    signed_in = client.post("/masuk", data={"csrf_token": token, "username": "camat", "password": PASSWORD})
    assert signed_in.status_code in (302, 303), signed_in.status_code

    def page(url):
        def call():
            response = client.get(url)
            assert response.status_code == 200, (url, response.status_code)
        return call

    print(f"\n{options.events} audit events; median / p95 of {options.runs} runs, ms (one request at a time)")
    print(f"{'page (as shipped)':44} {'median':>8} {'p95':>8}")
    for label, url in (("unfiltered", "/audit"), ("Pengguna: camat (0.1 % of events)", "/audit?pengguna=camat"),
                       ("Pengguna: baru (no events)", "/audit?pengguna=baru"), ("Aksi: ekspor", "/audit?aksi=ekspor")):
        median, p95 = timed(page(url), options.runs)
        print(f"{label:44} {median:8.1f} {p95:8.1f}")

    def read(sql, args=()):
        def call():
            with app.app_context(), database.connection_context():
                database.execute_sql(sql, args).fetchall()
        return call

    def kinds_of_data():
        with app.app_context(), database.connection_context():
            values_in_trail("entity")

    by_name = 'SELECT * FROM "audit_event" {hint} WHERE "username" = ? ORDER BY "id" DESC LIMIT 51'
    print(f"\n{'read':44} {'ours':>8} {'before':>8} {'before/ours':>11}  (medians)")
    # The earlier page listed the kinds of data only (its Aksi was a text box); the list of actions
    # is read the same way as the kinds of data, one seek per value.
    pairs = (("kinds of data for the Data list", kinds_of_data,
              read('SELECT DISTINCT "entity" FROM "audit_event" ORDER BY 1')),
             *((f"Pengguna filter, {name}", read(by_name.format(hint=""), (name,)),
                read(by_name.format(hint="NOT INDEXED"), (name,))) for name in ("camat", "baru", "loket1")))
    for label, ours, before in pairs:
        ours_ms, before_ms = timed(ours, options.runs)[0], timed(before, options.runs)[0]
        print(f"{label:44} {ours_ms:8.2f} {before_ms:8.2f} {before_ms / ours_ms:10.0f}x")
    if options.cache is None:
        shutil.rmtree(parent, ignore_errors=True)
    return 0


if __name__ == "__main__":
    sys.exit(main())
