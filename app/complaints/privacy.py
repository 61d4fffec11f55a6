"""Who sees what of a complaint (pure: takes the user's id and role, and the complaint's flags).

The row-level rules of the access table (app/policy.py PREDICATES): each reads its rows here and
nowhere else, so the book, its counts, the daily report and the recap all follow one mark.

Choices (documented in docs/complaints.md):
- The book (list, detail, reports, export) is read by petugas_informasi, kasi_pelayanan, camat.
- Confidential (rahasia): the whole record is shown only to the handling staff, petugas_informasi
  and kasi_pelayanan; the camat sees it only as a number in counts and reports.
- Anonymous: the complainant's name and contact are hidden from everyone except the account that
  recorded it (so the person complained about, who may be a colleague, cannot learn them); a kiosk
  complaint has no recorder, so its identity is kept for the petugas_informasi accounts.
- Otherwise the name is shown to every reader of the book, the contact only to the handlers
  (petugas_informasi to report back on the desk's behalf, kasi_pelayanan to report back).
"""
from app.policy import POLICY

HIDDEN = "(dirahasiakan)"


def reads_book(role: str | None) -> bool:
    return POLICY.permits(role, "pengaduan.baca")


def sees_confidential(role: str | None) -> bool:
    """Whether confidential complaints are listed and counted for this role (queries.visible_to)."""
    return POLICY.permits(role, "pengaduan.rahasia")


def may_see_record(role: str, is_confidential: bool) -> bool:
    """Row `pengaduan.rahasia`: a confidential complaint whole only to its roles; a number to the others."""
    return reads_book(role) and (not is_confidential or sees_confidential(role))


def may_see_identity(user_id: int, role: str, is_anonymous: bool, created_by_id: int | None) -> bool:
    """Row `pengaduan.identitas_kios`: an anonymous complainant's name only to who recorded it; a kiosk
    complaint has no recorder, so to that row's roles."""
    if not reads_book(role):
        return False
    if not is_anonymous:
        return True
    if created_by_id is None:
        return POLICY.permits(role, "pengaduan.identitas_kios")
    return user_id == created_by_id


def may_see_contact(user_id: int, role: str, is_anonymous: bool, created_by_id: int | None) -> bool:
    return POLICY.permits(role, "pengaduan.tindak_lanjut") and may_see_identity(user_id, role, is_anonymous,
                                                                                 created_by_id)


def shown_identity(user, complaint) -> tuple[str, str]:
    """(name, contact) as this user may see them: the value, '' when not given, or HIDDEN."""
    name, contact = complaint.complainant_name, complaint.complainant_contact
    if not may_see_identity(user.id, user.role, complaint.is_anonymous, complaint.created_by_id):
        return (HIDDEN if name else "", HIDDEN if contact else "")
    if not may_see_contact(user.id, user.role, complaint.is_anonymous, complaint.created_by_id):
        contact = HIDDEN if contact else ""
    return name, contact
