"""Desa mode: the same program on a desa laptop, its own database, only the desa pages, enrolled by a code
from the kecamatan; its printed F-1.07 is accepted by that kecamatan's counter and refused elsewhere."""
import html
import os
import re
import subprocess
import sys
from contextlib import contextmanager
from pathlib import Path

import pytest

from app import create_app
from app.frame.db import database
from app.desa.models import PreRegistration
from tests.conftest import CsrfClient, sign_in_as
from tests.desa.conftest import DARUNGAN, KRATON, pre_register
from tests.support.factory import applicant_form, desa_operator, sync_link_row

ROOT = Path(__file__).parents[2]


def text(response) -> str:
    return html.unescape(response.get_data(as_text=True))


@contextmanager
def bound_to(app):
    """Models reach one database at a time (a process runs one office): point them at `app`'s."""
    db = app.extensions["database"]
    database.initialize(db)
    with app.app_context(), db.connection_context():
        yield db


@pytest.fixture
def kecamatan(app, office, client_as):
    return app


@pytest.fixture
def enrolment_code(kecamatan, client_as):
    database.initialize(kecamatan.extensions["database"])
    page = client_as("admin").post("/admin/operator-desa/kode-komputer", data={"desa": DARUNGAN})
    assert page.status_code == 200
    return re.search(r'<code class="enrolment-code">([^<]+)</code>', page.get_data(as_text=True)).group(1)


@pytest.fixture
def desa_app(tmp_path, kecamatan):
    app = create_app({"DATA_DIR": tmp_path / "desa-pc", "SECRET_KEY": "desa-secret", "TESTING": True, "MODE": "desa"})
    app.test_client_class = CsrfClient
    yield app
    database.initialize(kecamatan.extensions["database"])  # back to the kecamatan for the fixtures' teardown


def desa_admin(app):
    from app.auth.models import User
    from app.firstrun import ensure_admin
    with bound_to(app):
        password = ensure_admin()
        admin = User.get(User.username == "admin")
        admin.must_change_password = False
        admin.save()
    client = app.test_client()
    sign_in_as(client, admin)
    return client, password


def operator_client(desa_app):
    """A client signed in as the desa PC's operator of Darungan."""
    with bound_to(desa_app):
        user = desa_operator()
    client = desa_app.test_client()
    sign_in_as(client, user)
    return client


def enrolled_by_its_admin(desa_app, enrolment_code):
    """The desa PC enrolled on its admin's page: (the admin's client, its Darungan operator's client)."""
    admin, _ = desa_admin(desa_app)
    assert admin.post("/admin/komputer-desa", data={"kode": enrolment_code}).status_code == 302
    return admin, operator_client(desa_app)


def test_desa_mode_has_its_own_database_and_a_one_time_password(desa_app, tmp_path):
    assert desa_app.config["DATABASE_PATH"].name == "desa.sqlite3"
    assert (tmp_path / "desa-pc" / "desa.sqlite3").exists() and not (tmp_path / "desa-pc" / "loket.sqlite3").exists()
    _, password = desa_admin(desa_app)
    assert password and len(password) >= 10


# Written here, not read from the app: all a desa PC answers for its admin.
DESA_PC_ADMIN_MAY_OPEN = {"desa.operators", "desa.new_operator", "desa.bind_desa", "desa.enrol_pc", "desa.sync_now",
                          "desa.sync_state", "settings.autostart", "settings.upload_logo",
                          "auth.change_password", "core.dashboard", "settings.logo",
                          # issue 25: Cadangan Data in the browser, as at the kecamatan
                          "backups.index", "backups.create", "backups.download", "backups.restore",
                          "backups.new_pc_restore", "backups.recovery_key", "backups.recovery_key_printed",
                          "backups.recovery_key_change", "backups.recovery_key_typed",
                          # issue 70: a write kept without its audit row, named on its health card
                          "backups.trail_gaps", "backups.trail_gaps_seen",
                          # issue 44: the regency's signed releases reach the desa PC through its relay link
                          "updates.index", "updates.apply", "updates.nightly", "updates.from_folder",
                          "updates.confirm_root",
                          # issue 74: the desa PC's own guides (Panduan Admin Komputer Desa) and its messages page
                          "guide.index", "guide.show", "guide.sheet", "guide.messages"}


