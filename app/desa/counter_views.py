"""The counter's queue at the kecamatan (app/desa/kecamatan.py only): pre-registrations waiting, scanned
F-1.07 QR codes, acceptance into an application."""
import json

from flask import flash, redirect, render_template, request, url_for
from peewee import fn
from playhouse.flask_utils import get_object_or_404

from app.frame import dates
from app.desa import qr, records
from app.desa.acceptance import accept as accept_into_application, close_duplicate as close_as_duplicate
from app.desa.models import PreRegistration
from app.frame.pagination import paginate
from app.frame import person_rules as intake
from app.frame.routes import Routes
from app.registration.records import NikHold, add_nik_hold
from app.frame.places import desa_list, desa_names
from app.frame.applicant_form import form_context, read_photo
from app.desa.views import _annotate

pages = Routes()


def _waiting_pre_registration(nik: str):
    """The counter's new-application form points a NIK with a waiting pre-registration to it."""
    waiting = records.open_with_nik(nik)
    if waiting is None:
        return None
    return NikHold(f"NIK ini sudah dipra-daftarkan desa ({waiting.number}, berlaku sampai "
                   f"{dates.format_date(waiting.expires_on)}). Terima pra-pendaftaran itu, jangan daftar baru.",
                   url_for("desa.accept", pre_id=waiting.id), f"Terima {waiting.number}")


add_nik_hold(_waiting_pre_registration)


@pages.get("/pra-pendaftaran")
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


@pages.post("/pra-pendaftaran/pindai")
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
        records.record_refused_scan(str(problem))
        return _queue_page(str(problem), 422)
    return redirect(url_for("desa.accept", pre_id=pre.id))


def _pre_registration_from_qr(payload) -> PreRegistration:
    """A printed F-1.07 from a desa PC without a link: its form passes the counter's checks again."""
    return records.pre_registration_from_payload(payload, source="qr")


def _accept_context(pre, form, errors, warnings):
    context = form_context(form, errors, warnings)
    original = {key: records._comparable(getattr(pre, key)) for key in qr.CARRIED_FIELDS}
    original["desa"] = desa_names().get(pre.desa_code, pre.desa_code)
    original["reason"] = intake.REASONS.get(pre.reason, pre.reason)
    context.update(form_action=url_for("desa.accept", pre_id=pre.id), heading=f"Terima Pra-pendaftaran {pre.number}",
                   submit_label="Terima berkas dan daftarkan", intro_template="desa/_accept_intro.html", pre=pre,
                   original=original)
    return context


def _form_from_pre(pre) -> dict:
    form = {key: getattr(pre, key) for key in qr.CARRIED_FIELDS}
    form["birth_date"] = pre.birth_date.isoformat()
    form["desa"] = desa_names().get(pre.desa_code, pre.desa_code)
    form["biometric_done"] = "1" if pre.biometric_done else ""
    return form


@pages.route("/pra-pendaftaran/<int:pre_id>/terima", methods=["GET", "POST"])
def accept(pre_id: int):
    pre = get_object_or_404(PreRegistration, PreRegistration.id == pre_id)
    _annotate([pre])
    if pre.status == PreRegistration.ACCEPTED:
        elsewhere = (f" lain (permohonan {pre.relay_application_number})"
                     if pre.relay_application_number and not pre.application_id else "")
        flash(f"Pra-pendaftaran {pre.number} sudah diterima di loket{elsewhere}.", "info")
        return redirect(url_for("registration.detail", application_id=pre.application_id)) if pre.application_id \
            else redirect(url_for("desa.queue"))
    if pre.expired:
        return render_template("desa/detail.html", pre=pre, reasons=intake.REASONS, sexes=intake.SEXES, differences=[],
                               refusal=f"Pra-pendaftaran ini sudah kedaluwarsa (berlaku sampai "
                                       f"{dates.format_date(pre.expires_on)}). Daftarkan pemohon langsung di loket "
                                       "lewat Daftar Baru."), 422
    if request.method == "GET":
        records.record_view(pre, "lihat")  # the acceptance form shows every field of the pre-registration
        return render_template("registration/form.html", **_accept_context(pre, _form_from_pre(pre), {}, {}))
    form = request.form.to_dict()
    clean, errors, warnings = intake.validate_application(request.form, desa_list(), records.today())
    photo = read_photo(errors, clean["birth_date"].year if clean.get("birth_date") else None, warnings)
    application = None
    if not errors:
        try:
            application = accept_into_application(pre, clean, photo)
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


@pages.post("/pra-pendaftaran/<int:pre_id>/duplikat")
def close_duplicate(pre_id: int):
    """"Tandai sebagai duplikat / batalkan di PC ini": the one action on a relayed form accepted at two counters."""
    pre = get_object_or_404(PreRegistration, PreRegistration.id == pre_id)
    try:
        application = close_as_duplicate(pre)
    except records.Refused as problem:
        flash(str(problem), "error")
        if pre.application_id:
            return redirect(url_for("registration.detail", application_id=pre.application_id)), 303
        return redirect(url_for("desa.queue")), 303
    flash(f"Permohonan {application.registration_number} ditandai duplikat dan dibatalkan di PC ini; tidak "
          "dikirim ke pusat.", "success")
    return redirect(url_for("registration.detail", application_id=application.id)), 303
