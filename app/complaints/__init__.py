"""Buku Pengaduan: complaints from the information desk, kiosk, kotak saran, hotline and letters,
routed to the section head for follow-up, with time targets in working days."""
from app.frame.store import register_defaults

register_defaults(
    complaint_first_response_days=1,  # hotline procedure: answer within one working day
    complaint_follow_up_days=5,       # service standard: follow-up within five working days
)

from flask import url_for  # noqa: E402

from app.capabilities import Card, MenuItem  # noqa: E402
from app.complaints.demo import add_demo_arguments, fill_demo  # noqa: E402,F401
from app.complaints.views import blueprint  # noqa: E402,F401
# The other page modules add their routes to the blueprint of views.py; they import it, never the other way.
from app.complaints import admin_views, box_views, desk_views, kiosk_views, report_views  # noqa: E402,F401
from app.frame.access import may  # noqa: E402


def _badge(user) -> int:
    from app.complaints.queries import count_new_for
    return count_new_for(user)


MENU = [
    MenuItem("Buku Pengaduan", "complaints.index", order=30, badge=_badge),
    MenuItem("Catat Pengaduan", "complaints.record", order=31),
    MenuItem("Kotak Saran", "complaints.box_sessions", order=32),
    MenuItem("Info Meja", "complaints.desk_info", order=33),
    MenuItem("Kategori Pengaduan", "complaints.categories", order=85),
]


def dashboard_cards(user) -> list[Card]:
    from app.complaints import queries
    from app.complaints.box_views import missing_box_days
    if may(user, "pengaduan.kartu_catat"):
        return [Card("Pengaduan di loket", "Catat", "Catat keluhan pengunjung di loket",
                     url_for("complaints.record"))]
    if not may(user, "pengaduan.baca"):
        return []
    due = queries.targets()
    first, follow = queries.overdue_counts(user, due)
    cards = []
    status = queries.first_move_for(user)
    if status is not None:
        waiting = queries.count_new_for(user)
        cards.append(Card("Pengaduan menunggu Anda", str(waiting),
                          "baru, perlu diteruskan" if status == "baru" else "diteruskan ke seksi",
                          url_for("complaints.index", status=status), "warn" if waiting else "ok"))
    cards.append(Card("Belum ditanggapi, lewat batas", str(first),
                      f"batas {due.first_days} hari kerja", url_for("complaints.index", lewat="tanggapan"),
                      "danger" if first else "ok"))
    cards.append(Card("Tindak lanjut lewat batas", str(follow), f"batas {due.follow_days} hari kerja",
                      url_for("complaints.index", lewat="tindak_lanjut"), "danger" if follow else "ok"))
    missing = missing_box_days()
    note = ("hari kerja tanpa catatan pembukaan: " + ", ".join(d.strftime("%d/%m") for d in missing[:5])
            + (" …" if len(missing) > 5 else "")) if missing else "setiap hari kerja tercatat (30 hari terakhir)"
    cards.append(Card("Kotak saran belum dibuka", str(len(missing)), note, url_for("complaints.box_sessions"),
                      "warn" if missing else "ok"))
    return cards


def _tracking_numbers(ids):
    from app.complaints.models import Complaint
    numeric = [int(i) for i in ids if str(i).isdigit() and len(str(i)) < 19]
    return {str(c.id): c.tracking_number for c in
            Complaint.select(Complaint.id, Complaint.tracking_number).where(Complaint.id.in_(numeric))}


from app.frame.audit_sentences import describe_entity  # noqa: E402
from app.complaints.models import STATUSES  # noqa: E402

describe_entity("pengaduan", "pengaduan", _tracking_numbers, {"status": STATUSES})
