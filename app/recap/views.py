"""Routes of the quarterly complaint recap: page, draft, review, print, XLSX, archive."""

from flask import Blueprint, abort, flash, g, make_response, redirect, render_template, request, send_file, url_for
from peewee import fn

from app.capabilities import MenuItem
from app.frame.dates import local_today
from app.frame.periods import Quarter, parse_quarter
from app.frame import charts, statements, versions
from app.recap import records, workflow
from app.recap.cards import waiting_for_camat
from app.recap.contents import complaints_page, contents_shown, with_full_list
from app.recap.export import figures_workbook
from app.recap.models import QuarterRecap, RecapStatus
from app.frame.access import may
from app.frame import store
from app.frame.page_turns import long_running
from app.frame.request_cycle import bounded_int

blueprint = Blueprint("recap", __name__, url_prefix="/rekap")
MENU = [MenuItem("Rekap Triwulan", "recap.index", order=60,
                 badge=lambda user: waiting_for_camat() if may(user, "rekap.setujui") else 0)]
# Who reads the complaint book (docs/complaints.md) also sees complainants' names in the recap
# (row pengaduan.baca); the admin does not. Anonymous complaints never show one; confidential ones are not listed.
LIST_PAGE_SIZE = 50


def _zone() -> str:
    return store.get("timezone")


def _quarter_or_404(year: int, number: int) -> Quarter:
    quarter = parse_quarter(year, number)
    if quarter is None:
        abort(404)
    return quarter


def _open_quarter(year: int, number: int):
    """The quarter in the URL, the office's zone and today: 404 for no such quarter, 422 before it starts."""
    quarter = _quarter_or_404(year, number)
    zone = _zone()
    today = local_today(zone)
    problem = workflow.period_problem(quarter, today)
    if problem:
        abort(make_response(render_template("recap/refused.html", quarter=quarter, message=problem), 422))
    return quarter, zone, today


def _recap_of(quarter: Quarter) -> QuarterRecap | None:
    found = statements.rows(_recap_row, quarter.year, quarter.number)
    return found[0] if found else None


def _recap_row(year: int, number: int):  # its SQL built once (app/frame/statements.py)
    return QuarterRecap.select().where(QuarterRecap.year == year, QuarterRecap.quarter == number).limit(1)


@blueprint.app_template_filter("hari_kerja")
def working_days_text(value) -> str:
    """Working days as the recap's tables print them: 2.0 -> '2', 2.5 -> '2,5', None -> '–' (a filter:
    the macro it replaces cost ~6 µs a cell, issue 73)."""
    return "–" if value is None else str(value).replace(".0", "").replace(".", ",")


@blueprint.app_template_filter("jumlah_menurut")
def counts_by(rows: list[dict], key: str) -> dict:
    """{row[key]: row["count"]}: the quarter before's count beside each row of a recap table."""
    return {row[key]: row["count"] for row in rows}


# What each chart compares, this quarter beside the one before: (figures' key, matched by, title).
CHARTS = {"channel": ("by_channel", "key", "Pengaduan menurut saluran"),
          "status": ("by_status", "key", "Pengaduan menurut status")}


def _charts(contents: dict, shown: tuple[str, ...]) -> dict:
    """The charts a page shows (the screen both, the A4 notice the channels): only those are drawn."""
    drawn = {}
    for name in shown:
        key, match, title = CHARTS[name]
        before = counts_by(contents["previous"]["figures"][key], match)
        drawn[name] = charts.bar_chart([(r["label"], r["count"], before.get(r[match], 0)) for r in contents["figures"][key]],
                                       title, contents["label"], contents["previous"]["label"])
    return drawn


def _done(quarter: Quarter, message: str):
    """After a step on the recap: its page again (303, so a reload does not post twice) with what was done."""
    flash(message, "success")
    return redirect(url_for("recap.show", year=quarter.year, number=quarter.number), 303)


