"""Issue 90, what an office does next: an old bookmark after HSTS, a restore onto a PC whose LAN is running
(of the same name, and of another), the guide's Linux line on a fresh profile, a CA made before the setup,
the trust page's link. Findings 2, 4 and 5; the browser's side of 4 and 5 is tests/lan/test_lan_browser.py.
"""
import http.client
import os
import shutil
import socket
import ssl
import subprocess

import pytest
from cryptography import x509

from app import create_app
from app.auth.accounts import create_user
from app.backups.engine import backup_database
from app.firstrun import DEMO_KECAMATAN, seed_identity
from app.frame import office_tls, store
from app.frame.keystore import KeyStore
from tests.conftest import CsrfClient, sign_in_as
from tests.lan.test_office_tls import counter_trusting, restore_from_cadangan_data

BARE = office_tls.pc_name()  # this PC's name, as the counters' bookmarks hold it


def served(port: int, ca: dict, name: str, address: str = "127.0.0.1") -> x509.Certificate:
    """The certificate a counter trusting `ca` gets when it opens https://NAME:PORT/ (NAME resolving to
    `address`); SSLCertVerificationError when it would see a warning."""
    with socket.create_connection((address, port), timeout=10) as raw, \
            counter_trusting(ca, name).wrap_socket(raw, server_hostname=name) as tls:
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


def listening(app, host: str = "127.0.0.1") -> office_tls.LanListener:
    listener = office_tls.LanListener(app, host, 0, threads=2)
    listener.bind()
    listener.start()
    app.extensions["lan_listener"] = listener  # as `run.py serve` keeps it
    return listener


@pytest.fixture
def lan_with_door(app):
    """The LAN listener on 127.0.0.2 (an address of this PC's other than 127.0.0.1, which is the PC's own),
    with the plain port's door there, as `run.py serve --host 0.0.0.0` opens it on each LAN address."""
    listener = office_tls.LanListener(app, "127.0.0.2", 0, threads=2)
    listener.bind()
    listener.open_doors(0)
    listener.start()
    yield listener
    listener.stop()


def test_an_old_bookmark_upgraded_to_https_by_hsts_on_the_plain_port_reaches_the_app(lan_with_door):
    """Finding 4: "HSTS upgrades http://NAME:8080 to https://NAME:8080, and the door there speaks only plain
    HTTP (ERR_SSL_PROTOCOL_ERROR, for a year)"."""
    listener = lan_with_door
    plain_port = listener.doors["127.0.0.2"].bind_addr[1]
    with listener.app.app_context(), listener.app.extensions["database"].connection_context():
        ca = office_tls.office_ca()
    connection = http.client.HTTPSConnection("127.0.0.2", plain_port, context=counter_trusting(ca, "127.0.0.2"),
                                             timeout=10)
    connection.request("GET", "/pendaftaran?halaman=2")
    answer = connection.getresponse()
    assert answer.status == 307
    assert answer.headers["Location"] == f"https://127.0.0.2:{listener.port}/pendaftaran?halaman=2"
    answer.read()
    connection = http.client.HTTPSConnection("127.0.0.2", listener.port, context=counter_trusting(ca, "127.0.0.2"),
                                             timeout=10)
    connection.request("GET", "/masuk")
    assert b'name="password"' in connection.getresponse().read()  # where the redirect leads: the app
    if BARE:  # by the PC's bare name, as the bookmark holds it: the same certificate, the same name back
        with socket.create_connection(("127.0.0.2", plain_port), timeout=10) as raw, \
                counter_trusting(ca, BARE).wrap_socket(raw, server_hostname=BARE) as tls:
            tls.sendall(f"GET / HTTP/1.1\r\nHost: {BARE}:{plain_port}\r\nConnection: close\r\n\r\n".encode())
            head = tls.recv(4096).decode("latin-1")
        assert f"Location: https://{BARE}:{listener.port}/\r\n" in head
    plain = http.client.HTTPConnection("127.0.0.2", plain_port, timeout=10)  # the old bookmark before HSTS
    plain.request("GET", "/masuk")
    page = plain.getresponse().read().decode()
    assert "Sambungan ke kantor belum aman" in page and 'name="password"' not in page


