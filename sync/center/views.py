"""The center's operator and admin pages (Indonesian): incoming applications, print runs,
shipments, rejections, resend requests, kecamatan enrolment, accounts and USB import."""
import json
import re
from datetime import datetime, timedelta
from functools import partial

from flask import (abort, current_app, flash, g, redirect, render_template, request, url_for)
from playhouse.flask_utils import get_object_or_404
from peewee import fn

from app.frame import throttle
from app.frame.passwords import new_password_problem
from app.frame.templating import send_htmx
from app.frame.dates import day_start_utc, utc_now
from app.frame.pagination import paginate
from app.frame.regions import region_name, zone_of
from app.frame.request_cycle import bounded_int, int_arg
from app.frame.version import APP_VERSION
from sync import protocol, usb
from sync.public_status import KIND as PUBLIC
from sync.center import desk_records, fleet, keys, records, trail, updates, usb_files
from app.frame.privacy import mask
from sync.center.audit import audit, masked_applicant, record_view
from sync.center.performance import KIND as REPORT_KIND, store_report
from sync.center.public_status_records import note_delivery, store_public
from sync.center.retention import is_purged, last_reports
from sync.center.routes import page_blueprint
from sync.center.zone import own_zone
from app.frame.signin import check_sign_in, sign_in, sign_out
from app.frame.access import may
from sync.center.accounts import account_problems
from sync.center.models import (Conflict, DeviceKey, Kecamatan, Operator, PrintRun, ReceivedApplication,
                                Shipment)

STATUS_LABELS = {status: protocol.CENTER_STATUS_WORDS[status] for status in protocol.CENTER_STATUSES}
KEMENDAGRI_CODE = re.compile(r"^\d{2}\.\d{2}\.\d{2}$")


@page_blueprint.app_context_processor
def labels():
    return {"STATUS_LABELS": STATUS_LABELS}


# --- sign in -------------------------------------------------------------------------------

@page_blueprint.route("/masuk", methods=["GET", "POST"])
def login():
    if request.method == "GET":
        return render_template("center/login.html", errors={}, username="")
    attempt = check_sign_in(request.form, desk_records.record_sign_in)  # the office's path: same hash work, cap, throttle
    if attempt.problem:
        return render_template("center/login.html", errors={attempt.problem_field: attempt.problem},
                               username=attempt.username), 422
    if attempt.wait:
        return render_template("center/login.html", username=attempt.username,
                               errors={"form": "Terlalu banyak percobaan masuk yang gagal. "
                                               f"Coba lagi dalam {throttle.in_words(attempt.wait)}."}), 429, \
            throttle.retry_after(attempt.wait)
    if not attempt.ok:
        return render_template("center/login.html", errors={"credentials": "Nama pengguna atau kata sandi salah."},
                               username=attempt.username), 401
    sign_in(attempt.account)
    return redirect(url_for("center.performance" if may(attempt.account, "kinerja.beranda") else "center.dashboard"))


@page_blueprint.post("/keluar")
def logout():
    sign_out()
    return redirect(url_for("center.login"))


@page_blueprint.route("/akun/kata-sandi", methods=["GET", "POST"])
def change_password():
    if request.method == "GET":
        return render_template("center/change_password.html", errors={})
    errors = {}
    right, wait = throttle.password_again(g.user, request.form.get("current", ""), "mengganti kata sandi",
                                          partial(audit, entity="operator", entity_id=g.user.id))
    if wait:
        return render_template("center/change_password.html", errors={"current": throttle.password_again_refused(wait)}), \
            429, throttle.retry_after(wait)
    if not right:
        errors["current"] = "Kata sandi lama salah."
    problem = new_password_problem(request.form.get("new", ""), request.form.get("confirm", ""), g.user.username)
    if problem:
        errors["new"] = problem
    if errors:
        return render_template("center/change_password.html", errors=errors), 422
    desk_records.change_password(g.user, request.form["new"])  # ends its sessions on every PC
    sign_in(g.user)  # a fresh one on this PC
    flash("Kata sandi berhasil diganti.", "success")
    return redirect(url_for("center.dashboard"))


@page_blueprint.get("/vendor/htmx.min.js")
def htmx_js():
    return send_htmx()


