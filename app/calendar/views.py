from flask import Blueprint, abort, flash, g, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404

import re

from app.calendar import records
from app.frame.office_calendar import OfficeDay
from app.frame.office_calendar import office_calendar
from app.calendar.records import KIND_LABELS
from app.capabilities import MenuItem
from app.frame.dates import local_today, parse_iso_date
from app.frame import store
from app.frame.request_cycle import int_arg

blueprint = Blueprint("calendar", __name__)
MENU = [MenuItem("Hari Libur", "calendar.index", order=93)]


def _year_arg() -> int:
    year = int_arg(request.args, "tahun", highest=9999)
    if year is None:
        year = local_today(store.get("timezone")).year
    return min(max(year, 2000), 2100)


def _page(year: int, form=None, errors=None, status=200, decree_form=None, decree_errors=None):
    calendar = office_calendar()
    office_days = {r.day: r for r in OfficeDay.select().where(OfficeDay.day.between(f"{year}-01-01", f"{year}-12-31"))}
    this_year = local_today(store.get("timezone")).year
    estimated = [y for y in range(this_year - 1, this_year + 3) if calendar.is_estimated(y)]
    return render_template("calendar/index.html", year=year, closed=calendar.closed_days(year),
                           office_days=office_days, kinds=KIND_LABELS, form=form or {}, errors=errors or {},
                           estimated_years=estimated, year_estimated=calendar.is_estimated(year),
                           year_decreed=year in store.get("calendar_decreed_years"),
                           decree_form=decree_form or {"lines": ""}, decree_errors=decree_errors or {}), status


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
    records.add_day(day, form, g.user.username)
    flash("Hari kantor disimpan; tanggal janji layanan baru memakai kalender ini.", "success")
    return redirect(url_for("calendar.index", tahun=day.year))


@blueprint.post("/admin/hari-libur/<day>/hapus")
def remove(day: str):
    parsed = parse_iso_date(day)
    if parsed is None:
        abort(404)
    row = get_object_or_404(OfficeDay, OfficeDay.day == parsed)
    records.remove_day(row)
    flash("Koreksi kalender dihapus.", "success")
    return redirect(url_for("calendar.index", tahun=parsed.year))


_DECREE_LINE = re.compile(r"^\s*(\d{4}-\d{2}-\d{2}|\d{1,2}[-/]\d{1,2}[-/]\d{4})\s*[,;:\t ]\s*(.*)$")


def parse_decree(text: str, year: int) -> tuple[list[tuple], list[str]]:
    """Lines 'YYYY-MM-DD Keterangan' or 'DD-MM-YYYY Keterangan' (the SKB's list, pasted or from a CSV)
    -> ([(date, name)], [Indonesian problems, by line])."""
    days, problems = [], []
    for number, line in enumerate(text.splitlines(), 1):
        if not line.strip():
            continue
        match = _DECREE_LINE.match(line)
        day = None
        if match:
            typed = match.group(1)
            if "-" in typed and len(typed.split("-")[0]) == 4:
                day = parse_iso_date(typed)
            else:
                d, m, y = re.split(r"[-/]", typed)
                day = parse_iso_date(f"{y}-{int(m):02d}-{int(d):02d}")
        if day is None:
            problems.append(f"Baris {number}: tulis tanggal lalu keterangan, misalnya 2028-02-25 Cuti bersama Imlek.")
            continue
        if day.year != year:
            problems.append(f"Baris {number}: tanggal {day:%d-%m-%Y} bukan tahun {year}.")
            continue
        name = match.group(2).strip() or "Cuti bersama"
        if len(name) > 120:
            problems.append(f"Baris {number}: keterangan maksimal 120 karakter.")
            continue
        existing = OfficeDay.get_or_none(OfficeDay.day == day)
        if existing is not None or day in dict(days):
            problems.append(f"Baris {number}: tanggal {day:%d-%m-%Y} sudah ada di daftar kantor.")
            continue
        days.append((day, name))
    return days, problems


@blueprint.post("/admin/hari-libur/skb")
def enter_decree():
    """The admin enters a year's cuti bersama from the SKB 3 Menteri: the year is no longer an estimate,
    and the promises of open files counted over it are recomputed, all in one audited transaction."""
    form = {"year": request.form.get("year", "").strip(), "lines": request.form.get("lines", ""),
            "confirmed": request.form.get("confirmed", "")}
    errors = {}
    year = int_arg(form, "year", lowest=2000, highest=2100)
    if year is None:
        errors["year"] = "Tahun harus berupa angka antara 2000 dan 2100."
        return _page(_year_arg(), decree_form=form, decree_errors=errors, status=422)
    if len(form["lines"]) > 10_000:
        errors["lines"] = "Daftar terlalu panjang (maksimal 10.000 karakter)."
    days, problems = parse_decree(form["lines"][:10_000], year)
    if problems:
        errors["lines"] = " ".join(problems[:5])
    if not form["confirmed"]:
        errors["confirmed"] = "Centang bahwa daftar ini sudah dicocokkan dengan SKB cuti bersama tahun itu."
    if errors:
        return _page(year, decree_form=form, decree_errors=errors, status=422)
    changes = records.enter_decree(year, days, g.user.username)
    flash(f"Cuti bersama {year} disimpan ({len(days)} tanggal); {len(changes)} tanggal janji berkas yang masih "
          "berjalan dihitung ulang.", "success")
    return redirect(url_for("calendar.index", tahun=year), 303)
