"""Kotak saran: the daily opening record, and the slips entered under it."""
from flask import current_app, flash, g, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404
from peewee import fn

from app.frame.office_calendar import office_calendar
from app.complaints import book, box, queries
from app.complaints.form_rules import clean_text
from app.complaints.models import Complaint, ComplaintCategory, SuggestionBoxSession
from app.complaints.views import blueprint
from app.frame.dates import local_today, parse_iso_date
from app.frame import statements, store
from app.frame.pagination import paginate


def opened_dates(since) -> set:
    return {opened_on for opened_on, in statements.rows(_opened_since, since)}  # on every landing page


def _opened_since(since):  # its SQL built once a day (app/frame/statements.py)
    return (SuggestionBoxSession.select(SuggestionBoxSession.opened_on)
            .where(SuggestionBoxSession.opened_on >= since).tuples())


def missing_box_days(today=None) -> list:
    today = today or local_today(queries.zone())
    since = today.fromordinal(today.toordinal() - box.LOOK_BACK_DAYS)
    opened = parse_iso_date(store.get("office_opened_on"))
    if opened and opened > since:
        since = opened  # no day counts as missed before the office was set up
    return box.missing_days(opened_dates(since), office_calendar(), today, since)


def _page(form, errors, status=200):
    today = local_today(queries.zone())
    page = paginate(SuggestionBoxSession.select().order_by(SuggestionBoxSession.opened_on.desc(),
                                                           SuggestionBoxSession.id.desc()), current_app.config["PAGE_SIZE"])
    sessions = page.items
    entered = dict(Complaint.select(Complaint.suggestion_box_session, fn.COUNT(Complaint.id))
                   .where(Complaint.suggestion_box_session.in_([s.id for s in sessions]))
                   .group_by(Complaint.suggestion_box_session).tuples()) if sessions else {}
    return render_template("complaints/box.html", form=form, errors=errors, sessions=sessions, entered=entered, page=page,
                           missing=missing_box_days(today), today=today), status


@blueprint.get("/kotak-saran")
def box_sessions():
    return _page({"opened_on": local_today(queries.zone()).isoformat()}, {})


@blueprint.post("/kotak-saran")
def open_box():
    today = local_today(queries.zone())
    opened_on = parse_iso_date(request.form.get("opened_on"))
    is_empty = bool(request.form.get("is_empty"))
    already = bool(opened_on and SuggestionBoxSession.select().where(SuggestionBoxSession.opened_on == opened_on).exists())
    count, errors = box.session_problems(opened_on, request.form.get("slip_count", ""), is_empty, today, already)
    note = clean_text(request.form.get("note"))[:1000]
    if errors:
        return _page(dict(request.form.to_dict(), note=note), errors, 422)
    session = book.open_box(opened_on, g.user.id, count, is_empty, note)
    flash("Pembukaan kotak saran dicatat." + ("" if is_empty else " Masukkan lembar-lembarnya di bawah."), "success")
    if is_empty:
        return redirect(url_for("complaints.box_sessions"), code=303)
    return redirect(url_for("complaints.box_session", session_id=session.id), code=303)


@blueprint.get("/kotak-saran/<int:session_id>")
def box_session(session_id: int):
    session = get_object_or_404(SuggestionBoxSession, SuggestionBoxSession.id == session_id)
    slips = list(queries.visible_to(Complaint.select(Complaint, ComplaintCategory)
                                    .join(ComplaintCategory, on=(Complaint.category == ComplaintCategory.id))
                                    .where(Complaint.suggestion_box_session == session), g.user)
                 .order_by(Complaint.id))
    total = Complaint.select().where(Complaint.suggestion_box_session == session).count()
    return render_template("complaints/box_session.html", session=session, slips=slips, total=total)
