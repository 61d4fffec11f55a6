"""The desa's pages (pre-registration, statuses, printed list and F-1.07), the counter's queue and the admin's
desa operator accounts."""
import json
from datetime import datetime, timedelta

from flask import Blueprint, Response, abort, flash, g, redirect, render_template, request, url_for
from peewee import Case, fn
from playhouse.flask_utils import get_object_or_404

from app.frame import audit, dates, submissions
from app.auth import accounts
from app.capabilities import Card, MenuItem
from app.frame.db import database
from app.desa import mode, qr, records, relay
from app.frame import privacy
from app.desa.models import PreRegistration, UserDesa
from app.desa.scope import check_in_scope, current_scope, desa_codes_of, scope_of
from app.frame.pagination import paginate
from app.registration import intake
from app.registration.records import NikHold, add_nik_hold
from app.registration.models import Application
from app.registration.status import ApplicationStatus as S
from app.registration.views import _form_context, _read_photo, desa_list, desa_names, qr_svg
from app.frame.access import may
from app.frame.roles import ADMIN, DESA, KASI, LOKET
from app.frame import store
from app.frame.page_turns import long_running
from app.frame.request_cycle import int_arg

blueprint = Blueprint("desa", __name__)


def _waiting_pre_registration(nik: str):
    """The counter's new-application form points a NIK with a waiting pre-registration to it."""
    waiting = records.open_with_nik(nik)
    if waiting is None:
        return None
    return NikHold(f"NIK ini sudah dipra-daftarkan desa ({waiting.number}, berlaku sampai "
                   f"{dates.format_date(waiting.expires_on)}). Terima pra-pendaftaran itu, jangan daftar baru.",
                   url_for("desa.accept", pre_id=waiting.id), f"Terima {waiting.number}")


add_nik_hold(_waiting_pre_registration)
COUNTER = (LOKET, KASI, ADMIN)  # may read the queue; only LOKET accepts files
LIST_LIMIT = 500  # rows on one printed desa list; a desa has far fewer cards in progress
HANDED_OVER_SHOWN_DAYS = 30  # handed-over cards stay on the desa's list this long, then drop off


def _waiting_count(user) -> int:
    query = PreRegistration.select().where((PreRegistration.status == PreRegistration.WAITING)
                                           & (PreRegistration.expires_on >= records.today()))
    return query.count()


MENU = [
    MenuItem("Pra-pendaftaran Desa", "desa.home", order=5),
    MenuItem("Isi Formulir F-1.07", "desa.new", order=6),
    MenuItem("Antrean Pra-pendaftaran", "desa.queue", order=13, badge=_waiting_count),
    MenuItem("Operator Desa", "desa.operators", order=91),
]


def _scoped(query, model):
    scope = current_scope()
    return query if scope is None else query.where(model.desa_code.in_(scope))


def _scope_desa():
    """The desa regions the signed-in account may choose (a desa operator: theirs; staff: all)."""
    scope = current_scope()
    return [r for r in desa_list() if scope is None or r.code in scope]


def _pre_or_404(pre_id: int) -> PreRegistration:
    pre = get_object_or_404(PreRegistration, PreRegistration.id == pre_id)
    check_in_scope(pre.desa_code)
    return pre


def _annotate(pres):
    names, today = desa_names(), records.today()
    for pre in pres:
        pre.desa_name = names.get(pre.desa_code, pre.desa_code)
        pre.status_label = records.status_label(pre, today)
        pre.refusal = records.refusal_reason(pre)
        pre.expired = records.is_expired(pre, today)
    return pres


def desa_applications(desa_code: str):
    """The desa's applications for its list: 'Siap diambil' first, then those in progress, then recently
    handed over (so the desa can tell villagers which cards wait at the kecamatan)."""
    since = dates.utc_now() - timedelta(days=HANDED_OVER_SHOWN_DAYS)
    order = Case(None, [(Application.status == S.READY.value, 0), (Application.status == S.HANDED_OVER.value, 2)], 1)
    return (Application.select(Application.id, Application.registration_number, Application.full_name,
                               Application.status, Application.promised_date, Application.handed_over_at,
                               Application.created_at, Application.rt, Application.rw)
            .where((Application.desa_code == desa_code)
                   & ((Application.status != S.HANDED_OVER.value) | (Application.handed_over_at >= since)))
            .order_by(order, Application.id.desc()).limit(LIST_LIMIT))


