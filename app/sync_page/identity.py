"""One live identity per PC (issue 24): what the admin chooses on a PC that holds another PC's
restored backup, or a PC the center says was replaced.

- "PC ini menggantikan PC P1": the center gives this PC a new key under P1 and refuses the old
  one from then on (sync/center/keys.py::replace_device); this PC numbers above every P1 number
  the center holds. Needs the center once; until then nothing is numbered (it holds offline).
- "PC tambahan": enrolment with a new one-time code, as any new PC (its own device code).
Every step is whole or nothing: until the last transaction, the PC still refuses to number, and a
repeated "replace" after a lost answer gets the same key back.
"""
from flask import current_app

from app.frame import audit
from app.frame import installation
from app.frame.db import database
from app.frame.dates import utc_now
from sync import protocol
from sync.client import engine
from sync.client.models import OutboxItem, SyncLink, SyncLog
from sync.client.link_down import LinkDown
from sync.client.transport import Refused


class IdentityError(Exception):
    """Indonesian message for the admin; nothing changed."""


def _db_path():
    return current_app.config["DATABASE_PATH"]


def state() -> dict | None:
    """None when this PC numbers normally; else what the sync page shows (the refusal and the choices)."""
    other = installation.other_machine(database, _db_path())
    if other is None:
        return None
    return {"message": installation.numbering_refusal(database, _db_path()),
            "code": installation.identity(database)[0] or current_app.config["DEVICE_ID"],
            "replaced": other == installation.REPLACED_MACHINE}


def replace_other_pc() -> str:
    """"PC ini menggantikan PC <code>": returns the device code this PC now numbers with."""
    current = state()
    if current is None:
        raise IdentityError("Komputer ini sudah memberi nomor sendiri; tidak ada yang perlu dipilih.")
    if current["replaced"]:
        raise IdentityError("Pusat sudah menyatakan komputer lain menggantikan komputer ini. Daftarkan komputer ini "
                            "sebagai PC tambahan dengan kode pendaftaran baru dari admin pusat.")
    link = engine.current_link()
    _, generation = installation.identity(database)
    if link is None:  # never enrolled (LOKET_DEVICE_ID): no center to tell, only the numbers move on
        with engine.write_transaction():
            installation.claim(database, _db_path(), generation=generation + 1)
            audit.record("ganti_pc", "sinkronisasi", "", f"komputer ini menggantikan PC {current['code']} (belum terdaftar di pusat)")
        return current["code"]
    machine = installation.machine_stamp(_db_path())
    try:
        answer = engine.client_for(link, timeout=20).call_json("POST", protocol.API_PREFIX + "/replace",
                                                               {"machine": machine})
    except LinkDown:
        raise IdentityError("Pusat tidak dapat dihubungi, jadi penggantian belum tercatat di pusat. Nomor pendaftaran "
                            "tetap ditahan. Sambungkan komputer ini ke internet (misalnya lewat ponsel) lalu ulangi; "
                            "untuk kantor tanpa internet lihat petunjuk Operasional.") from None
    except Refused as refusal:
        if refusal.code == "replaced":
            raise IdentityError(f"Pusat menyatakan PC {current['code']} sudah digantikan oleh komputer lain. Daftarkan "
                                "komputer ini sebagai PC tambahan dengan kode pendaftaran baru.") from None
        raise IdentityError(f"Pusat menolak penggantian: {refusal}") from None
    fields = ("key_id", "secret", "device_code")
    if not all(isinstance(answer.get(name), str) and answer[name] for name in fields) or not isinstance(
            answer.get("highest_sequence"), int):
        raise IdentityError("Jawaban pusat tidak lengkap; ulangi sebentar lagi.")
    above = answer["highest_sequence"] // installation.GENERATION_SPAN + 1
    with engine.write_transaction():
        SyncLink.update(key_id=answer["key_id"], secret=answer["secret"], last_error="").where(
            SyncLink.id == link.id).execute()
        installation.claim(database, _db_path(), device_code=answer["device_code"][:8],
                           generation=max(generation + 1, above))
        SyncLog.create(at=utc_now(), kind="daftar", summary=f"komputer ini menggantikan PC {answer['device_code']}; "
                       f"kunci lama {link.key_id} ditolak pusat, kunci baru {answer['key_id']}")
        audit.record("ganti_pc", "sinkronisasi", answer["key_id"],
                     f"komputer ini menggantikan PC {answer['device_code']} (kunci lama {link.key_id} dicabut pusat)")
    return answer["device_code"]


def after_enrolment(made: SyncLink) -> bool:
    """After a successful enrolment on a PC that may not number ("PC tambahan"): this PC now numbers
    with the device code it just got, and the key of the PC whose backup it holds is forgotten.
    Returns True when it was such a PC."""
    if installation.other_machine(database, _db_path()) is None:
        return False
    with engine.write_transaction():
        SyncLink.delete().where(SyncLink.id != made.id).execute()
        installation.claim(database, _db_path())
        installation.forget_former_codes(database)  # the other PC's, were it enrolled again before its backup
        code = installation.identity(database)[0]
        left = _leave_to_their_pc(code)
        audit.record("pc_tambahan", "sinkronisasi", made.key_id, f"komputer ini didaftarkan sebagai PC tambahan {code}"
                     + (f"; {left} kiriman milik PC lain tidak dikirim dari sini" if left else ""))
    return True


ELSEWHERE = "elsewhere"  # an outbox state: the PC that numbered it sends it (and hears its statuses)


def _leave_to_their_pc(code: str) -> int:
    """The restored backup's applications still waiting to go out were numbered by the other PC,
    which is still in use and sends them itself: sent from here, their statuses would come here."""
    waiting = [item for item in OutboxItem.select().where(OutboxItem.state == "pending")
               if (found := protocol.REGISTRATION_NUMBER.match(item.registration_number)) and found.group(2) != code]
    for item in waiting:
        item.state, item.last_error = ELSEWHERE, "dikirim oleh PC yang memberi nomornya (PC ini PC tambahan)"
        item.save()
    return len(waiting)
