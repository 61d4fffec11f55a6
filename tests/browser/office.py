"""A live kecamatan office for browser journeys: the real app on waitress on a free loopback port.

tests/browser/conftest.py gives each test module one (`live`); `live_office(folder)` starts more.
"""
import threading
from contextlib import contextmanager
from dataclasses import dataclass, field
from pathlib import Path

from flask import Blueprint, render_template_string

BROWSER_PASSWORD = "loket-uji-browser-1"


# A page that prints the kop surat above a long table and a signature block: the foundation's
# print CSS checked before any capability has printed pages of its own. Test-only route.
PRINT_PROBE = """{% extends "base.html" %}
{% block title %}Uji cetak{% endblock %}
{% block content %}
{% include "_letterhead.html" %}
<h1>DAFTAR UJI CETAK</h1>
<table class="list"><thead><tr><th>No</th><th>Nama</th><th>Desa</th><th>Keterangan</th></tr></thead>
<tbody>{% for n in range(1, rows + 1) %}<tr><td>{{ n }}</td><td>Warga Nomor {{ n }}</td><td>Yosowilangun Lor</td>
<td>Keterangan yang cukup panjang untuk baris ke-{{ n }} agar kolom terakhir ikut terisi penuh</td></tr>{% endfor %}</tbody></table>
<div class="signature">Camat Yosowilangun<br><br><br><strong>PENANDA TANGAN UJI</strong></div>
{% endblock %}"""


def _probe_blueprint():
    probe = Blueprint("browser_probe", __name__)

    @probe.get("/_uji/cetak/<int:rows>")
    def print_probe(rows):
        return render_template_string(PRINT_PROBE, rows=rows)
    return probe


@dataclass
class LiveServer:
    app: object
    url: str
    data: Path = None  # the live app's data folder
    password: str = BROWSER_PASSWORD
    username: dict = field(default_factory=dict)  # role -> username

    @contextmanager
    def db(self):
        """The live app's database, for arranging data and checking what a journey saved."""
        database = self.app.extensions["database"]
        with self.app.app_context(), database.connection_context():
            yield database

    def create_account(self, username, role, full_name=None, must_change_password=False):
        """An account made by the app's own code; returns its password."""
        from app.auth.accounts import create_user
        with self.db():
            _, password = create_user(username, full_name or f"Pegawai {username}", role,
                                      password=None if must_change_password else self.password,
                                      must_change_password=must_change_password)
        return password


@contextmanager
def live_office(data: Path, identity: str | None = "35.08.07", config: dict | None = None):
    """A kecamatan office served by waitress on a free loopback port, data in `data`, with one
    account per role (password BROWSER_PASSWORD) and, unless identity=None, set up as that
    kecamatan; `config` is added to the app's (e.g. {"MODE": "desa"}). The `live` fixture is one
    per test module; a journey that needs a second office opens its own with this."""
    from waitress.server import create_server

    from app import create_app
    from app.frame.access import install_policy
    from app.firstrun import seed_identity
    from app.frame.roles import ALL_ROLES
    from app.frame import store

    app = create_app({"DATA_DIR": data, "SECRET_KEY": "browser-secret", **(config or {})})
    app.register_blueprint(_probe_blueprint())
    policy = app.extensions["policy"]  # the program's own table: a desa PC's has its two roles' rows only
    columns = "  ".join("-" for _ in policy.columns)
    install_policy(app, policy.extended(f"uji.cetak {columns} x halaman uji cetak",
                                        {"uji.cetak": "browser_probe.print_probe"}))
    server = create_server(app, host="127.0.0.1", port=0, threads=4, ident="loket-uji")
    live = LiveServer(app=app, url=f"http://127.0.0.1:{server.effective_port}", data=data)
    if identity:
        with live.db():
            seed_identity(identity)
            store.put("address", "Jl. Raya Yosowilangun No. 1, Lumajang 67382")
            store.put("phone", "(0334) 571234")
    for role in ALL_ROLES:
        live.username[role] = role.split("_")[-1]  # admin, loket, informasi, pelayanan, camat
        live.create_account(live.username[role], role, full_name=f"Uji {role.replace('_', ' ').title()}")
    thread = threading.Thread(target=server.run, name=f"waitress-live-{server.effective_port}", daemon=True)
    thread.start()
    try:
        yield live
    finally:
        server.close()  # the daemon thread ends with its socket map
