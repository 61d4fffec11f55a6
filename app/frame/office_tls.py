"""The office's own certificate authority and the LAN's TLS listener (issue 84).

The counters reach the office PC over the office's LAN, often a Wi-Fi the visitors in the hall can
join: everything they send and receive there goes over TLS. The office PC is its own certificate
authority: the CA is made once (at the first start that serves the LAN, or when the admin's page or
the recovery sheet first asks for it), its key kept in the office's settings, inside the encrypted
database, so it is backed up and restored with the office's other keys (the F-1.07 key beside it)
and a restore onto a new PC keeps it. Each counter PC trusts the CA once (the admin's guide; its
fingerprint is on the recovery key's sheet); the server certificate it issues (the leaf) is checked
at each start and every hour, and issued again, without any step at the counters, when it nears its
end or when the PC's names or addresses are no longer all in it (a new address from the router).

The LAN listener is cheroot's (the center's server; waitress has no TLS) with the standard library's
ssl: TLS 1.2 and 1.3 only, forward-secret AEAD ciphers only, no compression. A connection whose first
byte is not a TLS handshake (someone typed http://) is answered by one Indonesian page saying how
to trust the office, with the CA to download; the app is never served there. The Door (below) accepts each
new connection on a thread of its own, never blocking: it waits there for its handshake and its first
request, so a visitor's idle, slow or half-open connections never hold the counters back (issue 90); cheroot's
own thread watches only kept-alive connections. The loopback listener
(the PC's own browser, the kiosk) stays plain HTTP on waitress.
"""
import datetime
import hashlib
import ipaddress
import logging
import secrets
import selectors
import socket
import ssl
import sys
import threading
import time
from collections import Counter
from dataclasses import dataclass, field
from html import escape
from pathlib import Path

from cryptography import x509
from cryptography.exceptions import InvalidSignature
from cryptography.hazmat.primitives import hashes, serialization
from cryptography.hazmat.primitives.asymmetric import ec
from cryptography.x509.oid import ExtendedKeyUsageOID, NameOID

from app.frame import audit, store
from app.frame.audit_rule import act, nothing_done
from app.frame.private_files import private_dir, write_private

log = logging.getLogger(__name__)

CA_SETTING = "office_ca"  # {"key": PEM, "cert": PEM}: the office's CA
LEAF_SETTING = "office_tls_leaf"  # {"key": PEM, "cert": PEM}: the office PC's certificate, issued by the CA
store.register_defaults(**{CA_SETTING: {}, LEAF_SETTING: {}})

CA_DAYS = 10 * 366
LEAF_DAYS = 90
RENEW_BEFORE = datetime.timedelta(days=30)  # a PC off for weeks still starts with a valid certificate
CHECK_SECONDS = 3600
CA_DOWNLOAD_PATH = "/sertifikat-kantor.crt"
PLAIN_LAN = "loket.plain_lan"  # environ key: a plain-HTTP connection on the LAN port
# Forward secrecy and AEAD only (TLS 1.3's suites are always these); TLS 1.0/1.1 refused.
CIPHERS = "ECDHE+AESGCM:ECDHE+CHACHA20:!aNULL:!eNULL:!SHA1:!SHA256:!SHA384"
HSTS = "max-age=31536000"
# A Linux counter's trust, in the terminal, from the folder holding the download: the user's NSS database
# (Chromium's) made first when the profile has none yet (the guide shows this line; a test runs it).
LINUX_TRUST_COMMAND = ('mkdir -p $HOME/.pki/nssdb && (test -e $HOME/.pki/nssdb/cert9.db || certutil -d '
                       'sql:$HOME/.pki/nssdb -N --empty-password) && certutil -d sql:$HOME/.pki/nssdb -A -t "C,," '
                       '-n "Loket Kecamatan" -i sertifikat-kantor.crt')
# The door (Door, below): where a new LAN connection waits for its handshake and first request, off the
# accept thread. A counter's browser opens 6 connections at most and is through in milliseconds.
DOOR_SECONDS = 10  # to finish the handshake and send a request's head; then let go
DOOR_PER_ADDRESS = 16  # one device's unfinished connections: its next one is closed at once
DOOR_TOTAL = 400  # all devices' together (select() on Windows watches 512 sockets at most)
DOOR_ACCEPTS = 32  # new connections taken in at one turn; then the ones waiting get theirs (a flood of connects)
HEAD_BYTES = 16384  # a request head longer than this goes on to cheroot as it is (its own limits apply)
LISTEN_BACKLOG = 128  # connections the system queues before the accept thread takes them (cheroot's: 5)
# Past the door, a worker reads the rest of a request (its body; a kept-alive connection's next head): a visitor
# who trickles those bytes must not hold the worker. Reading a request may take READ_SECONDS plus one second per
# READ_RATE bytes come in; then the connection reads as closed (the request ends short, the worker is free).
READ_SECONDS = 15
READ_RATE = 16 * 1024  # bytes a second: far below any working LAN or Wi-Fi, far above a trickle
# A counter's connection kept open between its pages (cheroot's own: 10 s, then the next page after a clerk typed
# for a while paid a new TLS handshake, issue 90 finding 6); at most so many kept, all devices together (each a
# socket in cheroot's select(): 512 at most on Windows). Past the limit a connection closes after its answer.
SOCKET_SECONDS = 10  # a socket's wait for a byte to read or room to write (cheroot's `timeout`)
KEEP_ALIVE_SECONDS = 180
KEEP_ALIVE_CONNECTIONS = 100


# --- The CA and the leaf -------------------------------------------------------------------------------

def _now() -> datetime.datetime:
    return datetime.datetime.now(datetime.timezone.utc)


def _pem_key(key) -> str:
    return key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                             serialization.NoEncryption()).decode("ascii")