# --- dashboard -------------------------------------------------------------------------------

@page_blueprint.get("/")
def dashboard():
    counts = {}
    for kecamatan_id, status, count in (ReceivedApplication
                                        .select(ReceivedApplication.kecamatan, ReceivedApplication.status, fn.COUNT(1))
                                        .group_by(ReceivedApplication.kecamatan, ReceivedApplication.status).tuples()):
        counts.setdefault(kecamatan_id, {})[status] = count
    kecamatans = list(Kecamatan.select().order_by(Kecamatan.code))
    open_conflicts = Conflict.select().where(Conflict.resolved_at.is_null()).count()
    return render_template("center/dashboard.html", kecamatans=kecamatans, counts=counts,
                           open_conflicts=open_conflicts, now=utc_now(), purges=last_reports(),
                           purge_days=current_app.config["PURGE_AFTER_DAYS"])


# --- incoming applications ---------------------------------------------------------------

def _parse_day(text: str):
    try:
        return datetime.strptime(text, "%Y-%m-%d").date() if text else None
    except ValueError:
        return None


def _received_on(day):
    """Received on `day` as the list shows it: each kecamatan's day in its own zone (a WIT kecamatan's
    01.30 on the 24th is the 23rd in WIB), kecamatans of an unknown zone in the center's."""
    own = own_zone()
    by_zone: dict[str, list[int]] = {}
    for kecamatan in Kecamatan.select(Kecamatan.id, Kecamatan.code):
        by_zone.setdefault(zone_of(kecamatan.code) or own, []).append(kecamatan.id)
    chosen = None
    for zone, ids in by_zone.items():
        start = day_start_utc(day, zone)
        that_day = (ReceivedApplication.kecamatan.in_(ids) & (ReceivedApplication.received_at >= start)
                    & (ReceivedApplication.received_at < start + timedelta(days=1)))
        chosen = that_day if chosen is None else chosen | that_day
    return chosen if chosen is not None else (ReceivedApplication.id.is_null())


@page_blueprint.get("/permohonan")
def applications():
    query = ReceivedApplication.select(ReceivedApplication.id, ReceivedApplication.registration_number,
                                       ReceivedApplication.version, ReceivedApplication.full_name,
                                       ReceivedApplication.nik, ReceivedApplication.status,
                                       ReceivedApplication.received_at, ReceivedApplication.kecamatan,
                                       ReceivedApplication.reason)
    filters = {key: request.args.get(key, "").strip() for key in ("kecamatan", "tanggal", "status", "q")}
    if bounded_int(filters["kecamatan"]) is not None:
        query = query.where(ReceivedApplication.kecamatan == bounded_int(filters["kecamatan"]))
    day = _parse_day(filters["tanggal"])
    if day:
        query = query.where(_received_on(day))
    if filters["status"] in STATUS_LABELS:
        query = query.where(ReceivedApplication.status == filters["status"])
    if filters["q"]:
        text = filters["q"]
        query = query.where((ReceivedApplication.registration_number == text) | (ReceivedApplication.nik == text)
                            | ReceivedApplication.registration_number.startswith(text))
    page = paginate(query.order_by(ReceivedApplication.received_at.desc(), ReceivedApplication.id.desc()),
                    current_app.config["PAGE_SIZE"])
    names = {k.id: k for k in Kecamatan.select()}
    shown_filters = ", ".join(f"{key}={mask('nik', value) if key == 'q' else value[:40]}"
                              for key, value in filters.items() if value)  # a searched NIK, masked
    record_view("lihat", "daftar_permohonan", "", f"Daftar permohonan dibuka (NIK dan nama): {len(page.items)} baris, "
                f"halaman {page.number}" + (f", saringan {shown_filters}" if shown_filters else ""))
    template = "center/_application_list.html" if request.htmx and request.htmx.target == "list" else "center/applications.html"
    return render_template(template, page=page, filters=filters, kecamatans=names)



@page_blueprint.get("/permohonan/<int:application_id>")
def application(application_id: int):
    item = get_object_or_404(ReceivedApplication, ReceivedApplication.id == application_id)
    record_view("lihat", "permohonan", item.registration_number,
                f"Data permohonan {masked_applicant(item)} versi {item.version} dibuka")
    return render_template("center/application.html", item=item, purged=is_purged(item), record=json.loads(item.record_json),
                           events=list(item.events.order_by(item.events.model.seq)), errors={})


