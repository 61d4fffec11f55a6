import re

from markupsafe import escape

from flask import Blueprint, abort, flash, redirect, render_template, request, url_for

from app import audit
from app.frame import regions
from app.frame.access import allow, public
from app.capabilities import MenuItem
from app.frame.dates import TIME_ZONES, utc_now
from app.frame.db import database
from app.frame.roles import ADMIN
from app.frame import store
from app.settings.letterhead import LogoError, normalise_logo
from app.settings.models import StoredFile

blueprint = Blueprint("settings", __name__, template_folder="templates")
MENU = [MenuItem("Pengaturan Kantor", "settings.office", order=91)]

IDENTITY_FIELDS = ("kecamatan_code", "kecamatan_name", "address", "phone", "email", "camat_name", "camat_nip", "timezone")
LOGO_KEY = "letterhead_logo"


def validate_identity(form: dict) -> dict:
    errors = {}
    if not regions.is_kecamatan_code(form["kecamatan_code"]):
        errors["kecamatan_code"] = "Kode kecamatan tidak ada dalam daftar Kemendagri 2025 (contoh: 35.08.07)."
    if not form["kecamatan_name"] or len(form["kecamatan_name"]) > 100:
        errors["kecamatan_name"] = "Nama kecamatan wajib diisi (maksimal 100 karakter)."
    if len(form["address"]) > 300:
        errors["address"] = "Alamat terlalu panjang (maksimal 300 karakter)."
    if form["phone"] and not re.fullmatch(r"[0-9+()\- ]{5,20}", form["phone"]):
        errors["phone"] = "Nomor telepon hanya angka, spasi, +, ( ) atau -."
    if form["email"] and not re.fullmatch(r"[^@\s]+@[^@\s]+\.[^@\s]+", form["email"]):
        errors["email"] = "Alamat surel tidak valid."
    if form["camat_nip"] and not re.fullmatch(r"\d{18}", form["camat_nip"]):
        errors["camat_nip"] = "NIP terdiri dari 18 angka."
    if len(form["camat_name"]) > 120:
        errors["camat_name"] = "Nama Camat terlalu panjang."
    if form["timezone"] not in TIME_ZONES:
        errors["timezone"] = "Pilih WIB, WITA atau WIT."
    return errors


@blueprint.route("/admin/kantor", methods=["GET", "POST"])
@allow(ADMIN)
def office():
    if request.method == "GET":
        form = {key: store.get(key) for key in IDENTITY_FIELDS}
        return render_template("settings/office.html", form=form, errors={}, zones=TIME_ZONES,
                               has_logo=StoredFile.get_or_none(StoredFile.key == LOGO_KEY) is not None)
    form = {key: request.form.get(key, "").strip() for key in IDENTITY_FIELDS}
    form["kecamatan_code"] = regions.dotted(form["kecamatan_code"])
    errors = validate_identity(form)
    if errors:
        return render_template("settings/office.html", form=form, errors=errors, zones=TIME_ZONES,
                               has_logo=StoredFile.get_or_none(StoredFile.key == LOGO_KEY) is not None), 422
    above = {r.level: r.name for r in regions.parents(form["kecamatan_code"])}
    values = dict(form, kabupaten_name=above.get("kabupaten", ""), provinsi_name=above.get("provinsi", ""))
    before = {key: store.get(key) for key in values}
    with database.atomic():
        for key, value in values.items():
            store.put(key, value)
        audit.record("ubah", "pengaturan", "kantor", "Identitas kantor diubah", before, values)
    flash("Pengaturan kantor disimpan.", "success")
    return redirect(url_for("settings.office"))


@blueprint.post("/admin/kantor/logo")
@allow(ADMIN)
def upload_logo():
    upload = request.files.get("logo")
    try:
        png = normalise_logo(upload.read() if upload else b"")
    except LogoError as problem:
        form = {key: store.get(key) for key in IDENTITY_FIELDS}
        return render_template("settings/office.html", form=form, errors={"logo": str(problem)}, zones=TIME_ZONES,
                               has_logo=StoredFile.get_or_none(StoredFile.key == LOGO_KEY) is not None), 422
    with database.atomic():
        (StoredFile.insert(key=LOGO_KEY, content=png, mime_type="image/png", updated_at=utc_now())
         .on_conflict_replace().execute())
        audit.record("ubah", "pengaturan", "logo", f"Logo kop surat diganti ({len(png)} bita)")
    flash("Logo kop surat disimpan.", "success")
    return redirect(url_for("settings.office"))


@blueprint.get("/kop/logo.png")
@public  # the letterhead logo is public information and appears on kiosk print-outs
def logo():
    stored = StoredFile.get_or_none(StoredFile.key == LOGO_KEY)
    if stored is None:
        abort(404)
    return bytes(stored.content), 200, {"Content-Type": stored.mime_type, "Cache-Control": "max-age=300"}


@blueprint.get("/admin/kantor/kode")
@allow(ADMIN)
def code_lookup():
    """htmx: the region name for a typed code, shown under the field as the admin types."""
    code = regions.dotted(request.args.get("kecamatan_code", ""))
    if not regions.is_kecamatan_code(code):
        return '<span class="field-error">Kode belum cocok dengan kecamatan mana pun.</span>'
    names = " / ".join(r.name for r in regions.parents(code)) + " / " + regions.region_name(code)
    return f'<span class="field-ok">{escape(names)}</span>'
