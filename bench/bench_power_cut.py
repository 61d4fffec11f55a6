"""Power cuts and what durability costs (issue 33).

    python bench/bench_power_cut.py                       # 1,000 cuts per program + the save's cost
    python bench/bench_power_cut.py --cuts 300 --saves 40
    python bench/bench_power_cut.py --only cost           # only synchronous NORMAL vs FULL
    python bench/bench_power_cut.py --fuse 300            # the app under clerks, cut below the file system


Cuts: each program's database (kecamatan, desa PC, SQLite center) through its own factory,
pragmas and encryption, under a writing load; at a random write or sync the power goes off and
every write not yet synced is gone, then the file is opened again and checked
(tests/support/power_cut.py). Printed: cuts, acknowledged writes, lost, half-saved, corrupt.
`--synchronous normal` shows the same run with the old setting.

--fuse: the kecamatan program (`run.py serve`, killed at the cut) on a FUSE layer that forgets
every byte not fsynced and every folder entry whose folder was not fsynced (tests/support/
fuse_power_cut.py), under four clerks writing through the forms (tests/support/fuse_office.py);
cuts at random moments, at the Nth change and inside checkpoints. Then the control: the same with
synchronous=OFF, which must lose acknowledged writes (the layer does drop what was not synced).

Cost: the counter's save (POST /pendaftaran/baru with a photo, through the app in this process)
on a data folder on the real disk (--work), with synchronous=NORMAL and =FULL in alternating
blocks so both see the same machine; medians and 95th percentiles in ms.
"""
import argparse
import io
import re
import os
import shutil
import statistics
import sys
import tempfile
import time
from pathlib import Path

os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")  # keys in DATA/kunci/
ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(ROOT))

from bench.bench_day import percentile  # noqa: E402


def cuts(count: int, synchronous: str | None, seed: int) -> None:
    from tests.support.power_cut import run_cuts
    print(f"power cuts: {count} per program, synchronous={synchronous or 'as shipped'}")
    for number, program in enumerate(("kecamatan", "desa", "center")):
        started = time.perf_counter()
        report = run_cuts(program, count, seed=seed + number, synchronous=synchronous)
        print(f"  {report.line()}  {time.perf_counter() - started:.0f} s")
        for problem in report.problems[:3]:
            print(f"    {problem}")


def fuse_cuts(count: int, control: int, seed: int) -> None:
    from tests.support.fuse_office import run_office_cuts
    from tests.support.fuse_power_cut import fuse_available
    if (missing := fuse_available()):
        raise SystemExit(f"no FUSE here: {missing}")
    started = time.perf_counter()

    def progress(line: str) -> None:  # every 25th cut, on stderr, so a long run shows it is alive
        if line.startswith("cut ") and int(line.split(":")[0].split()[1]) % 25 == 0:
            print(f"  {time.strftime('%H:%M:%S')} {line}", file=sys.stderr, flush=True)
    report = run_office_cuts(count, seed=seed, say=progress)
    print(f"FUSE power cuts under the app, synchronous as shipped ({time.perf_counter() - started:.0f} s)")
    print(f"  {report.line()}")
    print(f"  where the cuts fell: {', '.join(f'{name} {n}' for name, n in sorted(report.triggers.items()))}")
    for problem in report.problems[:10]:
        print(f"    {problem}")
    if control:
        started = time.perf_counter()
        lazy = run_office_cuts(control, seed=seed + 1, synchronous="off")
        print(f"control, synchronous=OFF ({time.perf_counter() - started:.0f} s)")
        print(f"  cuts {lazy.cuts}  acknowledged {lazy.writes}  lost {lazy.lost}  corrupt {lazy.corrupt}  "
              f"failed restarts {lazy.failed_restarts}")


def _photo() -> bytes:
    from PIL import Image
    out = io.BytesIO()
    Image.effect_noise((600, 800), 40).convert("RGB").save(out, "JPEG", quality=90)
    return out.getvalue()


