"""The trail told as Indonesian sentences: "Siti mengubah status permohonan 350807-01-000123
menjadi Sudah diserahkan". Capabilities name their records here (`describe_entity`), so the
audit trail knows no capability.
"""
import json
from dataclasses import dataclass, field
from typing import Callable

from flask import current_app

from app.frame import privacy
from app.frame.roles import ROLE_LABELS

VERBS = {
    "buat": "membuat", "catat": "mencatat", "tambah": "menambah", "ubah": "mengubah", "simpan": "menyimpan",
    "hapus": "menghapus", "foto": "menyimpan foto", "persyaratan": "memeriksa persyaratan",
    "status": "mengubah status", "ubah_status": "mengubah status", "tindak_lanjut": "memperbarui tindak lanjut",
    "lampiran": "melampirkan berkas pada", "aktifkan": "mengaktifkan", "nonaktifkan": "menonaktifkan",
    "reset_sandi": "mereset kata sandi", "ganti_sandi": "mengganti kata sandi",
    "masuk": "masuk", "masuk_gagal": "gagal masuk", "keluar": "keluar",
    "lihat": "membuka", "lihat_foto": "membuka foto", "ekspor": "mengekspor", "impor": "mengimpor",
    "cadangkan": "membuat", "unduh": "mengunduh", "pulihkan": "memulihkan", "serah": "menyerahkan",
    "ajukan": "mengajukan", "kembalikan": "mengembalikan", "setujui": "menyetujui", "isi": "mengisi",
    "ekspor_usb": "mengekspor ke USB", "impor_status_usb": "mengimpor status dari USB",
    "ubah_jadwal": "mengubah jadwal", "buka_kotak_saran": "membuka", "demo": "membuat data demo",
}
# Actions about the actor's own session: no object in the sentence.
SELF_ACTIONS = {"masuk", "masuk_gagal", "keluar", "ganti_sandi"}

FIELD_LABELS = {
    **privacy.PERSONAL_FIELDS,
    "status": "Status", "version": "Versi", "full_name": "Nama lengkap", "username": "Nama pengguna",
    "role": "Peran", "nip": "NIP", "is_active": "Aktif", "sex": "Jenis kelamin", "desa_code": "Kode desa",
    "reason": "Alasan permohonan", "biometric_done": "Perekaman biometrik", "notes": "Catatan",
    "mismatch_reason": "Alasan NIK tidak cocok", "tindak_lanjut": "Tindak lanjut", "text": "Isi pengaduan",
    "complainant_name": "Nama pelapor", "name": "Nama", "question": "Pertanyaan", "answer": "Jawaban",
}


@dataclass
class Entity:
    label: str  # "permohonan"
    reference: Callable[[list[str]], dict] | None = None  # ids -> what people call them
    values: dict = field(default_factory=dict)  # field -> {code: label}


ENTITIES: dict[str, Entity] = {
    "pengguna": Entity("akun", values={"role": ROLE_LABELS}),
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


def _value(entity: Entity, key: str, value) -> str:
    if key in privacy.FREE_TEXT_FIELDS:
        return "(isi tidak ditampilkan)" if value else "—"
    if key in privacy.PERSONAL_FIELDS:
        value = privacy.mask(key, value) if value and "•" not in str(value) else value
    if isinstance(value, bool):
        return "Ya" if value else "Tidak"
    if value in (None, ""):
        return "—"
    return str(entity.values.get(key, {}).get(value, value))


def _parse(text):
    try:
        value = json.loads(text) if text else None
    except ValueError:
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
        rows.append((FIELD_LABELS.get(key, key.replace("_", " ")),
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
        fields = ", ".join(FIELD_LABELS.get(key, key) for key in sorted(after) if key != "version")
        return f"{actor} mengubah {fields} {obj}"
    return f"{actor} {verb_of(event.action)} {obj}".strip()


def readable(events) -> list[dict]:
    """Rows for the trail page: sentence, changes and the note, with names and numbers looked up."""
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
        rows.append({"event": event, "sentence": sentence(event, actor, reference),
                     "changes": changes(event)})
    return rows
