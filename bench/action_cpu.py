"""The server's CPU of a clerk's action, the page it leads to included (issue 73, finding 1), in process.

On a half core shared with a busy program each ms of the server's CPU costs about 4 ms of the clerk's
wait, so what an action computes is what is left between it and 300 ms p95 (docs/benchmarks.md, "A
kecamatan PC"). Each action as slow_pc.py does it, through the app's own test client (no waitress, no
network): the POST and the page its redirect shows, timed by the thread's CPU clock (time.thread_time);
the form page the clerk opened before it is not counted. Actions: register with photo (a 1200x1600 phone
JPEG of bench_day.photo_jpeg), checklist (every requirement ticked), status move (a shipped card marked
ready), handover (to the applicant), complaint (the desk's form, by phone).

    python bench/action_cpu.py --data /tmp/office20k [--rounds 5] [--runs 15] [--before DIR] [--profile FILE]

`--data` is an office folder filled by `run.py demo --applications 20000 --password bench-kantor-2026`
(made there when missing); each round copies it, so every round starts from the same office. With
`--before DIR` (another checkout, e.g. `git worktree add DIR <commit>`) the rounds alternate between that
tree and this one, each round its own process, so a shared machine's load falls on both alike. Printed:
each round's median CPU per action and the median of the rounds per tree. `--profile FILE`: one round of
this tree under cProfile by thread CPU, the counted requests only, written to FILE.
"""
import argparse
import io
import json
import os
import random
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from datetime import date, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
ACTIONS = ("register with photo", "checklist", "status move", "handover", "complaint")
PASSWORD = "bench-kantor-2026"


def fill(data: Path, applications: int) -> None:
    subprocess.run([sys.executable, str(ROOT / "run.py"), "demo", "--data", str(data), "--applications",
                    str(applications), "--password", PASSWORD], check=True, stdout=subprocess.DEVNULL)


def measure(folder: str, runs: int, profile_to: str | None = None, check_photo: bool = True) -> dict:
    """In this process, on the tree first on sys.path: {action: [CPU ms of each run]}."""
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    sys.path.insert(0, str(ROOT / "bench"))
    from bench_day import FormReader, photo_jpeg
    from app import create_app
    from app.auth.models import User
    from app.frame.db import database
    from app.registration.models import Application
    from app.registration.status import ApplicationStatus as S, transition
    from tests.conftest import CsrfClient, sign_in_as
    from werkzeug.test import EnvironBuilder

    app = create_app({"DATA_DIR": folder, "SECRET_KEY": "bench-action-cpu", "TESTING": False})
    app.test_client_class = CsrfClient
    clients = {}
    with app.app_context(), database.connection_context():
        for name in ("loket1", "info"):
            clients[name] = app.test_client()
            sign_in_as(clients[name], User.get(User.username == name))
        # cards on their way to the office: the status move marks one ready, the handover gives it out
        shipped = [row.id for row in Application.select(Application.id)
                   .where(Application.status == S.RECEIVED.value).order_by(Application.id).limit(runs)]
        for application in Application.select().where(Application.id.in_(shipped)):
            with database.atomic():
                for step in (S.COMPLETE, S.SENT, S.RECEIVED_BY_CENTER, S.PRINTED, S.SHIPPED):
                    transition(application, step, note="bench")
    if len(shipped) < runs:
        raise SystemExit(f"only {len(shipped)} applications to ship; fill a bigger office")
    photos = [photo_jpeg(random.Random(n)) for n in range(4)]
    clerk, info = clients["loket1"], clients["info"]
    profiler = None
    if profile_to:
        import cProfile
        profiler = cProfile.Profile(time.thread_time)
    found = {action: [] for action in ACTIONS}

    def counted(action, post_path, data, **kwargs):
        """The POST and the page its redirect shows; the CPU of both (the request's body is encoded before,
        as the browser does it)."""
        client = kwargs.pop("client")
        environ = EnvironBuilder(path=post_path, method="POST", data={"csrf_token": client._token(), **data},
                                 **kwargs).get_environ()
        if profiler:
            profiler.enable()
        used = time.thread_time()
        response = client.open(environ)
        location = response.headers.get("Location", "")
        assert response.status_code in (302, 303) and "/masuk" not in location, (
            action, response.status_code, response.get_data(as_text=True)[:500])
        shown = client.get(location)
        found[action].append((time.thread_time() - used) * 1000)
        if profiler:
            profiler.disable()
        assert shown.status_code == 200, (action, location, shown.status_code)
        return location

    for serial in range(1, runs + 1):
        form = FormReader(clerk.get("/pendaftaran/baru").get_data(as_text=True))
        birth = date(1970, 1, 1) + timedelta(days=serial * 37 % (365 * 30))
        photo = photos[serial % len(photos)]
        if check_photo:  # the browser's check when the photo is chosen, while the clerk types (404 on a tree without)
            clerk.post("/pendaftaran/periksa-foto", data={"birth_date": birth.isoformat(),
                                                          "photo": (io.BytesIO(photo), "foto.jpg")},
                       content_type="multipart/form-data")
        detail = counted("register with photo", "/pendaftaran/baru", {
            "nik": f"350807{birth.day:02d}{birth:%m%y}{serial % 9999 + 1:04d}",
            "kk_number": f"3508070101{serial % 90 + 10}{serial % 9999 + 1:04d}",
            "full_name": "Warga Lambat " + "".join("ABCDEFGHIJ"[int(d)] for d in str(serial)),
            "birth_place": "Lumajang", "birth_date": birth.isoformat(), "sex": "L",
            "address": f"Dusun Krajan No. {serial % 200 + 1}", "rt": "002", "rw": "001",
            "desa": (form.choices["desa-list"] or ["Yosowilangun Lor"])[0], "religion": "Islam",
            "marital_status": "Kawin", "occupation": "Petani/Pekebun", "phone": f"0812{serial:08d}",
            "reason": (form.choices["reason-list"] or ["Rusak"])[0], "biometric_done": "1",
            "form_token": form.values.get("form_token", ""),
            "photo": (io.BytesIO(photo), "foto.jpg", "image/jpeg")},
            client=clerk, content_type="multipart/form-data")
        checklist = FormReader(clerk.get(detail).get_data(as_text=True))
        counted("checklist", f"{detail}/persyaratan", {"syarat": checklist.checks.get("syarat", [])}, client=clerk)
        number = shipped[serial - 1]
        counted("status move", f"/pendaftaran/{number}/status", {"to_status": "siap_diambil", "note": ""},
                client=clerk)
        counted("handover", f"/pendaftaran/{number}/serah", {
            "collector": "pemohon", "name": "", "relation": "", "id_number": "", "note": ""}, client=clerk)
        desk = FormReader(info.get("/pengaduan/catat").get_data(as_text=True))
        counted("complaint", "/pengaduan/catat", {
            "form_token": desk.values.get("form_token", ""), "desk_answer_id": "", "channel": "telepon",
            "received_at": desk.values.get("received_at", ""),
            "category_id": (desk.choices["category_id"] or [""])[0], "step": "baru",
            "text": f"Penelepon {serial} menanyakan antrean KTP-el yang lama."}, client=info)
    if profiler:
        profiler.dump_stats(profile_to)
    app.extensions["database"].close_all()
    return found