def relayed_applications(desa_code: str) -> list:
    """On a desa PC: the applications its relayed forms became, as the kecamatan reported them by the
    center (app/desa/relay.py), in the order of desa_applications: 'Siap diambil' first."""
    from types import SimpleNamespace
    rank = {S.READY.value: 0, S.HANDED_OVER.value: 2}
    since = dates.utc_now() - timedelta(days=HANDED_OVER_SHOWN_DAYS)
    rows = []
    for pre in (PreRegistration.select().where((PreRegistration.desa_code == desa_code)
                                               & (PreRegistration.relay_application_number != ""))
                .order_by(PreRegistration.id.desc()).limit(LIST_LIMIT)):
        status = pre.relay_status if pre.relay_status in {s.value for s in S} else S.RECEIVED.value
        handed = pre.relay_at if status == S.HANDED_OVER.value else None
        if handed is not None and handed < since:
            continue
        rows.append(SimpleNamespace(registration_number=pre.relay_application_number, full_name=pre.full_name,
                                    rt=pre.rt, rw=pre.rw, status=status, handed_over_at=handed, promised_date=None))
    return sorted(rows, key=lambda a: rank.get(a.status, 1))


def _applications_of(desa_code: str) -> list:
    return relayed_applications(desa_code) if mode.is_desa_mode() else list(desa_applications(desa_code))


def _chosen_desa(choices) -> str | None:
    wanted = (request.args.get("desa") or "").strip()[:20]
    codes = [r.code for r in choices]
    if wanted:
        if wanted not in codes:
            abort(404)
        return wanted
    return codes[0] if codes else None


# ---- the desa operator's pages -------------------------------------------------------------------

@blueprint.get("/desa")
def home():
    choices = _scope_desa()
    chosen = _chosen_desa(choices)
    pres = _scoped(PreRegistration.select(), PreRegistration)
    if chosen:
        pres = pres.where(PreRegistration.desa_code == chosen)
    page = paginate(pres.order_by(PreRegistration.id.desc()), 50)
    _annotate(page.items)
    applications = _applications_of(chosen) if chosen else []
    sync = relay.sync_state() if mode.is_desa_mode() else None
    return render_template("desa/home.html", page=page, choices=choices, chosen=chosen, sync=sync,
                           chosen_name=desa_names().get(chosen, ""), applications=applications,
                           unbound=scope_of(g.user) is not None and not choices, S=S,
                           days=store.get("pre_registration_days"))


@blueprint.get("/desa/daftar")
def printed_list():
    choices = _scope_desa()
    chosen = _chosen_desa(choices)
    if chosen is None:  # an operator not yet bound to a desa: the home page says what to do
        flash("Belum ada desa yang dapat dicetak daftarnya untuk akun ini.", "info")
        return redirect(url_for("desa.home"))
    waiting = _annotate(list(_scoped(PreRegistration.select(), PreRegistration)
                             .where((PreRegistration.desa_code == chosen) & (PreRegistration.status == PreRegistration.WAITING))
                             .order_by(PreRegistration.id.desc()).limit(LIST_LIMIT)))
    return render_template("desa/printed_list.html", applications=_applications_of(chosen), waiting=waiting,
                           desa_name=desa_names().get(chosen, chosen), today=records.today(), S=S,
                           handed_over_days=HANDED_OVER_SHOWN_DAYS)


def _desa_form_context(form, errors, warnings):
    context = _form_context(form, errors, warnings)
    context.update(desa=_scope_desa(), form_action=url_for("desa.new"), heading="Formulir F-1.07 (Pra-pendaftaran)",
                   submit_label="Simpan pra-pendaftaran", hide_duplicates=True)
    return context