def test_a_desa_pc_answers_only_the_desa_pages(desa_app):
    from tests.core.test_access_matrix import concrete_url, every_route
    client, _ = desa_admin(desa_app)
    opened = set()
    for rule, method in every_route(desa_app):
        if rule.endpoint == "auth.logout":
            continue
        response = client.open(concrete_url(rule), method=method)
        assert response.status_code < 500, (rule.rule, response.status_code)
        if response.status_code != 404:
            opened.add(rule.endpoint)
    public = {"auth.login", "core.healthz", "core.htmx_js", "core.home"}
    desa_pages = {"desa.home", "desa.new", "desa.detail", "desa.form_print", "desa.photo", "desa.printed_list",
                  "desa.check_nik", "desa.check_kk"}  # 403 for the admin, 404 by id
    assert opened - public - desa_pages <= DESA_PC_ADMIN_MAY_OPEN, opened
    for gone in ("/pendaftaran", "/pengaduan/", "/audit", "/admin/pengguna", "/pra-pendaftaran", "/sinkronisasi",
                 "/admin/kantor"):
        assert client.get(gone).status_code == 404, gone
    menu = text(client.get("/admin/operator-desa"))
    assert "Pendaftaran KTP-el" not in menu and "Buku Pengaduan" not in menu and "Jejak Audit" not in menu


def test_an_enrolled_desa_pc_answers_every_page_below_500_to_its_admin(desa_app, enrolment_code):
    """Found by the office year (seed 1511, step 19): on a desa PC bound to its desa, the admin's
    /desa/daftar (its print page's back link named the kecamatan's queue, absent there) answered 500."""
    from tests.core.test_access_matrix import concrete_url, every_route
    client, _ = desa_admin(desa_app)
    assert client.post("/admin/komputer-desa", data={"kode": enrolment_code}).status_code == 302
    for rule, method in every_route(desa_app):
        if rule.endpoint == "auth.logout":
            continue
        response = client.open(concrete_url(rule), method=method)
        assert response.status_code < 500, (rule.rule, method, response.status_code)
    printed = client.get("/desa/daftar")
    assert printed.status_code == 200 and "DAFTAR STATUS KTP-el DESA DARUNGAN" in text(printed)


def test_enrolment_code_refusals(desa_app, enrolment_code):
    client, _ = desa_admin(desa_app)
    for bad, message in ((enrolment_code[:-30], "terpotong"), ("abc", "bukan kode pendaftaran"),
                         (enrolment_code[:30] + ("A" if enrolment_code[30] != "A" else "B") + enrolment_code[31:],
                          "")):
        response = client.post("/admin/komputer-desa", data={"kode": bad})
        assert response.status_code == 422 and message in text(response), bad[:40]
    with bound_to(desa_app):
        from app.frame import store
        assert store.get("desa_pc_desa_code") == ""


def test_enrolled_desa_pc_enters_forms_offline_and_the_kecamatan_accepts_its_qr(desa_app, enrolment_code, kecamatan,
                                                                                  client_as):
    from app.desa import qr
    loket = client_as("petugas_loket")
    admin, _ = desa_admin(desa_app)
    response = admin.post("/admin/komputer-desa", data={"kode": enrolment_code})
    assert response.status_code == 302
    assert "Komputer ini terdaftar untuk Desa Darungan" in text(admin.get("/admin/operator-desa"))
    created = admin.post("/admin/operator-desa/baru", data={"username": "kaur.darungan", "full_name": "Kaur Umum",
                                                          "desa": [DARUNGAN, KRATON]})
    assert created.status_code == 422  # a desa PC binds accounts to its own desa only
    created = admin.post("/admin/operator-desa/baru", data={"username": "kaur.darungan", "full_name": "Kaur Umum",
                                                          "desa": [DARUNGAN]})
    assert created.status_code == 200 and "Kata sandi sementara" in text(created)
    with bound_to(desa_app):
        from app.auth.models import User
        operator = User.get(User.username == "kaur.darungan")
        operator.must_change_password = False
        operator.save()
    desa = desa_app.test_client()
    sign_in_as(desa, operator)
    saved = pre_register(desa, applicant_form())
    assert saved.status_code == 302, text(saved)[:800]
    with bound_to(desa_app):
        pre = PreRegistration.get()
        assert pre.number.startswith("PRA-3508072001-D1-")
        code = qr.encode(pre)
    page = desa.get(f"/desa/pra-pendaftaran/{pre.id}/f107")
    assert page.status_code == 200 and "KECAMATAN YOSOWILANGUN" in text(page)

    database.initialize(kecamatan.extensions["database"])  # the form travels on paper to the kecamatan
    scanned = loket.post("/pra-pendaftaran/pindai", data={"kode": code})
    assert scanned.status_code == 302, text(scanned)[:800]
    accept_page = text(loket.get(scanned.location))
    assert "Diisi oleh operator Kaur Umum, Desa Darungan" in accept_page
    assert PreRegistration.get().number == pre.number
    # The laptop is lost: the kecamatan revokes the desa's key; its forms no longer count.
    assert client_as("admin").post("/admin/operator-desa/cabut-kunci", data={"desa": DARUNGAN}).status_code == 302
    refused = loket.post("/pra-pendaftaran/pindai", data={"kode": code})
    assert refused.status_code == 422 and "sudah dicabut di kecamatan" in text(refused)


