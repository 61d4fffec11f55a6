"""Benchmark: the quarterly recap and the indicators page, through a real waitress server.

    python bench/bench_recap.py [--total 200000] [--quarter 20000] [--applications 50000] [--runs 15]
                                [--mixed-users 8 --mixed-seconds 60]

Builds a fresh database in a temp folder: `--total` complaints over 2023-2026, of which
`--quarter` fall in Triwulan I 2025, `--applications` KTP-el applications (80% handed over, 12% returned
once), 1 500 surveys, the kotak saran opened on most working days.
Prints the median (and min/max) response time of: the live recap of Triwulan I 2025, the same
recap once approved (served from its frozen snapshot), its print notice, and the indicators
page for 2025. Goals (issue 5): recap < 200 ms, indicators < 300 ms; issue 16: indicators and
live recap <= 20 ms at 1M applications and 200k complaints.
With --mixed-users N: N users at once, each loading the register, the complaint book, the
dashboard, the live recap and the indicators page in turn for --mixed-seconds; prints the p95
of each page (issue 16 goal: <= 100 ms with 8 users), the server's CPU share and peak RSS.
"""
import argparse
import os
import random
import statistics
import sys
import tempfile
import threading
import time
from datetime import date, datetime, timedelta
from pathlib import Path

import requests

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from waitress.server import create_server  # noqa: E402

from app import create_app  # noqa: E402
from app.auth.accounts import create_user  # noqa: E402
from app.frame.db import database  # noqa: E402

PASSWORD = "bench-password-1"
CHANNELS = ["meja_informasi", "kiosk", "kotak_saran", "telepon", "sms", "surat"]
STATUSES = ["baru", "diteruskan", "ditindaklanjuti", "selesai", "selesai", "selesai", "bukan_kewenangan"]
TARGET_START, TARGET_END = datetime(2024, 12, 31, 17), datetime(2025, 3, 31, 17)  # Q1 2025 in WIB, as UTC
SPAN_START, SPAN_END = datetime(2023, 1, 1), datetime(2026, 9, 30)


def random_moment(rng, start, end):
    return start + timedelta(seconds=rng.randrange(int((end - start).total_seconds())))


def fill_applications(count: int, rng) -> None:
    """KTP-el applications over the same span: most handed over, some returned incomplete once."""
    apps, events = [], []
    for n in range(1, count + 1):
        created = random_moment(rng, SPAN_START, SPAN_END)
        promised = (created + timedelta(days=14)).date()
        handed = created + timedelta(days=rng.randrange(7, 20)) if rng.random() < 0.8 else None
        status = "diserahkan" if handed else rng.choice(["diterima", "terkirim", "siap_diambil", "dikembalikan"])
        apps.append((n, f"35080701{n:08d}", f"3508070101{n:06d}", f"Warga {n}", str(created.date() - timedelta(days=9000)),
                     status, str(promised), str(handed) if handed else None, str(created), str(created)))
        if rng.random() < 0.12:
            events.append((n, str(created + timedelta(hours=1))))
    connection = database.connection()
    with database.atomic():
        connection.cursor().executemany(
            'INSERT INTO application (id, registration_number, version, nik, kk_number, full_name, birth_place, '
            'birth_date, sex, address, rt, rw, desa_code, religion, marital_status, occupation, phone, reason, '
            'biometric_done, notes, mismatch_reason, requirements_met, missing_requirements, status, promised_date, '
            'handed_over_to, handover_relation, handover_id_number, handed_over_at, created_at, updated_at) '
            "VALUES (?, ?, 1, ?, '3508070101000001', ?, 'Lumajang', ?, 'L', 'Jl. Mawar', '001', '002', "
            "'35.08.07.2001', 'Islam', 'Kawin', 'Petani', '', 'baru', 1, '', '', '[]', '[]', ?, ?, '', '', '', ?, ?, ?)",
            apps)
        connection.cursor().executemany(
            "INSERT INTO application_status_event (application_id, from_status, to_status, at, username, note) "
            "VALUES (?, 'diterima', 'dikembalikan', ?, 'loket', '')", events)


