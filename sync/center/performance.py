"""Kinerja Kecamatan (issue 29): every kecamatan's approved quarterly recap, IKM and service
indicators side by side, for the regency's leadership (role Pimpinan Kabupaten) and the center admin.

The kecamatan sends each version of an approved recap through the generic outbox (kind `kinerja`,
app/recap/sync_records.py) to /api/v1/kinerja/manifest and /packets, with the same manifest and
per-item answers as every kind: a version arriving twice is stored once ("duplicate"), a different
content under the same version is a conflict, versions may arrive in any order and the latest
version is the one shown, with the others as its history. Only counts and the public notice come.
"""
import json
import operator
import re
import secrets
from dataclasses import dataclass, field
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from fractions import Fraction
from functools import reduce

from flask import after_this_request, current_app, g, has_request_context, jsonify, render_template, request
from markupsafe import Markup
from peewee import IntegrityError, fn

from app.frame import figure_cache
from app.frame.dates import local_today, utc_now
from app.frame.ikm_grades import QUALITIES, quality_of_published
from app.frame.periods import Quarter
from app.frame.rounding import decimal_text, percent_text
from app.frame.working_days import WorkCalendar
from app.frame.request_cycle import holds_bad_characters, int_arg
from sync import protocol
from sync.center.audit import record_view
from sync.center.db import center_database
from sync.center.letterhead import regency_letterhead
from sync.center.models import Kecamatan, PerformanceReport
from sync.center.records import Outcome
from sync.center.routes import api_blueprint, error_answer, json_body, packet_results, page_blueprint
from sync.center.trail import no_ones_act

KIND = "kinerja"  # as the kecamatan names it in its outbox and in USB files
KEY = re.compile(r"^KINERJA-(\d{4})-([1-4])$")
MAX_RECORD_BYTES = 64 * 1024
# A quarter's recap is due this many working days after the quarter ends; later, it is flagged.
LATE_AFTER_WORKING_DAYS = 10
TREND_QUARTERS = 8
ZONE = "Asia/Jakarta"
ELEMENTS = 9  # the nine unsur of PermenPANRB 14/2017


# --- kecamatan -> center ---------------------------------------------------------------------------

def _count(value) -> bool:
    return isinstance(value, int) and not isinstance(value, bool) and 0 <= value <= 10 ** 9


def _number(value) -> bool:
    return value is None or (isinstance(value, (int, float)) and not isinstance(value, bool) and 0 <= value <= 10 ** 9)


def record_problem(record: dict, year: int, quarter: int) -> str | None:
    """Why a report cannot be shown side by side with the others, or None."""
    complaints, ikm, indicators = record.get("complaints"), record.get("ikm"), record.get("indicators")
    if record.get("year") != year or record.get("quarter") != quarter:
        return "triwulan di isi laporan tidak sama dengan kuncinya"
    try:
        datetime.fromisoformat(record.get("approved_at"))
    except (TypeError, ValueError):
        return "tanggal persetujuan tidak sah"
    if not isinstance(complaints, dict) or not all(_count(complaints.get(k)) for k in (
            "received", "closed", "closed_on_time")):
        return "angka pengaduan tidak lengkap"
    if not isinstance(ikm, dict) or not _count(ikm.get("respondents")) or not isinstance(ikm.get("elements"), list) \
            or not all(isinstance(e, dict) and isinstance(e.get("key"), str) and _count(e.get("answers"))
                       and _count(e.get("total")) and e["total"] <= 4 * e["answers"] for e in ikm["elements"]):
        return "data IKM tidak lengkap"
    if not isinstance(indicators, list) or not all(
            isinstance(i, dict) and isinstance(i.get("key"), str) and isinstance(i.get("name"), str)
            and isinstance(i.get("definition"), str) and _number(i.get("value")) and _number(i.get("target"))
            and _number(i.get("numerator")) and _number(i.get("denominator")) for i in indicators):
        return "indikator layanan tidak lengkap"
    return None