@blueprint.route("/desa/pra-pendaftaran/baru", methods=["GET", "POST"])
def new():
    if request.method == "GET":
        form = {"rt": "", "rw": "", "biometric_done": ""}
        choices = _scope_desa()
        if len(choices) == 1:
            form["desa"] = choices[0].name
        return render_template("registration/form.html", **_desa_form_context(form, {}, {}))
    if (repeat := submissions.earlier_result()):  # sent twice: the first one's page, nothing new
        return repeat
    form = request.form.to_dict()
    clean, errors, warnings = intake.validate_application(request.form, desa_list(), records.today())
    scope = current_scope() or []
    if clean.get("desa_code") and clean["desa_code"] not in scope:
        names = desa_names()
        errors["desa"] = (f"Desa {names.get(clean['desa_code'], clean['desa_code'])} bukan wilayah akun Anda. "
                          f"Anda hanya dapat mendaftarkan warga desa: {', '.join(names.get(c, c) for c in scope) or '-'}.")
    photo = _read_photo(errors, clean["birth_date"].year if clean.get("birth_date") else None, warnings)
    pre = None
    if not errors:
        try:
            with submissions.once() as submission:
                if submission.earlier:
                    return submission.repeat()
                pre = records.create_pre_registration(clean, photo)
                submission.made(url_for("desa.detail", pre_id=pre.id))
        except records.Refused as problem:
            errors[problem.field] = str(problem)
    if errors:
        return render_template("registration/form.html", **_desa_form_context(form, errors, warnings)), 422
    flash(f"Pra-pendaftaran {pre.number} tersimpan. Cetak formulir F-1.07 untuk ditandatangani kepala desa.", "success")
    for message in warnings.values():
        flash(message, "warn")
    return redirect(url_for("desa.detail", pre_id=pre.id))


@blueprint.get("/desa/pra-pendaftaran/<int:pre_id>")
def detail(pre_id: int):
    pre = _pre_or_404(pre_id)
    _annotate([pre])
    return render_template("desa/detail.html", pre=pre, reasons=intake.REASONS, sexes=intake.SEXES,
                           differences=_differences_for_display(pre))


@blueprint.get("/desa/pra-pendaftaran/<int:pre_id>/f107")
def form_print(pre_id: int):
    pre = _pre_or_404(pre_id)
    _annotate([pre])
    code = qr.encode(pre)
    return render_template("desa/f107.html", pre=pre, qr=qr_svg(code), reasons=intake.REASONS, sexes=intake.SEXES)


@blueprint.get("/desa/pra-pendaftaran/<int:pre_id>/foto.jpg")
def photo(pre_id: int):
    pre = _pre_or_404(pre_id)
    if not privacy.may_see("photo"):
        abort(403)
    if not pre.photo_jpeg:
        abort(404)
    return Response(bytes(pre.photo_jpeg), mimetype="image/jpeg", headers={"Cache-Control": "private, no-store"})


def _differences_for_display(pre) -> list[tuple[str, str, str]]:
    names = desa_names()

    def shown(key, value):
        if key == "desa_code":
            return names.get(value, value)
        if key == "reason":
            return intake.REASONS.get(value, value)
        if key == "biometric_done":
            return "sudah" if value == "1" else "belum"
        if key == "photo":  # "foto dari desa" / "foto baru di loket": which photo, not the photo
            return value
        return privacy.shown(value, key)  # as the rest of the page: in clear only for roles that need it
    return [(records.FIELD_LABELS.get(key, key), shown(key, old), shown(key, new))
            for key, (old, new) in json.loads(pre.differences or "{}").items()]


# ---- the counter's queue -------------------------------------------------------------------------

@blueprint.get("/pra-pendaftaran")
def queue():
    return _queue_page()


def _queue_page(scan_error: str | None = None, status: int = 200):
    today = records.today()
    q = (request.args.get("q") or "").strip()[:80]
    chosen = (request.args.get("desa") or "").strip()[:20]
    show = request.args.get("tampil", "menunggu")
    query = PreRegistration.select()
    if show == "kedaluwarsa":
        query = query.where((PreRegistration.status == PreRegistration.WAITING) & (PreRegistration.expires_on < today))
    elif show == "diterima":
        query = query.where(PreRegistration.status == PreRegistration.ACCEPTED)
    else:
        show = "menunggu"
        query = query.where((PreRegistration.status == PreRegistration.WAITING) & (PreRegistration.expires_on >= today))
    if chosen:
        query = query.where(PreRegistration.desa_code == chosen)
    if q:
        digits = "".join(ch for ch in q if ch.isascii() and ch.isdigit())
        if q.upper().startswith("PRA"):
            query = query.where(PreRegistration.number.startswith(q.upper()))
        elif digits and len(digits) == len(q.replace(" ", "").replace("-", "")):
            query = query.where(PreRegistration.nik.startswith(digits) | PreRegistration.number.contains(digits))
        else:
            for word in q.split()[:6]:
                query = query.where(fn.LOWER(PreRegistration.full_name).contains(word.lower()))
    page = paginate(query.order_by(PreRegistration.id.asc()), 50)  # oldest first: first come, first served
    _annotate(page.items)
    counts = dict(PreRegistration.select(PreRegistration.desa_code, fn.COUNT(PreRegistration.id))
                  .where((PreRegistration.status == PreRegistration.WAITING) & (PreRegistration.expires_on >= today))
                  .group_by(PreRegistration.desa_code).tuples())
    names = desa_names()
    per_desa = [(code, names.get(code, code), n) for code, n in sorted(counts.items())]
    return render_template("desa/queue.html", page=page, q=q, chosen=chosen, show=show, per_desa=per_desa,
                           desa=desa_list(), scan_error=scan_error), status