def _pem_cert(cert) -> str:
    return cert.public_bytes(serialization.Encoding.PEM).decode("ascii")


UNNAMED_LABEL = "Kantor Kecamatan"  # a CA made before the setup named the kecamatan


def _office_label() -> str:
    name = (store.get("kecamatan_name") or "").strip()
    return f"Kecamatan {name}" if name else UNNAMED_LABEL


# What the CA may vouch for (name constraints, enforced by the browsers and OpenSSL): the LAN's private
# addresses and local names only. A counter PC that trusts it trusts nothing else through it, even if the
# office's key were taken: no bank's, no government site's certificate.
PERMITTED_NETWORKS = ("10.0.0.0/8", "172.16.0.0/12", "192.168.0.0/16", "100.64.0.0/10", "169.254.0.0/16",
                      "127.0.0.0/8", "fc00::/7", "fe80::/10", "::1/128")
PERMITTED_DOMAINS = ("local", "lan", "home.arpa", "internal", "localhost")


def new_ca(label: str, now: datetime.datetime | None = None, hostname: str | None = None) -> dict:
    """A CA key and its self-signed certificate: may sign servers' certificates only (path length 0), for
    the LAN's private addresses and local names (with this PC's name) only."""
    now = now or _now()
    domains = [*PERMITTED_DOMAINS, *([hostname] if hostname and hostname not in PERMITTED_DOMAINS else [])]
    permitted = ([x509.DNSName(domain) for domain in domains]
                 + [x509.IPAddress(ipaddress.ip_network(network)) for network in PERMITTED_NETWORKS])
    key = ec.generate_private_key(ec.SECP256R1())
    subject = x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, f"Loket Kecamatan - {label}"[:64]),
                         x509.NameAttribute(NameOID.ORGANIZATION_NAME, label[:64]),
                         x509.NameAttribute(NameOID.SERIAL_NUMBER, secrets.token_hex(4))])
    public = key.public_key()
    cert = (x509.CertificateBuilder().subject_name(subject).issuer_name(subject).public_key(public)
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(days=1)).not_valid_after(now + datetime.timedelta(days=CA_DAYS))
            .add_extension(x509.BasicConstraints(ca=True, path_length=0), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=False, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=True,
                                         crl_sign=True, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.NameConstraints(permitted_subtrees=permitted, excluded_subtrees=None), critical=True)
            .add_extension(x509.SubjectKeyIdentifier.from_public_key(public), critical=False)
            .sign(key, hashes.SHA256()))
    return {"key": _pem_key(key), "cert": _pem_cert(cert)}


def issue_leaf(ca: dict, names: list[str], addresses: list[str], now: datetime.datetime | None = None) -> dict:
    """The office PC's server certificate for `names` and `addresses`, signed by `ca`."""
    now = now or _now()
    ca_key = serialization.load_pem_private_key(ca["key"].encode("ascii"), None)
    ca_cert = x509.load_pem_x509_certificate(ca["cert"].encode("ascii"))
    key = ec.generate_private_key(ec.SECP256R1())
    alternative = [x509.DNSName(name) for name in names] + [x509.IPAddress(ipaddress.ip_address(a)) for a in addresses]
    cert = (x509.CertificateBuilder()
            .subject_name(x509.Name([x509.NameAttribute(NameOID.COMMON_NAME, (names or addresses)[0][:64])]))
            .issuer_name(ca_cert.subject).public_key(key.public_key())
            .serial_number(x509.random_serial_number())
            .not_valid_before(now - datetime.timedelta(hours=1)).not_valid_after(now + datetime.timedelta(days=LEAF_DAYS))
            .add_extension(x509.SubjectAlternativeName(alternative), critical=False)
            .add_extension(x509.BasicConstraints(ca=False, path_length=None), critical=True)
            .add_extension(x509.KeyUsage(digital_signature=True, content_commitment=False, key_encipherment=False,
                                         data_encipherment=False, key_agreement=False, key_cert_sign=False,
                                         crl_sign=False, encipher_only=False, decipher_only=False), critical=True)
            .add_extension(x509.ExtendedKeyUsage([ExtendedKeyUsageOID.SERVER_AUTH]), critical=False)
            .add_extension(x509.AuthorityKeyIdentifier.from_issuer_public_key(ca_cert.public_key()), critical=False)
            .sign(ca_key, hashes.SHA256()))
    return {"key": _pem_key(key), "cert": _pem_cert(cert)}


def certificate(pem: str) -> x509.Certificate:
    return x509.load_pem_x509_certificate(pem.encode("ascii"))


def ca_der(ca: dict) -> bytes:
    """The CA certificate as Windows' import wizard and the browsers take it (a .crt file)."""
    return certificate(ca["cert"]).public_bytes(serialization.Encoding.DER)


def fingerprint(cert_pem: str, algorithm: str = "sha256") -> str:
    """The certificate's fingerprint as the browsers and Windows show it (colon-separated hex, upper case).
    Windows' import dialog shows SHA-1 ("Thumbprint"), the browsers SHA-256 too."""
    digest = hashlib.new(algorithm, certificate(cert_pem).public_bytes(serialization.Encoding.DER)).hexdigest()
    return ":".join(digest[i:i + 2] for i in range(0, len(digest), 2)).upper()


def permitted(ca: dict, names: list[str], addresses: list[str]) -> tuple[list[str], list[str]]:
    """The names and addresses the CA may vouch for (its name constraints; a CA without any: all). A PC
    renamed since the CA was made keeps NAME.local; an address outside the private ranges is left out."""
    try:
        constraints = certificate(ca["cert"]).extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return names, addresses
    subtrees = constraints.permitted_subtrees or []
    domains = [t.value.lower() for t in subtrees if isinstance(t, x509.DNSName)]
    networks = [t.value for t in subtrees if isinstance(t, x509.IPAddress)]
    kept_names = [n for n in names if any(n.lower() == d or n.lower().endswith("." + d) for d in domains)]
    kept_addresses = [a for a in addresses if any(ipaddress.ip_address(a) in network for network in networks
                                                   if network.version == ipaddress.ip_address(a).version)]
    return kept_names, kept_addresses


