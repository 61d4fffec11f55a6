"""The printable daily report and the XLSX/CSV export of the filtered list."""
from datetime import timedelta

from flask import Response, g, render_template, request, stream_with_context

from app.complaints import book, queries
from app.complaints.models import CHANNELS, Complaint, ComplaintCategory
from app.complaints.privacy import may_see_record, shown_identity
from app.complaints.report import EXPORT_HEADER, daily_summary, export_row
from app.complaints.views import blueprint, list_page
from app.frame.dates import format_datetime, local_today, parse_iso_date, to_local
from app.frame.spreadsheet_cells import csv_chunks, xlsx_bytes
from app.frame.page_turns import long_running

XLSX_MAX_ROWS = 50_000  # beyond this a spreadsheet is no help; CSV has no limit


@blueprint.get("/laporan-harian")
def daily_report():
    zone = queries.zone()
    raw = request.args.get("tanggal", "")
    day = parse_iso_date(raw) if raw else local_today(zone)
    error = None
    if day is None:
        day, error = local_today(zone), "Tanggal tidak valid (format TTTT-BB-HH); ditampilkan hari ini."
    start = queries.local_midnight_utc(day)
    rows = list(Complaint.select(Complaint, ComplaintCategory)
                .join(ComplaintCategory, on=(Complaint.category == ComplaintCategory.id))
                .where(Complaint.received_at >= start, Complaint.received_at < queries.local_midnight_utc(day + timedelta(days=1)))
                .order_by(Complaint.received_at))
    summary = daily_summary(rows)
    categories = sorted(summary.by_category)
    return render_template("complaints/daily_report.html", day=day, summary=summary, categories=categories,
                           channels=CHANNELS, error=error, hour=lambda c: to_local(c.received_at, zone).strftime("%H.%M"),
                           visible=lambda c: may_see_record(g.user.role, c.is_confidential)), \
        (422 if error else 200)


def _export_rows(filters, user):
    due = queries.targets()
    zone = due.zone
    fmt = lambda moment: format_datetime(moment, zone) if moment else ""  # noqa: E731
    for c in queries.export_rows(filters, user, due):
        name, contact = shown_identity(user, c)
        yield export_row(c, name, contact, due.row_flags(c), fmt)


@blueprint.get("/ekspor.<kind>")
@long_running
def export(kind: str):
    if kind not in ("csv", "xlsx"):
        return Response("Format ekspor tidak dikenal.", status=404)
    filters = queries.Filters.from_args(request.args)
    if filters.errors:  # the list page with the messages
        return list_page(filters)
    book.record_export(kind, filters.as_args())
    stamp = local_today(queries.zone()).isoformat()
    if kind == "csv":
        # streamed: stream_with_context keeps the request (and its connection) open
        return Response(stream_with_context(csv_chunks(EXPORT_HEADER, _export_rows(filters, g.user))),
                        mimetype="text/csv; charset=utf-8",
                        headers={"Content-Disposition": f'attachment; filename="buku-pengaduan-{stamp}.csv"'})
    body = xlsx_bytes("Buku Pengaduan", EXPORT_HEADER, _export_rows(filters, g.user), max_rows=XLSX_MAX_ROWS,
                      cut_note=f"Dipotong pada {XLSX_MAX_ROWS:,} baris; persempit periode atau gunakan CSV."
                      .replace(",", "."))
    return Response(body, mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": f'attachment; filename="buku-pengaduan-{stamp}.xlsx"'})