def figures_of(record: dict) -> dict:
    """What the table, the XLSX and the trend read of a report (never its notice or category lists)."""
    complaints, ikm = record["complaints"], record["ikm"]
    return {"complaints": {k: complaints[k] for k in ("received", "closed", "closed_on_time")},
            "ikm": {"respondents": ikm["respondents"], "ikm": ikm.get("ikm"), "grade": ikm.get("grade"),
                    "elements": [{k: e[k] for k in ("key", "answers", "total")} for e in ikm["elements"]]},
            "indicators": [{k: i.get(k) for k in ("key", "name", "value", "target", "higher_is_better", "definition")}
                           for i in record["indicators"]],
            "addendum": (record.get("addendum") or {}).get("count", 0)}


def store_report(key, header: dict, photo: bytes, via: str = "api") -> Outcome:
    number = header.get("id") if isinstance(header.get("id"), str) else ""
    version = header.get("version")
    if not isinstance(version, int) or isinstance(version, bool) or not 1 <= version <= 10000:
        return Outcome(number[:64], None, "rejected", "versi tidak sah")
    match = KEY.match(number)
    digest, record = header.get("hash"), header.get("record")
    if match is None:
        return Outcome(number[:64], version, "rejected", "kunci laporan kinerja tidak sah")
    if not isinstance(digest, str) or not protocol.HEX64.fullmatch(digest) or not isinstance(record, dict) or photo:
        return Outcome(number, version, "rejected", "kepala item tidak lengkap")
    if len(protocol.canonical_json(record)) > MAX_RECORD_BYTES:
        return Outcome(number, version, "rejected", "laporan terlalu panjang")
    if holds_bad_characters(record):
        return Outcome(number, version, "rejected", "laporan berisi karakter tidak sah (NUL atau pengatur arah teks)")
    if protocol.content_hash(record, protocol.sha256_hex(b"")) != digest:
        return Outcome(number, version, "rejected", "hash isi tidak cocok (rusak di jalan)")
    year, quarter = int(match.group(1)), int(match.group(2))
    problem = record_problem(record, year, quarter)
    if problem:
        return Outcome(number, version, "rejected", problem)
    if record.get("kecamatan") != key.kecamatan.code:
        return Outcome(number, version, "rejected", f"laporan ini dari kecamatan lain ({str(record.get('kecamatan'))[:20]})")
    where = ((PerformanceReport.kecamatan == key.kecamatan_id) & (PerformanceReport.year == year)
             & (PerformanceReport.quarter == quarter) & (PerformanceReport.version == version))
    for _ in range(2):  # a concurrent insert of the same version is "duplicate" on the retry
        try:
            with no_ones_act("an office's report arriving: its trail is the office's", "performance_report"), \
                    center_database.atomic():
                held = PerformanceReport.get_or_none(where)
                if held is not None:
                    if held.content_hash == digest:
                        return Outcome(number, version, "duplicate")
                    return Outcome(number, version, "conflict", "versi laporan ini sudah diterima dengan isi berbeda")
                PerformanceReport.create(
                    kecamatan=key.kecamatan_id, year=year, quarter=quarter, version=version, content_hash=digest,
                    record_json=json.dumps(record, ensure_ascii=False),
                    figures_json=json.dumps(figures_of(record), ensure_ascii=False), approved_at=datetime.fromisoformat(record["approved_at"]).replace(tzinfo=None),
                    key_id=key.key_id, via=via, received_at=utc_now())
            warm_after_this_request(Quarter.of(year, quarter))
            return Outcome(number, version, "stored")
        except IntegrityError:
            continue
    return Outcome(number, version, "duplicate")


