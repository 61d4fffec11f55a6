"""The trail told as Indonesian sentences: "Siti mengubah status permohonan 350807-01-000123
menjadi Sudah diserahkan". Capabilities name their records here (`describe_entity`), so the
audit trail knows no capability.
"""
import json
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app

from app.frame import privacy
from app.frame.fingerprint_text import without_fingerprints
from app.frame.roles import ROLE_LABELS

VERBS = {
    "buat": "membuat", "catat": "mencatat", "tambah": "menambah", "ubah": "mengubah", "simpan": "menyimpan",
    "hapus": "menghapus", "foto": "menyimpan foto", "persyaratan": "memeriksa persyaratan",
    "status": "mengubah status", "ubah_status": "mengubah status", "tindak_lanjut": "memperbarui tindak lanjut",
    "lampiran": "melampirkan berkas pada", "aktifkan": "mengaktifkan", "nonaktifkan": "menonaktifkan",
    "reset_sandi": "mereset kata sandi", "ganti_sandi": "mengganti kata sandi",
    "masuk": "masuk", "masuk_gagal": "gagal masuk", "keluar": "keluar",
    "sandi_salah": "salah mengetik kata sandinya", "sandi_ditahan": "ditahan: terlalu banyak kata sandi salah",
    "lihat": "membuka", "lihat_foto": "membuka foto", "cetak": "mencetak", "ekspor": "mengekspor", "impor": "mengimpor",
    "cadangkan": "membuat", "unduh": "mengunduh", "pulihkan": "memulihkan", "serah": "menyerahkan",
    "ajukan": "mengajukan", "kembalikan": "mengembalikan", "setujui": "menyetujui", "isi": "mengisi",
    "ekspor_usb": "mengekspor ke USB", "impor_status_usb": "mengimpor status dari USB",
    "ubah_jadwal": "mengubah jadwal", "buka_kotak_saran": "membuka", "demo": "membuat data demo",
    "duplikat": "mencatat duplikat", "tutup_duplikat": "menandai duplikat dan membatalkan",
    "pasang_pembaruan": "memasang pembaruan", "cetak_ulang_bukti": "mencetak ulang bukti pendaftaran",
}
# Actions about the actor's own session: no object in the sentence.
SELF_ACTIONS = {"masuk", "masuk_gagal", "keluar", "ganti_sandi", "sandi_salah", "sandi_ditahan"}

FIELD_LABELS = {
    **privacy.PERSONAL_FIELDS,
    "status": "Status", "version": "Versi", "full_name": "Nama lengkap", "username": "Nama pengguna",
    "role": "Peran", "nip": "NIP", "is_active": "Aktif", "sex": "Jenis kelamin", "desa_code": "Kode desa",
    "reason": "Alasan permohonan", "biometric_done": "Perekaman biometrik", "notes": "Catatan",
    "mismatch_reason": "Alasan NIK tidak cocok", "tindak_lanjut": "Tindak lanjut", "text": "Isi pengaduan",
    "complainant_name": "Nama pelapor", "name": "Nama", "question": "Pertanyaan", "answer": "Jawaban",
    "desa": "Desa", "requirements": "Persyaratan", "service_days": "Lama layanan",
    "photo_background_rule": "Aturan latar foto", "label": "Nama", "reasons": "Alasan", "code": "Kode",
}
LONGEST_VALUE = 300  # characters of one value on the trail; longer text is cut with "…"
DEEPEST_VALUE = 4  # lists and records nested deeper are shown as "…"


@dataclass
class Entity:
    label: str  # "permohonan"
    reference: Callable[[list[str]], dict] | None = None  # ids -> what people call them
    values: dict = field(default_factory=dict)  # field -> {code: label}


def _usernames(ids) -> dict:
    accounts = current_app.extensions["account_model"]
    numeric = [int(i) for i in ids if str(i).isascii() and str(i).isdigit() and len(str(i)) < 19]
    return {str(a.id): a.username for a in accounts.select(accounts.id, accounts.username)
            .where(accounts.id.in_(numeric))}


ENTITIES: dict[str, Entity] = {
    "pengguna": Entity("akun", _usernames, values={"role": ROLE_LABELS}),
    "pengaturan": Entity("pengaturan"), "cadangan": Entity("cadangan"),
}


def describe_entity(entity: str, label: str, reference=None, values=None) -> None:
    """A capability names its audited records: `reference(ids)` returns {id: number shown}."""
    ENTITIES[entity] = Entity(label, reference, values or {})