@page_blueprint.get("/permohonan/<int:application_id>/foto")
def photo(application_id: int):
    item = get_object_or_404(ReceivedApplication, ReceivedApplication.id == application_id)
    if is_purged(item):
        abort(404)
    record_view("lihat_foto", "permohonan", item.registration_number,
                f"Foto pemohon {masked_applicant(item)} versi {item.version} dibuka")
    return current_app.response_class(bytes(item.photo), mimetype="image/jpeg",
                                      headers={"Cache-Control": "private, no-store"})


@page_blueprint.post("/permohonan/<int:application_id>/tolak")
def reject(application_id: int):
    return _move_with_reason(application_id, "rejected", "ditolak")


@page_blueprint.post("/permohonan/<int:application_id>/minta-kirim-ulang")
def request_resend(application_id: int):
    return _move_with_reason(application_id, "resend", "diminta kirim ulang")


def _move_with_reason(application_id: int, to_status: str, verb: str):
    item = get_object_or_404(ReceivedApplication, ReceivedApplication.id == application_id)
    reason = request.form.get("reason", "").strip()
    if not reason:  # the key names the form's field: f-rejected or f-resend
        return render_template("center/application.html", item=item, purged=is_purged(item), record=json.loads(item.record_json),
                               events=list(item.events.order_by(item.events.model.seq)),
                               errors={to_status: "Alasan wajib diisi."}), 422
    if not desk_records.move_with_reason(item, to_status, reason, verb):
        flash(f"Permohonan berstatus {STATUS_LABELS[item.status]} tidak dapat {verb}.", "error")
        return redirect(url_for("center.application", application_id=item.id))
    flash(f"Permohonan {item.registration_number} {verb}.", "success")
    return redirect(url_for("center.application", application_id=item.id))


@page_blueprint.get("/konflik")
def conflicts():
    return _conflicts_page()


def _conflicts_page(errors: dict | None = None, refused_id: int | None = None):
    """Open conflicts (the work) and decided ones (the history) are two lists, each paged by keyset.
    `errors` (note, decision): the decision on conflict `refused_id` was refused (422), its fields marked."""
    decided = request.args.get("tampil") == "selesai"
    chosen = Conflict.resolved_at.is_null(False) if decided else Conflict.resolved_at.is_null()
    page = paginate(Conflict.select().where(chosen).order_by(Conflict.id.desc()), current_app.config["PAGE_SIZE"])
    rows = page.items
    open_count = Conflict.select().where(Conflict.resolved_at.is_null()).count()
    stored = {(a.registration_number, a.version): a for a in ReceivedApplication.select().where(
        ReceivedApplication.registration_number.in_([c.registration_number for c in rows] or [""]))}
    if rows:  # each row shows two applicants' names and NIKs: the held one and the offered one
        record_view("lihat", "konflik", ",".join(c.registration_number for c in rows)[:200],
                    f"Daftar konflik {'yang sudah diputuskan' if decided else 'yang menunggu'} dibuka: "
                    f"{len(rows)} konflik dengan NIK dan nama ({', '.join(c.registration_number for c in rows[:5])}"
                    f"{' …' if len(rows) > 5 else ''})")
    shown = any(c.id == refused_id for c in rows)
    targets = {key: f"{key}-{refused_id}" if shown else None for key in (errors or {})}
    return render_template("center/conflicts.html", rows=rows, stored=stored, decisions=records.DECISIONS,
                           decision_words=records.DECISION_WORDS, given_twice=records.GIVEN_TWICE,
                           page=page, decided=decided, open_count=open_count,
                           offered={c.id: json.loads(c.offered_record) for c in rows},
                           codes={k.id: k.code for k in Kecamatan.select(Kecamatan.id, Kecamatan.code)},
                           errors=errors or {}, error_targets=targets, refused_id=refused_id), 422 if errors else 200


