"""The signed QR code on a printed F-1.07: the whole form, so the counter never retypes it.

The text is itsdangerous' compact signed form of a JSON payload (HMAC-SHA256 with the kecamatan's
form key, zlib-compressed when that is shorter). A USB barcode scanner types it into a field as
keystrokes, so it is plain URL-safe ASCII. The photo does not travel (a QR holds ~2 KB); the
counter takes it from the desa's sync or anew.
"""
import hashlib
import hmac
import re
import secrets
from datetime import date, datetime

from itsdangerous import URLSafeSerializer

from app.frame import person_rules, regions
from app.frame.db import database
from sync import protocol
from app.frame import audit, store
from app.frame.audit_rule import act, nothing_done

# desa_key_generations: {desa code: n} at the kecamatan, raised when a desa PC's key is revoked;
# desa_pc_generation: the generation a desa PC was enrolled with; f107_key_from_center: f107_signing_key is
# the kecamatan's, from the center; f107_earlier_keys: this PC's own keys from before, still accepted.
store.register_defaults(f107_signing_key="", desa_pc_key="", desa_key_generations={}, desa_pc_generation=0,
                        f107_key_from_center=False, f107_earlier_keys=[])
PREFIX = "F107:"
SALT = "loket-f107-v1"
SIGNATURE_LENGTH = 43  # HMAC-SHA256, base64 without padding
TRUNCATED = ("Kode QR terpotong atau rusak sehingga isinya tidak terbaca. Pindai ulang dengan pelan; "
             "bila tetap gagal, ketik formulir secara manual.")
MAX_LENGTH = 3000  # a version-40 QR holds 2953 bytes: anything longer was not made by us
CARRIED_FIELDS = person_rules.EDITABLE_FIELDS  # every field of the form travels from desa to counter (QR and relay)


class QrRefused(ValueError):
    """str() is the Indonesian message shown to the clerk."""


def signing_key() -> str:
    """The kecamatan's key for F-1.07 codes (a desa PC receives a key derived from it at enrolment): the
    center's for this kecamatan once this PC is enrolled there (adopt_kecamatan_key), else made here once."""
    key = store.get("f107_signing_key")
    if not key:
        with audit.without_trail("a key made once, on the first form printed"), database.atomic():
            key = store.get("f107_signing_key") or secrets.token_urlsafe(32)
            store.put("f107_signing_key", key)
    return key


KEY_FORM = re.compile(r"^[A-Za-z0-9_-]{43}$")  # 32 random bytes, URL-safe base64 (sync/center/keys.f107_key)


@act("ubah")
def adopt_kecamatan_key(key: str) -> bool:
    """The center's key for this kecamatan becomes this PC's: every counter PC of the kecamatan holds the
    same, so a form printed at a desa laptop one of them enrolled scans at any of them (issue 26). The key
    this PC made itself stays accepted (forms printed under it, by its laptops enrolled before). True when
    it changed."""
    if not isinstance(key, str) or not KEY_FORM.fullmatch(key):
        raise ValueError("kunci F-1.07 dari pusat tidak sah")
    with database.atomic():
        current = store.get("f107_signing_key")
        if current == key and store.get("f107_key_from_center"):
            return nothing_done(False)
        earlier = [old for old in store.get("f107_earlier_keys") if old != key]
        if current and current != key and current not in earlier:
            earlier.append(current)
        store.put("f107_earlier_keys", earlier)
        store.put("f107_signing_key", key)
        store.put("f107_key_from_center", True)
        audit.record("ubah", "pengaturan", "kunci_f107", "Kode QR F-1.07 kini ditandatangani dengan kunci kecamatan "
                     "dari pusat cetak (sama di semua PC loket kecamatan ini); formulir yang ditandatangani kunci "
                     "lama PC ini tetap diterima di PC ini")
    return True


def _masters() -> list[str]:
    """The kecamatan's key, then this PC's own earlier ones (forms signed before it held the kecamatan's)."""
    return [signing_key(), *store.get("f107_earlier_keys")]


def generation_of(desa_code: str) -> int:
    """The current key generation of a desa at the kecamatan (1 until a revocation)."""
    return int(store.get("desa_key_generations").get(desa_code, 1))


def desa_key(desa_code: str, generation: int | None = None, master: str | None = None, pc: str = "") -> str:
    """Each desa PC signs with its own key, derived from the kecamatan's, its desa and its code `pc`: a desa
    PC holds only its own (given at enrolment), so a lost desa laptop can forge neither another desa's forms
    nor numbers of another PC's series; revoking raises the generation, and forms signed with an older one
    are refused. Without `pc`: the desa's key, which the kecamatan signs its own printouts with (and desa PCs
    enrolled before per-PC keys hold)."""
    generation = generation or generation_of(desa_code)
    message = f"f107-desa:{desa_code}:{generation}" + (f":pc:{pc}" if pc else "")
    return hmac.new((master or signing_key()).encode(), message.encode(), "sha256").hexdigest()