@blueprint.post("/pra-pendaftaran/pindai")
def scan():
    """A USB scanner types the F-1.07's QR into a focused field and presses Enter."""
    text = request.form.get("kode", "")[:qr.MAX_LENGTH + 10]
    picture = request.files.get("gambar")
    try:
        if not text.strip() and picture and picture.filename:  # a webcam snapshot (static/js/webcam.js)
            text = qr.read_picture(picture.read())
        payload = qr.verify(text)
        pre = PreRegistration.get_or_none(PreRegistration.number == payload["n"])
        if pre is None:
            pre = _pre_registration_from_qr(payload)
        elif pre.nik != payload["f"].get("nik"):  # the number is another person's: never open theirs
            raise records.Refused(f"Nomor pra-pendaftaran {pre.number} sudah dipakai formulir lain di kecamatan ini. "
                                  "Formulir ditolak; periksa formulirnya dengan desa, atau isi pra-pendaftaran di loket.")
    except (qr.QrRefused, records.Refused) as problem:
        with database.atomic():
            audit.record("tolak", "pra_pendaftaran", "", f"Kode QR F-1.07 ditolak: {problem}")
        return _queue_page(str(problem), 422)
    return redirect(url_for("desa.accept", pre_id=pre.id))


def _pre_registration_from_qr(payload) -> PreRegistration:
    """A printed F-1.07 from a desa PC without a link: its form passes the counter's checks again."""
    return records.pre_registration_from_payload(payload, source="qr")


def _accept_context(pre, form, errors, warnings):
    context = _form_context(form, errors, warnings)
    original = {key: records._comparable(getattr(pre, key)) for key in records.CARRIED_FIELDS}
    original["desa"] = desa_names().get(pre.desa_code, pre.desa_code)
    original["reason"] = intake.REASONS.get(pre.reason, pre.reason)
    context.update(form_action=url_for("desa.accept", pre_id=pre.id), heading=f"Terima Pra-pendaftaran {pre.number}",
                   submit_label="Terima berkas dan daftarkan", intro_template="desa/_accept_intro.html", pre=pre,
                   original=original)
    return context


def _form_from_pre(pre) -> dict:
    form = {key: getattr(pre, key) for key in records.CARRIED_FIELDS}
    form["birth_date"] = pre.birth_date.isoformat()
    form["desa"] = desa_names().get(pre.desa_code, pre.desa_code)
    form["biometric_done"] = "1" if pre.biometric_done else ""
    return form


@blueprint.route("/pra-pendaftaran/<int:pre_id>/terima", methods=["GET", "POST"])
def accept(pre_id: int):
    pre = get_object_or_404(PreRegistration, PreRegistration.id == pre_id)
    _annotate([pre])
    if pre.status == PreRegistration.ACCEPTED:
        flash(f"Pra-pendaftaran {pre.number} sudah diterima di loket.", "info")
        return redirect(url_for("registration.detail", application_id=pre.application_id)) if pre.application_id \
            else redirect(url_for("desa.queue"))
    if pre.expired:
        return render_template("desa/detail.html", pre=pre, reasons=intake.REASONS, sexes=intake.SEXES, differences=[],
                               refusal=f"Pra-pendaftaran ini sudah kedaluwarsa (berlaku sampai "
                                       f"{dates.format_date(pre.expires_on)}). Daftarkan pemohon langsung di loket "
                                       "lewat Daftar Baru."), 422
    if request.method == "GET":
        return render_template("registration/form.html", **_accept_context(pre, _form_from_pre(pre), {}, {}))
    form = request.form.to_dict()
    clean, errors, warnings = intake.validate_application(request.form, desa_list(), records.today())
    photo = _read_photo(errors, clean["birth_date"].year if clean.get("birth_date") else None, warnings)
    application = None
    if not errors:
        try:
            application = records.accept(pre, clean, photo)
        except records.Refused as problem:
            errors[problem.field] = str(problem)
        except ValueError as problem:  # office identity not set: no registration number can be made
            errors["_form"] = str(problem)
    if errors:
        return render_template("registration/form.html", **_accept_context(pre, form, errors, warnings)), 422
    changed = json.loads(PreRegistration.get_by_id(pre.id).differences)
    flash(f"Berkas diterima: permohonan {application.registration_number} dari pra-pendaftaran {pre.number}"
          + (f" ({len(changed)} isian diubah di loket, tercatat)." if changed else ", tanpa mengetik ulang."), "success")
    return redirect(url_for("registration.detail", application_id=application.id))


