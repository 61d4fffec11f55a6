"""Encryption at rest: the same pages on the same data, encrypted and plaintext, side by side.

    python bench/bench_encryption.py                    # 20,000 applications, 150 rounds
    python bench/bench_encryption.py --size 200000 --rounds 100

One demo database (`run.py demo --applications N`, encrypted as every office database is) and a
decrypted copy of it. Two waitress servers in their own processes, one on each file; the
plaintext server is the same app with the key pragmas switched off (here only: the app itself has
no way to run unencrypted). Requests alternate between the two servers, one page at a time, so
both see the same machine load; figures are medians in ms, and the ratio encrypted / plaintext.
Also: the cost of opening a connection (one per request) and of a full backup.
"""
import argparse
import multiprocessing
import os
import shutil
import socket
import statistics
import sys
import time
from pathlib import Path

import requests

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_registration import FILTERS, PASSWORD, SEARCHES, csrf_from, fill  # noqa: E402


def _serve(data: str, port: int, plaintext: bool) -> None:
    if plaintext:  # the benchmark's peer: same code, no cipher
        import app.frame.db
        app.frame.db.live_key_pragmas = lambda key: []
        app.frame.db.prepare_database_file = lambda path: Path(path)
    from bench.bench_registration import _serve_child
    _serve_child(data, port)


def serve(data: Path, plaintext: bool):
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    process = multiprocessing.get_context("spawn").Process(target=_serve, args=(str(data), port, plaintext), daemon=True)
    process.start()
    base = f"http://127.0.0.1:{port}"
    for _ in range(600):
        try:
            if requests.get(f"{base}/healthz", timeout=2).ok:
                return process, base
        except requests.ConnectionError:
            time.sleep(0.1)
    raise RuntimeError("server did not start")


def decrypted_copy(encrypted: Path, plain: Path) -> None:
    from app.frame.db import connect
    if plain.exists():
        shutil.rmtree(plain)
    plain.mkdir(parents=True)
    source = connect(encrypted / "loket.sqlite3")
    source.execute("PRAGMA wal_checkpoint(TRUNCATE)").fetchall()
    source.execute(f"VACUUM INTO '{plain / 'work.sqlite3'}'")  # keeps the cipher: re-keyed below
    source.close()
    shutil.copytree(encrypted / "kunci", plain / "kunci")  # same key, so the copy opens
    work = connect(plain / "work.sqlite3")
    work.execute("PRAGMA rekey = ''").fetchall()
    work.close()
    (plain / "work.sqlite3").rename(plain / "loket.sqlite3")
    assert (plain / "loket.sqlite3").read_bytes()[:15] == b"SQLite format 3"


def signed_in(base: str) -> requests.Session:
    session = requests.Session()
    login = session.get(f"{base}/masuk").text
    session.post(f"{base}/masuk", data={"username": "loket1", "password": PASSWORD, "csrf_token": csrf_from(login)})
    return session


SERVER_CPU: dict[tuple[str, str], list[float]] = {}


def timed(call, cell: tuple[str, str]) -> float:
    """Wall time seen by the client; the server's own CPU time for the request goes to SERVER_CPU
    (on a shared, busy machine the wall time includes waiting for a core)."""
    started = time.perf_counter()
    response = call()
    assert response.status_code in (200, 302), response.status_code
    elapsed = (time.perf_counter() - started) * 1000
    if "X-Server-CPU-ms" in response.headers:
        SERVER_CPU.setdefault(cell, []).append(float(response.headers["X-Server-CPU-ms"]))
    return elapsed


def save_form(token: str, serial: int) -> dict:
    return {"csrf_token": token, "nik": f"350807120590{serial:04d}", "kk_number": "3508070101100007",
            "full_name": f"Bench Sandi {chr(65 + serial % 26)}", "birth_place": "Lumajang", "birth_date": "1990-05-12",
            "sex": "L", "address": "Dusun Krajan", "rt": "1", "rw": "1", "desa": "Darungan", "religion": "Islam",
            "marital_status": "Kawin", "occupation": "Petani/Pekebun", "phone": "", "reason": "rusak",
            "notes": "", "mismatch_reason": ""}


def measure(servers: dict[str, str], rounds: int) -> dict[tuple[str, str], list[float]]:
    sessions = {name: signed_in(base) for name, base in servers.items()}
    tokens = {name: csrf_from(sessions[name].get(f"{base}/pendaftaran/baru").text) for name, base in servers.items()}
    fragment = {"HX-Request": "true", "HX-Target": "register-results"}
    results: dict[tuple[str, str], list[float]] = {}
    for name, base in servers.items():  # warm both
        for _ in range(3):
            sessions[name].get(f"{base}/pendaftaran")
    for i in range(rounds):
        pages = {
            "register page": lambda name, b: sessions[name].get(f"{b}/pendaftaran"),
            "search fragment": lambda name, b: sessions[name].get(f"{b}/pendaftaran?q={SEARCHES[i % len(SEARCHES)]}",
                                                                  headers=fragment),
            "filtered page": lambda name, b: sessions[name].get(f"{b}/pendaftaran?{FILTERS[i % len(FILTERS)]}"),
            "dashboard": lambda name, b: sessions[name].get(f"{b}/"),
        }
        if i < 60:  # writes: a new application each, on both servers
            pages["save application"] = lambda name, b: sessions[name].post(
                f"{b}/pendaftaran/baru", data=save_form(tokens[name], 9000 + i), allow_redirects=False)
        order = list(servers.items()) if i % 2 == 0 else list(reversed(servers.items()))
        for page, call in pages.items():
            for name, base in order:  # the same page on both servers, one right after the other
                results.setdefault((page, name), []).append(timed(lambda: call(name, base), (page, name)))
    return results