@page_blueprint.post("/konflik/<int:conflict_id>/selesai")
def resolve_conflict(conflict_id: int):
    conflict = get_object_or_404(Conflict, Conflict.id == conflict_id)
    note = request.form.get("note", "").strip()[:500]
    decision = request.form.get("decision", "")
    errors = {}
    if not note:
        errors["note"] = "Tulis catatan penyelesaian (mis. 'isi lama benar; kecamatan memberi nomor baru')."
    if decision not in records.DECISIONS:
        errors["decision"] = "Pilih keputusan: pertahankan data pusat, terima versi baru, atau tolak."
    if errors:
        return _conflicts_page(errors, conflict.id)
    if not desk_records.resolve_conflict(conflict, decision, note):
        flash("Konflik ini tidak dapat diselesaikan begitu (sudah selesai, atau kartu sudah dikirim).", "error")
        return redirect(url_for("center.conflicts")), 303
    flash(f"Konflik {conflict.registration_number} selesai; keputusan dikirim ke kecamatan pada sinkronisasi "
          "berikutnya.", "success")
    return redirect(url_for("center.conflicts")), 303


# --- print runs ---------------------------------------------------------------------------

@page_blueprint.get("/cetak")
def print_runs():
    return _print_runs_page()


# The print list at night: a regency's thousand received applications, filtered by kecamatan and received
# day, a hundred rows a page; the run takes the ticked rows or everything the filter shows (issue 43).
WAITING_PAGE_ROWS = 100


def _waiting_filter(values) -> tuple[dict, object]:
    """The print list's filter (kecamatan, received day) from `values` (the URL or the form) and its condition."""
    filters = {key: values.get(key, "").strip()[:20] for key in ("kecamatan", "tanggal")}
    chosen = desk_records.awaiting_print()
    kecamatan = bounded_int(filters["kecamatan"])
    if kecamatan is not None:
        chosen &= ReceivedApplication.kecamatan == kecamatan
    else:
        filters["kecamatan"] = ""
    day = _parse_day(filters["tanggal"])
    if day:
        chosen &= _received_on(day)
    else:
        filters["tanggal"] = ""
    return filters, chosen


def _print_runs_page(errors: dict | None = None):
    filters, chosen = _waiting_filter(request.values)
    waiting_total = ReceivedApplication.select().where(chosen).count()
    waiting = paginate(ReceivedApplication.select(ReceivedApplication.id, ReceivedApplication.registration_number,
                                                  ReceivedApplication.full_name, ReceivedApplication.kecamatan,
                                                  ReceivedApplication.received_at)
                       .where(chosen).order_by(ReceivedApplication.received_at.asc(), ReceivedApplication.id.asc()),
                       WAITING_PAGE_ROWS, prefix="tunggu_")
    by_kecamatan = dict(ReceivedApplication.select(ReceivedApplication.kecamatan, fn.COUNT(ReceivedApplication.id))
                        .where(desk_records.awaiting_print()).group_by(ReceivedApplication.kecamatan).tuples())
    page = paginate(PrintRun.select().order_by(PrintRun.id.desc()), current_app.config["PAGE_SIZE"])
    return render_template("center/print_runs.html", waiting=waiting.items, waiting_page=waiting,
                           waiting_total=waiting_total,
                           rows_per_page=WAITING_PAGE_ROWS, filters=filters, day=_parse_day(filters["tanggal"]),
                           by_kecamatan=by_kecamatan,
                           runs=page.items, page=page, kecamatans={k.id: k for k in Kecamatan.select()},
                           errors=errors or {}), 422 if errors else 200


def _picked_ids() -> list[int]:
    """The ticked rows, or with "semua" every application the filter shows (all its pages)."""
    if request.form.get("semua") == "1":
        _, chosen = _waiting_filter(request.form)
        return [row.id for row in ReceivedApplication.select(ReceivedApplication.id).where(chosen)]
    return [number for number in map(bounded_int, request.form.getlist("application")) if number is not None]


@page_blueprint.post("/cetak/baru")
def new_print_run():
    picked = _picked_ids()
    if not picked:
        return _print_runs_page({"application": "Pilih minimal satu permohonan untuk dicetak."})
    run = desk_records.create_print_run(picked, g.user.username)
    if run is None:
        flash("Permohonan yang dipilih sudah tidak menunggu cetak.", "error")
        return redirect(url_for("center.print_runs")), 303
    return redirect(url_for("center.print_run", run_id=run.id)), 303