def leaf_covers(leaf: dict, ca: dict, names: list[str], addresses: list[str], now: datetime.datetime) -> bool:
    """The kept leaf still serves: signed by this CA, every name and address in it, not near its end."""
    if not leaf.get("cert") or not leaf.get("key"):
        return False
    cert = certificate(leaf["cert"])
    if cert.issuer != certificate(ca["cert"]).subject or cert.not_valid_after_utc - RENEW_BEFORE < now:
        return False
    try:
        cert.verify_directly_issued_by(certificate(ca["cert"]))
    except (InvalidSignature, ValueError, TypeError):  # another CA of the same name
        return False
    alternative = cert.extensions.get_extension_for_class(x509.SubjectAlternativeName).value
    have_names = {n.lower() for n in alternative.get_values_for_type(x509.DNSName)}
    have_addresses = {str(a) for a in alternative.get_values_for_type(x509.IPAddress)}
    return {n.lower() for n in names} <= have_names and {str(ipaddress.ip_address(a)) for a in addresses} <= have_addresses


def _put_untrailed(why: str, **settings) -> None:
    from app.frame.db import database
    with audit.without_trail(why), database.atomic():
        for key, value in settings.items():
            store.put(key, value)


@act("buat")
def office_ca(create: bool = True) -> dict | None:
    """The office's CA ({"key", "cert"} PEMs), made once when there is none (None when not `create`): the
    act of making it, nothing done when it is there."""
    ca = store.get(CA_SETTING)
    if ca or not create:
        return nothing_done(ca or None)
    from app.frame.db import database
    with database.atomic():
        ca = store.get(CA_SETTING)
        if ca:
            return nothing_done(ca)  # made meanwhile by another thread
        ca = new_ca(_office_label(), hostname=pc_name())
        store.put(CA_SETTING, ca)
        store.put(LEAF_SETTING, {})
        audit.record("buat", "pengaturan", "ca_kantor", "Otoritas sertifikat kantor dibuat (sidik jari SHA-256 "
                     f"{fingerprint(ca['cert'])}); PC loket mempercayainya sekali untuk sambungan aman di LAN",
                     user=None)
    return ca


@act("ubah")
def rotate_ca(user=None, why: str = "setiap PC loket perlu mempercayai sertifikat baru") -> dict:
    """The admin's new CA (a key that may have been seen): every counter trusts the new one again."""
    from app.frame.db import database
    ca = new_ca(_office_label(), hostname=pc_name())
    with database.atomic():
        old = store.get(CA_SETTING)
        store.put(CA_SETTING, ca)
        store.put(LEAF_SETTING, {})
        audit.record("ubah", "pengaturan", "ca_kantor", "Otoritas sertifikat kantor diganti (sidik jari SHA-256 baru "
                     f"{fingerprint(ca['cert'])}" + (f", lama {fingerprint(old['cert'])}" if old else "")
                     + f"); {why}", user=user)
    return ca


def name_the_ca_at_setup(user=None) -> None:
    """A CA made before the setup (the LAN served from the first start) bears no kecamatan's name: made
    again with it. No counter trusts it yet: its fingerprint is shown only after the setup."""
    ca = store.get(CA_SETTING)
    if ca and ca_label(ca) == UNNAMED_LABEL and store.get("kecamatan_name"):
        rotate_ca(user, "dibuat ulang dengan nama kecamatan setelah penyiapan kantor")


def ca_label(ca: dict) -> str:
    names = certificate(ca["cert"]).subject.get_attributes_for_oid(NameOID.ORGANIZATION_NAME)
    return names[0].value if names else ""


def ca_hostname(ca: dict) -> str:
    """The PC name the CA was made for ("" if none): the only bare name it vouches for. A PC of another
    name (renamed, or a new PC the office's backup was restored onto) is served as NAME.local and by
    its addresses only: bare names cannot be constrained but one by one."""
    try:
        constraints = certificate(ca["cert"]).extensions.get_extension_for_class(x509.NameConstraints).value
    except x509.ExtensionNotFound:
        return ""
    names = [t.value.lower() for t in constraints.permitted_subtrees or [] if isinstance(t, x509.DNSName)]
    return next((n for n in names if n not in PERMITTED_DOMAINS), "")


def current_leaf(names: list[str], addresses: list[str], now: datetime.datetime | None = None) -> tuple[dict, bool]:
    """(the leaf for these names and addresses, whether it was issued now): the kept one while it serves."""
    now = now or _now()
    ca = office_ca()
    names, addresses = permitted(ca, names, addresses)
    leaf = store.get(LEAF_SETTING)
    if leaf_covers(leaf, ca, names, addresses, now):
        return leaf, False
    leaf = issue_leaf(ca, names, addresses, now)
    _put_untrailed("the office PC's server certificate, issued again by the office's CA", **{LEAF_SETTING: leaf})
    log.info("TLS certificate issued for %s", ", ".join([*names, *addresses]))
    return leaf, True


# --- This PC's names and addresses ---------------------------------------------------------------------

def _linux_interface_addresses() -> set[str]:
    """Each interface's IPv4 address (SIOCGIFADDR): getaddrinfo of the hostname gives 127.0.1.1 on Linux.
    Linux only (its caller checks): fcntl is imported by name, Windows has none."""
    import importlib
    import struct
    fcntl = importlib.import_module("fcntl")
    found = set()
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        for _index, name in socket.if_nameindex():
            try:
                packed = fcntl.ioctl(probe.fileno(), 0x8915, struct.pack("256s", name[:15].encode()))
            except OSError:
                continue  # an interface without an IPv4 address
            found.add(socket.inet_ntoa(packed[20:24]))
    return found


