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
RELAY_LABELS = {AT_CENTER: "Terkirim ke pusat, menunggu kecamatan", REFUSED_BY_CENTER: "Ditolak pusat",
                ACCEPTED: "Diterima di loket, sedang diproses", REFUSED: "Ditolak kecamatan",
                EXPIRED: "Kedaluwarsa", DUPLICATE: "Duplikat: sudah diterima di loket lain",
                DUPLICATE_CLOSED: "Duplikat, dibatalkan di PC ini"}


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