def entity_of(key: str) -> Entity:
    """How the trail names a kind of data; an unregistered key in words ('hari_libur': 'hari libur')."""
    return ENTITIES.get(key, Entity(key.replace("_", " ")))


def verb_of(action: str) -> str:
    """How the trail tells an action ('lihat': 'membuka'); an unknown one in words."""
    return VERBS.get(action, action.replace("_", " "))


def _label(key) -> str:
    return FIELD_LABELS.get(key, str(key).replace("_", " "))


def _shorten(text: str) -> str:
    return text if len(text) <= LONGEST_VALUE else text[:LONGEST_VALUE] + "…"


def _plain(entity: Entity, key: str, value, depth: int = 0) -> str:
    """Any JSON value in words: lists joined, records as 'Label: value', each field masked by its own key."""
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if value is None or value == "" or value == [] or value == {}:
        return "—"
    if isinstance(value, (list, dict)) and depth >= DEEPEST_VALUE:
        return "…"
    if isinstance(value, list):  # records in a list are set apart more than the fields within one
        return (" | " if any(isinstance(item, dict) for item in value) else ", ").join(
            _plain(entity, key, item, depth + 1) for item in value)
    if isinstance(value, dict):
        return "; ".join(f"{_label(k)}: {_value(entity, k, v, depth + 1)}" for k, v in sorted(value.items()))
    named = entity.values.get(key, {})
    return str(named.get(value, value) if isinstance(value, (str, int, float)) else value)


def _value(entity: Entity, key: str, value, depth: int = 0) -> str:
    if key in privacy.FREE_TEXT_FIELDS:
        return "(isi tidak ditampilkan)" if value else "—"
    if key in privacy.PERSONAL_FIELDS:  # masked again: rows written before masking, values nested in a record
        return _shorten(privacy.masked_value(key, value) or "—")
    # No fingerprint to type from the trail: a root key's typed by an earlier version, a center's text.
    return _shorten(without_fingerprints(_plain(entity, key, value, depth)))


def _parse(text):
    try:
        value = json.loads(text) if text else None
    except (ValueError, RecursionError):
        return None
    return value if isinstance(value, dict) else None


def changes(event) -> list[tuple[str, str, str]]:
    """(field label, before, after) for each changed field, masked and in words."""
    entity = entity_of(event.entity)
    before, after = _parse(event.before) or {}, _parse(event.after) or {}
    rows = []
    for key in sorted(set(before) | set(after)):
        if key == "version":
            continue
        rows.append((_label(key),
                     _value(entity, key, before.get(key)) if key in before else "",
                     _value(entity, key, after.get(key)) if key in after else ""))
    return rows


def sentence(event, actor: str, reference: str) -> str:
    entity = entity_of(event.entity)
    if event.action in SELF_ACTIONS:
        return f"{actor} {VERBS[event.action]}"
    after = _parse(event.after) or {}
    obj = " ".join(part for part in (entity.label, reference) if part)
    if event.action in ("status", "ubah_status") and "status" in after:
        return f"{actor} mengubah status {obj} menjadi {_value(entity, 'status', after['status'])}"
    if event.action == "ubah" and after:
        fields = ", ".join(_label(key) for key in sorted(after) if key != "version")
        return f"{actor} mengubah {fields} {obj}"
    return f"{actor} {verb_of(event.action)} {obj}".strip()


def readable(events) -> list[dict]:
    """Rows for the trail page: sentence, changes and the note, with names and numbers looked up, and
    no root key's fingerprint in any (app/frame/fingerprint_text.py)."""
    User = current_app.extensions["account_model"]
    events = list(events)
    names = {u.id: u.full_name for u in User.select(User.id, User.full_name)
             .where(User.id.in_({e.user_id for e in events if e.user_id}))}
    references = {}
    for name, entity in ENTITIES.items():
        ids = [e.entity_id for e in events if e.entity == name and e.entity_id]
        if ids and entity.reference:
            references[name] = entity.reference(ids)
    rows = []
    for event in events:
        actor = names.get(event.user_id) or event.username
        reference = references.get(event.entity, {}).get(event.entity_id, event.entity_id)
        rows.append({"event": event, "sentence": without_fingerprints(sentence(event, actor, reference)),
                     "changes": changes(event), "summary": without_fingerprints(event.summary)})
    return rows
