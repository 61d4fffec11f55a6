"""The steps of a KTP-el application and their Indonesian names.

The counter moves an application through them (app/registration/status.py holds the flow); the desa PC
only shows the step the kecamatan reported for a relayed form, so the names live below both programs.
"""
from enum import Enum


class ApplicationStatus(str, Enum):
    RECEIVED = "diterima"
    RETURNED = "dikembalikan"
    COMPLETE = "lengkap"
    SENT = "terkirim"
    RECEIVED_BY_CENTER = "diterima_pusat"
    PRINTED = "dicetak"
    SHIPPED = "dikirim"
    READY = "siap_diambil"
    HANDED_OVER = "diserahkan"
    REJECTED = "ditolak_pusat"
    RESEND_REQUESTED = "diminta_kirim_ulang"

    @property
    def label(self) -> str:
        return STATUS_LABELS[self]


S = ApplicationStatus

STATUS_LABELS = {
    S.RECEIVED: "Diterima loket",
    S.RETURNED: "Dikembalikan (belum lengkap)",
    S.COMPLETE: "Lengkap, menunggu kirim",
    S.SENT: "Terkirim ke Dukcapil",
    S.RECEIVED_BY_CENTER: "Diterima Dukcapil",
    S.PRINTED: "Sudah dicetak",
    S.SHIPPED: "Dikirim ke kecamatan",
    S.READY: "Siap diambil",
    S.HANDED_OVER: "Sudah diserahkan",
    S.REJECTED: "Ditolak Dukcapil",
    S.RESEND_REQUESTED: "Diminta kirim ulang",
}


def status_label(value) -> str:
    """The template filter `status_label`: a step's name, or the value itself when it is no step."""
    try:
        return STATUS_LABELS[S(value)]
    except ValueError:
        return str(value)