@api_blueprint.post("/v1/kinerja/manifest")
def performance_manifest():
    body = json_body()
    items = body.get("items") if body else None
    problem = error_answer(400, "bad_request", "items harus daftar {id, version, hash, size} yang sah")
    if not isinstance(items, list) or len(items) > 5000:
        return problem
    need, have, conflict = [], [], []
    for item in items:
        match = KEY.match(item.get("id", "")) if isinstance(item, dict) and isinstance(item.get("id"), str) else None
        if not (match and isinstance(item.get("version"), int) and not isinstance(item["version"], bool)
                and 1 <= item["version"] <= 10000 and isinstance(item.get("hash"), str) and protocol.HEX64.fullmatch(item["hash"])):
            return problem
        entry = {"id": item["id"], "version": item["version"]}
        held = PerformanceReport.get_or_none(
            (PerformanceReport.kecamatan == g.kecamatan.id) & (PerformanceReport.year == int(match.group(1)))
            & (PerformanceReport.quarter == int(match.group(2))) & (PerformanceReport.version == item["version"]))
        (need if held is None else have if held.content_hash == item["hash"] else conflict).append(entry)
    return jsonify({"need": need, "have": have, "conflict": conflict})


@api_blueprint.post("/v1/kinerja/packets")
def performance_packets():
    return packet_results(store_report, g.device_key)


# --- the regency's figures -------------------------------------------------------------------------

def _round(value: Fraction, places: str) -> Decimal:
    return (Decimal(value.numerator) / Decimal(value.denominator)).quantize(Decimal(places), ROUND_HALF_UP)


@dataclass
class CombinedIkm:
    respondents: int
    units: int
    ikm: Decimal | None
    grade: str | None
    performance: str | None


def combined_ikm(reports: list[dict]) -> CombinedIkm:
    """The regency's IKM for the period from its kecamatan's unit data.

    PermenPANRB 14/2017, Lampiran Bab IV (pengolahan data): NRR per unsur = jumlah nilai per unsur /
    jumlah kuesioner yang terisi; IKM = sum of NRR x bobot (1/9), x 25. For a combined unit the
    respondents of every unit are one sample: each unsur's NRR is taken over every answer of every
    kecamatan (the sum of their scores over the sum of their answers), not the mean of the
    kecamatan's IKM, so a kecamatan with 300 respondents weighs more than one with 30.
    """
    answers, totals, respondents, units = {}, {}, 0, 0
    for ikm in reports:
        if not ikm.get("respondents"):
            continue
        units += 1
        respondents += ikm["respondents"]
        for element in ikm.get("elements", []):
            answers[element["key"]] = answers.get(element["key"], 0) + element["answers"]
            totals[element["key"]] = totals.get(element["key"], 0) + element["total"]
    if not respondents or len(answers) != ELEMENTS or not all(answers.values()):
        return CombinedIkm(respondents, units, None, None, None)
    index = sum((Fraction(totals[k], answers[k]) for k in answers), Fraction(0)) / ELEMENTS
    value = _round(index * 25, "0.01")
    quality = quality_of_published(value)
    return CombinedIkm(respondents, units, value, quality.grade, quality.performance)


@dataclass
class KecamatanRow:
    kecamatan: Kecamatan
    report: dict | None = None
    version: int = 0
    versions: list = field(default_factory=list)  # [(version, received_at)], newest first
    approved_at: datetime | None = None
    due: date | None = None
    late: bool = False
    changed_definitions: list = field(default_factory=list)  # indicator names whose definition changed
    compared_with: Quarter | None = None  # since this quarter (the kecamatan's last report before)

    @property
    def indicators(self) -> dict:
        return {i["key"]: i for i in (self.report or {}).get("indicators", [])}


def due_date(quarter: Quarter) -> date:
    """The last day for the quarter's approved recap: N working days after the quarter ends."""
    return WorkCalendar().add_working_days(quarter.end, LATE_AFTER_WORKING_DAYS)


