"""Issue 61, finding 8: the sign-in page answered 200 (or a page of its own) where a browser expects a
redirect: a signed-in person following a sign-in link with a `next` went to the home page instead of
where the link led, and a visitor's /beranda on a fresh install answered 503 instead of the sign-in."""
from app import create_app
from app.firstrun import ensure_admin
from tests.conftest import CsrfClient


def test_a_signed_in_person_opening_a_sign_in_link_goes_where_it_led(client_for):
    answer = client_for("petugas_loket").get("/masuk?next=/pengaduan")
    assert answer.status_code == 303 and answer.headers["Location"] == "/pengaduan"


def test_a_sign_in_link_never_leads_a_signed_in_person_off_the_site(client_for):
    answer = client_for("petugas_loket").get("/masuk?next=//contoh.example/")
    assert answer.status_code == 303 and answer.headers["Location"] == "/"


def test_a_visitor_is_led_to_the_sign_in_on_a_fresh_install(tmp_path):
    app = create_app({"DATA_DIR": tmp_path, "SECRET_KEY": "test-secret", "TESTING": True})
    app.test_client_class = CsrfClient
    with app.app_context(), app.extensions["database"].connection_context():
        ensure_admin()
        for path in ("/", "/beranda"):
            answer = app.test_client().get(path)
            assert answer.status_code in (302, 303), path
            assert answer.headers["Location"].startswith("/masuk"), path
