from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404

from app import audit
from app.calendar.models import OfficeDay
from app.calendar.office import CLOSED, REOPENED, bump_generation, office_calendar
from app.capabilities import MenuItem
from app.frame.dates import local_today, parse_iso_date, utc_now
from app.frame.db import database
from app.frame import store
from app.frame.request_cycle import int_arg

blueprint = Blueprint("calendar", __name__)
MENU = [MenuItem("Hari Libur", "calendar.index", order=93)]
KIND_LABELS = {CLOSED: "Kantor tutup", REOPENED: "Kantor tetap buka"}


def _year_arg() -> int:
    year = int_arg(request.args, "tahun", highest=9999)
    if year is None:
        year = local_today(store.get("timezone")).year
    return min(max(year, 2000), 2100)


def _page(year: int, form=None, errors=None, status=200):
    calendar = office_calendar()
    office_days = {r.day: r for r in OfficeDay.select().where(OfficeDay.day.between(f"{year}-01-01", f"{year}-12-31"))}
    return render_template("calendar/index.html", year=year, closed=calendar.closed_days(year),
                           office_days=office_days, kinds=KIND_LABELS, form=form or {}, errors=errors or {}), status


@blueprint.get("/admin/hari-libur")
def index():
    return _page(_year_arg())


@blueprint.post("/admin/hari-libur")
def add():
    form = {key: request.form.get(key, "").strip() for key in ("day", "kind", "name")}
    day = parse_iso_date(form["day"])
    errors = {}
    if day is None:
        errors["day"] = "Tanggal tidak valid."
    elif OfficeDay.get_or_none(OfficeDay.day == day):
        errors["day"] = "Tanggal ini sudah ada di daftar kantor; hapus dahulu untuk mengubahnya."
    if form["kind"] not in KIND_LABELS:
        errors["kind"] = "Pilih kantor tutup atau tetap buka."
    if not form["name"] or len(form["name"]) > 120:
        errors["name"] = "Keterangan wajib diisi (maksimal 120 karakter)."
    if errors:
        return _page(day.year if day else _year_arg(), form, errors, 422)
    with database.atomic():
        OfficeDay.create(day=day, kind=form["kind"], name=form["name"], created_by=g.user.username,
                         created_at=utc_now())
        bump_generation()
        audit.record("tambah", "hari_libur", day.isoformat(), f"{KIND_LABELS[form['kind']]}: {form['name']}",
                     after=form)
    flash("Hari kantor disimpan; tanggal janji layanan baru memakai kalender ini.", "success")
    return redirect(url_for("calendar.index", tahun=day.year))


@blueprint.post("/admin/hari-libur/<day>/hapus")
def remove(day: str):
    parsed = parse_iso_date(day)
    if parsed is None:
        abort(404)
    row = get_object_or_404(OfficeDay, OfficeDay.day == parsed)
    with database.atomic():
        before = {"day": day, "kind": row.kind, "name": row.name}
        row.delete_instance()
        bump_generation()
        audit.record("hapus", "hari_libur", day, f"Koreksi kalender dihapus: {row.name}", before=before)
    flash("Koreksi kalender dihapus.", "success")
    return redirect(url_for("calendar.index", tahun=parsed.year))