def connection_cost(encrypted: Path, plain: Path, rounds: int = 300) -> dict[str, float]:
    import apsw
    from app.frame.db import connect
    costs = {}
    for name, opener in (("plaintext", lambda: apsw.Connection(str(plain / "loket.sqlite3"))),
                         ("encrypted", lambda: connect(encrypted / "loket.sqlite3"))):
        times = []
        for _ in range(rounds):
            started = time.perf_counter()
            connection = opener()
            connection.execute("SELECT count(*) FROM user").fetchone()
            connection.close()
            times.append((time.perf_counter() - started) * 1000)
        costs[name] = statistics.median(times)
    return costs


def backup_cost(encrypted: Path, plain: Path, work: Path) -> dict[str, float]:
    import apsw
    from app.backups.engine import backup_database
    started = time.perf_counter()
    backup_database(encrypted / "loket.sqlite3", work / "enc-backup.sqlite3")
    encrypted_s = time.perf_counter() - started
    started = time.perf_counter()
    source = apsw.Connection(str(plain / "loket.sqlite3"))
    target = apsw.Connection(str(work / "plain-backup.sqlite3"))
    with target.backup("main", source, "main") as copy:
        copy.step(-1)
    target.close()
    source.close()
    return {"encrypted": encrypted_s, "plaintext": time.perf_counter() - started}


def main() -> int:
    parser = argparse.ArgumentParser()
    parser.add_argument("--size", type=int, default=20000)
    parser.add_argument("--rounds", type=int, default=150)
    parser.add_argument("--work", default="/tmp/loket-bench-encryption")
    parser.add_argument("--keep", action="store_true", help="reuse the demo database in --work")
    options = parser.parse_args()
    work = Path(options.work)
    encrypted, plain = work / f"sandi-{options.size}", work / f"polos-{options.size}"
    print(f"load average before: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    if not (options.keep and (encrypted / "loket.sqlite3").exists()):
        if encrypted.exists():
            shutil.rmtree(encrypted)
        print(f"demo fill of {options.size:,} applications: {fill(encrypted, options.size):.1f} s")
    decrypted_copy(encrypted, plain)
    print(f"files: encrypted {(encrypted / 'loket.sqlite3').stat().st_size / 1e6:.1f} MB, "
          f"plaintext {(plain / 'loket.sqlite3').stat().st_size / 1e6:.1f} MB")
    servers, processes = {}, []
    try:
        for name, folder, is_plain in (("plaintext", plain, True), ("encrypted", encrypted, False)):
            process, base = serve(folder, is_plain)
            processes.append(process)
            servers[name] = base
        results = measure(servers, options.rounds)
    finally:
        for process in processes:
            process.terminate()
            process.join()
    print(f"\n{'':18} {'plaintext':>10} {'encrypted':>10} {'ratio':>6}   {'CPU plain':>9} {'CPU enc':>8} {'ratio':>6}"
          "   (medians in ms; CPU = server thread time)")
    for page in dict.fromkeys(p for p, _ in results):
        plain_ms, enc_ms = (statistics.median(results[(page, n)]) for n in ("plaintext", "encrypted"))
        plain_cpu, enc_cpu = (statistics.median(SERVER_CPU[(page, n)]) for n in ("plaintext", "encrypted"))
        print(f"{page:18} {plain_ms:10.1f} {enc_ms:10.1f} {enc_ms / plain_ms:6.2f}   {plain_cpu:9.1f} {enc_cpu:8.1f} "
              f"{enc_cpu / plain_cpu:6.2f}   (n={len(results[(page, 'encrypted')])})")
    costs = connection_cost(encrypted, plain)
    print(f"{'open connection':18} {costs['plaintext']:10.2f} {costs['encrypted']:10.2f} "
          f"{costs['encrypted'] / costs['plaintext']:6.2f}")
    backups = backup_cost(encrypted, plain, work)
    print(f"{'full backup (s)':18} {backups['plaintext']:10.2f} {backups['encrypted']:10.2f} "
          f"{backups['encrypted'] / backups['plaintext']:6.2f}")
    print(f"load average after: {' '.join(f'{x:.1f}' for x in os.getloadavg())}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