@act("cabut")
def revoke_desa_key(desa_code: str) -> int:
    """At the kecamatan: every PC enrolled for this desa so far signs with a dead key from now on."""
    with database.atomic():
        generations = dict(store.get("desa_key_generations"))
        generations[desa_code] = generation_of(desa_code) + 1
        store.put("desa_key_generations", generations)
        audit.record("cabut", "perangkat_desa", desa_code, f"Kunci komputer desa {desa_code} dicabut "
                     f"(generasi {generations[desa_code] - 1} tidak berlaku lagi)")
    return generations[desa_code]


DESA_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}\.\d{4}$")


@act("cabut")
def raise_generations(known) -> list[str]:
    """Revocations made at the kecamatan's other counter PCs, as the center holds them ({desa code: n}, its
    answer to /relay/desa-keys): this PC refuses those laptops' forms too, and its new enrolment codes carry
    the new generation (the center refuses older ones). The desa codes raised; in the caller's transaction."""
    ours = store.get("kecamatan_code") + "."
    generations, raised = dict(store.get("desa_key_generations")), []
    for code, number in (known.items() if isinstance(known, dict) else ()):
        if (isinstance(code, str) and DESA_CODE.fullmatch(code) and code.startswith(ours) and isinstance(number, int)
                and not isinstance(number, bool) and generation_of(code) < number <= 10 ** 6):
            generations[code] = number
            raised.append(code)
            audit.record("cabut", "perangkat_desa", code, f"Kunci komputer desa {code} dicabut di PC loket lain "
                         f"kecamatan ini (generasi di bawah {number} tidak berlaku lagi)")
    if not raised:
        return nothing_done(raised)  # every generation known here already
    store.put("desa_key_generations", generations)
    return raised


def _serializer(key: str) -> URLSafeSerializer:
    return URLSafeSerializer(key, salt=SALT, signer_kwargs={"digest_method": hashlib.sha256})


def payload_of(pre) -> dict:
    fields = {}
    for name in CARRIED_FIELDS:
        value = getattr(pre, name)
        fields[name] = value.isoformat() if isinstance(value, (date, datetime)) else value
    generation = store.get("desa_pc_generation") or generation_of(pre.desa_code)
    payload = {"v": 1, "k": store.get("kecamatan_code"), "g": generation, "n": pre.number, "o": pre.entered_by_name,
               "t": pre.entered_at.isoformat(timespec="seconds"), "f": fields}
    signer = store.get("desa_pc_number")
    if signer and _series_of(pre.number) not in ("", signer):
        payload["p"] = signer  # typed before this laptop was enrolled again: its key is of another series (decode)
    return payload


def _series_of(number) -> str:
    """The desa PC code whose series a pre-registration number is in ("" for a counter's number)."""
    found = protocol.PRE_REGISTRATION_NUMBER.fullmatch(number) if isinstance(number, str) else None
    return found.group(2) if found and protocol.DESA_PC_CODE.fullmatch(found.group(2)) else ""


def encode(pre, key: str | None = None) -> str:
    """`key`: this desa's key (desa mode holds only that); by default derived here at the kecamatan."""
    # A desa PC holds only its own desa's key (from its enrolment code); the kecamatan derives it.
    key = key or store.get("desa_pc_key") or desa_key(pre.desa_code)
    return PREFIX + _serializer(key).dumps(payload_of(pre))


def decode(text: str) -> dict:
    """The payload of a scanned code, or QrRefused saying what is wrong with it."""
    text = "".join((text or "").split())  # scanners may add a line break or a space
    if not text:
        raise QrRefused("Kode QR kosong. Arahkan pemindai ke kode QR di formulir F-1.07, lalu pindai lagi.")
    if not text.startswith(PREFIX) or len(text) > MAX_LENGTH:
        raise QrRefused("Ini bukan kode QR formulir F-1.07 dari aplikasi Loket Kecamatan.")
    body = text[len(PREFIX):]
    if len(body.rpartition(".")[2]) != SIGNATURE_LENGTH:
        raise QrRefused(TRUNCATED)
    _, payload = _serializer("-").loads_unsafe(body)  # read first; the signature is checked below
    if not isinstance(payload, dict) or not isinstance(payload.get("f"), dict):
        raise QrRefused(TRUNCATED)
    ours = store.get("kecamatan_code")
    if payload.get("k") != ours:
        where = regions.region_name(str(payload.get("k") or "")) or "tidak dikenal"
        raise QrRefused(f"Kode QR ini dibuat untuk kecamatan lain ({payload.get('k')} {where}), "
                        "bukan kecamatan ini. Pemohon harus mendaftar di kecamatan tempat tinggalnya.")
    desa_code = payload["f"].get("desa_code")
    generation = payload.get("g")
    if isinstance(desa_code, str) and isinstance(generation, int) and generation < generation_of(desa_code):
        name = regions.region_name(desa_code) or desa_code
        raise QrRefused(f"Kunci komputer Desa {name} yang menandatangani formulir ini sudah dicabut di kecamatan. "
                        "Formulir ditolak; bila diisi di kecamatan, cari di antrean. Desa perlu mendaftarkan ulang "
                        "komputernya.")
    # A laptop enrolled again after a revocation made at another counter PC of the kecamatan signs with the
    # next generation's key before this PC's next pass (or, offline, its USB status file) tells it of the
    # revocation: that key is derived here too, and only the kecamatan's key can make it.
    newer = (generation if isinstance(desa_code, str) and isinstance(generation, int)
             and not isinstance(generation, bool) and generation_of(desa_code) < generation <= 10 ** 6 else None)
    if not isinstance(desa_code, str):
        raise QrRefused(FORGED)
    if any(_serializer(key).loads_unsafe(body)[0] for key in _keys_that_may_sign(desa_code, payload.get("n"), newer)):
        return payload
    signer = payload.get("p")
    if (isinstance(signer, str) and protocol.DESA_PC_CODE.fullmatch(signer)
            and any(_serializer(key).loads_unsafe(body)[0] for key in _pc_keys(desa_code, signer, newer))):
        _check_reprint(payload, desa_code)
        return payload
    raise QrRefused(FORGED)


