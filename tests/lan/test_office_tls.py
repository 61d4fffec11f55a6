"""Issue 84: the office's own CA, the LAN's TLS listener and its pages, on this machine's loopback.

The finding: "Everything a clerk's browser sends and receives there is plain HTTP: the clerk's password
at sign-in, the session cookie (HttpOnly and SameSite, but not Secure, and sent in clear) ...". The
namespace pair with a capture on the link is tests/lan/test_lan_capture.py.
"""
import datetime
import http.client
import io
import selectors
import socket
import ssl
import threading

import pytest
from cryptography import x509

from app import create_app
from app.auth.accounts import create_user
from app.backups.engine import backup_database
from app.frame import office_tls, store
from app.frame.keystore import KeyStore
from tests.conftest import CsrfClient, sign_in_as
from tests.support.waiting import wait_until

NOW = datetime.datetime(2026, 11, 28, 8, 0, tzinfo=datetime.timezone.utc)


def counter_trusting(ca: dict, hostname: str | None = "127.0.0.1") -> ssl.SSLContext:
    """A counter PC that trusts the office's CA and nothing else, checking the name it typed."""
    context = ssl.create_default_context(cadata=office_tls.ca_der(ca))
    context.check_hostname = hostname is not None
    return context


def handshake(port: int, context: ssl.SSLContext, host: str = "127.0.0.1") -> x509.Certificate:
    with socket.create_connection((host, port), timeout=10) as raw, \
            context.wrap_socket(raw, server_hostname=host) as tls:
        return x509.load_der_x509_certificate(tls.getpeercert(binary_form=True))


@pytest.fixture
def in_app(app):
    with app.app_context(), app.extensions["database"].connection_context():
        yield app


@pytest.fixture
def lan(app):
    """The office PC's LAN listener, on loopback (the namespace test serves a real LAN)."""
    listener = office_tls.LanListener(app, "127.0.0.1", 0, threads=2)
    listener.bind()
    listener.start()
    yield listener
    listener.stop()


def test_the_ca_is_made_once_kept_encrypted_with_the_settings_and_may_sign_servers_only(in_app):
    ca = office_tls.office_ca()
    assert office_tls.office_ca() == ca  # kept: not made again
    assert store.get(office_tls.CA_SETTING) == ca  # in the settings, inside the encrypted database
    cert = office_tls.certificate(ca["cert"])
    constraints = cert.extensions.get_extension_for_class(x509.BasicConstraints).value
    assert constraints.ca and constraints.path_length == 0
    assert not list((in_app.config["DATA_DIR"]).rglob("*.key"))  # no key file left on the disk
    assert office_tls.fingerprint(ca["cert"]).count(":") == 31


def test_the_leaf_is_renewed_before_its_end_and_reissued_for_a_new_address_under_the_same_ca(in_app):
    ca = office_tls.office_ca()
    first, issued = office_tls.current_leaf(["kantor"], ["192.168.1.10"], NOW)
    assert issued
    again, issued = office_tls.current_leaf(["kantor"], ["192.168.1.10"], NOW + datetime.timedelta(days=30))
    assert not issued and again == first  # kept while it serves
    renewed, issued = office_tls.current_leaf(["kantor"], ["192.168.1.10"], NOW + datetime.timedelta(days=61))
    assert issued and renewed != first  # 29 days left: renewed, nothing asked of anyone
    moved, issued = office_tls.current_leaf(["kantor"], ["192.168.1.77"], NOW + datetime.timedelta(days=62))
    assert issued
    cert = office_tls.certificate(moved["cert"])
    names = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    assert [str(a) for a in names.get_values_for_type(x509.IPAddress)] == ["192.168.1.77"]
    assert office_tls.office_ca() == ca  # the counters' trust still holds
    cert.verify_directly_issued_by(office_tls.certificate(ca["cert"]))


