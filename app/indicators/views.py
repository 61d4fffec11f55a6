"""The service indicators page and the admin's yearly targets."""
from flask import Blueprint, flash, redirect, render_template, request, url_for

from app.capabilities import MenuItem
from app.frame.dates import local_today
from app.indicators.definitions import INDICATORS, target_problem
from app.indicators.figures import TREND_QUARTERS, indicator_quarters, indicator_rows
from app.indicators import records
from app.indicators.targets import shown_targets, targets_for
from app.frame.periods import Quarter, year_period
from app.frame import figure_cache, store, versions
from app.frame.request_cycle import bounded_int

blueprint = Blueprint("indicators", __name__)
MENU = [MenuItem("Indikator Layanan", "indicators.page", order=64)]


def _year_arg(default: int) -> tuple[int | None, str]:
    text = request.args.get("tahun", str(default)).strip()
    return bounded_int(text, lowest=2000, highest=2100), text


@blueprint.get("/indikator")
def page():
    zone = store.get("timezone")
    today = local_today(zone)
    year, year_text = _year_arg(today.year)
    part = request.args.get("triwulan", "").strip()
    error = None
    if year is None:
        error = "Tahun harus berupa angka antara 2000 dan 2100."
    elif part not in ("", "1", "2", "3", "4"):
        error = "Pilih triwulan I–IV atau satu tahun penuh."
    else:
        period = Quarter.of(year, bounded_int(part)) if part else year_period(year)
        if not period.has_started(today):
            error = "Periode ini belum dimulai; pilih periode yang sudah berjalan."
    if error:
        return render_template("indicators/page.html", error=error, year_text=year_text, part=part, rows=[]), 422
    rows = figure_cache.kept_figure("indicators", (period.start, period.end, year, zone, today),
                                    lambda: indicator_rows(period, year, zone, today),
                                    quarters=indicator_quarters(period, today)[1])
    return render_template("indicators/page.html", error=None, year_text=year_text, part=part, rows=rows,
                           period=period, trend_quarters=TREND_QUARTERS)


@blueprint.route("/admin/indikator/target", methods=["GET", "POST"])
def targets():
    today = local_today(store.get("timezone"))
    source = request.form if request.method == "POST" else request.args
    year_text = source.get("tahun", str(today.year)).strip()
    year = bounded_int(year_text, lowest=2000, highest=2100)
    if year is None:
        return render_template("indicators/targets.html", year_text=year_text, form={}, current={},
                               errors={"tahun": "Tahun harus berupa angka antara 2000 dan 2100."},
                               indicators=INDICATORS), 422
    current = targets_for(year)
    if request.method == "GET":
        form = shown_targets(year)
        return render_template("indicators/targets.html", year_text=year_text, form=form, current=current,
                               errors={}, indicators=INDICATORS, version=versions.version_of(form))
    form = {i.key: request.form.get(i.key, "") for i in INDICATORS}
    values, errors = {}, {}
    for indicator in INDICATORS:
        value, problem = target_problem(indicator, form[indicator.key])
        if problem:
            errors[indicator.key] = problem
        values[indicator.key] = value
    if errors:
        return render_template("indicators/targets.html", year_text=year_text, form=form, current=current,
                               errors=errors, indicators=INDICATORS, version=request.form.get(versions.FIELD)), 422
    conflict = records.save_targets(year, values, request.form)
    if conflict:
        return render_template("indicators/targets.html", year_text=year_text, form=conflict.over(form),
                               current=targets_for(year),
                               errors={}, indicators=INDICATORS, version=conflict.version, conflict=conflict), 409
    flash(f"Target indikator tahun {year} disimpan.", "success")
    return redirect(url_for("indicators.targets", tahun=year), 303)
