from datetime import timedelta

from flask import Blueprint, current_app, render_template, request

from app.frame.audit_event import AuditEvent
from app.frame.audit_sentences import readable
from app.capabilities import MenuItem
from app.frame.dates import parse_iso_date
from app.frame.pagination import paginate

blueprint = Blueprint("audit", __name__, template_folder="templates")
MENU = [MenuItem("Jejak Audit", "audit.trail", order=95)]


@blueprint.get("/audit")
def trail():
    filters = {key: request.args.get(key, "").strip() for key in ("pengguna", "entitas", "aksi", "dari", "sampai")}
    query = AuditEvent.select().order_by(AuditEvent.id.desc())
    if filters["pengguna"]:
        query = query.where(AuditEvent.username == filters["pengguna"].lower())
    if filters["entitas"]:
        query = query.where(AuditEvent.entity == filters["entitas"])
    if filters["aksi"]:
        query = query.where(AuditEvent.action == filters["aksi"])
    start, end = parse_iso_date(filters["dari"]), parse_iso_date(filters["sampai"])
    errors = {key: f"Tanggal tidak valid pada isian {label} (format TTTT-BB-HH, tahun 1000-8999)."
              for key, label in (("dari", "Dari"), ("sampai", "Sampai"))
              if filters[key] and parse_iso_date(filters[key]) is None}
    if start:
        query = query.where(AuditEvent.at >= str(start))
    if end:
        query = query.where(AuditEvent.at < str(end + timedelta(days=1)))  # the whole end day
    entities = [row.entity for row in AuditEvent.select(AuditEvent.entity).distinct().order_by(AuditEvent.entity)]
    page = paginate(query, current_app.config["PAGE_SIZE"])
    template = "audit/_rows.html" if request.htmx and request.htmx.target == "audit-rows" else "audit/trail.html"
    return (render_template(template, page=page, rows=readable(page.items), filters=filters, entities=entities,
                            errors=errors), 422 if errors else 200)  # 422: htmx swaps the summary in