def test_a_counter_trusting_the_ca_gets_the_renewed_certificate_on_the_running_listener(lan):
    with lan.app.app_context(), lan.app.extensions["database"].connection_context():
        ca = office_tls.office_ca()
        ageing = office_tls.issue_leaf(ca, office_tls.lan_names(), office_tls.lan_addresses("127.0.0.1"),
                                       datetime.datetime.now(datetime.timezone.utc) - datetime.timedelta(days=80))
        store.put(office_tls.LEAF_SETTING, ageing)  # as if issued 80 days ago: 10 days left
    assert lan.refresh()  # the hourly check
    before = handshake(lan.port, counter_trusting(ca))
    assert not lan.refresh()  # kept while it serves
    with lan.app.app_context(), lan.app.extensions["database"].connection_context():
        store.put(office_tls.LEAF_SETTING, ageing)
    assert lan.refresh()
    after = handshake(lan.port, counter_trusting(ca))
    assert after.serial_number != before.serial_number  # served at once, the same trust
    with pytest.raises(ssl.SSLCertVerificationError):  # a PC that never trusted the office is refused
        handshake(lan.port, ssl.create_default_context())


def test_only_tls_1_2_and_up_with_forward_secret_aead_ciphers(lan):
    with lan.app.app_context(), lan.app.extensions["database"].connection_context():
        ca = office_tls.office_ca()
    old = counter_trusting(ca)
    old.minimum_version = old.maximum_version = ssl.TLSVersion.TLSv1_1  # deprecated: the old client it plays
    old.set_ciphers("ALL:@SECLEVEL=0")
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        handshake(lan.port, old)
    cbc = counter_trusting(ca)
    cbc.maximum_version = ssl.TLSVersion.TLSv1_2
    cbc.set_ciphers("ECDHE-ECDSA-AES128-SHA:ECDHE-ECDSA-AES256-SHA384:AES128-SHA")
    with pytest.raises((ssl.SSLError, ConnectionResetError)):
        handshake(lan.port, cbc)
    modern = counter_trusting(ca)
    modern.maximum_version = ssl.TLSVersion.TLSv1_2
    with socket.create_connection(("127.0.0.1", lan.port)) as raw, \
            modern.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        name, version, _ = tls.cipher()
        assert version == "TLSv1.2" and "GCM" in name or "CHACHA20" in name