def test_the_desa_pc_admin_sets_it_to_start_with_the_pc_in_desa_mode(desa_app, tmp_path, monkeypatch):
    from app import autostart
    monkeypatch.setattr(autostart, "on_windows", lambda: True)
    monkeypatch.setenv("APPDATA", str(tmp_path / "Roaming"))
    admin, _ = desa_admin(desa_app)
    database.initialize(desa_app.extensions["database"])
    assert "Pasang mulai otomatis" in text(admin.get("/admin/operator-desa"))
    done = admin.post("/admin/mulai-otomatis", data={"tindakan": "pasang"})
    assert done.status_code == 303 and done.location.endswith("/admin/operator-desa#mulai-otomatis")
    launcher = next((tmp_path / "Roaming").rglob("Loket Kecamatan.cmd")).read_text(encoding="utf-8")
    assert "--mode desa" in launcher and str(tmp_path / "desa-pc") in launcher
    assert "Lepas mulai otomatis" in text(admin.get("/admin/operator-desa"))


def _first_line_of_serve(tmp_path, env_mode: str, *args: str) -> tuple[str, int | None]:
    """`run.py serve` with LOKET_MODE set: its first stdout line (the address it serves), then stopped."""
    env = dict(os.environ, LOKET_MODE=env_mode)
    server = subprocess.Popen([sys.executable, "run.py", "serve", "--data", str(tmp_path), "--port", "0", *args],
                              cwd=ROOT, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE,
                              text=True)
    try:
        line = next((line for line in server.stdout if "berjalan di" in line), "")
    finally:
        server.terminate()
        server.wait(timeout=30)
    return line, server.returncode


def test_loket_mode_desa_starts_the_desa_mode_on_its_own_database(tmp_path):
    """README and docs/desa.md offer LOKET_MODE=desa for a desa PC: `run.py serve` used to ignore it
    and serve the kecamatan app on loket.sqlite3. --mode still wins over the variable."""
    line, _ = _first_line_of_serve(tmp_path / "env", "desa")
    assert line.startswith("Loket Kecamatan (mode desa) berjalan"), line
    assert (tmp_path / "env" / "desa.sqlite3").exists() and not (tmp_path / "env" / "loket.sqlite3").exists()
    line, _ = _first_line_of_serve(tmp_path / "flag", "desa", "--mode", "kecamatan")
    assert line.startswith("Loket Kecamatan berjalan"), line
    assert (tmp_path / "flag" / "loket.sqlite3").exists()


def test_an_unknown_loket_mode_stops_the_start_with_one_indonesian_line(tmp_path):
    out = _run("serve", "--data", str(tmp_path), "--port", "0", LOKET_MODE="kelurahan")
    assert out.returncode == 2 and "Traceback" not in out.stderr, out.stderr
    assert "LOKET_MODE='kelurahan' tidak dapat dipakai: isi dengan kecamatan atau desa" in out.stderr


def _run(*args: str, **env: str):
    """`run.py ARGS` to its end, without the session's LOKET_MODE unless given here."""
    env = {k: v for k, v in os.environ.items() if k != "LOKET_MODE"} | env
    return subprocess.run([sys.executable, "run.py", *args], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=120)


