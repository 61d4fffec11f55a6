from datetime import timedelta

from flask import Blueprint, current_app, render_template, request

from app.auth.models import User
from app.frame.audit_event import AuditEvent
from app.frame.audit_sentences import entity_of, readable, verb_of
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


def users_to_pick(chosen: str) -> list[tuple[str, str]]:
    """(username, label) of every account, the app itself ('sistem') and the name in the URL if it
    is none of those (a failed sign-in with an unknown name, followed from a link)."""
    names = {name: f"{full_name} ({name})" for name, full_name in User.select(User.username, User.full_name).tuples()}
    names.setdefault("sistem", "sistem")
    if chosen:
        names.setdefault(chosen, chosen)
    return sorted(names.items(), key=lambda item: item[1].lower())


def _choices(values: list[str], label, chosen: str) -> list[tuple[str, str]]:
    """(value, label) sorted by label: the trail's own words (permohonan, membuka), not its keys.
    A value in the URL that the trail does not hold (yet) stays picked, as it still filters."""
    return sorted(((value, label(value)) for value in {*values, *([chosen] if chosen else [])}),
                  key=lambda item: item[1])


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
                            users=users_to_pick(filters["pengguna"].lower()),
                            entities=_choices(values_in_trail("entity"), lambda key: entity_of(key).label,
                                              filters["entitas"]),
                            actions=_choices(values_in_trail("action"), verb_of, filters["aksi"]),
                            errors=errors),
            422 if errors else 200)  # 422: htmx swaps the summary in
