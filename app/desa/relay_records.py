"""What the relay carries of a pre-registration and the words of its statuses: below the relay's sync
phases (app/desa/relay.py), which import the pre-registration records (app/desa/records.py), so that
those records queue a form and label its status without importing the relay."""
from app.desa import qr
from app.desa.models import PreRegistration
from app.frame.application_status import STATUS_LABELS, ApplicationStatus
from sync.client import outbox

PRA, PRA_STATUS = "pra", "pra_status"  # the outbox kinds: a desa PC's forms, the kecamatan's statuses of them
# Statuses of a relayed pre-registration besides the application's own (STATUS_LABELS).
ACCEPTED, REFUSED, EXPIRED = "diterima_loket", "ditolak_kecamatan", "kedaluwarsa"
AT_CENTER, REFUSED_BY_CENTER = "di_pusat", "ditolak_pusat_relai"
# At a counter PC whose acceptance of a relayed form came second (another counter PC's reached the center
# first): its application is a duplicate, held back, until the clerk marks it so (then closed).
DUPLICATE, DUPLICATE_CLOSED = "duplikat_loket_lain", "duplikat_ditutup"
# A step that changes only the application's number (the center's decision on a conflict of that number,
# issue 72): the desa keeps the stage it showed and takes the new number with a sentence saying so.
RENUMBERED = "nomor_diganti"
RELAY_LABELS = {AT_CENTER: "Terkirim ke pusat, menunggu kecamatan", REFUSED_BY_CENTER: "Ditolak pusat",
                ACCEPTED: "Diterima di loket, sedang diproses", REFUSED: "Ditolak kecamatan",
                EXPIRED: "Kedaluwarsa", DUPLICATE: "Duplikat: sudah diterima di loket lain",
                DUPLICATE_CLOSED: "Duplikat, dibatalkan di PC ini", RENUMBERED: "Nomor permohonan diganti"}


RENUMBERED_NOTE = "Nomor permohonan diganti kecamatan menjadi {new}"


def renumbered_note(new: str) -> str:
    """What the desa PC's page and the citizen's /cek say of a number the kecamatan changed: the old
    receipt no longer counts (the old number is another applicant's now, so it is not repeated)."""
    return (RENUMBERED_NOTE.format(new=new) + " (nomor lama dipakai permohonan lain di pusat); bukti pendaftaran "
            "lama tidak berlaku, pemohon menerima bukti baru di kecamatan.")


def is_renumbered_note(note: str) -> bool:
    return note.startswith(RENUMBERED_NOTE.split("{")[0])


def relay_label(code: str) -> str:
    if code in RELAY_LABELS:
        return RELAY_LABELS[code]
    try:
        return STATUS_LABELS[ApplicationStatus(code)]
    except ValueError:
        return code


def record_of(pre: PreRegistration) -> dict:
    """What travels: the F-1.07 exactly as its QR code carries it, plus the photo's background."""
    return dict(qr.payload_of(pre), pb=pre.photo_background or "")


def queue_pre_registration(pre: PreRegistration) -> None:
    """Called in the transaction that saved it, on a desa PC: it waits in the outbox for the link."""
    outbox.enqueue(pre.id, pre.number, 1, record_of(pre), bytes(pre.photo_jpeg or b""), kind=PRA)
