"""What every request of both apps (the kecamatan and the center) goes through."""
from flask import g


def install_request_cycle(app, db, load_user, enforce_roles) -> None:
    """A database connection per request, the signed-in user, the role check, security headers."""

    @app.before_request
    def open_connection():
        # A caller that already holds a connection (CLI, tests) keeps it.
        g.opened_connection = db.is_closed()
        if g.opened_connection:
            db.connect()
        load_user()

    app.before_request(enforce_roles)

    @app.teardown_request
    def close_connection(exc):
        if g.get("opened_connection") and not db.is_closed():
            db.close()

    @app.after_request
    def security_headers(response):
        response.headers.setdefault("X-Content-Type-Options", "nosniff")
        response.headers.setdefault("X-Frame-Options", "DENY")
        response.headers.setdefault("Referrer-Policy", "same-origin")
        if g.get("user"):  # pages with personal data must not linger in shared caches
            response.headers.setdefault("Cache-Control", "no-store")
        return response