def fill(total: int, in_quarter: int, applications: int, rng) -> None:
    db = database
    with db.atomic():
        for name in (["KTP-el", "Kartu Keluarga", "Akta", "Perilaku petugas", "Antrean", "Biaya",
                                  "Sarana", "Informasi", "Pindah datang", "Lainnya"]):
            db.execute_sql('INSERT OR IGNORE INTO complaint_category (name, section, is_active) VALUES (?, ?, 1)',
                           (name, "Kasi Pelayanan"))
    categories = [r[0] for r in db.execute_sql("SELECT id FROM complaint_category")]
    rows = []
    for n in range(total):
        if n < in_quarter:
            received = random_moment(rng, TARGET_START, TARGET_END)
        else:
            received = random_moment(rng, SPAN_START, SPAN_END)
            while TARGET_START <= received < TARGET_END:
                received = random_moment(rng, SPAN_START, SPAN_END)
        status = rng.choice(STATUSES)
        first = received + timedelta(hours=rng.randrange(1, 96)) if status != "baru" else None
        done = received + timedelta(hours=rng.randrange(4, 400)) if status in ("selesai", "bukan_kewenangan") else None
        rows.append((f"PGD-{n:07d}", str(received), rng.choice(CHANNELS), rng.choice(categories),
                     "" if rng.random() < 0.3 else f"Warga {n}", rng.random() < 0.3, rng.random() < 0.05,
                     f"Pengaduan nomor {n}: antrean panjang dan informasi persyaratan kurang jelas di loket.",
                     status, str(first) if first else None, str(done) if done else None,
                     "Sudah ditindaklanjuti oleh Kasi Pelayanan." if done else "", str(received), str(received)))
    connection = db.connection()
    with db.atomic():
        connection.cursor().executemany(
            'INSERT INTO complaint (tracking_number, received_at, channel, category_id, complainant_name, '
            'complainant_contact, is_anonymous, is_confidential, registration_number, text, status, section, '
            'other_office, first_response_at, followed_up_at, tindak_lanjut, answered_from_desk_info, '
            'created_at, updated_at) VALUES (?, ?, ?, ?, ?, \'\', ?, ?, \'\', ?, ?, \'Kasi Pelayanan\', \'\', '
            '?, ?, ?, 0, ?, ?)', rows)
    with db.atomic():
        day = date(2023, 1, 2)
        while day < date(2026, 9, 30):
            if day.weekday() < 5 and rng.random() < 0.93:
                db.execute_sql('INSERT INTO suggestion_box_session (opened_on, slip_count, is_empty, note, created_at) '
                               'VALUES (?, 0, 1, \'\', ?)', (str(day), str(datetime.combine(day, datetime.min.time()))))
            day += timedelta(days=1)
    fill_applications(applications, rng)
    from app.survey.demo import fill_demo
    fill_demo(argparse.Namespace(surveys=1500), rng)
    with db.atomic():
        create_user("camat", "Camat Bench", "camat", "197201141998031005", password=PASSWORD, must_change_password=False)
        create_user("info", "Info Bench", "petugas_informasi", password=PASSWORD, must_change_password=False)
        create_user("loket", "Loket Bench", "petugas_loket", password=PASSWORD, must_change_password=False)


