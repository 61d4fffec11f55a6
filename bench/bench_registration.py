"""KTP-el counter speed: register page, search fragment and saving through a real waitress server.

    python bench/bench_registration.py                  # 20,000 and 200,000 applications
    python bench/bench_registration.py --sizes 20000    # one size
    python bench/bench_registration.py --keep           # reuse the demo databases in --work

Each size gets its own data folder filled by `run.py demo --applications N` (timed), then the
app is served by waitress in its own process on a free local port and measured with real HTTP
requests (requests). The server also reports its CPU time per request.
Figures are medians and 95th percentiles in milliseconds; results go in docs/benchmarks.md.
"""
import argparse
import io
import multiprocessing
import os
import random
import re
import shutil
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

PASSWORD = "bench-rahasia-1"
SERVER_CPU: dict[str, list[float]] = {}
SEARCHES = ["sit", "budi", "wahyu sa", "dew", "ahmad", "nur h", "rizky", "3508071", "35080752",
            "3508074512", "350807-01-0001", "350807-01-00019", "ret", "hidayat", "santoso a"]
FILTERS = ["status=dikirim", "status=siap_diambil", "terlambat=1", "desa=35.08.07.2005", "alasan=hilang",
           "status=diserahkan&halaman=40", "dari=2026-01-01&sampai=2026-01-31"]


def percentile(values, share):
    ordered = sorted(values)
    return ordered[min(len(ordered) - 1, int(round(share * (len(ordered) - 1))))]


def summary(values) -> str:
    return f"median {statistics.median(values):6.1f} ms   p95 {percentile(values, 0.95):6.1f} ms   (n={len(values)})"


def fill(data: Path, size: int) -> float:
    started = time.perf_counter()
    subprocess.run([sys.executable, str(ROOT / "run.py"), "demo", "--data", str(data), "--applications", str(size),
                    "--password", PASSWORD], check=True, stdout=subprocess.DEVNULL)
    return time.perf_counter() - started


def _serve_child(data: str, port: int) -> None:
    """The app on waitress in its own process (as in the office), telling its CPU time per request."""
    from waitress import serve as waitress_serve

    from app import create_app
    app = create_app({"DATA_DIR": Path(data)})

    # Server CPU per request (thread time), sent back in a header: on a shared, busy machine the wall
    # time the client sees includes waiting for a core, the CPU time does not.
    @app.before_request
    def start_clock():
        from flask import g
        g.bench_cpu = time.thread_time()

    @app.after_request
    def stop_clock(response):
        from flask import g
        if "bench_cpu" in g:
            response.headers["X-Server-CPU-ms"] = f"{(time.thread_time() - g.bench_cpu) * 1000:.2f}"
        return response
    waitress_serve(app, host="127.0.0.1", port=port, threads=4, _quiet=True)


def serve(data: Path):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = multiprocessing.get_context("spawn").Process(target=_serve_child, args=(str(data), port), daemon=True)
    process.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(300):
        try:
            if requests.get(f"{base}/healthz", timeout=2).ok:
                return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def _note_cpu(label, response) -> None:
    if "X-Server-CPU-ms" in response.headers:
        SERVER_CPU.setdefault(label, []).append(float(response.headers["X-Server-CPU-ms"]))


def csrf_from(html: str) -> str:
    return re.search(r'name="csrf_token" value="([^"]+)"', html).group(1)


def timed_get(session, url, headers=None, label="") -> float:
    started = time.perf_counter()
    response = session.get(url, headers=headers)
    elapsed = (time.perf_counter() - started) * 1000
    _note_cpu(label, response)
    assert response.status_code == 200, (url, response.status_code)
    return elapsed


def measure(base: str, rounds: int) -> dict[str, list[float]]:
    session = requests.Session()
    login = session.get(f"{base}/masuk").text
    session.post(f"{base}/masuk", data={"username": "loket1", "password": PASSWORD, "csrf_token": csrf_from(login)})
    results = {"register page": [], "search fragment": [], "filtered page": [], "save application": []}
    for _ in range(3):  # warm the caches (desa list, calendar, SQLite pages)
        timed_get(session, f"{base}/pendaftaran")
    fragment = {"HX-Request": "true", "HX-Target": "register-results"}
    for i in range(rounds):
        results["register page"].append(timed_get(session, f"{base}/pendaftaran", label="register page"))
        results["search fragment"].append(timed_get(session, f"{base}/pendaftaran?q={SEARCHES[i % len(SEARCHES)]}",
                                                    fragment, "search fragment"))
        results["filtered page"].append(timed_get(session, f"{base}/pendaftaran?{FILTERS[i % len(FILTERS)]}",
                                                  label="filtered page"))
    token = csrf_from(session.get(f"{base}/pendaftaran/baru").text)
    rng = random.Random(5)
    for i in range(min(rounds, 60)):
        serial = 9000 + i
        form = {"csrf_token": token, "nik": f"350807120590{serial:04d}", "kk_number": "3508070101100007",
                "full_name": f"Bench Pemohon {chr(65 + i % 26)}", "birth_place": "Lumajang", "birth_date": "1990-05-12",
                "sex": "L", "address": "Dusun Krajan", "rt": str(rng.randint(1, 9)), "rw": "1", "desa": "Darungan",
                "religion": "Islam", "marital_status": "Kawin", "occupation": "Petani/Pekebun", "phone": "",
                "reason": "rusak", "notes": "", "mismatch_reason": ""}
        started = time.perf_counter()
        response = session.post(f"{base}/pendaftaran/baru", data=form, allow_redirects=False)
        results["save application"].append((time.perf_counter() - started) * 1000)
        _note_cpu("save application", response)
        assert response.status_code == 302, response.text[:500]
    return results


def photo_bench(rounds: int = 7) -> list[float]:
    from PIL import Image, ImageDraw

    from app.frame.applicant_photo import normalise_photo
    image = Image.effect_noise((4000, 3000), 60).convert("RGB")  # 12 MP with detail, like a phone photo
    ImageDraw.Draw(image).ellipse((1400, 600, 2600, 2200), fill=(220, 180, 150))
    out = io.BytesIO()
    image.save(out, "JPEG", quality=92)
    data = out.getvalue()
    times = []
    for _ in range(rounds):
        started = time.perf_counter()
        normalise_photo(data)
        times.append((time.perf_counter() - started) * 1000)
    print(f"photo: 12 MP JPEG of {len(data) / 1e6:.1f} MB")
    return times


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--sizes", type=int, nargs="+", default=[20000, 200000])
    parser.add_argument("--rounds", type=int, default=150)
    parser.add_argument("--work", default="/tmp/loket-bench-registration")
    parser.add_argument("--keep", action="store_true", help="reuse existing demo databases")
    options = parser.parse_args()
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    for size in options.sizes:
        data = Path(options.work) / f"n{size}"
        if not (options.keep and (data / "loket.sqlite3").exists()):
            if data.exists():
                shutil.rmtree(data)  # database, its key folder (kunci/) and backups
            print(f"\n== {size:,} applications: demo fill took {fill(data, size):.1f} s")
        else:
            print(f"\n== {size:,} applications (reused {data})")
        server, base = serve(data)
        SERVER_CPU.clear()
        try:
            for name, values in measure(base, options.rounds).items():
                print(f"{name:18} {summary(values)}   server CPU median {statistics.median(SERVER_CPU[name]):5.1f} ms")
        finally:
            server.terminate()
            server.join()
    print(f"{'photo normalise':18} {summary(photo_bench())}")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