@page_blueprint.get("/cetak/<int:run_id>")
def print_run(run_id: int):
    run = get_object_or_404(PrintRun, PrintRun.id == run_id)
    items = list(run.applications.order_by(ReceivedApplication.kecamatan, ReceivedApplication.registration_number))
    record_view("lihat", "cetak", run.id, f"Daftar cetak #{run.id} dibuka: {len(items)} permohonan dengan NIK dan nama")
    return render_template("center/print_run.html", run=run, items=items,
                           kecamatans={k.id: k for k in Kecamatan.select()})


@page_blueprint.post("/cetak/<int:run_id>/dicetak")
def mark_printed(run_id: int):
    run = get_object_or_404(PrintRun, PrintRun.id == run_id)
    done = desk_records.mark_printed(run, set(_picked_ids()))
    flash(f"{done} permohonan ditandai dicetak.", "success" if done else "warn")
    return redirect(url_for("center.print_run", run_id=run.id)), 303


# --- shipments ------------------------------------------------------------------------------

@page_blueprint.get("/kirim")
def shipments():
    ready = {}
    for kecamatan_id, count in (ReceivedApplication.select(ReceivedApplication.kecamatan, fn.COUNT(1))
                                .where(desk_records.ready_to_ship())
                                .group_by(ReceivedApplication.kecamatan).tuples()):
        ready[kecamatan_id] = count
    page = paginate(Shipment.select().order_by(Shipment.id.desc()), current_app.config["PAGE_SIZE"])
    devices = {}  # a status file per counter PC (each reads only its own)
    for shipment in page.items:
        if shipment.kecamatan_id not in devices:
            devices[shipment.kecamatan_id] = sorted({k.device_code for k in counter_keys(shipment.kecamatan_id)} - {""})
    return render_template("center/shipments.html", ready=ready, kecamatans={k.id: k for k in Kecamatan.select()},
                           shipments=page.items, page=page, devices=devices)


@page_blueprint.post("/kirim/baru")
def new_shipment():
    kecamatan = Kecamatan.get_or_none(Kecamatan.id == int_arg(request.form, "kecamatan"))
    if kecamatan is None:
        flash("Pilih kecamatan tujuan.", "error")
        return redirect(url_for("center.shipments")), 303
    shipment = desk_records.create_shipment(kecamatan, g.user.username, request.form.get("note", "").strip())
    if shipment is None:
        flash(f"Tidak ada kartu tercetak untuk Kecamatan {kecamatan.name}.", "error")
        return redirect(url_for("center.shipments")), 303
    return redirect(url_for("center.shipment", shipment_id=shipment.id)), 303


@page_blueprint.get("/kirim/<int:shipment_id>")
def shipment(shipment_id: int):
    found = get_object_or_404(Shipment, Shipment.id == shipment_id)
    items = list(found.applications.order_by(ReceivedApplication.registration_number))
    record_view("lihat", "pengiriman", found.id,
                f"Daftar kirim #{found.id} dibuka: {len(items)} permohonan dengan NIK dan nama")
    return render_template("center/shipment.html", shipment=found, items=items)


# --- USB ---------------------------------------------------------------------------------

RESULT_WORDS = usb_files.RESULT_WORDS


def _live_key(key_id: str):
    """The batch file's key if live; a key another PC took over is named as such (issue 24)."""
    key = DeviceKey.get_or_none(DeviceKey.key_id == key_id)
    if key is not None and key.replaced_by:
        raise usb.BatchFileError(f"Berkas ini dari komputer lama PC {key.device_code} yang sudah digantikan komputer "
                                 "lain (cadangannya dipulihkan di sana); isinya tidak disimpan. Minta kantor "
                                 "kecamatan mengirim dari komputer yang sekarang memakai kode itu.")
    return key if key is not None and key.revoked_at is None else None


