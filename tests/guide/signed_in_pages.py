"""Clients signed in to each program for the guides' tests (issue 74): the office app, a desa PC and the
center, each on a data folder of its own, as the admin of that program unless a role is named."""
import shutil

from app import create_app
from tests.conftest import sign_in_as


def office_client(folder, set_up_office_folder, program: str = "kantor"):
    """(app, client) of the kecamatan office (program "kantor", a set-up office) or of a new desa PC ("desa"),
    signed in as its admin (the first start's account, its password already changed)."""
    if program == "kantor":
        shutil.copytree(set_up_office_folder, folder)
    app = create_app({"DATA_DIR": folder, "SECRET_KEY": "panduan", "TESTING": True,
                      **({"MODE": "desa"} if program == "desa" else {})})
    from app.auth.models import User
    from app.firstrun import ensure_admin
    with app.app_context(), app.extensions["database"].connection_context():
        ensure_admin()
        admin = User.get(User.username == "admin")
        admin.must_change_password = False
        admin.save()
        client = app.test_client()
        sign_in_as(client, admin)
    return app, client


def center_client(folder, role: str = "admin"):
    """(app, client) of a center on SQLite in `folder`, signed in as an account of `role`."""
    from app.frame.signin import SESSION_TOKEN, start_session
    from sync.center.accounts import create_operator
    from sync.center.app import create_center_app
    app = create_center_app({"DATA_DIR": folder, "SECRET_KEY": "panduan", "TESTING": True})
    database = app.extensions["center_database"]
    with app.app_context(), database.connection_context():
        account = create_operator(role, f"Akun {role}", role, password="rahasia-pusat-1", must_change_password=False)[0]
    client = app.test_client()
    with app.test_request_context(), database.connection_context():
        token = start_session(account)
    with client.session_transaction() as session:
        session[SESSION_TOKEN] = token
    return app, client


def page(client, url: str) -> str:
    answer = client.get(url)
    assert answer.status_code == 200, (url, answer.status_code)
    return answer.get_data(as_text=True)


def an_update_waiting(admin_client, folder, password: str | None = None) -> None:
    """A release read from a USB copy by the admin, as the office does it (the root's fingerprint typed first): the
    update page then shows "Pasang pembaruan sekarang", a button the guides name."""
    from sync.release import key_signing
    from tests.updates.helpers import sheet_form
    from tests.updates.test_update_page import usb_copy_of_a_release
    stick = usb_copy_of_a_release(folder)
    typed = admin_client.post("/admin/pembaruan/kunci-root",
                              data=sheet_form(key_signing.key_folder_fingerprint(folder / "kunci"), password))
    # saved and back on the update page (a signed-out client is sent to sign in: a 302 too)
    assert typed.status_code == 302 and typed.headers["Location"].endswith("/admin/pembaruan"), \
        (typed.headers.get("Location"), typed.get_data(as_text=True)[-3000:])
    read = admin_client.post("/admin/pembaruan/usb", data={"folder": str(stick)}, follow_redirects=True)
    assert "Pembaruan tersedia: versi 9.1.0" in read.get_data(as_text=True)