def test_the_plain_ports_redirect_and_the_trust_page_name_only_the_offices_own_hosts(lan_with_door):
    """Finding 5: "the trust page echoes any well-formed Host header in its link"."""
    listener = lan_with_door
    plain_port = listener.doors["127.0.0.2"].bind_addr[1]
    for port in (listener.port, plain_port):
        connection = http.client.HTTPConnection("127.0.0.2", port, timeout=10)
        connection.request("GET", "/", headers={"Host": "kantor-palsu.example:8443"})
        page = connection.getresponse().read().decode()
        assert "kantor-palsu" not in page and f"https://{listener.state.names[0]}:{listener.port}/" in page
    with listener.app.app_context(), listener.app.extensions["database"].connection_context():
        ca = office_tls.office_ca()
    connection = http.client.HTTPSConnection("127.0.0.2", plain_port, context=counter_trusting(ca, "127.0.0.2"),
                                             timeout=10)
    connection.request("GET", "/", headers={"Host": "kantor-palsu.example"})
    answer = connection.getresponse()
    assert answer.status == 307 and "kantor-palsu" not in answer.headers["Location"]


def new_pc_restoring(tmp_path, backup, printed):
    """A new PC that started serving the LAN before anything (its own first CA), then restores the office's
    backup from Cadangan Data: (its app, its running listener, its own first CA)."""
    new = create_app({"DATA_DIR": tmp_path / "pc-baru", "SECRET_KEY": "x", "TESTING": True})
    listener = listening(new)
    with new.app_context(), new.extensions["database"].connection_context():
        first = office_tls.office_ca()
    restore_from_cadangan_data(new, backup, printed)
    return new, listener, first


def old_office(tmp_path, monkeypatch, name: str) -> tuple[dict, object, str]:
    """The old PC, named `name`, its CA and its certificate (for this PC's addresses); its backup and the
    recovery key's paper."""
    monkeypatch.setattr(socket, "gethostname", lambda: name)
    old = create_app({"DATA_DIR": tmp_path / "pc-lama", "SECRET_KEY": "x", "TESTING": True})
    with old.app_context(), old.extensions["database"].connection_context():
        seed_identity(DEMO_KECAMATAN)  # set up: its CA bears the kecamatan's name
        ca = office_tls.office_ca()
        office_tls.current_leaf(office_tls.lan_names(), office_tls.lan_addresses("127.0.0.1"))
    monkeypatch.undo()
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "flashdisk" / "cadangan.sqlite3")
    return ca, backup, KeyStore(old.config["DATA_DIR"]).recovery_key()


@pytest.mark.slow  # two offices, a backup and a restore: a few seconds
@pytest.mark.skipif(not BARE, reason="this PC's name is not a DNS name")
def test_a_restore_onto_a_pc_whose_lan_runs_serves_the_offices_ca_at_once_under_the_bare_name(tmp_path, monkeypatch):
    """Finding 2: "After a restore onto a new PC the LAN keeps serving the new PC's own first CA until the
    program is restarted, so every counter gets ERR_CERT_AUTHORITY_INVALID". The new PC took the old one's
    name (what the admin's page asks): the counters' bookmarks of https://NAME:8443/ open with no step."""
    ca, backup, printed = old_office(tmp_path, monkeypatch, BARE)
    new, listener, first = new_pc_restoring(tmp_path, backup, printed)
    try:
        assert first != ca
        for name in (BARE, f"{BARE}.local", "127.0.0.1"):  # every name a counter may use, the next connection
            cert = served(listener.port, ca, name)
            cert.verify_directly_issued_by(office_tls.certificate(ca["cert"]))
        with pytest.raises(ssl.SSLCertVerificationError):  # the new PC's own first CA is gone
            served(listener.port, first, BARE)
        with new.app_context(), new.extensions["database"].connection_context():
            assert office_tls.office_ca() == ca
    finally:
        listener.stop()


@pytest.mark.slow  # two offices, a backup and a restore: a few seconds
def test_a_restore_onto_a_pc_of_another_name_says_to_give_it_the_old_name_and_then_serves_it(tmp_path, monkeypatch):
    """Finding 2, a new PC of another name: "after the restart only NAME.local or the address work, not the
    bare name the counters' bookmarks hold". The CA vouches for the old PC's bare name only (bare names
    are constrained one by one): the admin's page and home say to give this PC that name, then it is
    served under it, the counters untouched."""
    ca, backup, printed = old_office(tmp_path, monkeypatch, "kantor-lama")
    new, listener, _first = new_pc_restoring(tmp_path, backup, printed)
    try:
        served(listener.port, ca, "127.0.0.1")  # the office's CA at once, by address
        with new.app_context(), new.extensions["database"].connection_context():
            admin_user, _ = create_user("admin-baru", "Admin", "admin", password="rahasia-kantor-1",
                                        must_change_password=False)
            admin = new.test_client()
            sign_in_as(admin, admin_user)
        if BARE and BARE != "kantor-lama":
            served(listener.port, ca, f"{BARE}.local")
            page = admin.get("/admin/jaringan-aman").get_data(as_text=True)
            assert "data-nama-pc-berubah" in page and "menjadi <code>kantor-lama</code>" in page
            assert f"https://{BARE}.local:" in page  # and, if it cannot, what the counters change to
            assert "Nama PC kantor berubah" in admin.get("/", follow_redirects=True).get_data(as_text=True)
        monkeypatch.setattr(socket, "gethostname", lambda: "kantor-lama")  # renamed, the program started again
        listener.refresh()
        served(listener.port, ca, "kantor-lama").verify_directly_issued_by(office_tls.certificate(ca["cert"]))
        assert "data-nama-pc-berubah" not in admin.get("/admin/jaringan-aman").get_data(as_text=True)
    finally:
        listener.stop()


