"""The frame's CPU per request (issue 73): what every page pays before and around its own content.

Every page and every clerk action pays the frame: the session and its account read, the settings, the
menu and its badges, the base page rendered, the security headers. Measured in process through the app's
test client (no waitress, no network), by the request's thread CPU (`reads_cpu.Measured`: time.thread_time,
and the thread's time inside SQLite's calls), median of many views:

- "frame clerk" / "frame camat": a page with nothing of its own (a probe route of this bench rendering
  templates/base.html around one paragraph), signed in as the first counter clerk / the Camat: the frame
  alone;
- "dashboard" and "register list" (the clerk's `/` and `/pendaftaran`), the light pages;
- "indicators" and "recap" (the Camat's `/indikator?tahun=<this year>` and `/rekap/2025/1`), the heavy
  pages, their figures computed on every view as bench_recap.py's "computed" (app/frame/figure_cache.py off
  during their views only: the other pages see the settings and the figures kept, as between writes).

    python bench/frame_cpu.py --data DIR [--views 40] [--rounds 15] [--before TREE]

`--data` is an office folder (made by `run.py demo --applications 20000` when missing; a bench_recap.py
folder, e.g. its n1000000, gives the heavy pages at 1M). Nothing in it is changed but the bench's own
sessions. With `--before TREE` (another checkout of the project, e.g. `git archive <commit> | tar -x -C
TREE`) two processes stay up side by side, one per tree, each with its app on the same folder, and the
rounds alternate between them page by page (who goes first alternating too), so a shared machine's load
falls on both alike. Printed: each page's median CPU, reads and statements per tree and the ratio now /
before.
"""
import argparse
import json
import os
import statistics
import subprocess
import sys
import tempfile
from datetime import date
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
PASSWORD = "bench-kantor-2026"
PROBE = "/bench/bingkai"
PROBE_PAGE = '{% extends "base.html" %}{% block content %}<p>Bingkai.</p>{% endblock %}'  # compiled once
HEAVY = {"indicators", "recap"}
PAGES = {  # name: (role signed in, path)
    "frame clerk": ("petugas_loket", PROBE),
    "frame camat": ("camat", PROBE),
    "dashboard": ("petugas_loket", "/"),
    "register list": ("petugas_loket", "/pendaftaran"),
    "indicators": ("camat", f"/indikator?tahun={date.today().year}"),
    "recap": ("camat", "/rekap/2025/1"),
}


def worker(tree: str, folder: str, computed: bool) -> None:
    """A tree's app, serving the driver's lines on stdin: {"page": name, "views": n} -> the views' figures."""
    sys.path.insert(0, tree)
    sys.path.insert(1, str(ROOT / "bench"))
    os.environ.setdefault("PYTHON_KEYRING_BACKEND", "keyring.backends.fail.Keyring")
    import reads_cpu
    from flask import Blueprint, render_template
    from jinja2 import ChoiceLoader, DictLoader

    from app import create_app
    from app.auth.models import User
    from app.frame import figure_cache
    from app.frame.access import install_policy
    from app.frame.signin import SESSION_TOKEN, start_session

    kept = {name: getattr(figure_cache, name) for name in ("kept", "kept_figure", "kept_quarters")}
    computing = {  # as bench_recap.py's "computed": the first view after a write
        "kept": lambda name, key, compute, stamp=None: compute(),
        "kept_figure": lambda name, key, compute, quarters=None: compute(),
        "kept_quarters": lambda name, keys, compute_many: compute_many(list(keys))}
    reads_cpu.watch_statements()
    app = create_app({"DATA_DIR": folder, "SECRET_KEY": "bench-frame-cpu", "TESTING": False})
    probe = Blueprint("bench_frame", __name__)
    probe.add_url_rule(PROBE, "frame", lambda: render_template("probe_bingkai.html"))
    app.jinja_env.loader = ChoiceLoader([DictLoader({"probe_bingkai.html": PROBE_PAGE}), app.jinja_env.loader])
    app.register_blueprint(probe)
    policy = app.extensions["policy"]
    marks = "  ".join("x" for _ in policy.columns)
    install_policy(app, policy.extended(f"bench.bingkai {marks} - halaman bingkai bench",
                                        {"bench.bingkai": "bench_frame.frame"}))
    clients = {}
    with app.app_context(), app.extensions["database"].connection_context():
        for role in {role for role, _ in PAGES.values()}:
            user = (User.select().where(User.role == role, User.is_active == True)  # noqa: E712
                    .order_by(User.id).first())
            if user is None:
                raise SystemExit(f"no active account of role {role} in {folder}")
            clients[role] = app.test_client()
            with clients[role].session_transaction() as session:
                session[SESSION_TOKEN] = start_session(user)
    for line in sys.stdin:
        asked = json.loads(line)
        role, path = PAGES[asked["page"]]
        for name, function in (computing if computed and asked["page"] in HEAVY else kept).items():
            setattr(figure_cache, name, function)
        cpu, reads = [], []
        for _ in range(asked["views"]):
            with reads_cpu.Measured() as measured:
                response = clients[role].get(path)
                response.get_data()
            if response.status_code != 200:
                raise SystemExit(f"{path} as {role}: {response.status_code}")
            cpu.append(measured.cpu_ms)
            reads.append(measured.reads_ms)
        print(json.dumps({"cpu": cpu, "reads": reads, "statements": len(measured.statements)}), flush=True)


