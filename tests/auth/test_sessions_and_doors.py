"""Issue 13's findings on sessions and logins, each a test that failed on the code before it."""
from datetime import timedelta

from app.frame.audit_event import AuditEvent
from app.frame import passwords
from app.auth.models import StaffSession
from app.frame.dates import utc_now
from tests.conftest import TEST_PASSWORD


def login(client, username, password, **kwargs):
    return client.post("/masuk", data={"username": username, "password": password}, **kwargs)


def session_cookie(client):
    return client.get_cookie("loket_session").value


def test_a_cookie_copied_before_logout_no_longer_works(app, client, users):
    assert login(client, "kasi-pelayanan", TEST_PASSWORD).status_code == 302
    copied = session_cookie(client)
    assert client.get("/").status_code == 200
    client.post("/keluar")
    thief = app.test_client()
    thief.set_cookie("loket_session", copied)
    assert thief.get("/").status_code == 302  # back to the login page
    assert AuditEvent.select().where(AuditEvent.action == "keluar").exists()


def test_a_password_change_ends_sessions_on_other_pcs(app, users):
    other_pc, this_pc = app.test_client(), app.test_client()
    login(other_pc, "kasi-pelayanan", TEST_PASSWORD)
    login(this_pc, "kasi-pelayanan", TEST_PASSWORD)
    new = "kuda-lumping-jalan-sore-91"
    response = this_pc.post("/akun/kata-sandi", data={"current": TEST_PASSWORD, "new": new, "confirm": new})
    assert response.status_code == 302
    assert this_pc.get("/").status_code == 200
    assert other_pc.get("/").status_code == 302


def test_an_idle_session_ends(app, client, users):
    login(client, "kasi-pelayanan", TEST_PASSWORD)
    StaffSession.update(last_seen_at=utc_now() - timedelta(minutes=31)).execute()
    response = client.get("/")
    assert response.status_code == 302 and "/masuk" in response.location


def test_no_session_lives_past_its_absolute_lifetime(app, client, users):
    login(client, "kasi-pelayanan", TEST_PASSWORD)
    StaffSession.update(created_at=utc_now() - timedelta(hours=app.config["SESSION_MAX_HOURS"], minutes=1)).execute()
    assert client.get("/").status_code == 302


def test_responses_do_not_renew_the_cookie(client, users):
    cookies = login(client, "camat", TEST_PASSWORD).headers.getlist("Set-Cookie")
    ours = [c for c in cookies if c.startswith("loket_session=")]
    assert ours and "Expires" not in ours[0]  # ends with the browser; the server ends it sooner
    for _ in range(3):
        for cookie in client.get("/").headers.getlist("Set-Cookie"):
            assert not cookie.startswith("loket_session=") or "Expires" not in cookie


def test_the_session_id_changes_at_login(client, users):
    login(client, "camat", TEST_PASSWORD)
    first = session_cookie(client)
    client.post("/keluar")
    login(client, "camat", TEST_PASSWORD)
    assert session_cookie(client) != first


def test_a_stranger_cannot_lock_out_a_real_user(app, users):
    stranger = app.test_client()
    for _ in range(30):
        login(stranger, "admin", "tebak-tebak", environ_base={"REMOTE_ADDR": "10.0.0.66"})
    assert login(stranger, "admin", TEST_PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.66"}).status_code == 429
    real = app.test_client()
    assert login(real, "admin", TEST_PASSWORD, environ_base={"REMOTE_ADDR": "10.0.0.5"}).status_code == 302


def test_failed_logins_are_recorded(client, users):
    login(client, "admin", "salah")
    login(client, "bukan-siapa-siapa", "salah")
    failed = {e.username for e in AuditEvent.select().where(AuditEvent.action == "masuk_gagal")}
    assert failed == {"admin", "bukan-siapa-siapa"}


def test_an_unknown_username_costs_the_same_hash_work(client, users, monkeypatch):
    checked = []
    real = passwords.check_password_hash
    monkeypatch.setattr(passwords, "check_password_hash", lambda h, p: checked.append(h) or real(h, p))
    login(client, "tidak-ada", "salah")
    login(client, "admin", "salah")
    assert len(checked) == 2
    assert checked[0].split("$")[0] == checked[1].split("$")[0]  # same method and cost


def test_common_passwords_and_the_office_name_are_refused():
    for weak in ("password", "12345678", "rahasia123", "kecamatanku", "yosowilangun1"):
        assert passwords.new_password_problem(weak, weak, "budi", office_words=("Yosowilangun",)), weak
    assert passwords.new_password_problem("kuda-lumping-jalan-sore-91", "kuda-lumping-jalan-sore-91", "budi") is None


def test_the_new_password_may_not_be_the_one_time_password(client, db):
    from app.auth.accounts import create_user
    _, one_time = create_user("siti", "Siti Aminah", "petugas_loket")
    login(client, "siti", one_time)
    response = client.post("/akun/kata-sandi", data={"current": one_time, "new": one_time, "confirm": one_time})
    assert response.status_code == 422
    assert "sementara" in response.get_data(as_text=True)


def test_next_accepts_only_local_paths(client, users):
    for evil in ("/%09/evil.example/login", "/\t/evil.example/login", "//evil.example", "/\\evil.example",
                 "https://evil.example/", "/x\nLocation: http://evil.example"):
        response = client.post("/masuk", data={"username": "camat", "password": TEST_PASSWORD, "next": evil})
        assert response.status_code == 302, evil
        assert response.location == "/", evil
        client.post("/keluar")
    response = client.post("/masuk", data={"username": "camat", "password": TEST_PASSWORD, "next": "/rekap/"})
    assert response.location == "/rekap/"


def test_the_admin_sets_the_idle_timeout(client_for, client, users):
    admin = client_for("admin")
    assert admin.post("/admin/kantor/sesi", data={"session_idle_minutes": "3"}).status_code == 422
    assert admin.post("/admin/kantor/sesi", data={"session_idle_minutes": "90"}).status_code == 302
    assert 'value="90"' in admin.get("/admin/kantor").get_data(as_text=True)
    login(client, "camat", TEST_PASSWORD)
    StaffSession.update(last_seen_at=utc_now() - timedelta(minutes=60)).execute()
    assert client.get("/").status_code == 200  # 60 idle minutes are within the new 90
