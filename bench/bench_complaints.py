"""Buku Pengaduan list and search through a real waitress server, at 200,000 complaints.

    python bench/bench_complaints.py                      # fills /tmp/loket-bench-complaints once
    python bench/bench_complaints.py --data DIR --complaints 200000 --rounds 30

Fills the data folder with `run.py demo --complaints N` when it holds fewer complaints, starts
`run.py serve` on a free port, signs in as the information officer and the camat, and prints the
median and 90th percentile of each page (whole HTTP round trip, HTML rendered).
"""
import argparse
import re
import socket
import statistics
import subprocess
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-rahasia-1"


def complaints_in(data: Path) -> int:
    import apsw
    from app.frame.db import connect
    path = data / "loket.sqlite3"
    if not path.exists():
        return 0
    try:
        return connect(path).execute("SELECT count(*) FROM complaint").fetchone()[0]
    except apsw.SQLError:
        return 0


def free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def sign_in(base: str, username: str, password: str) -> requests.Session:
    session = requests.Session()
    page = session.get(f"{base}/masuk").text
    token = re.search(r'name="csrf_token" value="([^"]+)"', page).group(1)
    response = session.post(f"{base}/masuk", data={"csrf_token": token, "username": username, "password": password})
    response.raise_for_status()
    return session


def server_cpu_seconds(pid: int) -> float | None:
    """CPU time the server process has used (Linux /proc); None elsewhere.

    On a shared, busy machine wall-clock time mostly measures the neighbours; the server's own CPU
    time per request is what the page costs, and what an idle office PC would take."""
    try:
        fields = Path(f"/proc/{pid}/stat").read_text().rsplit(")", 1)[1].split()
        import os
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")
    except (OSError, IndexError, ValueError):
        return None


def timed(session, url, rounds, pid, headers=None):
    session.get(url, headers=headers)  # warm the page once
    samples = []
    cpu_before = server_cpu_seconds(pid)
    for _ in range(rounds):
        start = time.perf_counter()
        response = session.get(url, headers=headers)
        samples.append((time.perf_counter() - start) * 1000)
        assert response.status_code == 200, (url, response.status_code)
    cpu_after = server_cpu_seconds(pid)
    samples.sort()
    cpu = (cpu_after - cpu_before) * 1000 / rounds if cpu_before is not None else float("nan")
    return statistics.median(samples), samples[int(len(samples) * .9) - 1], cpu


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--data", default="/tmp/loket-bench-complaints")
    parser.add_argument("--complaints", type=int, default=200_000)
    parser.add_argument("--rounds", type=int, default=30)
    parser.add_argument("--password", default=PASSWORD, help="password of the demo accounts")
    options = parser.parse_args()
    data = Path(options.data)
    if complaints_in(data) < options.complaints:
        print(f"filling {data} with {options.complaints} complaints (run.py demo)…", flush=True)
        start = time.perf_counter()
        subprocess.run([sys.executable, "run.py", "demo", "--data", str(data), "--password", options.password,
                        "--complaints", str(options.complaints)], cwd=ROOT, check=True)
        print(f"  filled in {time.perf_counter() - start:.0f} s")
    port = free_port()
    server = subprocess.Popen([sys.executable, "run.py", "serve", "--data", str(data), "--port", str(port)],
                              cwd=ROOT, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
    base = f"http://127.0.0.1:{port}"
    try:
        for _ in range(100):
            try:
                requests.get(f"{base}/healthz", timeout=1)
                break
            except requests.ConnectionError:
                time.sleep(.2)
        info, camat = sign_in(base, "info", options.password), sign_in(base, "camat", options.password)
        number = re.search(r">(PGD-[0-9A-Z]{6})</a>", info.get(f"{base}/pengaduan/?status=selesai").text).group(1)
        pages = [
            ("list, first page", info, "/pengaduan/", None),
            ("list, page 40", info, "/pengaduan/?halaman=40", None),
            ("list, status baru", info, "/pengaduan/?status=baru", None),
            ("list, channel + category", info, "/pengaduan/?saluran=surat&kategori=3", None),
            ("list, one month + status", info, "/pengaduan/?dari=2025-06-01&sampai=2025-06-30&status=selesai", None),
            ("list, overdue", info, "/pengaduan/?lewat=ya", None),
            ("list, camat (no confidential)", camat, "/pengaduan/", None),
            ("search 'antrean' (htmx rows)", info, "/pengaduan/?q=antrean",
             {"HX-Request": "true", "HX-Target": "complaint-results"}),
            ("search 'toilet kotor'", info, "/pengaduan/?q=toilet+kotor", None),
            ("search 'ktp' + channel", info, "/pengaduan/?q=ktp&saluran=sms", None),
            ("search tracking number", info, f"/pengaduan/?q={number}", None),
            ("public status page", requests.Session(), f"/pengaduan/status?nomor={number}", None),
            ("health check (baseline)", requests.Session(), "/healthz", None),
        ]
        print(f"\n{complaints_in(data):,} complaints, {options.rounds} requests each, waitress on 127.0.0.1\n")
        print(f"{'page':34} {'median ms':>10} {'p90 ms':>8} {'server CPU ms/req':>18}")
        for label, session, url, headers in pages:
            median, p90, cpu = timed(session, base + url, options.rounds, server.pid, headers)
            print(f"{label:34} {median:10.1f} {p90:8.1f} {cpu:18.1f}")
        print(f"\nload average during the run: {' '.join(Path('/proc/loadavg').read_text().split()[:3]) if Path('/proc/loadavg').exists() else '?'}")
    finally:
        server.terminate()
        server.wait(timeout=10)
    return 0


if __name__ == "__main__":
    sys.exit(main())
