from functools import partial

from flask import Blueprint, current_app, flash, g, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404

from app import autostart as autostart_entry
from app.capabilities import MenuItem
from app.frame.dates import TIME_ZONES
from app.frame.access import may
from app.frame import audit, regions, statements, store, throttle, versions
from app.settings import identity, records
from app.frame.letterhead_logo import LogoError, normalise_logo
from app.settings.models import StoredFile
from app.frame.request_cycle import int_arg
from app.frame.routes import Routes

# By page: the kecamatan's office settings, and what a desa PC uses too (the letterhead's logo, start
# with the PC), whose forms there are on the desa admin's page (app.extensions["logo_form_page"]).
office_pages, letterhead_pages = Routes(), Routes()
MENU = [MenuItem("Penyiapan Kantor", "settings.setup", order=90),
        MenuItem("Pengaturan Kantor", "settings.office", order=91)]

LOGO_KEY = records.LOGO_KEY
# Before setup only these work; everything that numbers, prints or records waits for the identity.
OPEN_BEFORE_SETUP = {"settings.setup", "settings.region_options", "settings.logo", "auth.login", "auth.logout",
                     "auth.change_password", "static", "core.healthz", "core.htmx_js", "core.home",
                     "backups.new_pc_restore", "backups.restore",  # a new PC restores instead of a setup
                     "guide.index", "guide.show", "guide.sheet", "guide.messages"}  # the admin's guide says how


def _has_logo() -> bool:
    return StoredFile.get_or_none(StoredFile.key == LOGO_KEY) is not None


def _identity_page(template, values, errors, status=200, **extra):
    extra.setdefault("photo_background_rule", store.get("photo_background_rule"))
    return render_template(template, form=values, errors=errors, zones=TIME_ZONES, has_logo=_has_logo(),
                           kiosk_addresses=kiosk_addresses(),
                           proposed_zone=regions.zone_of(values.get("provinsi") or ""),
                           **identity.region_lists(values), **extra), status


def _open_now(endpoint: str) -> bool:
    return endpoint in OPEN_BEFORE_SETUP or identity.is_set_up()


def menu_open(endpoint: str) -> bool:
    """Before setup the menu offers what works (the setup), not entries that lead back to it; after
    it, the setup entry is gone (Pengaturan Kantor changes the identity)."""
    if endpoint == "settings.setup":
        return not identity.is_set_up()
    return _open_now(endpoint)


def request_gate():
    """A fresh install has no kecamatan: the admin is led to the setup, the others wait for it."""
    if request.endpoint is None or _open_now(request.endpoint):
        return None
    user = g.get("user")
    if may(user, "pengaturan.kantor"):
        return redirect(url_for("settings.setup"), 303)
    return render_template("settings/not_ready.html"), 503


@office_pages.route("/admin/penyiapan", methods=["GET", "POST"])
def setup():
    """First run: the kecamatan from the Kemendagri list, Camat, contacts, public address, logo."""
    if request.method == "GET":
        return _identity_page("settings/setup.html", identity.current_values(), {})
    values = identity.read_form(request.form)
    if request.form.get("pilih"):  # without JavaScript: "Tampilkan pilihan" refreshes the lists
        return _identity_page("settings/setup.html", identity.propose_zone(values), {},
                              photo_background_rule=request.form.get("photo_background_rule") == "ya")
    errors = identity.validate(values)
    upload = request.files.get("logo")
    png = None
    if upload is not None and upload.filename:
        try:
            png = normalise_logo(upload.read())
        except LogoError as problem:
            errors["logo"] = str(problem)
    background_rule = request.form.get("photo_background_rule") == "ya"  # the choice stated on the page
    # The admin's password was chosen before the office's names were known: typed here once, it is
    # checked against them (a hash cannot be searched for "Pasirian2026").
    typed = request.form.get("current_password", "")[:128]
    right, wait = throttle.password_again(g.user, typed, "menyimpan identitas kantor",
                                          partial(audit.record, entity="pengguna", entity_id=g.user.id))
    if wait:
        body, status = _identity_page("settings/setup.html", values, {
            "current_password": throttle.password_again_refused(wait)}, 429, photo_background_rule=background_rule)
        return body, status, throttle.retry_after(wait)
    if not right:
        errors["current_password"] = ("Ketik kata sandi yang Anda pakai untuk masuk: kata sandi itu diperiksa sekali "
                                      "terhadap nama kantor yang dipilih.")
    if errors:
        return _identity_page("settings/setup.html", values, errors, 422, photo_background_rule=background_rule)
    records.set_up_office(values, png, background_rule)
    flash(f"Kantor Kecamatan {store.get('kecamatan_name')} siap digunakan.", "success")
    problem = records.ask_for_a_password_without_the_office_name(g.user, typed)
    if problem:
        flash(f"{problem} Kata sandi Anda dipilih sebelum nama kantor diketahui: ganti sekarang.", "warn")
        return redirect(url_for("auth.change_password"), 303)
    return redirect(url_for("core.dashboard"), 303)


def kiosk_addresses() -> list[dict]:
    """The visitors' pages the kiosk PC or tablet opens, at the office's public address."""
    return [{"title": "Kios pengaduan", "what": "Tulis pengaduan atau saran tanpa masuk",
             "url": identity.public_url("complaints.kiosk")},
            {"title": "Survei kepuasan", "what": "Isi survei dengan kode dari tanda terima",
             "url": identity.public_url("survey.kiosk")},
            {"title": "Cek status pengaduan", "what": "Masukkan nomor pengaduan (PGD-...)",
             "url": identity.public_url("complaints.public_status")}]