def _saves(folder: Path, synchronous: str, count: int, first: int, photo: bytes) -> list[float]:
    from app import create_app
    from app.auth.accounts import create_user
    from app.firstrun import seed_identity
    from app.frame import db as frame_db
    from app.frame.signin import SESSION_TOKEN, start_session

    saved = list(frame_db.PRAGMAS)
    frame_db.PRAGMAS[:] = [(n, synchronous if n == "synchronous" else v) for n, v in frame_db.PRAGMAS]
    try:
        app = create_app({"DATA_DIR": folder, "SECRET_KEY": "bench", "TESTING": True, "WTF_CSRF_ENABLED": False})
        database = app.extensions["database"]
        with app.app_context(), database.connection_context():
            if not (folder / "seeded").exists():
                seed_identity("35.08.07")
                create_user("loket-bench", "Petugas Bench", "petugas_loket", password="bench-rahasia-1",
                            must_change_password=False)
                (folder / "seeded").write_text("1")
            from app.auth.models import User
            token = start_session(User.get(User.username == "loket-bench"))
        client = app.test_client()
        with client.session_transaction() as session:
            session[SESSION_TOKEN] = token
        times = []
        for i in range(count):
            serial = first + i
            form = {"nik": f"350807120590{serial % 9999 + 1:04d}", "kk_number": "3508070101100007",
                    "full_name": "Bench Pemohon", "birth_place": "Lumajang", "birth_date": "1990-05-12", "sex": "L",
                    "address": "Dusun Krajan", "rt": "2", "rw": "1", "desa": "Darungan", "religion": "Islam",
                    "marital_status": "Kawin", "occupation": "Petani/Pekebun", "phone": "", "reason": "rusak",
                    "biometric_done": "1", "notes": "", "mismatch_reason": "",
                    "photo": (io.BytesIO(photo), "foto.jpg", "image/jpeg")}
            started = time.perf_counter()
            response = client.post("/pendaftaran/baru", data=form, content_type="multipart/form-data")
            times.append((time.perf_counter() - started) * 1000)
            assert response.status_code == 302, (response.status_code, re.findall(r"class=\"[^\"]*error[^\"]*\"[^>]*>([^<]+)", response.get_data(as_text=True)))
        database.close_all()
        return times
    finally:
        frame_db.PRAGMAS[:] = saved


def cost(saves: int, work: Path, blocks: int = 4) -> None:
    photo = _photo()
    work.mkdir(parents=True, exist_ok=True)
    folders = {mode: Path(tempfile.mkdtemp(prefix=f"sync-{mode}-", dir=work)) for mode in ("normal", "full")}
    times: dict[str, list[float]] = {mode: [] for mode in folders}
    try:
        per_block = max(1, saves // blocks)
        for block in range(blocks):
            for mode, folder in folders.items():
                times[mode] += _saves(folder, mode, per_block, block * per_block, photo)
        print(f"counter's save with a photo, {len(times['full'])} saves each, data on {work} (real disk)")
        print(f"  {'synchronous':<12} {'median ms':>10} {'p95 ms':>8}")
        for mode, values in times.items():
            print(f"  {mode.upper():<12} {statistics.median(values):>10.1f} {percentile(values, 95):>8.1f}")
        print(f"  FULL - NORMAL median: {statistics.median(times['full']) - statistics.median(times['normal']):+.1f} ms")
    finally:
        for folder in folders.values():
            shutil.rmtree(folder, ignore_errors=True)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--cuts", type=int, default=1000, help="power cuts per program")
    parser.add_argument("--saves", type=int, default=80, help="saves per synchronous setting")
    parser.add_argument("--synchronous", choices=("normal", "full"), help="override for the cuts (default: as shipped)")
    parser.add_argument("--only", choices=("cuts", "cost"))
    parser.add_argument("--fuse", type=int, metavar="CUTS", help="only the FUSE cuts under the app (tests/support/fuse_office.py)")
    parser.add_argument("--control", type=int, default=10, help="with --fuse: cuts of the synchronous=OFF control")
    parser.add_argument("--seed", type=int, default=1)
    parser.add_argument("--work", type=Path, default=Path(tempfile.gettempdir()), help="data folders for the cost (real disk)")
    options = parser.parse_args()
    if options.fuse:
        fuse_cuts(options.fuse, options.control, options.seed)
        return
    if options.only != "cost":
        cuts(options.cuts, options.synchronous, options.seed)
    if options.only != "cuts":
        cost(options.saves, options.work)


if __name__ == "__main__":
    main()