def interface_addresses() -> list[str]:
    """This PC's IPv4 addresses on its networks, loopback left out. Windows: the hostname resolves to
    every adapter's address; Linux: each interface asked; both: the address of the default route."""
    found: set[str] = set()
    try:
        found.update(info[4][0] for info in socket.getaddrinfo(socket.gethostname(), None, socket.AF_INET))
    except OSError:
        pass
    if sys.platform.startswith("linux"):
        found.update(_linux_interface_addresses())
    try:
        with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
            probe.connect(("10.255.255.255", 9))  # no packet is sent: the route's source address is read
            found.add(probe.getsockname()[0])
    except OSError:
        pass
    usable = {a for a in found if not ipaddress.ip_address(a).is_loopback and not ipaddress.ip_address(a).is_unspecified}
    return sorted(usable, key=lambda a: ipaddress.ip_address(a))


def pc_name() -> str:
    """This PC's name as a DNS name can hold it ("" when it cannot: letters, digits, dots and hyphens only)."""
    host = socket.gethostname().strip().rstrip(".").lower()
    return host if host and len(host) < 64 and all(c.isascii() and (c.isalnum() or c in ".-") for c in host) else ""


def lan_names() -> list[str]:
    """The names a counter may type: the PC's name (and NAME.local, mDNS), and localhost for this PC."""
    host = pc_name()
    names = [host, f"{host}.local"] if host and host != "localhost" else []
    return [*dict.fromkeys([*names, "localhost"])]


def lan_addresses(bound: str = "0.0.0.0") -> list[str]:
    """The addresses the leaf must name: the interfaces' (or the one address bound), and loopback's."""
    if bound not in ("0.0.0.0", "::", ""):
        return [*dict.fromkeys([bound, "127.0.0.1"])]
    return [*interface_addresses(), "127.0.0.1"]


# --- The listener --------------------------------------------------------------------------------------

def server_context(leaf: dict, folder: Path, context: ssl.SSLContext | None = None) -> ssl.SSLContext:
    """An SSLContext serving `leaf` (a new one, or `context` with its certificate replaced: the
    connections after it get the new one). load_cert_chain reads files only: the key is written
    encrypted under a one-off password, in the private key folder, and removed at once."""
    if context is None:
        context = ssl.SSLContext(ssl.PROTOCOL_TLS_SERVER)
        context.minimum_version = ssl.TLSVersion.TLSv1_2
        context.set_ciphers(CIPHERS)
        context.options |= ssl.OP_NO_COMPRESSION | ssl.OP_CIPHER_SERVER_PREFERENCE | ssl.OP_NO_RENEGOTIATION
    password = secrets.token_bytes(32)
    key = serialization.load_pem_private_key(leaf["key"].encode("ascii"), None)
    sealed = key.private_bytes(serialization.Encoding.PEM, serialization.PrivateFormat.PKCS8,
                               serialization.BestAvailableEncryption(password))
    private_dir(folder)
    stem = folder / f"tls-{secrets.token_hex(6)}"
    cert_path, key_path = stem.with_suffix(".crt"), stem.with_suffix(".key")
    try:
        write_private(cert_path, leaf["cert"])
        write_private(key_path, sealed.decode("ascii"))
        context.load_cert_chain(str(cert_path), str(key_path), password=password)
    finally:
        cert_path.unlink(missing_ok=True)
        key_path.unlink(missing_ok=True)
    return context


TRUST_PAGE = """<!doctype html><html lang="id"><head><meta charset="utf-8">
<meta name="viewport" content="width=device-width, initial-scale=1">
<title>Sambungan ke kantor belum aman</title>
<style>body{{font-family:sans-serif;max-width:46rem;margin:2rem auto;padding:0 1rem;line-height:1.5}}
code{{font-size:1.05em;word-break:break-all}}li{{margin-bottom:.4rem}}</style></head><body>
<h1>Sambungan ke kantor belum aman</h1>
<p>Alamat ini dibuka tanpa enkripsi (<code>http://</code>). Aplikasi Loket Kecamatan di jaringan kantor hanya
dibuka lewat sambungan aman, agar kata sandi, NIK dan foto pemohon tidak dapat dibaca orang lain yang
memakai Wi-Fi kantor.</p>
<p><strong>Sudah pernah dipercaya di PC ini?</strong> Buka <a href="{secure}">{secure}</a>.</p>
<h2>Belum: percayai kantor sekali di PC ini</h2>
<ol>
<li>Unduh <a href="{download}">sertifikat kantor</a> (berkas <code>sertifikat-kantor.crt</code>).</li>
<li>Cocokkan sidik jarinya dengan lembar kunci pemulihan yang dicetak admin (disimpan di brankas kantor),
<strong>bukan dengan halaman ini</strong>: halaman tanpa enkripsi dapat dipalsukan. Sidik jari yang
seharusnya tercetak:<br>SHA-256 <code>{sha256}</code><br>SHA-1 (ditampilkan Windows) <code>{sha1}</code></li>
<li><strong>Windows</strong>: klik ganda berkas itu, pilih <em>Install Certificate</em> (Pasang Sertifikat),
<em>Current User</em>, lalu <em>Place all certificates in the following store</em>, <em>Browse</em>,
<em>Trusted Root Certification Authorities</em>, <em>Next</em>, <em>Finish</em>. Windows menampilkan
peringatan dengan <em>Thumbprint (sha1)</em>: tekan <em>Yes</em> hanya bila sama dengan lembar cetak. Tidak
perlu akun administrator.</li>
<li><strong>Linux (Chromium)</strong>: Pengaturan, Privasi dan keamanan, Keamanan, Kelola sertifikat,
tab <em>Authorities</em>, <em>Import</em>, pilih berkas, centang <em>Trust this certificate for identifying
websites</em>. <strong>Firefox</strong>: Pengaturan, Privasi &amp; Keamanan, Sertifikat, Lihat Sertifikat,
tab Otoritas, Impor, centang percayai untuk mengidentifikasi situs web.</li>
<li>Tutup peramban, buka lagi, lalu buka <a href="{secure}">{secure}</a>.</li>
</ol>
<p>Langkah lengkapnya ada di Panduan Admin Kantor, bagian "Mempercayai kantor di PC loket". Bila tidak
yakin, hubungi admin kantor. Jangan menekan "lanjutkan" pada peringatan peramban.</p>
</body></html>"""