def import_one_file(content: bytes, filename: str) -> dict:
    """Import one batch file: its own check, its own per-application results; never raises."""
    try:
        key, items, head = usb.read_batch_file(content, _live_key, with_head=True)
    except usb.BatchFileError as problem:
        return {"file": filename, "error": str(problem), "results": [], "summary": {}, "message": str(problem)}
    label = usb.part_label(head)
    earlier = usb_files.earlier_import(content)
    reports = [store_report(key, header, photo, via="usb") for header, photo in items
               if header.get("kind") == REPORT_KIND]
    # Public status records ride in the same files (issue 28); the file's line names them apart (issue 72).
    publics = [store_public(key.kecamatan, header, payload, keys.device_codes(key))
               for header, payload in items if header.get("kind") == PUBLIC]
    note_delivery(key, usb.written_at(head))  # the office's state as of the file, however long the stick took
    results = [records.store_packet_item(key.kecamatan, header, photo, via="usb", device_code=key.device_code,
                                         key_id=key.key_id)
               for header, photo in items if header.get("kind") not in (REPORT_KIND, PUBLIC)]
    summary = {r: sum(1 for o in results if o.result == r) for r in RESULT_WORDS}
    desk_records.record_usb_import(key.kecamatan, filename, label, summary, len(reports))
    usb_files.remember(key.kecamatan, content, filename)
    message = usb_files.file_message(label, key.kecamatan, results, publics, earlier)
    if reports:
        message += (f" Laporan kinerja: disimpan {sum(1 for o in reports if o.result == 'stored')}, "
                    f"sudah ada {sum(1 for o in reports if o.result == 'duplicate')}, ditolak "
                    f"{sum(1 for o in reports if o.result in ('rejected', 'conflict'))}.")
    message += fleet.store_file_report(key, head, earlier)  # the office's health report it carries (issue 81)
    return {"file": filename, "error": "", "results": results, "summary": summary, "message": message,
            "kecamatan": key.kecamatan.name}


@page_blueprint.route("/impor", methods=["GET", "POST"])
def usb_import():
    """One or many batch files (a whole folder); the page's script sends them one per request
    with a progress bar, and without script the form sends them together."""
    if request.method == "GET":
        return render_template("center/usb_import.html", errors={}, imported=None)
    uploads = [u for u in request.files.getlist("batch") if u and u.filename]
    if not uploads:
        return render_template("center/usb_import.html", errors={"batch": "Pilih berkas kiriman (.lkb)."},
                               imported=None), 422
    imported = [import_one_file(upload.read(), upload.filename.rsplit("/", 1)[-1][:120]) for upload in uploads]
    failed = all(entry["error"] for entry in imported)
    if request.headers.get("X-Loket-Upload") == "satu":
        return render_template("center/_usb_file_result.html", entry=imported[0], words=RESULT_WORDS), \
            422 if failed else 200
    errors = {"batch": imported[0]["error"]} if failed and len(imported) == 1 else {}
    return render_template("center/usb_import.html", errors=errors, imported=imported, words=RESULT_WORDS), \
        422 if failed else 200


def counter_keys(kecamatan_id: int):
    """The live keys of the kecamatan's counter PCs (not its desa PCs'), newest first."""
    return (DeviceKey.select().where((DeviceKey.kecamatan == kecamatan_id) & DeviceKey.revoked_at.is_null()
                                     & (DeviceKey.desa_code == "")).order_by(DeviceKey.id.desc()))


@page_blueprint.get("/ekspor-status/<int:kecamatan_id>")
def status_export(kecamatan_id: int):
    """A signed status file for one counter PC of the kecamatan (`?perangkat=P2`; the newest PC's
    when not named): only that PC's key reads it, and it holds that PC's statuses only."""
    kecamatan = Kecamatan.get_or_none(Kecamatan.id == kecamatan_id)
    keys_of = counter_keys(kecamatan_id)
    device = request.args.get("perangkat", "")[:8]
    if device:
        keys_of = keys_of.where(DeviceKey.device_code == device)
    key = keys_of.first() if kecamatan else None
    if key is None:
        abort(404)
    events = records.events_after(kecamatan, 0, 1_000_000, keys.device_codes(key))  # only that PC's key reads the file
    content = usb.write_status_file(key, [records.event_json(e) for e in events], usb_files.held(kecamatan),
                                    fleet.REPORT_SHAPE)
    name = f"status-{kecamatan.digits}-{utc_now():%Y%m%d-%H%M}.lks"
    record_view("ekspor", "kecamatan", kecamatan.code,
                f"Berkas status {name} untuk Kecamatan {kecamatan.name} (perangkat {key.device_code or '-'}) "
                f"diunduh: {len(events)} status permohonan")
    return current_app.response_class(content, mimetype="application/octet-stream",
                                      headers={"Content-Disposition": f'attachment; filename="{name}"'})


