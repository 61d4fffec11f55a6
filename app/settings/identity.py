"""The office's identity: the kecamatan chosen from the Kemendagri list (so name and code always
agree), Camat, contacts, time zone and the public address printed on slips.

Used by the first-run setup and by Pengaturan Kantor; one validation, one save.
"""
import re
from urllib.parse import urlsplit

from flask import url_for

from app.frame import audit
from app.frame import regions
from app.frame.dates import TIME_ZONES, local_today
from app.frame.db import database
from app.frame import store
from app.frame.audit_rule import act

# office_opened_on: the local day the setup was first saved; counters of overdue days start there
# (an office set up today has no suggestion box "20 working days" late).
store.register_defaults(public_address="", office_opened_on="")

TEXT_FIELDS = ("address", "phone", "email", "camat_name", "camat_nip", "timezone", "public_address", "office_hours")


def is_set_up() -> bool:
    """Nothing is numbered before the admin has chosen the kecamatan (no seeded identity)."""
    return bool(store.get("kecamatan_code"))


def region_choice(source) -> dict:
    """The three cascading selects from a form or query string; a choice that does not belong to its
    parent is dropped (the admin changed the province: the old kabupaten no longer applies)."""
    provinsi = (source.get("provinsi") or "").strip()
    kabupaten = (source.get("kabupaten") or "").strip()
    kecamatan = regions.dotted(source.get("kecamatan_code") or "")
    if not any(r.code == provinsi for r in regions.children("")):
        provinsi = ""
    if not provinsi or not kabupaten.startswith(provinsi + "."):
        kabupaten = ""
    if not kabupaten or not kecamatan.startswith(kabupaten + "."):
        kecamatan = ""
    return {"provinsi": provinsi, "kabupaten": kabupaten, "kecamatan_code": kecamatan}


def region_choice_of(code: str) -> dict:
    parts = regions.dotted(code).split(".") if code else []
    return {"provinsi": parts[0] if parts else "", "kabupaten": ".".join(parts[:2]) if len(parts) > 1 else "",
            "kecamatan_code": code or ""}


def region_lists(choice: dict) -> dict:
    return {"provinces": regions.children(""),
            "kabupatens": regions.children(choice["provinsi"]) if choice["provinsi"] else [],
            "kecamatans": regions.children(choice["kabupaten"]) if choice["kabupaten"] else []}


def propose_zone(values: dict) -> dict:
    """The chosen province's legal zone replaces the zone shown (the admin may still change it
    before saving): a kecamatan in Sulawesi Selatan is WITA, not the default WIB."""
    zone = regions.zone_of(values.get("kecamatan_code") or values.get("provinsi") or "")
    if zone:
        values["timezone"] = zone
    return values


def read_form(form) -> dict:
    values = {key: (form.get(key) or "").strip() for key in TEXT_FIELDS}
    values["public_address"] = values["public_address"].rstrip("/")
    values.update(region_choice(form))
    return values


def validate(values: dict) -> dict:
    errors = {}
    if not regions.is_kecamatan_code(values["kecamatan_code"]):
        errors["kecamatan_code"] = "Pilih provinsi, kabupaten/kota, lalu kecamatan dari daftar Kemendagri 2025."
    if len(values["address"]) > 300:
        errors["address"] = "Alamat terlalu panjang (maksimal 300 karakter)."
    if len(values["office_hours"]) > 200:  # shown on the center's public status page (issue 28)
        errors["office_hours"] = "Jam layanan terlalu panjang (maksimal 200 karakter)."
    if values["phone"] and not re.fullmatch(r"[0-9+()\- ]{5,20}", values["phone"]):
        errors["phone"] = "Nomor telepon hanya angka, spasi, +, ( ) atau -."
    if values["email"] and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", values["email"]):
        errors["email"] = "Alamat surel tidak valid."
    if values["camat_nip"] and not re.fullmatch(r"\d{18}", values["camat_nip"]):
        errors["camat_nip"] = "NIP terdiri dari 18 angka."
    if len(values["camat_name"]) > 120:
        errors["camat_name"] = "Nama Camat terlalu panjang."
    if values["timezone"] not in TIME_ZONES:
        errors["timezone"] = "Pilih WIB, WITA atau WIT."
    if values["public_address"]:
        parts = urlsplit(values["public_address"])
        if (parts.scheme not in ("http", "https") or not parts.hostname or parts.query or parts.fragment
                or len(values["public_address"]) > 200 or any(c.isspace() for c in values["public_address"])):
            errors["public_address"] = ("Alamat publik seperti https://loket.lumajangkab.go.id "
                                        "(tanpa spasi).")
        elif not phones_reach(values["public_address"]):  # issue 90: a LAN address warns on a citizen's phone
            errors["public_address"] = (
                "Alamat publik harus alamat yang dibuka ponsel warga dari internet, misalnya situs publik kabupaten "
                "https://loket.lumajangkab.go.id. Alamat jaringan kantor (192.168.x.x, 10.x.x.x, 172.16–31.x.x, "
                "nama PC atau .local) hanya terbuka di PC loket yang sudah mempercayai kantor; ponsel warga "
                "mendapat peringatan. Kosongkan bila kabupaten belum punya alamat publik.")
    return errors


@act("ubah")
def save(values: dict, what: str) -> None:
    """Store the identity in one transaction with its audit record; names come from the list."""
    code = values["kecamatan_code"]
    above = {r.level: r.name for r in regions.parents(code)}
    stored = {key: values[key] for key in TEXT_FIELDS}
    stored.update(kecamatan_code=code, kecamatan_name=regions.region_name(code),
                  kabupaten_name=above.get("kabupaten", ""), provinsi_name=above.get("provinsi", ""))
    before = {key: store.get(key) for key in stored}
    if not store.get("kecamatan_code") and not store.get("office_opened_on"):
        stored["office_opened_on"] = local_today(values["timezone"]).isoformat()
    with database.atomic():
        for key, value in stored.items():
            store.put(key, value)
        audit.record("ubah", "pengaturan", "kantor", what, before, stored)


def current_values() -> dict:
    values = {key: store.get(key) for key in TEXT_FIELDS}
    values.update(region_choice_of(store.get("kecamatan_code")))
    return values


LAN_ONLY_SUFFIXES = (".local", ".lan", ".home.arpa", ".internal", ".localhost")


def phones_reach(url: str) -> bool:
    """Whether a citizen's phone opens `url` without a warning: not an address or a name of the office's LAN
    (there plain HTTP shows only the page on trusting the office, and https:// a certificate warning: a
    phone cannot be asked to trust the office, issue 90). A QR code is printed only for such an address."""
    import ipaddress
    host = (urlsplit(url).hostname or "").lower()
    try:
        address = ipaddress.ip_address(host)
    except ValueError:
        return "." in host and not host.endswith(LAN_ONLY_SUFFIXES) and host != "localhost"
    return address.is_global


def public_url(endpoint: str, **arguments) -> str:
    """An address citizens can open from their phones: the configured public address, else the one
    this request came in on (which may be 127.0.0.1 on the office PC)."""
    base = store.get("public_address")
    if base:
        return base.rstrip("/") + url_for(endpoint, **arguments)
    return url_for(endpoint, _external=True, **arguments)
