"""The frame's request class takes a capability's larger upload only on its path (hooks.UPLOAD_LIMITS):
the restore of a whole database; every other page keeps the app's MAX_CONTENT_LENGTH."""
import io

from app.backups.views import RESTORE_PATH, RESTORE_UPLOAD_MAX


def test_only_the_restore_takes_a_body_beyond_the_apps_limit(app, client_for):
    assert app.extensions["upload_limits"] == {RESTORE_PATH: RESTORE_UPLOAD_MAX}
    app.config["MAX_CONTENT_LENGTH"] = 4096
    admin = client_for("admin")
    big = {"backup_file": (io.BytesIO(b"x" * 20_000), "cadangan.sqlite3")}
    restore = admin.post(RESTORE_PATH, data=dict(big, confirm="ya"), content_type="multipart/form-data")
    assert restore.status_code == 422  # read whole, then refused as no backup: not 413
    big = {"backup_file": (io.BytesIO(b"x" * 20_000), "cadangan.sqlite3")}
    elsewhere = admin.post("/admin/cadangan", data=big, content_type="multipart/form-data")
    assert elsewhere.status_code == 413