@office_pages.get("/admin/poster-kios")
def kiosk_poster():
    """A printable A4 poster for the kiosk PC: each address in large type with a QR code."""
    from app.frame.templating import qr_svg
    return render_template("settings/kiosk_poster.html",  # no QR for an address that warns on phones
                           addresses=[{**a, "qr": qr_svg(a["url"]) if identity.phones_reach(a["url"]) else None}
                                      for a in kiosk_addresses()])


@office_pages.get("/admin/wilayah")
def region_options():
    """htmx: the three selects again, lists filled for the province/kabupaten just chosen."""
    values = identity.region_choice(request.args)
    lists = render_template("settings/_region_select.html", form=values, errors={}, **identity.region_lists(values))
    zone = regions.zone_of(values["provinsi"])
    if not zone:
        return lists
    # A province chosen: its zone is proposed in the zone field too (out of band).
    return lists + render_template("settings/_timezone_field.html", form={"timezone": zone}, errors={},
                                   zones=TIME_ZONES, proposed_zone=zone, oob=True)


@office_pages.route("/admin/kantor", methods=["GET", "POST"])
def office():
    if request.method == "GET":
        values = identity.current_values()
        return _identity_page("settings/office.html", values, {}, version=versions.version_of(records.office_version(values)))
    values = identity.read_form(request.form)
    read_at = request.form.get(versions.FIELD)
    if request.form.get("pilih"):
        return _identity_page("settings/office.html", identity.propose_zone(values), {}, version=read_at)
    errors = identity.validate(values)
    if errors:
        return _identity_page("settings/office.html", values, errors, 422, version=read_at)
    conflict = records.save_office(values, request.form)
    if conflict:
        return _identity_page("settings/office.html", conflict.over(values), {}, 409, version=conflict.version,
                              conflict=conflict)
    flash("Pengaturan kantor disimpan.", "success")
    return redirect(url_for("settings.office"))


@letterhead_pages.post("/admin/kantor/logo")
def upload_logo():
    """The kecamatan's Pengaturan Kantor, or the desa PC's admin page (its F-1.07 letterhead): one upload.
    Where the form lives elsewhere, that page's capability sets app.extensions["logo_form_page"] to
    (endpoint, page(error) -> response) (the desa PC's admin page: app/desa/admin_views.py)."""
    elsewhere = current_app.extensions.get("logo_form_page")
    upload = request.files.get("logo")
    try:
        png = normalise_logo(upload.read() if upload else b"")
    except LogoError as problem:
        if elsewhere:
            return elsewhere[1](str(problem))
        return _identity_page("settings/office.html", identity.current_values(), {"logo": str(problem)}, 422)
    records.store_logo(png)
    flash("Logo kop surat disimpan.", "success")
    return redirect(url_for(elsewhere[0], _anchor="logo") if elsewhere else url_for("settings.office"))


def letterhead_logo_url() -> str | None:
    """The uploaded logo's address, or None: no broken image and no 404 in the browser console."""
    stored = statements.rows(_logo_stamp)  # its SQL built once: asked on every view of a printed page
    return url_for("settings.logo", v=stored[0].updated_at.strftime("%Y%m%d%H%M%S")) if stored else None


def _logo_stamp():
    return StoredFile.select(StoredFile.updated_at).where(StoredFile.key == LOGO_KEY).limit(1)


@office_pages.post("/admin/kantor/sesi")
def session_timeout():
    minutes = int_arg(request.form, "session_idle_minutes", lowest=5, highest=480)
    if minutes is None:
        return _identity_page("settings/office.html", identity.current_values(),
                              {"session_idle_minutes": "Isi angka menit antara 5 dan 480."}, 422)
    records.set_session_timeout(minutes)
    flash(f"Sesi yang tidak dipakai {minutes} menit akan ditutup otomatis.", "success")
    return redirect(url_for("settings.office"))


def autostart_state() -> tuple[bool, str, str]:
    return (*autostart_entry.status(), autostart_entry.install_hint())


@letterhead_pages.post("/admin/mulai-otomatis")
def autostart():
    """Install or remove the start-with-the-PC entry for this server's own data folder, address and mode."""
    action = request.form.get("tindakan")
    elsewhere = current_app.extensions.get("logo_form_page")  # a desa PC: its admin's page holds this form too
    back = url_for(elsewhere[0] if elsewhere else "settings.office") + "#mulai-otomatis"
    if action not in ("pasang", "lepas"):
        flash("Pilih pasang atau lepas mulai otomatis.", "error")
        return redirect(back, 303)
    served = current_app.config.get("SERVED_AS", {})
    try:
        if action == "pasang":
            message = autostart_entry.install(autostart_entry.serve_command(
                current_app.config["DATA_DIR"], served.get("port"), host=served.get("host"),
                mode=current_app.config.get("MODE")))
        else:
            message = autostart_entry.remove()
    except autostart_entry.AutostartFailed as problem:
        flash(str(problem), "error")
        return redirect(back, 303)
    records.note_autostart(action == "pasang")
    flash(message, "success")
    return redirect(back, 303)


@letterhead_pages.get("/kop/logo.png")
def logo():
    stored = get_object_or_404(StoredFile, StoredFile.key == LOGO_KEY)
    return bytes(stored.content), 200, {"Content-Type": stored.mime_type, "Cache-Control": "max-age=300"}


def letterhead_blueprint(name: str) -> Blueprint:
    """A blueprint with the letterhead's logo and the autostart (the desa PC's, app/settings/letterhead.py)."""
    made = Blueprint("settings", name, template_folder="templates")
    letterhead_pages.add_to(made)
    made.add_app_template_global(letterhead_logo_url)
    made.add_app_template_global(autostart_state)
    return made


blueprint = letterhead_blueprint(__name__)  # the kecamatan's: every settings page
office_pages.add_to(blueprint)
