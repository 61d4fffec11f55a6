"""The admin's page of the office's secure LAN, the CA's download, and the health card."""
from flask import Blueprint, Response, current_app, flash, g, redirect, render_template, request, url_for

from app.capabilities import Card, MenuItem
from app.frame import store
from app.frame.access import may
from app.frame.dates import format_datetime, utc_now

blueprint = Blueprint("lan_tls", __name__)
MENU = [MenuItem("Jaringan Aman", "lan_tls.index", order=94)]
EXPIRY_WARN_DAYS = 14  # renewal runs 30 days before the end: 14 left means it has failed for two weeks


def listener():
    """The LAN's TLS listener of this process (None: served on loopback only, or a test's app)."""
    return current_app.extensions.get("lan_listener")


def ca_words() -> dict:
    """The CA's certificate's fingerprints and end, for this page and the recovery key's sheet."""
    from app.frame import office_tls
    ca = office_tls.office_ca()
    cert = office_tls.certificate(ca["cert"])
    return {"sha256": office_tls.fingerprint(ca["cert"]), "sha1": office_tls.fingerprint(ca["cert"], "sha1"),
            "name": cert.subject.rfc4514_string(), "until": _when(cert.not_valid_after_utc),
            "linux": office_tls.LINUX_TRUST_COMMAND, **renamed(ca)}


def renamed(ca: dict) -> dict:
    """{"made_for", "this_pc"} when this PC's name is not the one the CA vouches for (a restore onto a new
    PC, a renamed PC): the counters' bookmarks of https://NAME:8443/ fail until this PC takes that name."""
    from app.frame import office_tls
    made_for, this_pc = office_tls.ca_hostname(ca), office_tls.pc_name()
    return {"made_for": made_for, "this_pc": this_pc} if made_for and this_pc and made_for != this_pc else {}


def _when(moment) -> str:
    return format_datetime(moment.replace(tzinfo=None), store.get("timezone"))


def _page(errors=None, status=200):
    lan = listener()
    state = lan.state if lan else None
    return render_template("lan_tls/index.html", ca=ca_words(), state=state, errors=errors or {},
                           until=_when(state.not_after) if state and state.not_after else "",
                           download=url_for("lan_tls.ca_certificate")), status


@blueprint.get("/admin/jaringan-aman")
def index():
    return _page()


@blueprint.post("/admin/jaringan-aman/ganti-ca")
def rotate():
    """A new CA (the old key may have been seen): every counter PC trusts the new one again."""
    from app.frame import office_tls
    if request.form.get("yakin") != "ya":
        return _page({"yakin": "Centang pernyataan bahwa Anda siap memasang sertifikat baru di setiap PC loket."}, 422)
    office_tls.rotate_ca(user=g.user)
    office_tls.serve_at_once(current_app)
    flash("Sertifikat kantor baru dibuat. Cetak ulang lembar kunci pemulihan (sidik jari baru) dan percayai "
          "sertifikat baru di setiap PC loket.", "success")
    return redirect(url_for("lan_tls.index"), 303)


@blueprint.get("/sertifikat-kantor.crt")
def ca_certificate():
    """The CA's certificate (public: a counter PC downloads it before it trusts the office)."""
    from app.frame import office_tls
    return Response(office_tls.ca_der(office_tls.office_ca()), mimetype="application/x-x509-ca-cert",
                    headers={"Content-Disposition": 'attachment; filename="sertifikat-kantor.crt"'})


def dashboard_cards(user) -> list[Card]:
    """The admin's health: the LAN listener's state and its certificate's end."""
    if user is None or not may(user, "jaringan.kelola"):
        return []
    lan = listener()
    url = url_for("lan_tls.index")
    if lan is None:
        return [Card("Jaringan kantor", "hanya PC ini", "Aplikasi hanya melayani PC ini (127.0.0.1). Untuk PC loket "
                     "lain, jalankan dengan --host 0.0.0.0: jaringan dilayani lewat sambungan aman.", url, "info")]
    state = lan.state
    other_name = renamed(lan.ca) if lan.ca else {}
    if other_name:
        return [Card("Nama PC kantor berubah", f"PC loket memakai {other_name['made_for']}",
                     f"Ganti nama PC ini menjadi {other_name['made_for']} agar penanda di PC loket tetap berlaku; "
                     "lihat Jaringan Aman.", url, "warn")]
    if not state.running:
        return [Card("Sambungan aman LAN berhenti", "PC loket lain tidak terlayani", (state.problem or "")[:200]
                     + " Jalankan ulang aplikasi; bila tetap berhenti, hubungi pengelola aplikasi di kabupaten.",
                     url, "danger")]
    left = state.not_after.replace(tzinfo=None) - utc_now()
    if left.days < EXPIRY_WARN_DAYS:
        return [Card("Sertifikat LAN hampir habis", f"berlaku sampai {_when(state.not_after)}",
                     "Pembaruan otomatis sertifikat gagal. Jalankan ulang aplikasi; bila pesan ini tetap ada, "
                     "hubungi pengelola aplikasi di kabupaten.", url, "danger" if left.days < 3 else "warn")]
    return [Card("Sambungan aman LAN", f"aktif di port {state.port}",
                 f"Sertifikat berlaku sampai {_when(state.not_after)}, diperbarui otomatis.", url, "ok")]