def _reports(quarters: list[Quarter], kecamatan_id: int | None = None) -> dict:
    """{(kecamatan id, year, quarter): [(version, figures_json, approved_at, received_at)] newest first}."""
    pairs = [(PerformanceReport.year == q.year) & (PerformanceReport.quarter == q.number) for q in quarters]
    where = reduce(operator.or_, pairs)
    if kecamatan_id is not None:
        where &= PerformanceReport.kecamatan == kecamatan_id
    found: dict = {}
    query = (PerformanceReport.select(PerformanceReport.kecamatan, PerformanceReport.year, PerformanceReport.quarter,
                                      PerformanceReport.version, PerformanceReport.figures_json,
                                      PerformanceReport.approved_at, PerformanceReport.received_at)
             .where(where).order_by(PerformanceReport.version.desc()).tuples())
    for kecamatan, year, number, version, figures_json, approved_at, received_at in query:
        found.setdefault((kecamatan, year, number), []).append((version, figures_json, approved_at, received_at))
    return found


def _latest_before(quarter: Quarter, kecamatan_id: int | None = None) -> dict:
    """{kecamatan id: (its last quarter before `quarter` that has a report, that report's latest figures)}:
    a definition is compared with the last report, however many quarters without one lie between."""
    report = PerformanceReport
    order = report.year * 4 + report.quarter  # quarters counted on, so "before" is one comparison
    where = order < quarter.year * 4 + quarter.number
    if kecamatan_id is not None:
        where &= report.kecamatan == kecamatan_id
    last = report.select(report.kecamatan.alias("k"), fn.MAX(order).alias("at")).where(where).group_by(report.kecamatan)
    query = (report.select(report.kecamatan, report.year, report.quarter, report.figures_json)
             .join(last, on=(report.kecamatan == last.c.k) & (order == last.c.at))
             .order_by(report.version.desc()).tuples())
    found = {}
    for kecamatan, year, number, figures_json in query:
        if kecamatan not in found:  # the latest version
            found[kecamatan] = (Quarter.of(year, number), json.loads(figures_json))
    return found


def _changed_definitions(report: dict, before: dict) -> list[str]:
    """Names of the report's indicators whose definition differs from the earlier report's."""
    then = {i["key"]: i["definition"] for i in before["indicators"]}
    return [i["name"] for i in report["indicators"] if i["key"] in then and then[i["key"]] != i["definition"]]


def quarter_table(quarter: Quarter, today: date) -> tuple[list[KecamatanRow], CombinedIkm]:
    """Every kecamatan for the quarter, and the regency's combined IKM (each latest version parsed once)."""
    found = _reports([quarter])
    earlier = _latest_before(quarter)
    due = due_date(quarter)
    rows = []
    for kecamatan in Kecamatan.select().order_by(Kecamatan.code):
        row = KecamatanRow(kecamatan, due=due)
        versions = found.get((kecamatan.id, quarter.year, quarter.number))
        if versions:
            version, figures_json, approved_at, _ = versions[0]
            row.report, row.version, row.approved_at = json.loads(figures_json), version, approved_at
            row.versions = [(v, received) for v, _, _, received in versions]
            if kecamatan.id in earlier:
                row.compared_with, before = earlier[kecamatan.id]
                row.changed_definitions = _changed_definitions(row.report, before)
        else:
            row.late = today > due
        rows.append(row)
    combined = combined_ikm([row.report["ikm"] for row in rows if row.report])
    return rows, combined


def trend(kecamatan: Kecamatan, last: Quarter) -> list[tuple[Quarter, dict | None, list[str], Quarter | None]]:
    """The kecamatan's latest report of each of the last quarters, with the names of the indicators
    whose definition differs from its last report before (not comparable as is), and that quarter."""
    quarters = last.last(TREND_QUARTERS)
    found = _reports(quarters, kecamatan.id)
    points = []
    since, before = _latest_before(quarters[0], kecamatan.id).get(kecamatan.id, (None, None))
    for q in quarters:
        versions = found.get((kecamatan.id, q.year, q.number))
        report = json.loads(versions[0][1]) if versions else None
        changed = _changed_definitions(report, before) if report is not None and before is not None else []
        points.append((q, report, changed, since if changed else None))
        if report is not None:
            since, before = q, report
    return points


