from datetime import timedelta

from flask import Blueprint, current_app, render_template, request

from app.auth.models import User
from app.frame.audit_event import AuditEvent
from app.frame.audit_sentences import readable
from app.capabilities import MenuItem
from app.frame.dates import parse_iso_date
from app.frame.db import database
from app.frame.pagination import paginate

blueprint = Blueprint("audit", __name__, template_folder="templates")
MENU = [MenuItem("Jejak Audit", "audit.trail", order=95)]


def values_in_trail(column: str) -> list[str]:
    """The distinct values of an indexed column, one index seek each (a DISTINCT read the whole
    index on every view: 36 ms at 1M rows; the trail has a few dozen kinds of data and action)."""
    assert column in ("entity", "action")
    rows = database.execute_sql(
        f'WITH RECURSIVE "v"("value") AS (SELECT min("{column}") FROM "audit_event" UNION ALL '
        f'SELECT (SELECT min("{column}") FROM "audit_event" WHERE "{column}" > v."value") FROM "v" '
        'WHERE v."value" IS NOT NULL) SELECT "value" FROM "v" WHERE "value" IS NOT NULL')
    return [value for (value,) in rows]


def usernames_to_pick(chosen: str) -> list[str]:
    """Every account, the app itself ('sistem') and the name in the URL, if it is none of those
    (a failed sign-in with an unknown name, followed from a link)."""
    names = {name for (name,) in User.select(User.username).tuples()} | {"sistem"}
    return sorted(names | ({chosen} if chosen else set()))


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
    page = paginate(query, current_app.config["PAGE_SIZE"])
    if request.htmx and request.htmx.target == "audit-rows":
        return render_template("audit/_rows.html", page=page, rows=readable(page.items), errors=errors), \
            422 if errors else 200  # 422: htmx swaps the summary in
    return (render_template("audit/trail.html", page=page, rows=readable(page.items), filters=filters,
                            usernames=usernames_to_pick(filters["pengguna"].lower()),
                            entities=values_in_trail("entity"), actions=values_in_trail("action"), errors=errors),
            422 if errors else 200)  # 422: htmx swaps the summary in
