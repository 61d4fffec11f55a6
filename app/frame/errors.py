"""Calm Indonesian error pages; htmx requests get just the message to swap in."""
import logging

from flask import current_app, jsonify, render_template, request
from flask_wtf.csrf import CSRFError

log = logging.getLogger(__name__)

MESSAGES = {
    400: ("Permintaan tidak valid", "Permintaan tidak dapat diproses. Periksa isian lalu coba lagi."),
    403: ("Akses ditolak", "Peran Anda tidak diizinkan membuka halaman ini."),
    404: ("Halaman tidak ditemukan", "Alamat yang dibuka tidak ada atau datanya sudah tidak tersedia."),
    405: ("Cara akses tidak diizinkan", "Halaman ini tidak dapat dibuka dengan cara tersebut."),
    413: ("Berkas terlalu besar", "Berkas yang dikirim melebihi batas ukuran yang diizinkan."),
    429: ("Terlalu banyak permintaan", "Terlalu banyak permintaan dalam waktu singkat. Tunggu sebentar lalu coba lagi."),
    500: ("Terjadi kesalahan", "Terjadi kesalahan pada aplikasi. Data Anda tidak berubah; kejadian ini sudah dicatat. "
                              "Silakan coba lagi atau hubungi admin."),
}


def error_page(status: int, message: str | None = None):
    title, default = MESSAGES.get(status, MESSAGES[500])
    text = message or default
    api_prefix = current_app.extensions.get("api_prefix")
    if api_prefix and request.path.startswith(api_prefix):  # machines get JSON, never a page
        return jsonify({"error": title, "message": text}), status
    if request.htmx:
        return render_template("core/_error_message.html", title=title, message=text), status
    template = current_app.extensions.get("error_template", "core/error.html")
    return render_template(template, title=title, message=text, status=status), status


def with_error_headers(answer, error):
    """Keep what the HTTP error says in its headers (405's Allow, RFC 9110 15.5.6) on our own page."""
    body, status = answer
    headers = {}
    valid = getattr(error, "valid_methods", None)
    if valid:
        headers["Allow"] = ", ".join(sorted(valid))
    return body, status, headers


def register_error_pages(app, page_template: str = "core/error.html", api_prefix: str | None = None) -> None:
    """Every error as a calm page in `page_template`; under `api_prefix`, as JSON."""
    app.extensions["error_template"] = page_template
    app.extensions["api_prefix"] = api_prefix
    for status in MESSAGES:
        if status != 500:
            app.register_error_handler(status, lambda error, status=status: with_error_headers(error_page(status), error))

    @app.errorhandler(CSRFError)
    def csrf_failed(error):
        return error_page(400, "Formulir sudah kedaluwarsa atau tidak sah (token keamanan tidak cocok). "
                               "Muat ulang halaman lalu kirim lagi; isian Anda belum tersimpan.")

    @app.errorhandler(500)
    def internal_error(error):
        log.error("unhandled error on %s %s", request.method, request.path,
                  exc_info=getattr(error, "original_exception", error))
        return error_page(500)