def test_a_counters_next_connection_resumes_its_tls_session(lan):
    """Issue 90, finding 6: "a page on a new TLS connection costs 1.5x the server's CPU and ~2x the wait of plain
    HTTP". A counter's browser opens new connections all day (its idle ones are let go): each resumes the session
    of the one before (TLS 1.3 tickets; TLS 1.2 tickets or the session cache), through the door's non-blocking
    handshake, and still after the hourly check issued a new leaf (the same context, the same ticket keys)."""
    with lan.app.app_context(), lan.app.extensions["database"].connection_context():
        ca = office_tls.office_ca()

    def page(context, session=None):
        with socket.create_connection(("127.0.0.1", lan.port), timeout=10) as raw, \
                context.wrap_socket(raw, server_hostname="127.0.0.1", session=session) as tls:
            spoken = tls.version()
            tls.sendall(b"GET /masuk HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
            answer = b""
            while chunk := tls.recv(65536):  # the TLS 1.3 ticket comes after the handshake: read it all
                answer += chunk
            assert answer.startswith(b"HTTP/1.1 200"), answer[:80]
            return tls.session, tls.session_reused, spoken

    for version in (ssl.TLSVersion.TLSv1_3, ssl.TLSVersion.TLSv1_2):
        counter = counter_trusting(ca)
        counter.minimum_version = counter.maximum_version = version
        session, reused, spoken = page(counter)
        assert not reused and spoken == version.name.replace("_", ".")
        for _ in range(3):
            session, reused, _spoken = page(counter, session)
            assert reused, version
        with lan.app.app_context(), lan.app.extensions["database"].connection_context():
            store.put(office_tls.LEAF_SETTING, {})  # the hourly check issues a new leaf
        assert lan.refresh()
        assert page(counter, session)[1], f"{version}: resumed after the leaf was renewed"


def ask(lan, request: bytes) -> tuple[bytes, bytes]:
    """A counter's new connection: (what its first read returns, one TLS record at most, and all the rest)."""
    with lan.app.app_context(), lan.app.extensions["database"].connection_context():
        counter = counter_trusting(office_tls.office_ca())
    with socket.create_connection(("127.0.0.1", lan.port), timeout=10) as raw, \
            counter.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
        tls.sendall(request)
        first, rest = tls.recv(65536), b""
        while chunk := tls.recv(65536):
            rest += chunk
    return first, rest


def test_a_new_connection_is_taken_in_by_the_door_while_cheroots_thread_is_held(lan):
    """Issue 90, finding 6: each thread a new connection is handed through costs a wake-up in the page's wait
    (cheroot's thread accepted it and handed it to the door). The door accepts it itself: cheroot's thread,
    which watches the kept-alive connections only, is held here, and a counter's new connection is answered."""
    selector = lan.server._connections._selector  # cheroot 11's ConnectionManager selector
    entered, let_go = threading.Event(), threading.Event()
    watch = selector.select

    def held(timeout=None):
        entered.set()
        let_go.wait(60)
        return watch(timeout)
    selector.select = held
    try:
        wait_until(entered.is_set, 30, "cheroot's thread held")
        first, rest = ask(lan, b"GET /masuk HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
        assert first.startswith(b"HTTP/1.1 200") and b'name="password"' in first + rest
    finally:
        let_go.set()


class WindowsSelect(selectors.SelectSelector):
    """select() as on Windows: watching no socket at all is an error (WSAEINVAL), not a wait."""
    failed = []

    def select(self, timeout=None):
        if not self._readers and not self._writers:
            self.failed.append(timeout)
            raise OSError(10022, "An invalid argument was supplied")
        return super().select(timeout)


def test_cheroots_thread_still_watches_a_socket_when_the_door_takes_the_listening_one(app, monkeypatch):
    """The door took the listening socket from cheroot's selector, which may then watch no connection at all:
    select() on Windows fails there, and cheroot's thread would go round failing (a core busy). It watches
    one that never speaks in the listener's place; the kept-alive connections are still watched and served."""
    monkeypatch.setattr(selectors, "DefaultSelector", WindowsSelect)
    WindowsSelect.failed.clear()
    listener = office_tls.LanListener(app, "127.0.0.1", 0, threads=2)
    listener.bind()
    listener.start()
    try:
        watched = listener.server._connections._selector  # cheroot 11's ConnectionManager selector
        rounds = []
        watch = watched.select
        watched.select = lambda timeout=None: rounds.append(timeout) or watch(timeout)
        wait_until(lambda: len(rounds) >= 3, 30, "cheroot's thread going round its selector")
        with listener.app.app_context(), listener.app.extensions["database"].connection_context():
            counter = counter_trusting(office_tls.office_ca())
        with socket.create_connection(("127.0.0.1", listener.port), timeout=10) as raw, \
                counter.wrap_socket(raw, server_hostname="127.0.0.1") as tls:
            for _ in range(2):  # the second request on the connection cheroot's thread watched between them
                tls.sendall(b"GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\n\r\n")
                assert tls.recv(65536).startswith(b"HTTP/1.1 200")
        assert WindowsSelect.failed == []
    finally:
        listener.stop()


def test_an_answers_head_goes_out_with_its_body_in_one_record(lan):
    """Issue 90, finding 6: cheroot sent an answer's head, then its body: two sends, two TLS records, two
    wake-ups of the browser for one page. A TLS read returns one record at most: the first holds the head and
    the page. An answer with no body (HEAD) still gets its head, at the answer's end."""
    first, rest = ask(lan, b"GET /masuk HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    head, _, body = first.partition(b"\r\n\r\n")
    assert head.startswith(b"HTTP/1.1 200") and body.lstrip().lower().startswith(b"<!doctype html")
    assert b'name="password"' in body + rest
    first, rest = ask(lan, b"HEAD /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n")
    assert first.startswith(b"HTTP/1.1 200") and first.endswith(b"\r\n\r\n") and rest == b""


@pytest.mark.slow  # a connection left idle past cheroot's 10 s: 12 s
def test_a_counters_connection_stays_open_while_the_clerk_types(lan):
    """Issue 90, finding 6: cheroot closed a kept-alive connection after 10 s idle (its one `timeout`), so the page
    after a clerk typed a form for a while came on a new connection and paid a TLS handshake. Kept open now for
    KEEP_ALIVE_SECONDS: the next page comes on the same connection (the socket's own waits stay SOCKET_SECONDS)."""
    import time
    with lan.app.app_context(), lan.app.extensions["database"].connection_context():
        ca = office_tls.office_ca()
    assert office_tls.KEEP_ALIVE_SECONDS > 12
    connection = http.client.HTTPSConnection("127.0.0.1", lan.port, context=counter_trusting(ca), timeout=30)
    connection.request("GET", "/masuk")
    first = connection.getresponse()
    assert first.status == 200 and first.read()
    sock = connection.sock
    time.sleep(12)  # what is tested is the connection's idle time itself: past cheroot's 10 s
    connection.request("GET", "/masuk")
    again = connection.getresponse()
    assert again.status == 200 and again.read() and connection.sock is sock  # no new connection, no handshake
    connection.close()


def test_the_lan_sets_its_cookies_secure_and_asks_for_https_only(lan):
    with lan.app.app_context(), lan.app.extensions["database"].connection_context():
        ca = office_tls.office_ca()
    connection = http.client.HTTPSConnection("127.0.0.1", lan.port, context=counter_trusting(ca), timeout=10)
    connection.request("GET", "/masuk")
    answer = connection.getresponse()
    assert answer.status == 200 and b'name="password"' in answer.read()
    cookies = answer.headers.get_all("Set-Cookie")
    assert cookies and all("; Secure" in cookie for cookie in cookies)
    assert answer.headers["Strict-Transport-Security"].startswith("max-age=")


def test_plain_http_on_the_lan_port_gets_the_trust_page_never_the_app(lan):
    for path in ("/", "/masuk", "/admin/cadangan", "/register"):
        connection = http.client.HTTPConnection("127.0.0.1", lan.port, timeout=10)
        connection.request("GET", path)
        answer = connection.getresponse()
        page = answer.read().decode("utf-8")
        assert "Sambungan ke kantor belum aman" in page and office_tls.CA_DOWNLOAD_PATH in page
        assert 'name="password"' not in page and "loket_session" not in str(answer.headers)
        assert answer.headers.get("Set-Cookie") is None and "<script" not in page
    connection = http.client.HTTPConnection("127.0.0.1", lan.port, timeout=10)
    connection.request("POST", "/masuk", body="username=a&password=rahasia",
                       headers={"Content-Type": "application/x-www-form-urlencoded"})
    assert b"Sambungan ke kantor belum aman" in connection.getresponse().read()  # never reaches the sign-in
    connection = http.client.HTTPConnection("127.0.0.1", lan.port, timeout=10)
    connection.request("GET", office_tls.CA_DOWNLOAD_PATH)
    answer = connection.getresponse()
    with lan.app.app_context(), lan.app.extensions["database"].connection_context():
        assert answer.read() == office_tls.ca_der(office_tls.office_ca())
    assert answer.headers["Content-Type"] == "application/x-x509-ca-cert"


def test_the_trust_page_never_echoes_the_host_asked_for(lan):
    connection = http.client.HTTPConnection("127.0.0.1", lan.port, timeout=10)
    connection.request("GET", "/", headers={"Host": "<script>x</script>:1"})
    page = connection.getresponse().read().decode("utf-8")
    assert "<script>" not in page and "https://localhost:" in page or "https://" in page


def test_the_admin_page_the_download_and_the_recovery_sheet_show_the_same_fingerprint(app, client_for, in_app):
    admin = client_for("admin")
    sha256 = office_tls.fingerprint(office_tls.office_ca()["cert"])
    page = admin.get("/admin/jaringan-aman")
    html = page.get_data(as_text=True)
    assert page.status_code == 200 and sha256 in html and "certutil -user -addstore Root" in html
    assert "Trusted Root Certification Authorities" in html and "<script" not in html.split("</header>")[-1]
    sheet = admin.get("/admin/cadangan/kunci-pemulihan").get_data(as_text=True)
    assert sha256 in sheet  # compared on paper
    download = app.test_client().get("/sertifikat-kantor.crt")  # public: a counter before it trusts
    assert download.status_code == 200 and download.data == office_tls.ca_der(office_tls.office_ca())
    assert client_for("petugas_loket").get("/admin/jaringan-aman").status_code == 403


def test_the_admin_rotates_the_ca_after_confirming_and_the_trail_says_so(app, client_for, in_app):
    from app.frame.audit_event import AuditEvent
    admin = client_for("admin")
    before = office_tls.office_ca()
    refused = admin.post("/admin/jaringan-aman/ganti-ca", data={})
    assert refused.status_code == 422 and "Centang pernyataan" in refused.get_data(as_text=True)
    assert office_tls.office_ca() == before
    done = admin.post("/admin/jaringan-aman/ganti-ca", data={"yakin": "ya"})
    assert done.status_code == 303
    after = office_tls.office_ca()
    assert after != before and store.get(office_tls.LEAF_SETTING) == {}
    event = AuditEvent.select().where(AuditEvent.entity_id == "ca_kantor").order_by(AuditEvent.id.desc()).first()
    assert office_tls.fingerprint(after["cert"]) in event.summary and "BEGIN" not in event.summary


def test_a_new_ca_is_served_at_once_and_the_counters_must_trust_it_anew(app, client_for, lan, in_app):
    old = office_tls.office_ca()
    handshake(lan.port, counter_trusting(old))
    app.extensions["lan_listener"] = lan
    admin = client_for("admin")
    assert admin.post("/admin/jaringan-aman/ganti-ca", data={"yakin": "ya"}).status_code == 303
    assert admin.get("/admin/jaringan-aman").status_code == 200  # the request's connection still open after it
    new = office_tls.office_ca()
    assert new != old
    handshake(lan.port, counter_trusting(new))  # no restart
    with pytest.raises(ssl.SSLCertVerificationError):
        handshake(lan.port, counter_trusting(old))
    del app.extensions["lan_listener"]


def test_the_health_card_tells_the_lan_listener_and_its_certificate(app, client_for, lan, in_app):
    admin = client_for("admin")
    app.extensions["lan_listener"] = lan
    home = admin.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Sambungan aman LAN" in home and "diperbarui otomatis" in home
    lan.state.not_after = datetime.datetime.now(datetime.timezone.utc) + datetime.timedelta(days=5)
    assert "Sertifikat LAN hampir habis" in admin.get("/", follow_redirects=True).get_data(as_text=True)
    lan.state.running, lan.state.problem = False, "port ditutup"
    assert "Sambungan aman LAN berhenti" in admin.get("/", follow_redirects=True).get_data(as_text=True)
    del app.extensions["lan_listener"]
    assert "hanya PC ini" in admin.get("/", follow_redirects=True).get_data(as_text=True)
    assert "Sambungan aman" not in client_for("petugas_loket").get("/", follow_redirects=True).get_data(as_text=True)


def restore_from_cadangan_data(new, backup, printed: str) -> None:
    """The new PC's admin restores the office's backup with its printed recovery key, from Cadangan Data."""
    new.test_client_class = CsrfClient
    with new.app_context(), new.extensions["database"].connection_context():
        admin_user, _ = create_user("admin", "Administrator", "admin", password="rahasia-kantor-1",
                                    must_change_password=False)
        admin = new.test_client()
        sign_in_as(admin, admin_user)
    done = admin.post("/admin/cadangan/pulihkan", content_type="multipart/form-data",
                      data={"confirm": "ya", "halaman": "pc-baru", "recovery_key": printed,
                            "backup_file": (io.BytesIO(backup.read_bytes()), backup.name)})
    assert done.status_code == 303


def test_a_restore_onto_a_new_pc_keeps_the_ca_and_the_counters_trust(tmp_path):
    old = create_app({"DATA_DIR": tmp_path / "pc-lama", "SECRET_KEY": "x", "TESTING": True})
    with old.app_context(), old.extensions["database"].connection_context():
        ca = office_tls.office_ca()
        office_tls.current_leaf(["kantor-lama"], ["192.168.1.10"])
    backup = backup_database(old.config["DATABASE_PATH"], tmp_path / "flashdisk" / "cadangan.sqlite3")
    printed = KeyStore(old.config["DATA_DIR"]).recovery_key()

    new = create_app({"DATA_DIR": tmp_path / "pc-baru", "SECRET_KEY": "x", "TESTING": True})
    restore_from_cadangan_data(new, backup, printed)
    with new.app_context(), new.extensions["database"].connection_context():
        assert office_tls.office_ca() == ca  # the same CA: no counter trusts anew
        leaf, issued = office_tls.current_leaf(["kantor-baru"], ["192.168.1.20"])  # its own names and address
        assert issued and office_tls.office_ca() == ca
    office_tls.certificate(leaf["cert"]).verify_directly_issued_by(office_tls.certificate(ca["cert"]))


def test_the_ca_vouches_for_the_lans_private_addresses_and_local_names_only(in_app):
    """A counter PC trusts the office's CA as a root: through it, nothing but the office (were the key taken,
    no bank's or ministry's certificate would pass at the counters)."""
    ca = office_tls.office_ca()
    constraints = office_tls.certificate(ca["cert"]).extensions.get_extension_for_class(x509.NameConstraints)
    assert constraints.critical
    names, addresses = office_tls.permitted(ca, ["kantor-pc.local", "bank.co.id", "localhost"],
                                            ["192.168.1.10", "8.8.8.8", "10.1.2.3", "127.0.0.1"])
    assert names == ["kantor-pc.local", "localhost"] and addresses == ["192.168.1.10", "10.1.2.3", "127.0.0.1"]
    leaf, _ = office_tls.current_leaf(["kantor-pc.local", "bank.co.id"], ["192.168.1.10", "8.8.8.8"])
    alternative = office_tls.certificate(leaf["cert"]).extensions.get_extension_for_class(x509.SubjectAlternativeName)
    assert "bank.co.id" not in str(alternative.value) and "8.8.8.8" not in str(alternative.value)

    forged = office_tls.issue_leaf(ca, ["www.bank.co.id"], [])  # signed with the office's key all the same
    server = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
    office_tls.server_context(forged, in_app.config["DATA_DIR"] / "kunci", server)
    with socket.socket() as listening:
        listening.bind(("127.0.0.1", 0))
        listening.listen()
        import threading

        def serve_one():
            connection, _ = listening.accept()
            try:
                server.wrap_socket(connection, server_side=True).close()
            except (ssl.SSLError, OSError):
                connection.close()
        threading.Thread(target=serve_one, daemon=True).start()
        client = counter_trusting(ca)
        with socket.create_connection(listening.getsockname(), timeout=10) as raw:
            with pytest.raises(ssl.SSLCertVerificationError, match="name constraint|permitted"):
                client.wrap_socket(raw, server_hostname="www.bank.co.id")