def trust_page(ca: dict, host: str, port: int) -> bytes:
    secure = f"https://{host}:{port}/" if port != 443 else f"https://{host}/"
    return TRUST_PAGE.format(secure=escape(secure), download=CA_DOWNLOAD_PATH, sha256=fingerprint(ca["cert"]),
                             sha1=fingerprint(ca["cert"], "sha1")).encode("utf-8")


PLAIN_HEADERS = [("Cache-Control", "no-store"), ("X-Content-Type-Options", "nosniff"), ("X-Frame-Options", "DENY"),
                 ("Content-Security-Policy", "default-src 'none'; style-src 'unsafe-inline'; form-action 'none'"),
                 ("Connection", "close")]


def _host_of(environ, own: list[str]) -> str:
    """The host the browser asked for when it is one of this PC's names or addresses (else the first of
    them): a link or a redirect never names a host someone else chose."""
    asked = (environ.get("HTTP_HOST") or "").rsplit(":", 1)[0].strip("[]").lower()
    return asked if asked in own else (own or ["localhost"])[0]


@dataclass
class LanState:
    """What the health card tells of the LAN listener (None: this PC serves itself only)."""
    host: str
    port: int
    running: bool = False
    problem: str = ""
    names: list = field(default_factory=list)
    addresses: list = field(default_factory=list)
    not_after: datetime.datetime | None = None
    issued_at: datetime.datetime | None = None


class LanListener:
    """cheroot serving `app` over TLS on (host, port), with the leaf kept current every CHECK_SECONDS."""

    def __init__(self, app, host: str, port: int, threads: int = 8, key_folder: Path | None = None):
        self.app, self.host, self.port, self.threads = app, host, port, threads
        self.key_folder = key_folder or Path(app.config["DATA_DIR"]) / "kunci"
        self.state = LanState(host, port)
        self.context: ssl.SSLContext | None = None
        self.ca: dict | None = None
        self.server = None
        self.door: Door | None = None
        self._stop = threading.Event()
        self.plain_port: int | None = None  # the loopback's port, answered on each LAN address with the trust page
        self.doors: dict[str, object] = {}  # LAN address -> its cheroot server on plain_port
        self.serving = ""  # the leaf's certificate (PEM) the context serves

    def _in_app(self, fn):
        from flask import has_app_context
        database = self.app.extensions["database"]
        if has_app_context() and not database.is_closed():  # the admin's request (a new CA): its connection
            return fn()
        with self.app.app_context(), database.connection_context():
            return fn()

    def refresh(self, now: datetime.datetime | None = None) -> bool:
        """The leaf checked against this PC's names and addresses now; a new one served at once. True when issued."""
        names, addresses = lan_names(), lan_addresses(self.host)

        def check():
            self.ca = office_ca()
            return current_leaf(names, addresses, now)
        leaf, issued = self._in_app(check)
        names, addresses = permitted(self.ca, names, addresses)  # what the leaf names: the page shows these
        if leaf["cert"] != self.serving:  # issued now, or another one kept (a restored backup's)
            self.context = server_context(leaf, self.key_folder, self.context)
            self.serving = leaf["cert"]
        cert = certificate(leaf["cert"])
        self.state.names, self.state.addresses = names, addresses
        self.state.not_after, self.state.issued_at = cert.not_valid_after_utc, cert.not_valid_before_utc
        return issued

    def wsgi(self, environ, start_response):
        """TLS connections reach the app, with Secure cookies and HSTS; plain ones only the trust page."""
        if environ.get(PLAIN_LAN):
            if environ.get("PATH_INFO") == CA_DOWNLOAD_PATH:
                body = ca_der(self.ca)
                start_response("200 OK", [("Content-Type", "application/x-x509-ca-cert"),
                                          ("Content-Disposition", 'attachment; filename="sertifikat-kantor.crt"'),
                                          ("Content-Length", str(len(body))), *PLAIN_HEADERS])
                return [body]
            body = trust_page(self.ca, _host_of(environ, [*self.state.names, *self.state.addresses]), self.port)
            start_response("200 OK", [("Content-Type", "text/html; charset=utf-8"), ("Content-Length", str(len(body))),
                                      *PLAIN_HEADERS])
            return [body]

        def secured(status, headers, exc_info=None):
            headers = [(name, _secure_cookie(value) if name.lower() == "set-cookie" else value)
                       for name, value in headers]
            headers.append(("Strict-Transport-Security", HSTS))
            return start_response(status, headers, exc_info)
        return self.app(environ, secured)

    def bind(self) -> None:
        """The certificate made and the port bound (OSError when taken): `serve` reports it before serving."""
        self.refresh()
        self.server = lan_server((self.host, self.port), self.wsgi, numthreads=self.threads,
                                 server_name="loket-kecamatan", timeout=SOCKET_SECONDS, shutdown_timeout=2)
        self.door = self.server.door = Door(self.server, lambda: self.context)
        self.server.prepare()
        self.port = self.state.port = self.server.bind_addr[1]

    def open_doors(self, port: int) -> None:
        """The plain port the LAN used before (the loopback's, 8080) answered on each LAN address: plain HTTP
        with the trust page (a counter's old bookmark is told where the office is now, never served the app),
        TLS (the same bookmark upgraded by the browser's HSTS after one visit over TLS: https://NAME:8080)
        with the office's certificate and a redirect to the LAN port. Behind a Door of its own, like the LAN
        port. 127.0.0.1 keeps the port for the PC itself (an address's own binding sits beside it). Called
        again each hour: a new address gets its door; a port another program holds there is only logged."""
        self.plain_port = port = int(port)
        for address in self.state.addresses:
            if address in self.doors or address == "127.0.0.1":
                continue
            door = lan_server((address, port), self._old_port, numthreads=2, server_name="loket-kecamatan",
                              timeout=3, keep_alive=3, shutdown_timeout=1)
            door.door = Door(door, lambda: self.context)
            try:
                door.prepare()
            except Exception as problem:  # a courtesy: never the reason the office does not serve
                log.warning("plain port %s:%s not answered: %s", address, port, problem)
                door.door.stop()
                continue
            self.doors[address] = door
            door.door.thread.start()
            threading.Thread(target=door.serve, name=f"loket-lan-door-{address}", daemon=True).start()

    def _old_port(self, environ, start_response):
        """The plain port's answer: the trust page over plain HTTP; over TLS, the same address on the LAN port."""
        if environ.get(PLAIN_LAN):
            return self.wsgi(environ, start_response)
        from urllib.parse import quote
        host = _host_of(environ, [*self.state.names, *self.state.addresses])
        path = quote(environ.get("PATH_INFO", "/").encode("latin-1"), safe="/-._~!$&'()*+,;=:@")
        query = environ.get("QUERY_STRING", "")
        start_response("307 Temporary Redirect", [
            ("Location", f"https://{host}:{self.port}{path}" + (f"?{query}" if query else "")),
            ("Content-Length", "0"), ("Strict-Transport-Security", HSTS), *PLAIN_HEADERS])
        return [b""]

    def start(self) -> threading.Thread:
        """bind() first. Serves in a thread; a second one keeps the certificate current."""
        def serve():
            self.state.running = True
            try:
                self.server.serve()
            except Exception as problem:  # the loopback listener goes on; the health card says it
                log.exception("LAN listener stopped")
                self.state.problem = str(problem)
            finally:
                self.state.running = False

        def keep_current():
            while not self._stop.wait(CHECK_SECONDS):
                try:
                    self.refresh()  # the door's next handshakes take the new context
                    if self.plain_port is not None:
                        self.open_doors(self.plain_port)
                except Exception:  # tried again in an hour; the card shows the expiry
                    log.exception("TLS certificate check failed")
        self.door.thread.start()
        thread = threading.Thread(target=serve, name="loket-lan-tls", daemon=True)
        thread.start()
        threading.Thread(target=keep_current, name="loket-lan-tls-renewal", daemon=True).start()
        return thread

    def stop(self) -> None:
        self._stop.set()
        for server in [self.server, *self.doors.values()]:
            if server is not None:
                if server.door is not None:
                    server.door.stop()
                server.stop()