def test_the_guides_linux_line_trusts_the_office_on_a_fresh_profile_and_again_on_a_used_one(app, client_for, tmp_path):
    """Finding 5: "the guide's Linux certutil line fails on a profile with no NSS database yet"."""
    if shutil.which("certutil") is None:
        pytest.skip("certutil (Debian's libnss3-tools) is not installed")
    from html import unescape
    page = client_for("admin").get("/admin/jaringan-aman").get_data(as_text=True)
    line = unescape(page.split("<code data-perintah-linux>")[1].split("</code>")[0])
    assert line == office_tls.LINUX_TRUST_COMMAND
    from pathlib import Path
    assert line in Path(__file__).resolve().parents[2].joinpath("docs", "operations.md").read_text()
    with app.app_context(), app.extensions["database"].connection_context():
        der = office_tls.ca_der(office_tls.office_ca())
    home, downloads = tmp_path / "rumah", tmp_path / "rumah" / "Unduhan"
    downloads.mkdir(parents=True)  # a fresh profile: no ~/.pki at all
    (downloads / "sertifikat-kantor.crt").write_bytes(der)
    for _ in range(2):  # the second time: the database exists (a counter trusting a new CA)
        done = subprocess.run(["sh", "-c", line], cwd=downloads, env={**os.environ, "HOME": str(home)},
                              capture_output=True, text=True, timeout=60)
        assert done.returncode == 0, done.stderr
    listed = subprocess.run(["certutil", "-d", f"sql:{home}/.pki/nssdb", "-L", "-n", "Loket Kecamatan", "-a"],
                            capture_output=True, text=True, check=True).stdout
    assert ssl.PEM_cert_to_DER_cert(listed) == der
    trust = subprocess.run(["certutil", "-d", f"sql:{home}/.pki/nssdb", "-L"], capture_output=True, text=True,
                           check=True).stdout
    assert any(row.startswith("Loket Kecamatan") and row.split()[-1] == "C,," for row in trust.splitlines())


@pytest.mark.slow  # a fresh office, its setup and a new CA: about two seconds
def test_a_ca_made_before_the_setup_takes_the_kecamatans_name_at_the_setup(tmp_path):
    """Finding 5: "a CA made before setup is named 'Kantor Kecamatan', not the kecamatan"."""
    from app.firstrun import ensure_admin
    from tests.settings.test_first_run import SETUP
    fresh = create_app({"DATA_DIR": tmp_path, "SECRET_KEY": "x", "TESTING": True})
    fresh.test_client_class = CsrfClient
    listener = listening(fresh)  # the first start served the LAN: its CA made before the setup
    try:
        with fresh.app_context(), fresh.extensions["database"].connection_context():
            ensure_admin()
            before = office_tls.office_ca()
            assert office_tls.ca_label(before) == office_tls.UNNAMED_LABEL
            user, _ = create_user("kepala-tu", "Kepala TU", "admin", password="rahasia-kantor-1",
                                  must_change_password=False)
            admin = fresh.test_client()
            sign_in_as(admin, user)
            assert admin.post("/admin/penyiapan", data=dict(SETUP)).status_code == 303
            after = office_tls.office_ca()
            assert office_tls.ca_label(after) == f"Kecamatan {store.get('kecamatan_name')}" == "Kecamatan Pasirian"
        served(listener.port, after, "127.0.0.1")  # served at once
        page = admin.get("/admin/jaringan-aman").get_data(as_text=True)
        assert office_tls.fingerprint(after["cert"]) in page and "O=Kecamatan Pasirian" in page
    finally:
        listener.stop()