def one_round(tree: Path, data: Path, runs: int, profile_to: str | None = None) -> dict:
    """A round in its own process on `tree`, on a fresh copy of the office: {action: median CPU ms}."""
    with tempfile.TemporaryDirectory(prefix="action-cpu-") as scratch:
        folder = Path(scratch) / "office"
        shutil.copytree(data, folder)
        done = subprocess.run([sys.executable, str(ROOT / "bench" / "action_cpu.py"), "--child", str(tree),
                               "--data", str(folder), "--runs", str(runs), *(["--profile", profile_to] if profile_to
                                                                               else [])],
                              capture_output=True, text=True, cwd=tree)
    if done.returncode:
        raise SystemExit(f"round on {tree} failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


def child(tree: str, folder: str, runs: int, profile_to: str | None) -> None:
    # the tree's own app, not the one the venv's editable install would find first
    sys.meta_path[:] = [finder for finder in sys.meta_path
                        if not getattr(finder, "__module__", "").startswith("__editable__")]
    sys.path.insert(0, tree)
    import app  # noqa: F401  (before bench_day, which puts this tree first on the path)
    import tests  # noqa: F401
    found = measure(folder, runs, profile_to)
    assert Path(app.__file__).resolve().is_relative_to(Path(tree).resolve()), app.__file__
    print(json.dumps({action: statistics.median(values) for action, values in found.items()}))


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "action-cpu-office")
    parser.add_argument("--applications", type=int, default=20_000, help="the office's size when --data is made")
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--runs", type=int, default=15, help="each action's runs in a round (median taken)")
    parser.add_argument("--before", type=Path, help="another checkout: its rounds alternate with this tree's")
    parser.add_argument("--profile", help="one round of this tree under cProfile (thread CPU), written here")
    parser.add_argument("--child", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.child:
        child(options.child, str(options.data), options.runs, options.profile)
        return 0
    if not (options.data / "loket.sqlite3").exists():
        fill(options.data, options.applications)
    if options.profile:
        print(json.dumps(one_round(ROOT, options.data, options.runs, options.profile)))
        return 0
    trees = [("before", options.before.resolve()), ("now", ROOT)] if options.before else [("now", ROOT)]
    load = lambda: os.getloadavg()[0]  # noqa: E731
    print(f"load average {load():.1f} at the start; {options.runs} runs of each action a round, CPU ms median")
    rounds = {name: [] for name, _ in trees}
    for number in range(options.rounds):
        for name, tree in trees:
            medians = one_round(tree, options.data, options.runs)
            rounds[name].append(medians)
            print(f"round {number + 1} {name:>6}: " + ", ".join(f"{a} {medians[a]:.1f}" for a in ACTIONS)
                  + f"  (load {load():.1f})", flush=True)
    print(f"\n{'action':<22}" + "".join(f"{name:>10}" for name, _ in trees))
    for action in ACTIONS:
        print(f"{action:<22}" + "".join(f"{statistics.median(r[action] for r in rounds[name]):10.1f}"
                                        for name, _ in trees))
    return 0


if __name__ == "__main__":
    sys.exit(main())