def serve_at_once(app) -> None:
    """This process's LAN listener (if it serves one) serves the CA the database holds now, on the next
    connection, not after a restart or the hourly check: after a restore (the office's own CA, which the
    counters trust), a new CA, the setup. A failure is logged: the hourly check tries again."""
    listener = app.extensions.get("lan_listener")
    if listener is None:
        return
    from flask import g, has_app_context
    if has_app_context():
        g.pop("settings", None)  # read before the change in this request: read again
    try:
        listener.refresh()
    except Exception:
        log.exception("LAN certificate not refreshed")


def _secure_cookie(value: str) -> str:
    return value if "secure" in {part.strip().lower() for part in value.split(";")} else f"{value}; Secure"


class _Replay:
    """A socket whose first reads return the request head the door already read, and whose reads in a worker
    end by the request's reading time (READ_SECONDS, READ_RATE) from `begin` (cheroot's reader reads through
    recv_into; everything else is the socket's own)."""

    def __init__(self, sock, head: bytes, timeout: float):
        self._sock, self._head, self._timeout = sock, memoryview(head), timeout
        self.begin()

    def begin(self) -> None:
        """A request to be read (handed to the workers): its reading time starts at its first read, in a
        worker, not while it waits in the queue for one."""
        self._began, self._received, self.cut = None, 0, False

    def recv_into(self, buffer, *size_and_flags):
        if self._head:
            size = min(len(self._head), (size_and_flags[:1] or [0])[0] or len(buffer))
            buffer[:size] = self._head[:size]
            self._head = self._head[size:]
            return size
        if self._began is None:
            self._began = time.monotonic()
        left = self._began + READ_SECONDS + self._received / READ_RATE - time.monotonic()
        if self.cut or left <= 0:
            return self._cut()
        shorter = left < self._timeout  # the socket keeps the server's timeout otherwise (each change a system call)
        if shorter:
            self._sock.settimeout(left)
        try:
            size = self._sock.recv_into(buffer, *size_and_flags)  # an SSLSocket's defaults are not a socket's
        except TimeoutError:
            if shorter:  # the request's time ran out, not the server's wait for a byte
                return self._cut()
            raise
        finally:
            if shorter:
                self._sock.settimeout(self._timeout)  # the answer's writes keep the server's timeout
        self._received += size
        return size

    def _cut(self) -> int:
        if not self.cut:
            self.cut = True
            log.info("LAN request read too slowly: the connection is closed")
        return 0  # read as closed: the request ends short, cheroot closes the connection

    def __getattr__(self, name):
        return getattr(self._sock, name)


