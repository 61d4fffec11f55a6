"""The center's CPU for one signed request: a kecamatan's probe, in this process (issue 45).

    python bench/bench_signed_request.py [--requests 300] [--pg postgresql://...]

A pass signs a dozen requests (probe, manifests, packets, statuses, ...); each one's key check,
nonce and bookkeeping is fixed work a pass pays whatever its size. The office client and the center
app run in this process; no network, a SQLite center or (`--pg`) PostgreSQL. Printed: the median and
first quartile of one probe's CPU, the office's share included (signing and reading the answer), and
of the center app's alone (its thread's CPU inside the app). Run it from a checkout of the tree
before (`git worktree add DIR <commit>`, then `python bench/bench_signed_request.py` there) for the
side by side.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from pathlib import Path

sys.path.insert(0, os.getcwd())  # the tree it is run from
os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--requests", type=int, default=300)
    parser.add_argument("--pg", help="a PostgreSQL database to use (emptied first)")
    options = parser.parse_args()
    from app.frame.dates import utc_now
    from sync.center import keys
    from sync.center.app import create_center_app
    from sync.center.models import Kecamatan
    from sync.client.transport import CenterClient
    from tests.sync.test_client import FlaskSession
    if options.pg:
        from tests.sync.helpers import reset_postgres
        reset_postgres(options.pg)
    with tempfile.TemporaryDirectory() as folder:
        app = create_center_app({"DATA_DIR": Path(folder) / "pusat", "SECRET_KEY": "bench", "TESTING": True,
                                 "CENTER_NAME": "Pusat Cetak", "DATABASE_URL": options.pg})
        database = app.extensions["center_database"]
        with app.app_context(), database.connection_context():
            kecamatan = Kecamatan.create(code="35.08.07", digits="350807", name="Yosowilangun", created_at=utc_now())
            _, key = keys.enrol("35.08.07", keys.new_enrolment_code(kecamatan), "01")
        office = CenterClient("http://center", key.key_id, key.secret, session=FlaskSession(app))
        for _ in range(20):
            office.probe()
        cpu, center_cpu = [], []
        serve = app.wsgi_app

        def counted(environ, start_response):
            started = time.thread_time()
            try:
                return serve(environ, start_response)
            finally:
                center_cpu.append((time.thread_time() - started) * 1000)
        app.wsgi_app = counted
        for _ in range(options.requests):
            started = time.process_time()
            office.probe()
            cpu.append((time.process_time() - started) * 1000)
        database.close_all() if hasattr(database, "close_all") else database.close()
    print(f"signed probe on {'PostgreSQL' if options.pg else 'SQLite'}, office and center in one process: "
          f"CPU median {statistics.median(cpu):.2f} ms, first quartile {statistics.quantiles(cpu, n=4)[0]:.2f} ms; "
          f"the center app's alone: median {statistics.median(center_cpu):.2f} ms, first quartile "
          f"{statistics.quantiles(center_cpu, n=4)[0]:.2f} ms ({options.requests} requests, "
          f"load average {os.getloadavg()[0]:.2f})")


if __name__ == "__main__":
    main()
