"""Admin: complaint categories with the section each is routed to, and the time targets."""
from flask import abort, flash, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404

from app.complaints import book
from app.complaints.form_rules import clean_line
from app.complaints.models import DEFAULT_SECTION, ComplaintCategory
from app.complaints.views import blueprint
from app.frame import store, versions
from app.frame.request_cycle import int_arg

SECTIONS = (DEFAULT_SECTION, "Kasi Pemerintahan", "Kasi Ketenteraman dan Ketertiban", "Kasi Kesejahteraan Sosial",
            "Kasi Pemberdayaan Masyarakat", "Sekretaris Kecamatan")
TARGET_KEYS = {"complaint_first_response_days": "Tanggapan pertama", "complaint_follow_up_days": "Tindak lanjut selesai"}


def _page(form, errors, targets, status=200, editing=None, read=None, conflict=None):
    """The list and both forms. Each form carries the version it was read at (two admins at once): the
    stored one; a form sent back (`read`: which form, its version) keeps the version it was sent with."""
    categories = ComplaintCategory.select().order_by(ComplaintCategory.is_active.desc(), ComplaintCategory.name)
    shown = {"category": versions.version_of(book.category_values(editing.name, editing.section, editing.is_active))
             if editing else None, "targets": versions.version_of(book.target_values())}
    shown.update(read or {})
    return render_template("complaints/categories.html", categories=categories, form=form, errors=errors,
                           targets=targets, target_labels=TARGET_KEYS, sections=SECTIONS, editing=editing,
                           category_version=shown["category"], targets_version=shown["targets"],
                           conflict=conflict), status


def _current_targets():
    return {key: store.get(key) for key in TARGET_KEYS}


@blueprint.get("/kategori")
def categories():
    editing = ComplaintCategory.get_or_none(ComplaintCategory.id == int_arg(request.args, "ubah"))
    form = ({"name": editing.name, "section": editing.section, "is_active": editing.is_active} if editing
            else {"section": DEFAULT_SECTION, "is_active": True})
    return _page(form, {}, _current_targets(), editing=editing)


@blueprint.post("/kategori")
def save_category():
    category_id = int_arg(request.form, "category_id")
    if category_id is None and (request.form.get("category_id") or "").strip():
        abort(404)  # an edit of no category (a garbage or huge id) is not a new category
    editing = get_object_or_404(ComplaintCategory, ComplaintCategory.id == category_id) if category_id else None
    form = {"name": clean_line(request.form.get("name")), "section": clean_line(request.form.get("section")),
            "is_active": bool(request.form.get("is_active"))}
    errors = {}
    if not form["name"] or len(form["name"]) > 80:
        errors["name"] = "Nama kategori wajib diisi (paling banyak 80 karakter)."
    elif (ComplaintCategory.select().where(ComplaintCategory.name == form["name"],
                                           ComplaintCategory.id != (editing.id if editing else 0)).exists()):
        errors["name"] = "Kategori dengan nama ini sudah ada."
    if not form["section"] or len(form["section"]) > 80:
        errors["section"] = "Isi seksi yang menangani (paling banyak 80 karakter)."
    if errors:
        return _page(form, errors, _current_targets(), 422, editing, {"category": request.form.get(versions.FIELD)})
    editing, conflict = book.save_category(editing, form, request.form)
    if conflict:
        return _page(form, {}, _current_targets(), 409, editing, {"category": conflict.version}, conflict)
    flash("Kategori disimpan.", "success")
    return redirect(url_for("complaints.categories"), code=303)


@blueprint.post("/kategori/target-waktu")
def save_targets():
    values, errors = {}, {}
    for key, label in TARGET_KEYS.items():
        days = int_arg(request.form, key, lowest=1, highest=60)
        if days is None:
            errors[key] = f"{label}: isi jumlah hari kerja 1–60."
        else:
            values[key] = days
    if not errors and values["complaint_follow_up_days"] < values["complaint_first_response_days"]:
        errors["complaint_follow_up_days"] = "Batas tindak lanjut tidak boleh lebih pendek dari tanggapan pertama."
    targets = {key: request.form.get(key, "") for key in TARGET_KEYS}
    if errors:
        return _page({"section": DEFAULT_SECTION, "is_active": True}, errors, targets, 422,
                     read={"targets": request.form.get(versions.FIELD)})
    conflict = book.save_targets(values, request.form)
    if conflict:
        return _page({"section": DEFAULT_SECTION, "is_active": True}, {}, conflict.over(targets), 409,
                     read={"targets": conflict.version}, conflict=conflict)
    flash("Target waktu disimpan.", "success")
    return redirect(url_for("complaints.categories"), code=303)
