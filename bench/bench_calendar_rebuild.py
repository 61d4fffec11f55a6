"""Benchmark: the admin closes one day on the office calendar (Kalender Kantor) with N applications in service,
each followed at /cek (issue 71: their public records follow the calendar; issue 73: at what cost).

    python bench/bench_calendar_rebuild.py [--applications 1000 10000] [--runs 5]

A fresh office (its migrations, the public status on) with `--applications` applications in service written
straight into their tables, promised from 60 days ago to 30 days ahead, each with its public record, two
timeline lines and, one in fifty, a number the center changed (its audit row). Then, `--runs` times, each
in a transaction rolled back after: `app/calendar/records.add_day` closes the day 10 days ago, the whole
admin's write (the day, its audit row and the public records that follow it). Printed: the median and each
run's wall and CPU seconds, the records queued again (a new version each), and the SQL statements the write ran.
"""
import argparse
import os
import statistics
import sys
import tempfile
import time
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))


class _Rollback(Exception):
    pass


def office(count: int):
    """A fresh office folder with `count` applications in service and their public records."""
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    from app import create_app
    from app.frame import audit, store
    from app.frame.dates import utc_now
    from app.frame.db import database
    from app.public_status import records as public_records
    from app.public_status.models import PublicStatus
    from app.registration.models import Application, StatusEvent
    from app.registration.service_time import office_today
    app = create_app({"DATA_DIR": Path(tempfile.mkdtemp(prefix="bench-calendar-")), "SECRET_KEY": "bench",
                      "TESTING": True, "PUBLIC_STATUS": True})
    with app.app_context(), database.connection_context():
        today, now = office_today(), utc_now()
        with database.atomic():
            store.put("kecamatan_code", "35.08.07")
            store.put("kecamatan_name", "Yosowilangun")
            for n in range(1, count + 1):
                number = f"350807-01-{n:06d}"
                application = Application.create(
                    registration_number=number, nik=f"3508070101{n:06d}", kk_number="3508070101100007",
                    full_name=f"Warga {n}", birth_place="Lumajang", birth_date=today.replace(year=1990),
                    sex="L", address="Jl. Mawar", rt="001", rw="002", desa_code="35.08.07.2001", religion="Islam",
                    marital_status="Kawin", occupation="Petani", reason="baru", status="lengkap",
                    promised_date=today + timedelta(days=n % 90 - 60), completed_at=now, created_at=now,
                    updated_at=now)
                for step in ("diterima", "lengkap"):
                    StatusEvent.create(application=application, from_status="diterima", to_status=step, at=now,
                                       username="petugas", note="")
                if n % 50 == 0:  # the center gave it a new number once
                    audit.record("ubah_nomor", "permohonan_ktp", application.id, "nomor diganti pusat",
                                 before={"registration_number": f"350807-09-{n:06d}"},
                                 after={"registration_number": number})
                PublicStatus.create(kind="ktp", source_id=application.id, number=number,
                                    check_code=public_records.new_check_code(), step=1, content_hash="",
                                    created_at=now)
            # every record as it went out before the day was closed
            public_records.applications_changed([(a, a.status, a.status) for a in Application.select()])
    return app


def close_a_day(app, runs: int) -> list[tuple[float, float, int, int]]:
    """(wall s, CPU s, records queued, statements) of each run of the admin's write, rolled back after."""
    from app.calendar import records as calendar_records
    from app.frame.db import database
    from app.registration.service_time import office_today
    from app.public_status.models import PublicStatus
    from peewee import fn
    found = []
    with app.app_context(), database.connection_context():
        day = office_today() - timedelta(days=10)
        while day.weekday() >= 5:
            day -= timedelta(days=1)
        for _ in range(runs):
            statements = []
            connection = database.connection()
            try:
                with database.atomic():
                    versions = PublicStatus.select(fn.SUM(PublicStatus.step)).scalar()
                    connection.set_exec_trace(lambda cursor, sql, bindings: statements.append(sql) or True)
                    started, used = time.perf_counter(), time.process_time()
                    calendar_records.add_day(day, {"day": day.isoformat(), "kind": "tutup", "name": "Rapat"}, "admin")
                    wall, cpu = time.perf_counter() - started, time.process_time() - used
                    connection.set_exec_trace(None)
                    found.append((wall, cpu, PublicStatus.select(fn.SUM(PublicStatus.step)).scalar() - versions, len(statements)))
                    raise _Rollback
            except _Rollback:
                pass
    return found


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--applications", type=int, nargs="+", default=[1000, 10000])
    parser.add_argument("--runs", type=int, default=5)
    options = parser.parse_args(argv)
    print(f"load average before: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    for count in options.applications:
        runs = close_a_day(office(count), options.runs)
        print(f"{count:>6} in service: wall median {statistics.median(r[0] for r in runs):.3f} s, CPU median "
              f"{statistics.median(r[1] for r in runs):.3f} s (runs: "
              + ", ".join(f"{wall:.3f}/{cpu:.3f}" for wall, cpu, _, _ in runs)
              + f"); {runs[0][2]} records queued, {runs[0][3]} statements", flush=True)
    print(f"load average after: {' '.join(f'{x:.2f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