# --- pages -----------------------------------------------------------------------------------------

def _chosen_quarter(today: date) -> Quarter:
    """The quarter in ?tahun=&triwulan=, else the last quarter that has ended."""
    last_ended = Quarter.containing(today).previous()
    year = int_arg(request.args, "tahun", last_ended.year, lowest=2000, highest=2100)
    number = int_arg(request.args, "triwulan", last_ended.number, lowest=1, highest=4)
    return Quarter.of(year, number)


IKM_KEY = "ikm"  # the IKM is also an indicator (its target, 76,61): the table shows it once, in its IKM column


@dataclass
class IndicatorColumn:
    """One indicator's column: a short code in the header (I1, I2 ...) and its full name and target in
    the legend, so 21+ kecamatan and every indicator fit a landscape page and the screen."""
    key: str
    name: str
    code: str
    target: float | None  # the same target in every report; None when the kecamatan differ
    higher_is_better: bool


def _indicator_columns(rows: list[KecamatanRow], key_filter=lambda key: key != IKM_KEY) -> list[IndicatorColumn]:
    found: dict[str, list[dict]] = {}
    for row in rows:
        for indicator in (row.report or {}).get("indicators", []):
            if key_filter(indicator["key"]):
                found.setdefault(indicator["key"], []).append(indicator)
    columns = []
    for number, (key, seen) in enumerate(found.items(), start=1):
        targets = {i.get("target") for i in seen}
        columns.append(IndicatorColumn(key, seen[0]["name"], f"I{number}", targets.pop() if len(targets) == 1 else None,
                                       bool(seen[0].get("higher_is_better", True))))
    return columns


def _ikm_column(rows: list[KecamatanRow]) -> IndicatorColumn | None:
    """The IKM indicator's target, shown in the IKM column's header."""
    columns = _indicator_columns(rows, key_filter=lambda key: key == IKM_KEY)
    return columns[0] if columns else None


def _stamp() -> tuple:
    """Changes with every report stored and every kecamatan registered (reports are never edited): the
    table, its HTML and its XLSX are kept under it (app/frame/figure_cache.py), computed again after a
    sync that brought a report, and only then (warm_after_this_request computes them at once)."""
    reports = PerformanceReport.select(fn.MAX(PerformanceReport.id), fn.COUNT(PerformanceReport.id)).tuples().get()
    kecamatan = Kecamatan.select(fn.MAX(Kecamatan.id), fn.COUNT(Kecamatan.id)).tuples().get()
    # The app's own token names its database: two center apps in one process never share a result.
    token = current_app.extensions.setdefault("kinerja_cache_token", secrets.token_hex(8))
    return ("kinerja", token, *reports, *kecamatan)


def _context(quarter: Quarter | None = None):
    today = local_today(ZONE)
    quarter = quarter or _chosen_quarter(today)
    stamp = _stamp()
    rows, combined = figure_cache.kept("kinerja", (quarter.key, today), lambda: quarter_table(quarter, today), stamp)
    return {"quarter": quarter, "rows": rows, "combined": combined, "columns": _indicator_columns(rows), "ikm_column": _ikm_column(rows),
            "stamp": stamp,
            "today": today, "late_days": LATE_AFTER_WORKING_DAYS, "years": range(today.year, today.year - 6, -1)}


def _table(context: dict, linked: bool) -> Markup:
    """The side-by-side table as HTML, kept with the figures: 30 rows of ten cells were most of the
    page's time (Jinja and a link per row), every time it was read."""
    return figure_cache.kept(
        "kinerja.html", (context["quarter"].key, context["today"], linked),
        lambda: Markup(render_template("center/_performance_table.html", linked=linked, **context)), context["stamp"])


