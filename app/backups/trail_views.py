"""The admin's page of the writes kept without their audit row (app/frame/audit.py), opened from the
health card: each with its tables, function and when, and the button that says they were looked at."""
from datetime import datetime
from pathlib import Path

from flask import current_app, flash, redirect, render_template, request, url_for

from app.backups import health
from app.backups.views import blueprint
from app.frame import audit

TRAIL_GAPS_PATH = "/admin/cadangan/tanpa-catatan-audit"


@blueprint.get(TRAIL_GAPS_PATH)
def trail_gaps():
    return _trail_gaps_page({})


def _trail_gaps_page(errors, status=200):
    gaps = audit.trail_gaps(Path(current_app.config["DATABASE_PATH"]).parent)
    return render_template("backups/trail_gaps.html", gaps=gaps, words=[health.gap_words(gap) for gap in gaps],
                           errors=errors), status


@blueprint.post(TRAIL_GAPS_PATH)
def trail_gaps_seen():
    seen_until = request.form.get("sampai", "")[:40]
    try:
        datetime.fromisoformat(seen_until)
    except ValueError:  # an empty or edited form: nothing is taken as looked at
        return _trail_gaps_page({"form": "Daftar tidak terbaca; periksa daftar di bawah lalu tandai lagi."}, 422)
    try:
        seen = health.acknowledge_trail_gaps(current_app.config, seen_until)
    except OSError:
        return _trail_gaps_page({"form": "Catatan ini tidak dapat diubah di disk (mungkin penuh). Kosongkan ruang "
                                         "disk, lalu tandai lagi."}, 503)
    flash(f"{seen} perubahan tanpa catatan audit ditandai sudah diperiksa." if seen else
          "Tidak ada perubahan yang perlu ditandai.", "success")
    return redirect(url_for("backups.trail_gaps"), 303)