def test_commands_on_a_desa_pcs_folder_work_on_its_database_without_mode(tmp_path):
    """The desa admin who forgot their password runs `run.py reset-password --data DIR`: it used to
    start an empty kecamatan database (loket.sqlite3) beside desa.sqlite3 and answer 'Akun admin
    tidak ditemukan'. The folder now says which PC it is: reset, backup and serve use desa.sqlite3."""
    folder = tmp_path / "desa"
    line, _ = _first_line_of_serve(folder, "", "--mode", "desa")
    assert "(mode desa)" in line
    reset = _run("reset-password", "--data", str(folder))
    assert reset.returncode == 0 and "Kata sandi sementara untuk admin:" in reset.stdout, reset.stderr
    backup = _run("backup", "--data", str(folder))
    assert backup.returncode == 0 and "Cadangan dibuat:" in backup.stdout, backup.stderr
    line, _ = _first_line_of_serve(folder, "")  # an autostart entry or a shortcut without --mode
    assert line.startswith("Loket Kecamatan (mode desa) berjalan"), line
    for words in (["sync"], ["sync", "enrol", "--center", "http://127.0.0.1:9", "--code", "abcd-efgh"]):
        # the kecamatan's enrolment would have made the desa PC a counter of its kecamatan
        sync = _run(*words, "--data", str(folder))
        assert sync.returncode == 2 and "didaftarkan oleh admin desa di halaman Operator Desa" in sync.stderr, words
    demo = _run("demo", "--data", str(folder))
    assert demo.returncode == 1 and "Data demo hanya untuk kantor kecamatan" in demo.stderr
    assert not (folder / "loket.sqlite3").exists()


def test_reset_password_on_a_mistyped_folder_starts_no_database(tmp_path):
    reset = _run("reset-password", "--data", str(tmp_path / "salah-ketik"))
    assert reset.returncode == 1 and "Belum ada basis data di" in reset.stderr, reset.stderr
    assert not list((tmp_path / "salah-ketik").glob("*.sqlite3"))


def test_a_desa_folder_with_a_stray_kecamatan_database_points_to_the_desa_accounts(tmp_path):
    """A folder where an older version's reset-password left an empty loket.sqlite3 beside
    desa.sqlite3 reads as a kecamatan's: the answer names the way to the desa PC's accounts."""
    folder = tmp_path / "desa"
    line, _ = _first_line_of_serve(folder, "", "--mode", "desa")
    assert "(mode desa)" in line
    subprocess.run([sys.executable, "-c", "import sys; from pathlib import Path; from app import create_app; "
                    "create_app({'DATA_DIR': Path(sys.argv[1]), 'MODE': 'kecamatan'})", str(folder)],
                   cwd=ROOT, check=True, timeout=120)  # as the older reset-password did
    assert (folder / "loket.sqlite3").exists()
    stray = _run("reset-password", "--data", str(folder))
    assert stray.returncode == 1 and "run.py reset-password admin --mode desa" in stray.stderr, stray.stderr
    desa = _run("reset-password", "--mode", "desa", "--data", str(folder))
    assert desa.returncode == 0 and "Kata sandi sementara untuk admin:" in desa.stdout, desa.stderr


def test_the_desa_pc_has_its_own_cadangan_data_page(desa_app):
    """Issue 25, finding 10: "The desa PC has no Cadangan Data page: its backups and restores are
    command-line only." The kecamatan's pages, on the desa PC's own database."""
    from app.frame import store
    from app.frame.keystore import KeyStore
    client, _ = desa_admin(desa_app)
    assert "Cadangan Data" in text(client.get("/admin/operator-desa"))  # in the desa PC's menu
    with bound_to(desa_app):
        store.put("phone", "sebelum")
    assert client.post("/admin/cadangan").status_code == 302
    backups = list((desa_app.config["DATA_DIR"] / "backups").glob("manual-*.sqlite3"))
    assert len(backups) == 1
    page = text(client.get("/admin/cadangan"))
    assert backups[0].name in page and "Pulihkan" in page
    download = client.get(f"/admin/cadangan/{backups[0].name}")
    assert download.status_code == 200 and download.data == backups[0].read_bytes()
    key_page = text(client.get("/admin/cadangan/kunci-pemulihan"))
    assert KeyStore(desa_app.config["DATA_DIR"]).recovery_key() in key_page

    with bound_to(desa_app):
        store.put("phone", "sesudah")
    restored = client.post("/admin/cadangan/pulihkan", data={"name": backups[0].name, "confirm": "ya"})
    assert restored.status_code == 303
    with bound_to(desa_app):
        assert store.get("phone") == "sebelum"
    assert desa_app.config["DATABASE_PATH"].name == "desa.sqlite3"
    assert not (desa_app.config["DATA_DIR"] / "loket.sqlite3").exists()  # the desa PC's own database only


