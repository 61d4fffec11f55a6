"""Public pages (no login): the kiosk form for visitors and the status page by tracking number.

They show nothing but what the visitor typed and, for a tracking number, the status and the
tindak lanjut: never a name, a contact, or whether another number exists.
"""
from flask import redirect, render_template, request, session, url_for

from app.complaints import book, queries, throttle
from app.frame.throttle import retry_after
from app.complaints.form_rules import check_complaint
from app.complaints.models import Complaint
from app.complaints.tracking import normalise
from app.complaints.views import active_categories, blueprint, form_token_from, new_form_token
from app.frame import sms_consent, submissions
from app.frame.db import database
from app.frame.kiosk_session import next_visitor
from app.survey import codes as survey_codes

BLOCKED_SUBMIT = ("Terlalu banyak pengaduan dikirim dari perangkat ini dalam waktu singkat. "
                  "Silakan tunggu {minutes} menit, atau sampaikan langsung ke meja informasi.")
BLOCKED_STATUS = ("Terlalu banyak nomor yang tidak ditemukan dari perangkat ini. "
                  "Silakan tunggu {minutes} menit, atau tanyakan ke meja informasi.")


RECEIPTS_KEY = "kiosk_receipts"


def _remember_receipt(tracking_number: str) -> None:
    """The last few numbers this browser submitted, so it may show their receipts again."""
    session[RECEIPTS_KEY] = (session.get(RECEIPTS_KEY, []) + [tracking_number])[-3:]


@blueprint.route("/kios", methods=["GET", "POST"])
def kiosk():
    categories = active_categories()
    if request.method == "GET":
        if request.args.get("pengunjung") == "baru":
            next_visitor()
        return render_template("complaints/kiosk.html", kiosk=True, form={"form_token": new_form_token()}, errors={},
                               categories=categories)
    if (repeat := submissions.earlier_result()):  # sent twice (double tap, reload): stored once, same number
        return repeat
    token = form_token_from(request.form)
    wait = throttle.minutes_blocked("submit")
    if wait:
        return render_template("complaints/kiosk.html", kiosk=True, form=dict(request.form.to_dict(), form_token=token or new_form_token()),
                               errors={}, categories=categories, blocked=BLOCKED_SUBMIT.format(minutes=wait)), 429, \
            retry_after(wait * 60)
    with database.atomic():  # every attempt counts, a valid one or not: a flood is stopped either way
        throttle.note("submit")
    form = dict(request.form.to_dict(), channel="kiosk")
    clean, errors = check_complaint(form, ("kiosk",), {c.id for c in categories})
    clean["registration_number"] = ""  # not on the kiosk form; only staff link a registration
    if token is None:
        errors["form"] = "Formulir tidak lengkap. Muat ulang halaman lalu coba lagi."
    # consent only: one SMS when it is closed
    sms_phone, problem = sms_consent.phone_to_notify(form, clean["complainant_contact"], clean["is_anonymous"])
    if problem:
        errors[sms_consent.FIELD] = problem
    if errors:
        form.update({k: v for k, v in clean.items() if k not in ("category_id", "channel")})
        form["form_token"] = token or new_form_token()
        return render_template("complaints/kiosk.html", kiosk=True, form=form, errors=errors, categories=categories), 422
    with submissions.once() as submission:
        if submission.earlier:
            return submission.repeat()
        complaint, created = book.record_complaint(clean, user=None, submission_token=token)
        if created:
            sms_consent.consent_given("pgd", complaint.id, sms_phone)
        result = url_for("complaints.kiosk_receipt", tracking_number=complaint.tracking_number)
        submission.made(result)
    _remember_receipt(complaint.tracking_number)
    return redirect(result, code=303)


@blueprint.get("/kios/terima/<tracking_number>")
def kiosk_receipt(tracking_number: str):
    """Shown (and printable) right after a kiosk complaint: the number to keep, nothing else."""
    if tracking_number in session.get(RECEIPTS_KEY, ()):  # this browser just sent it: never throttled
        complaint = Complaint.get_or_none(Complaint.tracking_number == tracking_number)
        blocked = None
    else:
        complaint, blocked = _look_up(tracking_number)
    if complaint is None:
        return blocked or (render_template("complaints/status.html", number=tracking_number[:20], complaint=None,
                                           not_found=True), 404)
    return render_template("complaints/kiosk_receipt.html", complaint=complaint,
                           fresh=tracking_number in session.get(RECEIPTS_KEY, ()),  # the check code: its sender only
                           survey=survey_codes.printed("pengaduan", complaint.tracking_number))


def _look_up(typed: str):
    """(complaint, None) or (None, a 429 page when this kiosk guessed too often, else None).

    A real number is always answered (docs/complaints.md): the visitor after a guesser must
    still see their own complaint. A number that is not found counts as a miss; both public
    pages share the count, so neither can be used to guess numbers faster than the other.
    """
    number = normalise(typed)
    complaint = Complaint.get_or_none(Complaint.tracking_number == number) if number else None
    if complaint is not None:
        return complaint, None
    wait = throttle.minutes_blocked("status_miss")
    if wait:
        return None, (render_template("complaints/status.html", number=typed[:40], complaint=None, not_found=False,
                                      blocked=BLOCKED_STATUS.format(minutes=wait)), 429, retry_after(wait * 60))
    with database.atomic():
        throttle.note("status_miss")
    return None, None


@blueprint.get("/status")
def public_status():
    typed = (request.args.get("nomor") or "").strip()[:40]
    if not typed:
        return render_template("complaints/status.html", number="", complaint=None, not_found=False)
    complaint, blocked = _look_up(typed)
    if blocked:
        return blocked
    if complaint is None:
        return render_template("complaints/status.html", number=typed, complaint=None, not_found=True), 404
    flags = queries.targets().row_flags(complaint)  # late as the office's own list counts it
    return render_template("complaints/status.html", number=complaint.tracking_number, complaint=complaint,
                           not_found=False, late_since=flags["follow_due"] if flags["follow_overdue"] else None)
