"""The admin of the desa operators (both programs): their accounts and desa; the kecamatan's own
(`kecamatan_pages`): the desa PCs' codes and keys, the pre-registrations' validity; the desa PC's own
(`pc_pages`): its enrolment."""
from flask import flash, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404

from app.auth import accounts
from app.desa import mode, qr, records, relay
from app.desa.views import side
from app.desa.scope import desa_codes_of, operator_accounts
from app.frame.places import desa_list, desa_names
from app.frame.templating import qr_svg
from app.frame.roles import DESA
from app.frame import store
from app.frame.page_turns import long_running
from app.frame.request_cycle import int_arg
from app.frame.routes import Routes

pages, kecamatan_pages, pc_pages = Routes(), Routes(), Routes()


def _operators():
    from app.auth.models import User
    users = list(operator_accounts().order_by(User.is_active.desc(), User.username))
    names = desa_names()
    for user in users:
        user.desa = [(code, names.get(code, code)) for code in desa_codes_of(user)]
    return users


def own_desa() -> list:
    """On a desa PC, the desa an admin may bind accounts to: only its own (the kecamatan: all, desa_list)."""
    return [r for r in desa_list() if r.code == store.get("desa_pc_desa_code")]


def _chosen_codes(form_codes) -> tuple[list[str], str | None]:
    valid = {r.code for r in side().bindable_desa()}
    codes = sorted({code for code in form_codes if code in valid})
    if not valid:
        if side().on_desa_pc:
            return [], "Komputer desa ini belum didaftarkan: masukkan kode pendaftaran dari admin kecamatan."
        return [], "Daftar desa kosong: isi kode kecamatan di Pengaturan Kantor terlebih dahulu."
    if set(form_codes) - valid:
        return [], ("Hanya desa komputer ini yang dapat dipilih." if side().on_desa_pc
                    else "Pilih desa dari daftar desa kecamatan ini.")
    if not codes:
        return [], "Pilih paling sedikit satu desa untuk akun ini."
    return codes, None


def _operators_page(form=None, errors=None, status=200):
    desa_mode = side().on_desa_pc  # the page shows the PC's enrolment, or the kecamatan's desa PCs
    return render_template("desa/operators.html", operators=_operators(), desa=side().bindable_desa(), form=form or {},
                           errors=errors or {}, days=store.get("pre_registration_days"), desa_mode=desa_mode,
                           enrolled=store.get("desa_pc_desa_code"), all_desa=desa_list(),
                           desa_name=desa_names().get(store.get("desa_pc_desa_code"), ""),
                           sync=relay.sync_state() if desa_mode else None,
                           sync_link=relay.sync_state()["link"] if desa_mode else None), status


def logo_form_page(error: str):
    """The letterhead logo refused (settings.upload_logo on a desa PC): this page again, with the reason."""
    return _operators_page(errors={"logo": error}, status=422)


def logo_form_is_here(state) -> None:
    """On a desa PC (app/desa/pc.py) the F-1.07 letterhead's logo form (settings.upload_logo) and the
    autostart's are on this page: settings reads where from app.extensions, so it imports no desa page."""
    state.app.extensions["logo_form_page"] = ("desa.operators", logo_form_page)


@pages.get("/admin/operator-desa")
def operators():
    return _operators_page()


@pages.post("/admin/operator-desa/baru")
def new_operator():
    form = {"username": request.form.get("username", "").strip().lower(),
            "full_name": request.form.get("full_name", "").strip(), "desa": request.form.getlist("desa")}
    errors = accounts.validate_account(form["username"], form["full_name"], DESA, "")
    codes, problem = _chosen_codes(form["desa"])
    if problem:
        errors["desa"] = problem
    if errors:
        return _operators_page(form, errors, 422)
    user, password = records.create_operator(form["username"], form["full_name"], codes)
    return render_template("auth/one_time_password.html", user=user, password=password,
                           back_url=url_for("desa.operators"))


@pages.post("/admin/operator-desa/<int:user_id>/desa")
def bind_desa(user_id: int):
    from app.auth.models import User
    user = get_object_or_404(operator_accounts(), User.id == user_id)
    codes, problem = _chosen_codes(request.form.getlist("desa"))
    if problem:
        return _operators_page(errors={f"desa_{user.id}": problem}, status=422)
    records.bind_operator(user, codes)
    flash(f"Desa untuk akun {user.username} disimpan.", "success")
    return redirect(url_for("desa.operators"))