def _xlsx(context: dict) -> bytes:
    return figure_cache.kept("kinerja.xlsx", (context["quarter"].key, context["today"]), lambda: workbook(context),
                             context["stamp"])


def warm(quarters) -> None:
    """Compute the quarters' table, its HTML and XLSX under the current stamp, so the first reader
    after a sync is not the one who waits (call with a request context: links and filters)."""
    last_ended = Quarter.containing(local_today(ZONE)).previous()
    for quarter in {q.key: q for q in [last_ended, *quarters]}.values():
        context = _context(quarter)
        _table(context, True)
        _table(context, False)
        _xlsx(context)


def warm_after_this_request(quarter: Quarter) -> None:
    """After the answer to the request that stored a report has been sent (the kecamatan's pass or the
    USB import does not wait), compute the quarter's figures again for the readers."""
    if not has_request_context():
        return
    pending = request.environ.setdefault("loket.kinerja_warm", {})  # this request's (g may outlive it)
    if not pending:
        app = current_app._get_current_object()

        @after_this_request
        def schedule(response):
            response.call_on_close(lambda: _warm_now(app, list(pending.values())))
            return response
    pending[quarter.key] = quarter


def warm_job(app) -> None:
    """Background job (sync/center/program.py), first run as the center starts: the kept figures live in
    memory only, so without it the first reader after a restart computed them (47-108 ms cold on the
    bench). Every few minutes after, it computes them again once the day (late flags) or the quarter
    has turned; otherwise it only finds them kept."""
    with app.test_request_context("/kinerja"):  # links and filters of the table's HTML
        warm([])


def _warm_now(app, quarters) -> None:
    try:
        with app.test_request_context("/kinerja"), center_database.connection_context():
            warm(quarters)
    except Exception:  # the answer is sent; a reader computes the figures instead
        app.logger.exception("kinerja: figures not computed ahead")


@page_blueprint.get("/kinerja")
def performance():
    context = _context()
    return render_template("center/performance.html", table=_table(context, True), **context)


# The papers the report is laid out for, landscape (static/css/print.css names a page for each); F4
# (folio, 215 x 330 mm) is the common paper in the regency's offices.
REPORT_PAPERS = {"a4": "A4 (297 × 210 mm)", "f4": "F4/folio (330 × 215 mm)"}


@page_blueprint.get("/kinerja/cetak")
def performance_print():
    context = _context()
    paper = request.args.get("kertas", "a4")
    if paper not in REPORT_PAPERS:
        paper = "a4"
    return render_template("center/performance_print.html", table=_table(context, False), kop=regency_letterhead(),
                           paper=paper, papers=REPORT_PAPERS, **context)


def workbook(context: dict) -> bytes:
    """The table as XLSX through the one spreadsheet writer."""
    from app.frame.spreadsheet_cells import xlsx_bytes
    quarter, columns = context["quarter"], context["columns"]
    header = ["Kode", "Kecamatan", "Status rekap", "Versi", "Pengaduan diterima", "Selesai", "Selesai tepat waktu",
              "Responden IKM", "IKM", "Mutu"]
    for column in columns:
        header += [f"{column.name} (nilai)", f"{column.name} (target)"]
    header.append("Definisi berubah")  # as the page labels them: not comparable with the earlier report
    lines = []
    for row in context["rows"]:
        report = row.report
        if report is None:
            status = "Terlambat" if row.late else "Belum ada"
            lines.append([row.kecamatan.code, row.kecamatan.name, status, None] + [None] * (7 + 2 * len(columns)))
            continue
        complaints, ikm = report["complaints"], report["ikm"]
        line = [row.kecamatan.code, row.kecamatan.name, f"Disetujui {row.approved_at:%d-%m-%Y}", row.version,
                complaints["received"], complaints["closed"], complaints["closed_on_time"],
                ikm["respondents"] if ikm["respondents"] else "–",
                float(ikm["ikm"]) if ikm.get("ikm") else "–", ikm.get("grade") or "–"]
        for column in columns:
            indicator = row.indicators.get(column.key, {})
            value = indicator.get("value")
            line += [round(value, 2) if value is not None else "–", indicator.get("target")]
        line.append(f"{', '.join(row.changed_definitions)} (sejak {row.compared_with.label})"
                    if row.changed_definitions else None)
        lines.append(line)
    combined = context["combined"]
    lead = [[f"Kinerja Kecamatan {quarter.label}"],
            ["IKM kabupaten (gabungan, PermenPANRB 14/2017)", float(combined.ikm) if combined.ikm else "–",
             combined.grade or "–", f"{combined.respondents} responden"]]
    return xlsx_bytes("Kinerja", header, lines, lead_rows=lead)