def login(base: str, username: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/masuk").text
    token = page.split('name="csrf_token" value="')[1].split('"')[0]
    response = session.post(f"{base}/masuk", data={"csrf_token": token, "username": username, "password": PASSWORD})
    response.raise_for_status()
    return session


def timed(session, url, runs):
    times = []
    for _ in range(runs + 1):
        start = time.perf_counter()
        response = session.get(url)
        times.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    return times[1:]  # the first request warms caches (calendar years, templates)


# page: (URL, the account whose role opens it)
MIXED_PAGES = {"register": ("/pendaftaran", "loket"), "register page 5": ("", "loket"),
               "complaint book": ("/pengaduan/", "info"), "dashboard": ("/", "camat"),
               "live recap": ("/rekap/2025/2", "camat"), "indicators": ("/indikator?tahun=2025", "camat")}


def mixed_load(base: str, users: int, seconds: float) -> None:
    """`users` sessions at once, each going round every page; p95 per page, server CPU and RSS."""
    import resource
    sessions = [{name: login(base, name) for name in ("loket", "info", "camat")} for _ in range(users)]
    # Page 5 of the register by the links a clerk follows (keyset cursors where the branch has them).
    deep = sessions[0]["loket"].get(f"{base}/pendaftaran").text
    for _ in range(4):
        found = deep.split('rel="next"')[0].rsplit('href="', 1)[1].split('"')[0].replace("&amp;", "&")
        deep = sessions[0]["loket"].get(base + found).text
    MIXED_PAGES["register page 5"] = (found, "loket")
    times = {name: [] for name in MIXED_PAGES}
    stop = time.monotonic() + seconds

    def user(session, offset):
        names = list(MIXED_PAGES)
        turn = offset
        while time.monotonic() < stop:
            name = names[turn % len(names)]
            url, account = MIXED_PAGES[name]
            start = time.perf_counter()
            response = session[account].get(base + url)
            times[name].append((time.perf_counter() - start) * 1000)
            assert response.status_code == 200, (name, response.status_code)
            turn += 1
    cpu_before, wall_before = time.process_time(), time.monotonic()
    threads = [threading.Thread(target=user, args=(s, i)) for i, s in enumerate(sessions)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    cpu = (time.process_time() - cpu_before) / (time.monotonic() - wall_before)
    print(f"mixed load: {users} users for {seconds:.0f} s (server and clients in this process)")
    for name, values in times.items():
        values.sort()
        p95 = values[int(0.95 * (len(values) - 1))]
        print(f"  {name:24} n {len(values):5}  median {statistics.median(values):7.1f} ms  p95 {p95:7.1f} ms"
              f"  ({'met' if p95 <= 100 else 'MISSED'} <= 100 ms)")
    print(f"  process CPU {cpu * 100:.0f} % of one core; peak RSS "
          f"{resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB (includes the fill and the clients)")


def main() -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--total", type=int, default=200_000)
    parser.add_argument("--quarter", type=int, default=20_000)
    parser.add_argument("--applications", type=int, default=50_000)
    parser.add_argument("--runs", type=int, default=15)
    parser.add_argument("--mixed-users", type=int, default=0)
    parser.add_argument("--mixed-seconds", type=float, default=60)
    options = parser.parse_args()
    folder = Path(tempfile.mkdtemp(prefix="bench-recap-"))
    app = create_app({"DATA_DIR": folder, "SECRET_KEY": "bench"})
    started = time.perf_counter()
    with app.app_context(), app.extensions["database"].connection_context():
        fill(options.total, options.quarter, options.applications, random.Random(5))
    print(f"filled {options.total} complaints ({options.quarter} in Triwulan I 2025), "
          f"{options.applications} applications in "
          f"{time.perf_counter() - started:.0f} s: {folder}")
    server = create_server(app, host="127.0.0.1", port=0, threads=4)
    base = f"http://127.0.0.1:{server.effective_port}"
    threading.Thread(target=server.run, daemon=True).start()
    camat, info = login(base, "camat"), login(base, "info")
    print("load average before: %.2f %.2f %.2f (this machine has %d cores)" % (*os.getloadavg(), os.cpu_count()))

    def report(name, times, goal=None):
        median = statistics.median(times)
        verdict = "" if goal is None else (" (goal < %d ms: %s)" % (goal, "met" if median < goal else "MISSED"))
        print(f"{name:48} median {median:7.1f} ms  min {min(times):7.1f}  max {max(times):7.1f}{verdict}")

    report("recap Triwulan I 2025 (live, 20k complaints)", timed(camat, f"{base}/rekap/2025/1", options.runs), 200)
    if options.mixed_users:
        mixed_load(base, options.mixed_users, options.mixed_seconds)
    report("indicators 2025 (8-quarter trends)", timed(camat, f"{base}/indikator?tahun=2025", options.runs), 300)
    token = info.get(f"{base}/rekap/2025/1").text.split('name="csrf_token" value="')[1].split('"')[0]
    info.post(f"{base}/rekap/2025/1/draf", data={"csrf_token": token, "promises": "Janji", "narrative": "Uraian",
                                                  "ajukan": "1"}).raise_for_status()
    token = camat.get(f"{base}/rekap/2025/1").text.split('name="csrf_token" value="')[1].split('"')[0]
    start = time.perf_counter()
    camat.post(f"{base}/rekap/2025/1/setujui", data={"csrf_token": token}).raise_for_status()
    print(f"{'approve (freeze snapshot with full list)':48} once   {(time.perf_counter() - start) * 1000:7.1f} ms")
    report("recap Triwulan I 2025 (approved snapshot)", timed(camat, f"{base}/rekap/2025/1", options.runs), 200)
    report("recap Triwulan II 2025 (live, prev. approved)", timed(camat, f"{base}/rekap/2025/2", options.runs), 200)
    report("print notice Triwulan I 2025 (all rows)", timed(camat, f"{base}/rekap/2025/1/cetak", max(3, options.runs // 3)))
    print("load average after:  %.2f %.2f %.2f" % os.getloadavg())
    server.close()
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