@kecamatan_pages.post("/admin/operator-desa/kode-komputer")
@long_running  # asks the center first (relay.bring_desa_keys_up_to_date)
def issue_pc_code():
    """At the kecamatan: the enrolment code for one desa PC (shown once, as text and QR)."""
    code = (request.form.get("desa") or "").strip()
    if code not in {r.code for r in desa_list()}:
        return _operators_page(errors={"pc_desa": "Pilih desa untuk komputer yang akan didaftarkan."}, status=422)
    relay.bring_desa_keys_up_to_date()  # a restored PC may not know a revocation yet (the center would refuse)
    try:
        enrolment = mode.issue_pc_code(code)
    except mode.PcCodeRefused as problem:
        return _operators_page(errors={"pc_desa": str(problem)}, status=422)
    return render_template("desa/pc_code.html", code=enrolment, qr=qr_svg(enrolment),
                           desa_name=desa_names().get(code, code))


@kecamatan_pages.post("/admin/operator-desa/cabut-kunci")
def revoke_pc_key():
    """At the kecamatan: a desa laptop was lost or its code leaked; its F-1.07 codes stop counting."""
    code = (request.form.get("desa") or "").strip()
    if code not in {r.code for r in desa_list()}:
        return _operators_page(errors={"revoke_desa": "Pilih desa yang kunci komputernya dicabut."}, status=422)
    qr.revoke_desa_key(code)
    flash(f"Kunci komputer Desa {desa_names().get(code, code)} dicabut. Formulir F-1.07 bertanda tangan kunci lama "
          "ditolak di loket, dan pusat cetak menolak komputer itu sejak sinkronisasi kecamatan berikutnya; buat kode "
          "pendaftaran baru untuk komputer desa itu.", "success")
    return redirect(url_for("desa.operators"))


@pc_pages.post("/admin/komputer-desa")
@long_running
def enrol_pc():
    """On a desa PC: the admin pastes (or scans) the code from the kecamatan once (the form is on the
    Operator Desa page); with the center's address (in the code, or typed) the PC also gets its own key
    from the center, so its pre-registrations travel desa -> center -> kecamatan."""
    center_url = (request.form.get("center_url") or "").strip()[:300]
    before = mode.enrolment_settings()
    try:
        payload = mode.enrol_this_pc(request.form.get("kode", "")[:2100])
    except mode.EnrolmentRefused as problem:
        return _operators_page(errors={"enrol": str(problem)}, status=422)
    done = (f"Komputer ini terdaftar untuk Desa {desa_names().get(payload['d'], payload['d'])}, "
            f"Kecamatan {payload['kn']} ({payload['pc']})")
    if not payload.get("t") and not center_url:  # the kecamatan has no center link yet: paper QR only
        flash(done + ". Kecamatan belum terhubung ke pusat cetak, jadi formulir sampai ke kecamatan lewat kode QR "
                     "yang dicetak. Buat akun operator desa di bawah.", "success")
        return redirect(url_for("desa.operators"))
    try:
        made = relay.link_with_center(center_url, payload)
    except relay.CenterEnrolmentRefused as problem:
        if not problem.keep_enrolment:
            mode.undo_enrolment(before, str(problem))
            return _operators_page(errors={"enrol": str(problem)}, status=422)
        flash(done + ", tetapi belum terhubung ke pusat cetak.", "info")
        return _operators_page(errors={"center": str(problem)}, status=422)
    flash(f"{done}, terhubung ke pusat cetak {made.center_url}. Buat akun operator desa di bawah.", "success")
    return redirect(url_for("desa.operators"))


@kecamatan_pages.post("/admin/operator-desa/pengaturan")
def settings():
    days = int_arg(request.form, "pre_registration_days", lowest=1, highest=90)
    if days is None:
        return _operators_page(errors={"days": "Masa berlaku pra-pendaftaran 1 sampai 90 hari kerja."}, status=422)
    records.set_pre_registration_days(days)
    flash("Masa berlaku pra-pendaftaran disimpan (berlaku untuk pra-pendaftaran baru).", "success")
    return redirect(url_for("desa.operators"))