def _page(quarter: Quarter, errors=None, form=None, status=200, review_error=None, version=None, conflict=None):
    """The quarter's recap; the draft form carries the version it was read at (`version` of a form
    sent back: the one it was sent with; else the stored draft's)."""
    zone = _zone()
    today = local_today(zone)
    problem = workflow.period_problem(quarter, today)
    if problem:
        return render_template("recap/refused.html", quarter=quarter, message=problem), 422
    recap = _recap_of(quarter)
    contents, frozen = contents_shown(quarter, recap, zone, today)
    page = complaints_page(quarter, recap, frozen, zone, LIST_PAGE_SIZE)
    if form is None:
        form = {"promises": recap.promises if recap else "", "narrative": recap.narrative if recap else "",
                "remark": ""}
    if version is None:
        version = versions.version_of(records.draft_values(recap))
    return render_template("recap/recap.html", quarter=quarter, recap=recap, contents=contents, frozen=frozen,
                           charts=_charts(contents, ("channel", "status")), page=page,
                           errors=errors or {}, form=form, review_error=review_error, version=version,
                           conflict=conflict,
                           not_finished=workflow.not_finished_problem(quarter, today),
                           editable=workflow.edit_problem(recap.status if recap else None) is None,
                           RecapStatus=RecapStatus, show_identity=may(g.user, "pengaduan.baca")), status


@blueprint.get("")
def index():
    """The chosen quarter (?tahun=&triwulan=), or the last one that has ended."""
    if "tahun" in request.args or "triwulan" in request.args:
        quarter = parse_quarter(request.args.get("tahun"), request.args.get("triwulan"))
        if quarter is None:
            return render_template("recap/refused.html", quarter=None,
                                   message="Pilih tahun (2000–2100) dan triwulan I–IV."), 422
    else:
        quarter = Quarter.containing(local_today(_zone())).previous()
    return redirect(url_for("recap.show", year=quarter.year, number=quarter.number))


@blueprint.get("/<int:year>/<int:number>")
def show(year: int, number: int):
    return _page(_quarter_or_404(year, number))


@blueprint.get("/<int:year>/<int:number>/pengaduan")
def complaint_rows(year: int, number: int):
    """htmx: one page of the complaint list (the same fragment the full page includes)."""
    quarter, zone, today = _open_quarter(year, number)
    recap = _recap_of(quarter)
    contents, frozen = contents_shown(quarter, recap, zone, today)
    page = complaints_page(quarter, recap, frozen, zone, LIST_PAGE_SIZE)
    return render_template("recap/_complaints.html", quarter=quarter, page=page, contents=contents,
                           show_identity=may(g.user, "pengaduan.baca"))


def _posted_texts() -> dict:
    return {"promises": request.form.get("promises", "").strip(),
            "narrative": request.form.get("narrative", "").strip(), "remark": ""}


@blueprint.post("/<int:year>/<int:number>/draf")
def save_draft(year: int, number: int):
    """Save the promises and narrative; with `ajukan` set, also submit it to the Camat."""
    quarter, zone, today = _open_quarter(year, number)
    submitting = request.form.get("ajukan") == "1"
    form = _posted_texts()
    recap = _recap_of(quarter)
    problem = workflow.edit_problem(recap.status if recap else None)
    if problem:  # submitted or approved: not the draft's fields, the edit itself is refused
        return _page(quarter, {"status": problem}, form, 409)
    errors = workflow.text_problems(form["promises"], form["narrative"], submitting)
    if submitting and not errors:
        finished = workflow.not_finished_problem(quarter, today)
        if finished:
            errors["status"] = finished  # the quarter has not ended: the submission, not a field, is refused
    if errors:
        return _page(quarter, errors, form, 422, version=request.form.get(versions.FIELD) or "")
    try:
        conflict = records.save_draft(quarter, zone, form, submitting, g.user, request.form)
    except records.EditRefused as refused:  # submitted by another officer a moment ago
        return _page(quarter, {"status": str(refused)}, form, 409)
    if conflict:
        return _page(quarter, form=conflict.over(form), status=409, version=conflict.version, conflict=conflict)
    return _done(quarter, f"Rekap {quarter.label} {'diajukan kepada Camat' if submitting else 'disimpan'}.")