FORGED = ("Tanda tangan kode QR tidak cocok: isi formulir telah diubah, kode tidak dibuat oleh desa di kecamatan "
          "ini, atau nomornya bukan nomor komputer desa yang menandatanganinya. Formulir ditolak.")


def _pc_keys(desa_code: str, pc: str, generation: int | None) -> list[str]:
    """The key of desa PC `pc` (the desa's own key when "") under each key of _masters."""
    return [desa_key(desa_code, generation, master=master, pc=pc) for master in _masters()]


def _check_reprint(payload: dict, desa_code: str) -> None:
    """A form a desa laptop typed before it was enrolled again, printed there again: its number is in the
    laptop's old series and its new key signs it (the payload names that key's PC). The new key proves a
    laptop of this desa in service; the number is taken only when the relay already brought that very form
    (same number, desa and NIK) to this PC, so no laptop can make numbers in another PC's series."""
    from app.desa.models import PreRegistration
    held = PreRegistration.get_or_none(PreRegistration.number == payload.get("n"))
    if held is None:
        raise QrRefused("Formulir ini dicetak ulang oleh komputer desa yang sudah didaftarkan ulang, dan nomornya "
                        "dari komputer desa sebelumnya belum sampai di PC loket ini lewat sinkronisasi. Jalankan "
                        "sinkronisasi di PC ini lalu pindai lagi, atau daftarkan pemohon lewat Daftar Baru.")
    if held.desa_code != desa_code or held.nik != payload["f"].get("nik"):
        raise QrRefused("Nomor formulir ini sudah dipakai formulir lain (desa atau NIK berbeda) di PC loket ini. "
                        "Formulir ditolak; daftarkan pemohon lewat Daftar Baru.")


def _keys_that_may_sign(desa_code: str, number, generation: int | None = None) -> list[str]:
    """The key of the PC whose series the number is in (a number claimed by another PC fails it), and the
    desa's key (the kecamatan's own printouts; desa PCs enrolled before per-PC keys), under each key the
    kecamatan's forms may have been signed with (_masters); of `generation` (a newer one the form names)
    or the current one."""
    pc = _series_of(number)
    return (_pc_keys(desa_code, pc, generation) if pc else []) + _pc_keys(desa_code, "", generation)


MAX_PICTURE_PIXELS = 12_000_000  # a webcam still is 1-2 MP; a bigger picture is not a snapshot


def read_picture(data: bytes) -> str:
    """The F-1.07 code in a webcam snapshot (zxing-cpp), or QrRefused."""
    import io

    import zxingcpp
    from PIL import Image, UnidentifiedImageError
    try:
        with Image.open(io.BytesIO(data)) as picture:
            if picture.width * picture.height > MAX_PICTURE_PIXELS:
                raise QrRefused("Gambar terlalu besar untuk dipindai. Ambil foto kode QR dengan kamera loket.")
            found = zxingcpp.read_barcodes(picture.convert("L"), formats=zxingcpp.BarcodeFormat.QRCode)
    except (UnidentifiedImageError, OSError, ValueError, Image.DecompressionBombError):
        raise QrRefused("Gambar dari kamera tidak terbaca. Ambil foto kode QR sekali lagi.") from None
    codes = [result.text for result in found if result.text]
    if not codes:
        raise QrRefused("Tidak ada kode QR yang terbaca di gambar. Dekatkan formulir ke kamera, pastikan terang "
                        "dan tidak buram, lalu ambil foto lagi.")
    return codes[0]


def verify(text: str) -> dict:
    """Like decode, but a payload that decodes yet lacks fields is refused too."""
    payload = decode(text)
    missing = [name for name in CARRIED_FIELDS if name not in payload["f"]]
    if missing or not payload.get("n") or not payload.get("t"):
        raise QrRefused("Kode QR tidak lengkap (versi aplikasi desa berbeda?). Ketik formulir secara manual.")
    return payload



