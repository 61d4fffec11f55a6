"""Allowed status changes of a complaint and who may make them (pure).

Source: the kecamatan's complaint service standard: complaints are reported to the section head,
who follows them up and writes the tindak lanjut; the information desk routes them (and closes
what it answered at once from the desk information); a matter of another office is passed on.
"""
from app.complaints.models import STATUSES
from app.policy import POLICY

# from status -> statuses it may move to
TRANSITIONS = {
    "baru": ("diteruskan", "ditindaklanjuti", "selesai", "bukan_kewenangan"),
    "diteruskan": ("ditindaklanjuti", "selesai", "bukan_kewenangan"),
    "ditindaklanjuti": ("selesai", "bukan_kewenangan"),
    "selesai": ("ditindaklanjuti",),  # reopened when the complainant reports it is not solved
    "bukan_kewenangan": ("diteruskan",),  # taken back when it turns out to be ours after all
}
# The desk routes and answers at once; the follow-up itself belongs to the section head.
DESK_MOVES = {("baru", "diteruskan"), ("baru", "selesai"), ("baru", "bukan_kewenangan")}


def next_statuses(role: str, status: str) -> tuple[str, ...]:
    """The statuses this role may move a complaint in `status` to."""
    moves = TRANSITIONS.get(status, ())
    if POLICY.permits(role, "pengaduan.langkah_seksi"):
        return moves
    if POLICY.permits(role, "pengaduan.langkah_meja"):
        return tuple(to for to in moves if (status, to) in DESK_MOVES)
    return ()


def refusal_reason(status_from: str, status_to: str) -> str:
    """Why a move is refused, in its real reason: a role that may not make it, or a complaint another
    handler moved on while this page was open (two Kasi at once), or a status that does not exist."""
    if status_to not in TRANSITIONS:
        return "Pilih salah satu status tujuan yang tersedia."
    now = STATUSES.get(status_from, status_from)
    if status_to == status_from:
        return (f"Pengaduan ini sudah berstatus “{now}”: diubah petugas lain sejak halaman ini dibuka. "
                "Tidak ada yang diubah; lihat keadaan sekarang di bawah.")
    if status_to in TRANSITIONS.get(status_from, ()):
        return "Perubahan status ini tidak diizinkan untuk peran Anda."
    return (f"Status pengaduan ini sudah berubah menjadi “{now}” sejak halaman ini dibuka (diubah petugas lain), "
            f"dan dari status itu tidak dapat langsung menjadi “{STATUSES.get(status_to, status_to)}”. Tidak ada "
            "yang diubah; lihat keadaan sekarang di bawah, lalu pilih lagi.")


def change_problems(status_from: str, status_to: str, role: str, tindak_lanjut: str, other_office: str) -> dict:
    """Indonesian messages per field for a requested change; empty when it may be made."""
    errors = {}
    if status_to not in next_statuses(role, status_from):
        errors["status"] = refusal_reason(status_from, status_to)
        return errors
    if status_to == "selesai" and not tindak_lanjut.strip():
        errors["tindak_lanjut"] = "Tuliskan tindak lanjut sebelum menandai selesai."
    if status_to == "bukan_kewenangan" and not other_office.strip():
        errors["other_office"] = "Sebutkan instansi yang berwenang."
    return errors