@blueprint.post("/<int:year>/<int:number>/kembalikan")
def send_back(year: int, number: int):
    quarter = _quarter_or_404(year, number)
    recap = _recap_of(quarter)
    remark = request.form.get("remark", "").strip()
    problem = workflow.review_problem(recap.status if recap else None)
    form = {"promises": recap.promises if recap else "", "narrative": recap.narrative if recap else "", "remark": remark}
    if problem:
        return _page(quarter, form=form, status=409, review_error=problem)
    problem = workflow.remark_problem(remark)
    if problem:
        return _page(quarter, {"remark": problem}, form=form, status=422)
    records.send_back(recap, quarter, remark, g.user)
    return _done(quarter, f"Rekap {quarter.label} dikembalikan kepada petugas informasi.")


@blueprint.post("/<int:year>/<int:number>/setujui")
def approve(year: int, number: int):
    """Approve and freeze: the snapshot is written once and never recomputed."""
    quarter, zone, today = _open_quarter(year, number)
    recap = _recap_of(quarter)
    problem = workflow.review_problem(recap.status if recap else None)
    if problem:
        return _page(quarter, status=409, review_error=problem)
    problem = workflow.not_finished_problem(quarter, today)
    if problem:
        return _page(quarter, status=422, review_error=problem)
    records.approve(recap, quarter, zone, today, request.form.get("remark", "").strip(), g.user)
    return _done(quarter, f"Rekap {quarter.label} disetujui dan dibekukan. Silakan cetak untuk papan pengumuman.")


@blueprint.get("/<int:year>/<int:number>/cetak")
def print_notice(year: int, number: int):
    """A4 notice for the announcement board (draft figures are watermarked as such)."""
    quarter, zone, _today = _open_quarter(year, number)
    recap = _recap_of(quarter)
    contents, frozen = with_full_list(quarter, recap, zone)
    # The board notice summarises and fits A4; the full list is an annex the Camat may choose to print.
    return render_template("recap/print.html", quarter=quarter, recap=recap, contents=contents, frozen=frozen,
                           charts=_charts(contents, ("channel",)), annex=request.args.get("lampiran") == "1")


@blueprint.get("/<int:year>/<int:number>/rekap.xlsx")
@long_running
def export(year: int, number: int):
    quarter, zone, _today = _open_quarter(year, number)
    contents, frozen = with_full_list(quarter, _recap_of(quarter), zone)
    data = figures_workbook(contents, frozen)
    records.exported(quarter)
    return send_file(data, as_attachment=True, download_name=f"rekap-pengaduan-{quarter.year}-T{quarter.number}.xlsx",
                     mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")


@blueprint.get("/arsip")
def archive():
    years = [r.year for r in QuarterRecap.select(QuarterRecap.year).where(QuarterRecap.status == RecapStatus.APPROVED)
             .distinct().order_by(QuarterRecap.year.desc())]
    year_text = request.args.get("tahun", "").strip()
    query = (QuarterRecap.select(QuarterRecap.id, QuarterRecap.year, QuarterRecap.quarter, QuarterRecap.approved_at,
                                 QuarterRecap.signer_name, QuarterRecap.status,
                                 fn.json_extract(QuarterRecap.snapshot, "$.figures.total").alias("total"),
                                 fn.json_extract(QuarterRecap.snapshot, "$.ikm.ikm").alias("ikm"))
             .where(QuarterRecap.status == RecapStatus.APPROVED)
             .order_by(QuarterRecap.year.desc(), QuarterRecap.quarter.desc()))
    error = None
    if year_text:
        year = bounded_int(year_text, lowest=2000, highest=2100)
        if year is not None:
            query = query.where(QuarterRecap.year == year)
        else:
            error = "Tahun harus berupa angka antara 2000 dan 2100."
    recaps = [] if error else list(query.dicts())
    for row in recaps:
        row["quarter_obj"] = Quarter.of(row["year"], row["quarter"])
    return render_template("recap/archive.html", recaps=recaps, years=years, year_text=year_text,
                           error=error), 422 if error else 200
