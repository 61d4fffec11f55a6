"""A throwaway PostgreSQL cluster for a benchmark run outside scripts/test.sh (which starts its own).

The same cluster as scripts/test.sh's: the newest working pg_ctl, a copy of the initdb template it
keeps in .venv (or a fresh initdb), trust authentication, on 127.0.0.1 at a free port, fsync off;
as the `postgres` user when this runs as root (initdb and pg_ctl refuse root). Yields its URL
(database loket_test) and removes the cluster at the end.
"""
from __future__ import annotations

import glob
import os
import shutil
import subprocess
import tempfile
from contextlib import contextmanager
from pathlib import Path

ROOT = Path(__file__).resolve().parents[2]


def _pg_bin() -> Path:
    found = shutil.which("pg_ctl")
    candidates = ([Path(found).parent] if found else []) + [
        Path(p).parent for p in sorted(glob.glob("/usr/lib/postgresql/*/bin/pg_ctl"), reverse=True)]
    for folder in candidates:
        if all((folder / name).exists() for name in ("pg_ctl", "initdb", "postgres", "createdb")):
            return folder
    raise RuntimeError("no PostgreSQL (pg_ctl, initdb, postgres, createdb) found")


def _as_postgres(args: list[str]) -> list[str]:
    return ["runuser", "-u", "postgres", "--", *args] if os.geteuid() == 0 else args


@contextmanager
def throwaway_cluster():
    from tests.sync.harness import free_port
    pg_bin = _pg_bin()
    parent = "/dev/shm" if os.access("/dev/shm", os.W_OK) else None
    folder = Path(tempfile.mkdtemp(prefix="loket-pg-", dir=parent))
    data = folder / "data"
    template = ROOT / ".venv" / "pg-template"
    version = subprocess.run([str(pg_bin / "postgres"), "--version"], capture_output=True, text=True).stdout.strip()
    key = template.with_name("pg-template.key")
    if template.is_dir() and key.exists() and key.read_text().strip() == version:
        shutil.copytree(template, data, symlinks=True)
    else:
        data.mkdir()
    if os.geteuid() == 0:
        subprocess.run(["chown", "-R", "postgres:", str(folder)], check=True)
    if not (data / "PG_VERSION").exists():
        subprocess.run(_as_postgres([str(pg_bin / "initdb"), "-D", str(data), "-U", "postgres", "-A", "trust",
                                     "-E", "UTF8", "--locale=C.UTF-8", "--no-sync"]), check=True,
                       capture_output=True)
    os.chmod(data, 0o700)
    port = free_port()
    options = (f"-p {port} -c listen_addresses=127.0.0.1 -k {folder} -c fsync=off "
               "-c synchronous_commit=off -c full_page_writes=off")
    subprocess.run(_as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data), "-l", str(folder / "server.log"),
                                 "-w", "-t", "30", "-o", options, "start"]), check=True, capture_output=True)
    try:
        subprocess.run([str(pg_bin / "createdb"), "-h", "127.0.0.1", "-p", str(port), "-U", "postgres",
                        "loket_test"], check=True)
        yield f"postgresql://postgres@127.0.0.1:{port}/loket_test"
    finally:
        subprocess.run(_as_postgres([str(pg_bin / "pg_ctl"), "-D", str(data), "-m", "immediate", "-w", "stop"]),
                       capture_output=True)
        shutil.rmtree(folder, ignore_errors=True)