@dataclass(eq=False)
class _Arrival:
    """A connection at the door: its socket (TLS once its first byte said so), what it has sent of its
    first request, and when it is let go."""
    sock: socket.socket
    address: str
    port: int
    deadline: float
    tls: bool | None = None  # None: its first byte not seen yet
    shaken: bool = False
    head: bytes = b""


class Door:
    """Every new connection on the LAN port is accepted here and waits here, not on cheroot's thread nor in a
    worker, until its first request's head is in: the first byte looked at (TLS or plain), the TLS handshake
    done, the request line and headers read. One thread of its own, every socket (the listening one too)
    non-blocking in one selector (select() on Windows): a visitor's idle, slow or half-open connections cost a
    socket each, never a counter's wait. An address holds at most DOOR_PER_ADDRESS here (the next one is
    closed at once), all addresses together DOOR_TOTAL (then the oldest of the address holding the most
    goes); each is let go after DOOR_SECONDS. A finished head goes to cheroot's workers as an ordinary
    connection. Accepting here, not on cheroot's thread, spares a new connection a hand-over between threads
    (a wake-up each, the dearest part of a resumed connection's wait; issue 90, finding 6); a connection is
    tried as soon as it is accepted: its ClientHello is often in already."""

    def __init__(self, server, context_of):
        self.server, self.context_of = server, context_of
        self.per_address, self.total, self.seconds = DOOR_PER_ADDRESS, DOOR_TOTAL, DOOR_SECONDS
        self._lock = threading.Lock()
        self._counts: dict[str, int] = {}
        self._listening: socket.socket | None = None
        self._selector = selectors.DefaultSelector()
        self._waiting: dict[_Arrival, None] = {}  # oldest first
        self._wake_read, self._wake_write = socket.socketpair()
        self._wake_read.setblocking(False)
        self._wake_write.setblocking(False)
        self._selector.register(self._wake_read, selectors.EVENT_READ, None)
        self._stopped = False
        self.thread = threading.Thread(target=self._run, name="loket-lan-door", daemon=True)

    def holding(self) -> dict[str, int]:
        """The connections at the door by address (the health of the hall, and the tests')."""
        with self._lock:
            return dict(self._counts)

    def listen(self, listening: socket.socket) -> None:
        """The server's bound, listening socket: its new connections are accepted by the door (before start())."""
        listening.setblocking(False)
        self._listening = listening
        self._selector.register(listening, selectors.EVENT_READ, listening)

    def _run(self) -> None:
        while not self._stopped:
            timeout = max(0.0, min([a.deadline for a in self._waiting] or [time.monotonic() + 1]) - time.monotonic())
            for key, _events in self._selector.select(timeout):
                if key.data is None:
                    self._woken()
                elif key.data is self._listening:
                    self._accept()
                elif key.data in self._waiting:
                    self._try(key.data)
            now = time.monotonic()
            for arrival in [a for a in self._waiting if a.deadline <= now]:
                self._leave(arrival)
        for arrival in list(self._waiting):
            self._leave(arrival)

    def _woken(self) -> None:
        try:
            while self._wake_read.recv(4096):
                pass
        except (BlockingIOError, InterruptedError):
            pass

    def _accept(self) -> None:
        """The new connections waiting (DOOR_ACCEPTS at most a turn): each counted for its address and tried at
        once, or closed at once over its address's limit. Never a wait."""
        for _ in range(DOOR_ACCEPTS):
            try:
                sock, peer = self._listening.accept()
            except (BlockingIOError, InterruptedError):
                return
            except OSError as problem:  # out of file handles, a connection reset before it was taken
                log.warning("LAN connection not accepted: %s", problem)
                return
            address = peer[0] if peer else ""
            with self._lock:
                over = self._counts.get(address, 0) >= self.per_address
                if not over:
                    self._counts[address] = self._counts.get(address, 0) + 1
            if over:
                _close(sock)
                continue
            arrival = _Arrival(sock, address, peer[1] if peer else 0, time.monotonic() + self.seconds)
            self._waiting[arrival] = None
            try:
                sock.setblocking(False)
                self._selector.register(sock, selectors.EVENT_READ, arrival)
            except (OSError, ValueError):  # gone already
                self._leave(arrival)
                continue
            self._try(arrival)
            while len(self._waiting) > self.total:  # the busiest address gives way, its oldest first
                busiest = Counter(a.address for a in self._waiting).most_common(1)[0][0]
                self._leave(next(a for a in self._waiting if a.address == busiest))

    def _try(self, arrival: _Arrival) -> None:
        try:
            self._step(arrival)
        except Exception:  # one connection's surprise drops that connection, never the door
            log.exception("LAN connection dropped at the door")
            self._leave(arrival)

    def _step(self, arrival: _Arrival) -> None:
        """As far as the connection's bytes go now; handed on when its request head is complete."""
        try:
            if arrival.tls is None:
                first = arrival.sock.recv(1, socket.MSG_PEEK)
                if not first:
                    return self._leave(arrival)
                arrival.tls = first == b"\x16"
                if arrival.tls:
                    self._selector.unregister(arrival.sock)
                    arrival.sock = self.context_of().wrap_socket(arrival.sock, server_side=True,
                                                                 do_handshake_on_connect=False)
                    self._selector.register(arrival.sock, selectors.EVENT_READ, arrival)
            if arrival.tls and not arrival.shaken:
                arrival.sock.do_handshake()
                arrival.shaken = True
                self._selector.modify(arrival.sock, selectors.EVENT_READ, arrival)
            while True:
                chunk = arrival.sock.recv(HEAD_BYTES)
                if not chunk:
                    return self._leave(arrival)
                arrival.head += chunk
                if b"\r\n\r\n" in arrival.head or len(arrival.head) >= HEAD_BYTES:
                    return self._hand_on(arrival)
        except ssl.SSLWantReadError:
            self._selector.modify(arrival.sock, selectors.EVENT_READ, arrival)
        except ssl.SSLWantWriteError:
            self._selector.modify(arrival.sock, selectors.EVENT_WRITE, arrival)
        except (BlockingIOError, InterruptedError):
            pass
        except (OSError, ssl.SSLError, ValueError) as problem:  # a broken or refused handshake, a reset
            log.debug("LAN connection from %s dropped at the door: %s", arrival.address, problem)
            self._leave(arrival)

    def _forget(self, arrival: _Arrival) -> None:
        self._waiting.pop(arrival, None)
        try:
            self._selector.unregister(arrival.sock)
        except (KeyError, ValueError):
            pass
        with self._lock:
            left = self._counts.get(arrival.address, 1) - 1
            if left:
                self._counts[arrival.address] = left
            else:
                self._counts.pop(arrival.address, None)

    def _leave(self, arrival: _Arrival) -> None:
        self._forget(arrival)
        _close(arrival.sock)

    def _hand_on(self, arrival: _Arrival) -> None:
        """To cheroot's workers, as its own accept path would have made it, the head read back first."""
        self._forget(arrival)
        sock = arrival.sock
        sock.settimeout(self.server.io_timeout)
        reads = _Replay(sock, arrival.head, self.server.io_timeout)
        conn = self.server.ConnectionClass(self.server, sock, lambda _sock, mode, size: self.server.files(
            reads if "r" in mode else sock, mode, size))
        conn.reads = reads
        conn.remote_addr, conn.remote_port = arrival.address, arrival.port
        conn.ssl_env = _tls_environ(sock) if arrival.tls else {"wsgi.url_scheme": "http", PLAIN_LAN: True}
        self.server.requests.put(conn)

    def stop(self) -> None:
        """Before the server's stop(), which closes the listening socket (select() on Windows fails on a closed one)."""
        with self._lock:
            self._stopped = True
        try:
            self._wake_write.send(b"\0")
        except OSError:
            pass
        if self.thread.is_alive():
            self.thread.join(5)
        self._selector.close()
        self._wake_read.close()
        self._wake_write.close()