class Tree:
    """A worker process on one tree, kept up for the whole run."""

    def __init__(self, name: str, tree: Path, folder: Path, computed: bool):
        self.name = name
        self.process = subprocess.Popen(
            [sys.executable, str(ROOT / "bench" / "frame_cpu.py"), "--worker", str(tree), "--data", str(folder),
             *([] if computed else ["--kept"])], stdin=subprocess.PIPE, stdout=subprocess.PIPE, text=True, cwd=tree)
        self.cpu = {page: [] for page in PAGES}
        self.reads = {page: [] for page in PAGES}
        self.statements = {}

    def views(self, page: str, count: int) -> None:
        self.process.stdin.write(json.dumps({"page": page, "views": count}) + "\n")
        self.process.stdin.flush()
        answer = self.process.stdout.readline()
        if not answer:
            raise SystemExit(f"the {self.name} tree's worker stopped (its error above)")
        found = json.loads(answer)
        self.cpu[page] += found["cpu"]
        self.reads[page] += found["reads"]
        self.statements[page] = found["statements"]

    def close(self) -> None:
        self.process.stdin.close()
        self.process.wait()


def fill(data: Path, applications: int) -> None:
    subprocess.run([sys.executable, str(ROOT / "run.py"), "demo", "--data", str(data), "--applications",
                    str(applications), "--password", PASSWORD], check=True, stdout=subprocess.DEVNULL)


def main(argv=None) -> int:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--data", type=Path, default=Path(tempfile.gettempdir()) / "frame-cpu-office")
    parser.add_argument("--applications", type=int, default=20_000, help="the office's size when --data is made")
    parser.add_argument("--views", type=int, default=40, help="views of each page a round, each tree")
    parser.add_argument("--rounds", type=int, default=15)
    parser.add_argument("--pages", default=",".join(PAGES), help="comma-separated names of PAGES")
    parser.add_argument("--before", type=Path, help="another checkout: its views alternate with this tree's")
    parser.add_argument("--kept", action="store_true", help="the heavy pages' figures kept, as shipped")
    parser.add_argument("--worker", help=argparse.SUPPRESS)
    options = parser.parse_args(argv)
    if options.worker:
        worker(options.worker, str(options.data), computed=not options.kept)
        return 0
    if not (options.data / "loket.sqlite3").exists():
        fill(options.data, options.applications)
    pages = [page.strip() for page in options.pages.split(",")]
    trees = [Tree("now", ROOT, options.data, not options.kept)]
    if options.before:
        trees.insert(0, Tree("before", options.before.resolve(), options.data, not options.kept))
    print(f"load average {os.getloadavg()[0]:.1f} at the start; {options.rounds} rounds of {options.views} views "
          f"of each page per tree, {'figures kept' if options.kept else 'heavy figures computed'}", flush=True)
    try:
        for page in pages:  # a warm-up: templates compiled, statements built, pages in the cache
            for tree in trees:
                tree.views(page, 5)
                tree.cpu[page].clear()
                tree.reads[page].clear()
        for number in range(options.rounds):
            for page in pages:
                for tree in (trees if number % 2 == 0 else trees[::-1]):
                    tree.views(page, options.views)
    finally:
        for tree in trees:
            tree.close()
    print(f"load average {os.getloadavg()[0]:.1f} at the end; thread CPU / of it in SQLite, ms, median; statements")
    print(f"\n{'page':<16}" + "".join(f"{tree.name + ' CPU / reads, statements':>36}" for tree in trees)
          + ("   now / before" if len(trees) == 2 else ""))
    for page in pages:
        cells = [f"{statistics.median(t.cpu[page]):8.3f} / {statistics.median(t.reads[page]):6.3f}, "
                 f"{t.statements[page]:3d}" for t in trees]
        ratio = (f"   {statistics.median(trees[1].cpu[page]) / statistics.median(trees[0].cpu[page]):6.2f}x"
                 if len(trees) == 2 else "")
        print(f"{page:<16}" + "".join(f"{cell:>36}" for cell in cells) + ratio)
    return 0


if __name__ == "__main__":
    sys.exit(main())