def test_a_kecamatan_backup_is_refused_on_the_desa_pc(desa_app, kecamatan):
    """Restoring the kecamatan's backup on a desa PC would make it a second kecamatan PC."""
    import io

    from app.backups.engine import backup_database
    from app.frame.keystore import KeyStore
    with bound_to(kecamatan):
        office_backup = backup_database(kecamatan.config["DATABASE_PATH"], kecamatan.config["DATA_DIR"] / "k.sqlite3")
    client, _ = desa_admin(desa_app)
    refused = client.post("/admin/cadangan/pulihkan", content_type="multipart/form-data", data={
        "confirm": "ya", "recovery_key": KeyStore(kecamatan.config["DATA_DIR"]).recovery_key(),
        "backup_file": (io.BytesIO(office_backup.read_bytes()), "k.sqlite3")})
    assert refused.status_code == 422 and "cadangan kantor kecamatan" in text(refused)
    assert not list((desa_app.config["DATA_DIR"] / "backups").glob("sebelum-pulihkan-*"))


def test_a_desa_pc_takes_its_kecamatans_zone_at_enrolment(desa_app, kecamatan, client_as):
    """Issue 25: a desa PC had no zone and printed WIB for a WITA kecamatan."""
    from app.frame import store
    database.initialize(kecamatan.extensions["database"])
    with kecamatan.app_context():
        store.put("timezone", "WITA")
    page = client_as("admin").post("/admin/operator-desa/kode-komputer", data={"desa": DARUNGAN})
    code = re.search(r'<code class="enrolment-code">([^<]+)</code>', page.get_data(as_text=True)).group(1)
    admin, _ = desa_admin(desa_app)
    assert admin.post("/admin/komputer-desa", data={"kode": code}).status_code == 302
    with bound_to(desa_app):
        assert store.get("timezone") == "WITA"


def test_the_desa_page_says_what_a_dead_link_means(desa_app, enrolment_code):
    """Issue 25: the desa's clerk read "jaringan: ConnectionError"."""
    from datetime import datetime
    from sync.client import engine
    admin, _ = desa_admin(desa_app)
    assert admin.post("/admin/komputer-desa", data={"kode": enrolment_code}).status_code == 302
    with bound_to(desa_app):
        sync_link_row(center_url="http://127.0.0.1:9", key_id="desa-x", secret="s", enrolled_at=datetime(2026, 1, 1),
                      role="desa")
        engine.sync_once(full=True)
    state = text(admin.get("/desa/sinkronkan"))
    assert "Pusat tidak dapat dihubungi; data aman di komputer ini dan dikirim otomatis saat jaringan kembali" in state
    assert "ConnectionError" not in state


def test_a_desa_pc_alone_reads_a_forms_application_without_the_counters_models(tmp_path):
    """A desa PC loads no counter models, so PreRegistration.application stays untied: reading its id
    (the F-1.07's public record does, on every save) must still answer None, as in a process that
    also holds the kecamatan (the browser journey's desa PC, a process of its own, answered 500)."""
    script = ("import sys\nfrom app import create_app\nfrom app.desa.models import PreRegistration\n"
              f"create_app({{'DATA_DIR': {str(tmp_path)!r}, 'SECRET_KEY': 'x', 'TESTING': True, 'MODE': 'desa'}})\n"
              "print(PreRegistration().application_id, 'app.registration' in sys.modules)")
    out = subprocess.run([sys.executable, "-c", script], cwd=ROOT, capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    assert out.stdout.split() == ["None", "False"]
