"""The desa operator's pages (both programs): the desa's pre-registrations and list of cards, the F-1.07
form and its print; and the desa PC's own (`pc_pages`): the form's inline checks and the sync with the
center's relay."""
import json
from datetime import timedelta

from flask import Response, abort, flash, g, redirect, render_template, request, url_for

from app.frame.access import may
from app.desa.scope import scope_of
from app.frame import dates, submissions
from app.desa import qr, records, relay
from app.frame import nik as nik_rules, person_rules as intake, privacy
from app.desa.models import PreRegistration
from app.desa.scope import current_scope
from app.frame.pagination import paginate
from app.frame.application_status import ApplicationStatus as S
from app.frame.places import desa_list, desa_names
from app.frame.applicant_form import form_context, read_photo
from app.frame.routes import Routes
from app.frame.templating import qr_svg
from app.frame import store
from app.desa.views import _annotate, _pre_or_404, _scope_desa, _scoped, side

pages, pc_pages = Routes(), Routes()

LIST_LIMIT = 500  # rows on one printed desa list; a desa has far fewer cards in progress
HANDED_OVER_SHOWN_DAYS = 30  # handed-over cards stay on the desa's list this long, then drop off


def relayed_applications(desa_code: str) -> list:
    """On a desa PC: the applications its relayed forms became, as the kecamatan reported them by the
    center (app/desa/relay.py), in the order of the kecamatan's list: 'Siap diambil' first."""
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


def _chosen_desa(choices) -> str | None:
    wanted = (request.args.get("desa") or "").strip()[:20]
    codes = [r.code for r in choices]
    if wanted:
        if wanted not in codes:
            abort(404)
        return wanted
    return codes[0] if codes else None


@pages.get("/desa")
def home():
    choices = _scope_desa()
    chosen = _chosen_desa(choices)
    pres = _scoped(PreRegistration.select(), PreRegistration)
    if chosen:
        pres = pres.where(PreRegistration.desa_code == chosen)
    page = paginate(pres.order_by(PreRegistration.id.desc()), 50)
    _annotate(page.items)
    applications = side().applications_of(chosen) if chosen else []
    sync = relay.sync_state() if side().on_desa_pc else None  # only a desa PC has its own link
    return render_template("desa/home.html", page=page, choices=choices, chosen=chosen, sync=sync,
                           chosen_name=desa_names().get(chosen, ""), applications=applications,
                           unbound=scope_of(g.user) is not None and not choices, S=S,
                           days=store.get("pre_registration_days"))


@pages.get("/desa/daftar")
def printed_list():
    choices = _scope_desa()
    chosen = _chosen_desa(choices)
    if chosen is None:  # an operator not yet bound to a desa: the home page says what to do
        flash("Belum ada desa yang dapat dicetak daftarnya untuk akun ini.", "info")
        return redirect(url_for("desa.home"))
    waiting = _annotate(list(_scoped(PreRegistration.select(), PreRegistration)
                             .where((PreRegistration.desa_code == chosen) & (PreRegistration.status == PreRegistration.WAITING))
                             .order_by(PreRegistration.id.desc()).limit(LIST_LIMIT)))
    return render_template("desa/printed_list.html", applications=side().applications_of(chosen), waiting=waiting,
                           desa_name=desa_names().get(chosen, chosen), today=records.today(), S=S,
                           handed_over_days=HANDED_OVER_SHOWN_DAYS)


def _desa_form_context(form, errors, warnings):
    context = form_context(form, errors, warnings)
    context.update(desa=_scope_desa(), form_action=url_for("desa.new"), heading="Formulir F-1.07 (Pra-pendaftaran)",
                   submit_label="Simpan pra-pendaftaran", hide_duplicates=True,
                   nik_check="desa.check_nik", kk_check="desa.check_kk", photo_check=None)
    return context


@pages.route("/desa/pra-pendaftaran/baru", methods=["GET", "POST"])
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
    photo = read_photo(errors, clean["birth_date"].year if clean.get("birth_date") else None, warnings)
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


@pages.get("/desa/pra-pendaftaran/<int:pre_id>")
def detail(pre_id: int):
    pre = _pre_or_404(pre_id)
    _annotate([pre])
    records.record_view(pre, "lihat")
    return render_template("desa/detail.html", pre=pre, reasons=intake.REASONS, sexes=intake.SEXES,
                           differences=_differences_for_display(pre))


@pages.get("/desa/pra-pendaftaran/<int:pre_id>/f107")
def form_print(pre_id: int):
    pre = _pre_or_404(pre_id)
    _annotate([pre])
    records.record_view(pre, "cetak")
    code = qr.encode(pre)
    return render_template("desa/f107.html", pre=pre, qr=qr_svg(code), reasons=intake.REASONS, sexes=intake.SEXES)


@pages.get("/desa/pra-pendaftaran/<int:pre_id>/foto.jpg")
def photo(pre_id: int):
    pre = _pre_or_404(pre_id)
    if not privacy.may_see("photo"):
        abort(403)
    if not pre.photo_jpeg:
        abort(404)
    records.record_view(pre, "lihat_foto")
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


@pc_pages.post("/desa/sinkronkan")
def sync_now():
    """On a desa PC: "Sinkronkan sekarang" (the scheduler also syncs every few minutes when the link is up)."""
    from flask import current_app
    from sync.client import scheduler
    if relay.sync_state()["link"] is None:
        flash("Komputer ini belum terhubung ke pusat cetak: admin memasukkan alamat pusat dan kode pendaftaran di "
              "halaman Operator Desa.", "error")
    elif scheduler.start_manual_sync(current_app._get_current_object()) == scheduler.STARTED:
        flash("Sinkronisasi dimulai; kemajuannya tampil di bagian Sinkronisasi di bawah.", "info")
    else:  # one more pass after the running one: the news the kecamatan sent meanwhile comes at once
        flash(scheduler.MANUAL_SYNC_SAID[scheduler.OWED], "info")
    return redirect(url_for("desa.home" if may(g.user, "desa.pra_daftar") else "desa.operators")), 303


@pc_pages.get("/desa/sinkronkan")
def sync_state():
    """The link's state alone: the section polls it while a pass runs, so nobody reloads the page."""
    return render_template("desa/_sync_state.html", sync=relay.sync_state())


@pages.get("/desa/periksa-nik")
def check_nik():
    """htmx, under the F-1.07's NIK: the NIK's own problems (a desa operator never sees other people's
    applications; a NIK already held is refused when the form is saved)."""
    nik = request.args.get("nik", "")
    if not nik.strip():
        return ""
    messages = intake.nik_mismatch_messages(nik, request.args.get("birth_date", ""), request.args.get("sex", ""))
    return render_template("registration/_nik_check.html", messages=messages, duplicates=[], holds=[],
                           warning=nik_rules.region_code_warning(nik))


@pages.get("/desa/periksa-kk")
def check_kk():
    typed = request.args.get("kk_number", "")
    message = nik_rules.check_kk_format(typed) or nik_rules.region_code_warning(typed)
    return render_template("registration/_field_message.html", message=message,
                           ok="Nomor KK sesuai format." if typed.strip() else "")