# ---- the admin's desa operator accounts ----------------------------------------------------------

def _operators():
    from app.auth.models import User
    users = list(User.select().where(User.role == DESA).order_by(User.is_active.desc(), User.username))
    names = desa_names()
    for user in users:
        user.desa = [(code, names.get(code, code)) for code in desa_codes_of(user)]
    return users


def _bindable_desa():
    """Desa an admin may bind accounts to: the kecamatan's, or on a desa PC only its own desa."""
    if mode.is_desa_mode():
        return [r for r in desa_list() if r.code == store.get("desa_pc_desa_code")]
    return desa_list()


def _chosen_codes(form_codes) -> tuple[list[str], str | None]:
    valid = {r.code for r in _bindable_desa()}
    codes = sorted({code for code in form_codes if code in valid})
    if not valid:
        if mode.is_desa_mode():
            return [], "Komputer desa ini belum didaftarkan: masukkan kode pendaftaran dari admin kecamatan."
        return [], "Daftar desa kosong: isi kode kecamatan di Pengaturan Kantor terlebih dahulu."
    if set(form_codes) - valid:
        return [], ("Hanya desa komputer ini yang dapat dipilih." if mode.is_desa_mode()
                    else "Pilih desa dari daftar desa kecamatan ini.")
    if not codes:
        return [], "Pilih paling sedikit satu desa untuk akun ini."
    return codes, None


def _operators_page(form=None, errors=None, status=200):
    desa_mode = mode.is_desa_mode()
    return render_template("desa/operators.html", operators=_operators(), desa=_bindable_desa(), form=form or {},
                           errors=errors or {}, days=store.get("pre_registration_days"), desa_mode=desa_mode,
                           enrolled=store.get("desa_pc_desa_code"), all_desa=desa_list(),
                           desa_name=desa_names().get(store.get("desa_pc_desa_code"), ""),
                           sync=relay.sync_state() if desa_mode else None,
                           sync_link=relay.sync_state()["link"] if desa_mode else None), status


@blueprint.get("/admin/operator-desa")
def operators():
    return _operators_page()


@blueprint.post("/admin/operator-desa/baru")
def new_operator():
    form = {"username": request.form.get("username", "").strip().lower(),
            "full_name": request.form.get("full_name", "").strip(), "desa": request.form.getlist("desa")}
    errors = accounts.validate_account(form["username"], form["full_name"], DESA, "")
    codes, problem = _chosen_codes(form["desa"])
    if problem:
        errors["desa"] = problem
    if errors:
        return _operators_page(form, errors, 422)
    with database.atomic():
        user, password = accounts.create_user(form["username"], form["full_name"], DESA)
        UserDesa.insert_many([{"user": user.id, "desa_code": code} for code in codes]).execute()
        audit.record("ubah", "pengguna", user.id, f"Akun {user.username} terikat ke desa: {', '.join(codes)}",
                     after={"desa": codes})
    return render_template("auth/one_time_password.html", user=user, password=password)


@blueprint.post("/admin/operator-desa/<int:user_id>/desa")
def bind_desa(user_id: int):
    from app.auth.models import User
    user = get_object_or_404(User, (User.id == user_id) & (User.role == DESA))
    codes, problem = _chosen_codes(request.form.getlist("desa"))
    if problem:
        return _operators_page(errors={f"desa_{user.id}": problem}, status=422)
    before = desa_codes_of(user)
    with database.atomic():
        UserDesa.delete().where(UserDesa.user == user).execute()
        UserDesa.insert_many([{"user": user.id, "desa_code": code} for code in codes]).execute()
        audit.record("ubah", "pengguna", user.id, f"Desa akun {user.username} diubah: {', '.join(codes)}",
                     before={"desa": before}, after={"desa": codes})
    flash(f"Desa untuk akun {user.username} disimpan.", "success")
    return redirect(url_for("desa.operators"))


