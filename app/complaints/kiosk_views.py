"""Public pages (no login): the kiosk form for visitors and the status page by tracking number.

They show nothing but what the visitor typed and, for a tracking number, the status and the
tindak lanjut: never a name, a contact, or whether another number exists.
"""
from flask import flash, redirect, render_template, request, url_for

from app.access import public
from app.complaints import book, throttle
from app.complaints.form_rules import check_complaint
from app.complaints.models import Complaint, ComplaintCategory
from app.complaints.tracking import normalise
from app.db import database
from app.complaints.views import active_categories, blueprint, form_token_from, new_form_token

BLOCKED_SUBMIT = ("Terlalu banyak pengaduan dikirim dari perangkat ini dalam waktu singkat. "
                  "Silakan tunggu {minutes} menit, atau sampaikan langsung ke meja informasi.")
BLOCKED_STATUS = ("Terlalu banyak nomor yang tidak ditemukan dari perangkat ini. "
                  "Silakan tunggu {minutes} menit, atau tanyakan ke meja informasi.")


def _address() -> str:
    return request.remote_addr or ""


@blueprint.route("/kios", methods=["GET", "POST"])
@public
def kiosk():
    categories = active_categories()
    if request.method == "GET":
        return render_template("complaints/kiosk.html", form={"form_token": new_form_token()}, errors={},
                               categories=categories)
    token = form_token_from(request.form)
    existing = book.find_by_submission(token)
    if existing:  # the same form sent twice (double tap, reload): stored once, same number shown
        return redirect(url_for("complaints.kiosk_receipt", tracking_number=existing.tracking_number), code=303)
    wait = throttle.minutes_blocked(_address(), "submit")
    if wait:
        return render_template("complaints/kiosk.html", form=dict(request.form.to_dict(), form_token=token or new_form_token()),
                               errors={}, categories=categories, blocked=BLOCKED_SUBMIT.format(minutes=wait)), 429
    with database.atomic():  # every attempt counts, a valid one or not: a flood is stopped either way
        throttle.note(_address(), "submit")
    form = dict(request.form.to_dict(), channel="kiosk")
    clean, errors = check_complaint(form, ("kiosk",), {c.id for c in categories})
    if token is None:
        errors["form"] = "Formulir tidak lengkap. Muat ulang halaman lalu coba lagi."
    if errors:
        form.update({k: v for k, v in clean.items() if k not in ("category_id", "channel")})
        form["form_token"] = token or new_form_token()
        return render_template("complaints/kiosk.html", form=form, errors=errors, categories=categories), 422
    complaint, _ = book.record_complaint(clean, user=None, submission_token=token)
    return redirect(url_for("complaints.kiosk_receipt", tracking_number=complaint.tracking_number), code=303)


@blueprint.get("/kios/terima/<tracking_number>")
@public
def kiosk_receipt(tracking_number: str):
    """Shown (and printable) right after a kiosk complaint: the number to keep."""
    number = normalise(tracking_number)
    complaint = Complaint.get_or_none(Complaint.tracking_number == number) if number else None
    if complaint is None:
        return render_template("complaints/status.html", number=tracking_number[:20], complaint=None,
                               not_found=True), 404
    return render_template("complaints/kiosk_receipt.html", complaint=complaint,
                           category=ComplaintCategory.get_by_id(complaint.category_id))


@blueprint.get("/status")
@public
def public_status():
    typed = (request.args.get("nomor") or "").strip()[:40]
    if not typed:
        return render_template("complaints/status.html", number="", complaint=None, not_found=False)
    wait = throttle.minutes_blocked(_address(), "status_miss")
    if wait:
        return render_template("complaints/status.html", number=typed, complaint=None, not_found=False,
                               blocked=BLOCKED_STATUS.format(minutes=wait)), 429
    number = normalise(typed)
    complaint = Complaint.get_or_none(Complaint.tracking_number == number) if number else None
    if complaint is None:
        with database.atomic():
            throttle.note(_address(), "status_miss")
        return render_template("complaints/status.html", number=typed, complaint=None, not_found=True), 404
    return render_template("complaints/status.html", number=number, complaint=complaint, not_found=False)
