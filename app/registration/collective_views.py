"""Routes for collective applications: the letter, its applicants, the import, the handover."""
from flask import Response, abort, current_app, flash, g, redirect, render_template, request, url_for
from playhouse.flask_utils import get_object_or_404

from app.frame import submissions
from app.frame.pagination import paginate
from app.registration import collective as rules
from app.registration import collective_records, intake, records
from app.registration.models import Application, CollectiveLetter
from app.registration.service_time import office_today
from app.registration.status import STATUS_LABELS, ApplicationStatus as S
from app.registration.views import annotate, blueprint, clerk_who_moved, desa_list, desa_names, validate_handover
from app.frame.page_turns import long_running



@blueprint.get("/pendaftaran/kolektif")
def collectives():
    page = paginate(CollectiveLetter.select().order_by(CollectiveLetter.id.desc()), current_app.config["PAGE_SIZE"])
    letters = page.items
    counts = {}
    if letters:
        for row in (Application.select(Application.collective, Application.status).where(
                Application.collective.in_([letter.id for letter in letters])).tuples()):
            counts.setdefault(row[0], {}).setdefault(row[1], 0)
            counts[row[0]][row[1]] += 1
    return render_template("registration/collectives.html", letters=letters, counts=counts, page=page)


@blueprint.route("/pendaftaran/kolektif/baru", methods=["GET", "POST"])
def new_collective():
    if request.method == "GET":
        return render_template("registration/collective_form.html", form={}, errors={})
    if (repeat := submissions.earlier_result()):  # sent twice: the first letter's page, nothing new
        return repeat
    form = request.form.to_dict()
    clean, errors = rules.validate_letter(request.form, office_today())
    if errors:
        return render_template("registration/collective_form.html", form=form, errors=errors), 422
    with submissions.once() as submission:
        if submission.earlier:
            return submission.repeat()
        letter = collective_records.create_letter(clean, g.user)
        submission.made(url_for("registration.collective", letter_id=letter.id))
    flash("Surat permohonan kolektif dicatat. Tambahkan pemohonnya satu per satu atau impor dari XLSX.", "success")
    return redirect(url_for("registration.collective", letter_id=letter.id))


def _collective_context(letter, errors=None, import_errors=(), handover_form=None):
    applicants = annotate(list(letter.applications.order_by(Application.id)), office_today())
    return dict(letter=letter, applicants=applicants, statuses=STATUS_LABELS, S=S, errors=errors or {},
                import_errors=import_errors, desa_names=desa_names(),
                ready=[a for a in applicants if a.status == S.READY.value],
                handed=[a for a in applicants if a.status == S.HANDED_OVER.value],
                handover_form=handover_form or {"collector": "wakil"})


@blueprint.get("/pendaftaran/kolektif/<int:letter_id>")
def collective(letter_id: int):
    return render_template("registration/collective.html", **_collective_context(get_object_or_404(CollectiveLetter, CollectiveLetter.id == letter_id)))


@blueprint.post("/pendaftaran/kolektif/<int:letter_id>/jadwal")
def schedule_recording(letter_id: int):
    letter = get_object_or_404(CollectiveLetter, CollectiveLetter.id == letter_id)
    typed = (request.form.get("recording_date") or "").strip()
    day = intake.parse_iso_date(typed)
    if day is None:
        return render_template("registration/collective.html", **_collective_context(
            letter, {"recording_date": "Isi tanggal sesi perekaman yang valid."})), 422
    collective_records.schedule_recording(letter, day)
    flash("Jadwal sesi perekaman disimpan.", "success")
    return redirect(url_for("registration.collective", letter_id=letter.id))


@blueprint.get("/pendaftaran/kolektif/templat.xlsx")
def import_template():
    return Response(rules.template_xlsx(),
                    mimetype="application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
                    headers={"Content-Disposition": 'attachment; filename="templat-pemohon-kolektif.xlsx"'})


@blueprint.post("/pendaftaran/kolektif/<int:letter_id>/impor")
@long_running
def import_applicants(letter_id: int):
    letter = get_object_or_404(CollectiveLetter, CollectiveLetter.id == letter_id)
    upload = request.files.get("berkas")
    try:
        rows = rules.read_rows(upload.read() if upload else b"")
        prefix = records.current_prefix()
    except (rules.SpreadsheetProblem, ValueError) as problem:
        return render_template("registration/collective.html",
                               **_collective_context(letter, {"berkas": str(problem)})), 422
    cleans, row_errors = rules.check_rows(rows, desa_list(), office_today())
    if row_errors:
        return render_template("registration/collective.html", **_collective_context(
            letter, {"berkas": f"{len(row_errors)} kesalahan; tidak ada yang disimpan. Perbaiki lalu impor ulang."},
            import_errors=row_errors)), 422
    collective_records.import_applicants(letter, cleans, prefix)  # all rows or none
    flash(f"{len(cleans)} pemohon diimpor. Unggah foto dan periksa persyaratan tiap pemohon.", "success")
    return redirect(url_for("registration.collective", letter_id=letter.id))


@blueprint.post("/pendaftaran/kolektif/<int:letter_id>/serah")
def collective_handover(letter_id: int):
    letter = get_object_or_404(CollectiveLetter, CollectiveLetter.id == letter_id)
    clean, errors = validate_handover(dict(request.form.to_dict(), collector="wakil"))
    ready = list(letter.applications.where(Application.status == S.READY.value))
    if not ready:
        errors["collector"] = "Belum ada KTP-el siap diambil untuk surat ini."
    if errors:
        return render_template("registration/collective.html",
                               **_collective_context(letter, errors, handover_form=clean)), 422
    now = collective_records.hand_over(letter, ready, clean)
    flash(f"{len(ready)} KTP-el diserahkan. Cetak tanda terima kolektif.", "success")
    return redirect(url_for("registration.collective_receipt", letter_id=letter.id, waktu=now.isoformat()))


@blueprint.get("/pendaftaran/kolektif/<int:letter_id>/tanda-terima")
def collective_receipt(letter_id: int):
    letter = get_object_or_404(CollectiveLetter, CollectiveLetter.id == letter_id)
    handed = list(letter.applications.where(Application.status == S.HANDED_OVER.value).order_by(Application.id))
    if not handed:
        abort(404)
    return render_template("registration/collective_receipt.html", letter=letter, handed=handed,
                           desa_names=desa_names(), clerk=clerk_who_moved(handed[-1], S.HANDED_OVER))