@blueprint.post("/admin/operator-desa/kode-komputer")
def issue_pc_code():
    """At the kecamatan: the enrolment code for one desa PC (shown once, as text and QR)."""
    code = (request.form.get("desa") or "").strip()
    if code not in {r.code for r in desa_list()}:
        return _operators_page(errors={"pc_desa": "Pilih desa untuk komputer yang akan didaftarkan."}, status=422)
    try:
        enrolment = mode.issue_enrolment_code(code)
    except mode.PcCodesExhausted as problem:
        return _operators_page(errors={"pc_desa": str(problem)}, status=422)
    with database.atomic():
        audit.record("buat", "perangkat_desa", code, f"Kode pendaftaran komputer desa {desa_names().get(code, code)} dibuat")
    return render_template("desa/pc_code.html", code=enrolment, qr=qr_svg(enrolment),
                           desa_name=desa_names().get(code, code))


@blueprint.post("/admin/operator-desa/cabut-kunci")
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


@blueprint.post("/admin/komputer-desa")
@long_running
def enrol_pc():
    """On a desa PC: the admin pastes (or scans) the code from the kecamatan once (the form is on the
    Operator Desa page); with the center's address (in the code, or typed) the PC also gets its own key
    from the center, so its pre-registrations travel desa -> center -> kecamatan."""
    if not mode.is_desa_mode():
        abort(404)
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
        made = relay.enrol_with_center(center_url, payload)
    except relay.CenterEnrolmentRefused as problem:
        if not problem.keep_enrolment:
            mode.undo_enrolment(before, str(problem))
            return _operators_page(errors={"enrol": str(problem)}, status=422)
        flash(done + ", tetapi belum terhubung ke pusat cetak.", "info")
        return _operators_page(errors={"center": str(problem)}, status=422)
    with database.atomic():
        audit.record("daftar_pusat", "sinkronisasi", made.key_id, f"komputer desa terhubung ke {made.center_url}")
    flash(f"{done}, terhubung ke pusat cetak {made.center_url}. Buat akun operator desa di bawah.", "success")
    return redirect(url_for("desa.operators"))


@blueprint.post("/desa/sinkronkan")
def sync_now():
    """On a desa PC: "Sinkronkan sekarang" (the scheduler also syncs every few minutes when the link is up)."""
    from flask import current_app
    from sync.client import link
    if not mode.is_desa_mode():
        abort(404)
    if relay.sync_state()["link"] is None:
        flash("Komputer ini belum terhubung ke pusat cetak: admin memasukkan alamat pusat dan kode pendaftaran di "
              "halaman Operator Desa.", "error")
    elif link.start_manual_sync(current_app._get_current_object()):
        flash("Sinkronisasi dimulai; kemajuannya tampil di bagian Sinkronisasi di bawah.", "info")
    else:
        flash("Sinkronisasi sedang berjalan.", "info")
    return redirect(url_for("desa.home" if may(g.user, "desa.pra_daftar") else "desa.operators")), 303


@blueprint.get("/desa/sinkronkan")
def sync_state():
    """The link's state alone: the section polls it while a pass runs, so nobody reloads the page."""
    if not mode.is_desa_mode():
        abort(404)
    return render_template("desa/_sync_state.html", sync=relay.sync_state())


@blueprint.post("/admin/operator-desa/pengaturan")
def settings():
    days = int_arg(request.form, "pre_registration_days", lowest=1, highest=90)
    if days is None:
        return _operators_page(errors={"days": "Masa berlaku pra-pendaftaran 1 sampai 90 hari kerja."}, status=422)
    before = store.get("pre_registration_days")
    with database.atomic():
        store.put("pre_registration_days", days)
        audit.record("ubah", "pengaturan", "pra_pendaftaran", "Masa berlaku pra-pendaftaran diubah",
                     {"pre_registration_days": before}, {"pre_registration_days": days})
    flash("Masa berlaku pra-pendaftaran disimpan (berlaku untuk pra-pendaftaran baru).", "success")
    return redirect(url_for("desa.operators"))


def dashboard_cards(user) -> list[Card]:
    if not may(user, "desa.kartu_antrian"):
        return []
    waiting = _waiting_count(user)
    return [Card("Pra-pendaftaran dari desa", str(waiting), "menunggu diterima di loket",
                 url_for("desa.queue"), "warn" if waiting else "info")]