# --- admin: kecamatan and keys ------------------------------------------------------------------

@page_blueprint.get("/admin/kecamatan")
def kecamatans():
    return _kecamatans_page({}, {})


def _kecamatans_page(form: dict, errors: dict):
    """Every kecamatan with its PCs' keys, each with the versions it last reported, its report after an
    update, and whether it still needs the update (updates.fleet_versions)."""
    listed = list(Kecamatan.select().order_by(Kecamatan.code))
    fleet = updates.fleet_versions([key for kecamatan in listed for key in kecamatan.keys],
                                   current_app.config["DATA_DIR"])
    return render_template("center/kecamatans.html", kecamatans=listed, form=form, errors=errors, new_code=None,
                           outdated=fleet["outdated"], fleet=fleet, health_of=updates.health_of,
                           unused_code_until=keys.unused_code_until,
                           center_version=APP_VERSION, protocol_version=protocol.PROTOCOL_VERSION,
                           min_protocol=protocol.MIN_PROTOCOL_VERSION), 422 if errors else 200


@page_blueprint.post("/admin/kecamatan")
def new_kecamatan():
    form = {"code": request.form.get("code", "").strip(), "name": request.form.get("name", "").strip()}
    errors = {}
    if not KEMENDAGRI_CODE.match(form["code"]):
        errors["code"] = "Kode Kemendagri kecamatan, contoh 35.08.07."
    elif Kecamatan.get_or_none(Kecamatan.code == form["code"]):
        errors["code"] = "Kecamatan ini sudah terdaftar; buat kode pendaftaran baru dari daftar."
    if not form["name"] and not errors.get("code"):
        form["name"] = region_name(form["code"]) or ""
    if not form["name"]:
        errors["name"] = "Nama kecamatan wajib diisi."
    if errors:
        return _kecamatans_page(form, errors)
    kecamatan, code = desk_records.register_kecamatan(form["code"], form["name"])
    return _code_page(kecamatan, code)


def _code_page(kecamatan, code):
    """The code and what the kecamatan's admin does with it in the browser, with this center's address
    (LOKET_CENTER_PUBLIC_URL when behind a proxy, else the address this page was opened on)."""
    address = current_app.config.get("PUBLIC_URL") or request.url_root.rstrip("/")
    return render_template("center/enrolment_code.html", kecamatan=kecamatan, code=code, center_address=address)


@page_blueprint.post("/admin/kecamatan/<int:kecamatan_id>/kode-baru")
def new_enrolment_code(kecamatan_id: int):
    kecamatan = get_object_or_404(Kecamatan, Kecamatan.id == kecamatan_id)
    return _code_page(kecamatan, desk_records.new_enrolment_code(kecamatan))


@page_blueprint.post("/admin/kunci/<int:key_id>/cabut")
def revoke_key(key_id: int):
    key = get_object_or_404(DeviceKey, DeviceKey.id == key_id)
    desk_records.revoke_key(key)
    flash(f"Kunci {key.key_id} dicabut; perangkat itu tidak dapat sinkron lagi.", "success")
    return redirect(url_for("center.kecamatans")), 303


# --- admin: accounts -------------------------------------------------------------------------

@page_blueprint.route("/admin/operator", methods=["GET", "POST"])
def operators():
    form = {key: request.form.get(key, "").strip() for key in ("username", "full_name", "role")}
    if request.method == "GET":
        return _operators_page(form, {})
    form["username"] = form["username"].lower()
    errors = account_problems(**form)
    if errors:
        return _operators_page(form, errors), 422
    return _operators_page({}, {}, created=desk_records.create_account(**form))


def _operators_page(form: dict, errors: dict, created=None):
    """The admin's page: the accounts, and the writes that left no trail (table and function only)."""
    return render_template("center/operators.html", operators=list(Operator.select().order_by(Operator.username)),
                           form=form, errors=errors, created=created, untrailed=trail.untrailed_writes(current_app.config["DATA_DIR"]))