@page_blueprint.get("/kinerja.xlsx")
def performance_xlsx():
    context = _context()
    quarter = context["quarter"]
    data = _xlsx(context)
    # Counts only, no person: recorded all the same, as every export of the center is.
    record_view("ekspor", "kinerja", quarter.key,
                f"Kinerja Kecamatan {quarter.label} diunduh (XLSX, {len(context['rows'])} kecamatan)")
    response = current_app.response_class(
        data, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet")
    response.headers["Content-Disposition"] = f'attachment; filename="kinerja-kecamatan-{quarter.year}-{quarter.number}.xlsx"'
    return response


@page_blueprint.get("/kinerja/kecamatan/<int:kecamatan_id>")
def performance_trend(kecamatan_id: int):
    from playhouse.flask_utils import get_object_or_404
    from app.frame.charts import trend_chart
    kecamatan = get_object_or_404(Kecamatan, Kecamatan.id == kecamatan_id)
    today = local_today(ZONE)
    last = _chosen_quarter(today)
    points = trend(kecamatan, last)

    def label(q):
        return f"{q.number}/{str(q.year)[2:]}"
    # Each bar's tooltip as the table and the Kinerja page print the figure (IKM to two decimals, a share to one).
    ikm_points = [(label(q), float(r["ikm"]["ikm"]), decimal_text(Decimal(str(r["ikm"]["ikm"])), 2))
                  if r and r["ikm"].get("ikm") else (label(q), None) for q, r, *_ in points]
    on_time = [(label(q), 100.0 * r["complaints"]["closed_on_time"] / r["complaints"]["closed"],
                percent_text(r["complaints"]["closed_on_time"], r["complaints"]["closed"]))
               if r and r["complaints"]["closed"] else (label(q), None) for q, r, *_ in points]
    charts = [trend_chart(ikm_points, float(QUALITIES[1].lower), f"IKM {kecamatan.name}",  # the line: grade B ("Baik")
                          value_label="Nilai IKM", caption=f"IKM, {TREND_QUARTERS} triwulan"),
              trend_chart(on_time, None, f"Pengaduan selesai tepat waktu {kecamatan.name}",
                          caption="Pengaduan selesai tepat waktu (%)")]
    return render_template("center/performance_trend.html", kecamatan=kecamatan, points=points, charts=charts,
                           quarter=last)


@page_blueprint.app_template_filter("bagian")
def bagian(value) -> str:
    """A share (%) with one decimal, half up, as the kecamatan prints its indicators (77,78 was 77,8 there)."""
    return decimal_text(Decimal(str(value)), 1) if value is not None else "–"


@page_blueprint.app_template_filter("angka")
def angka(value) -> str:
    """A figure as the Indonesian reader writes it; nothing measured is "–", never 0."""
    if value is None or value == "":
        return "–"
    if isinstance(value, Decimal) or (isinstance(value, float) and not value.is_integer()):
        return f"{value:.2f}".replace(".", ",")
    if isinstance(value, str):
        return value.replace(".", ",")
    return f"{int(value):,}".replace(",", ".")