def _close(sock) -> None:
    try:
        sock.close()
    except OSError:
        pass


def _tls_environ(sock: ssl.SSLSocket) -> dict:
    name, version, bits = sock.cipher()
    return {"wsgi.url_scheme": "https", "HTTPS": "on", "SSL_PROTOCOL": version, "SSL_CIPHER": name,
            "SSL_CIPHER_USEKEYSIZE": bits}


def lan_server(bind_addr, wsgi_app, timeout: float, keep_alive: float = KEEP_ALIVE_SECONDS, **options):
    """cheroot's WSGI server whose new connections are accepted by its Door (set before prepare()): cheroot's
    own thread watches only the connections kept alive between requests (back from a worker, to the workers).
    `timeout`: a socket's wait for a byte to read or room to write; `keep_alive`: a connection's idle time
    between requests (cheroot's one `timeout` is both: it keeps `keep_alive`, the door sets `timeout`).
    (cheroot imported here: the pages that show the fingerprint never load the server.)"""
    from cheroot import server as http, wsgi
    from cheroot.makefile import MakeFile, StreamWriter

    class Writer(StreamWriter):
        """cheroot's writer sends each write at once: an answer's head alone, then its body. Here the head waits
        for the body's first bytes (or the answer's end), to go out with them: one send, one TLS record, one
        wake-up of the browser where there were two (issue 90, finding 6)."""
        holding, held = False, b""

        def hold_next(self) -> None:
            self.holding = True

        def write(self, data, *args, **kwargs):
            if self.holding:
                self.holding, self.held = False, bytes(data)
                return len(data)
            if self.held:
                data, self.held = self.held + bytes(data), b""
            return super().write(data, *args, **kwargs)

        def flush(self) -> None:
            self.holding = False
            if self.held:
                held, self.held = self.held, b""
                super().write(held)
            super().flush()

    class Request(http.HTTPRequest):
        def ensure_headers_sent(self):
            if not self.sent_headers:
                self.conn.wfile.hold_next()
            super().ensure_headers_sent()

        def respond(self):
            try:
                super().respond()
            finally:
                self.conn.wfile.flush()  # a head with no body after it

    class Connection(http.HTTPConnection):
        RequestHandlerClass = Request

    class LanServer(wsgi.Server):
        door: Door | None = None
        ConnectionClass = Connection

        @staticmethod
        def files(sock, mode: str, size: int):
            """The reader (cheroot's) and the writer (above) of a connection's socket (the door's read-back one)."""
            return MakeFile(sock, mode, size) if "r" in mode else Writer(sock, mode, size)

        _quiet: tuple = ()

        def prepare(self):
            super().prepare()
            if self.door is not None:
                # The listening socket is the door's alone. cheroot's selector (cheroot 11's) watches in its place
                # one that never speaks, as the server: select() on Windows fails when it watches none, and the
                # count of kept-alive connections (KEEP_ALIVE_CONNECTIONS) takes one off for the server's.
                self._quiet = socket.socketpair()
                self._connections._selector.unregister(self.socket.fileno())
                self._connections._selector.register(self._quiet[0].fileno(), selectors.EVENT_READ, data=self)
                self.door.listen(self.socket)

        def stop(self):
            super().stop()
            for end in self._quiet:
                _close(end)

        def process_conn(self, conn):
            if getattr(conn, "reads", None) is not None:  # a kept-alive connection's next request
                conn.reads.begin()
            super().process_conn(conn)
    server = LanServer(bind_addr, wsgi_app, request_queue_size=LISTEN_BACKLOG, timeout=keep_alive, **options)
    server.io_timeout, server.keep_alive_conn_limit = timeout, KEEP_ALIVE_CONNECTIONS
    return server
