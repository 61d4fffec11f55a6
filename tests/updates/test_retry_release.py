"""A PC that went back from a release is offered it again when the regency marks it "coba lagi" (issue 81),
through a real center and a real office app: the PC remembers the release as failed and is never offered
it; the admin's mark on the Rilis Pembaruan page (audited, CSRF, admin only) goes with the next probe,
the next pass offers the release again, a PC that fails it again keeps it failed until another mark,
and once it takes the release Kesehatan Komputer no longer shows it as gone back."""
import re

import pytest

from app.updates import state
from tests.sync.test_end_to_end import signed_in
from tests.updates.test_rings import TOKEN, Rollout, app_wheel, offered

WENT_BACK = ("Versi 9.0.0 dikembalikan ke versi sebelumnya: halaman /pendaftaran (500) setelah berganti versi. "
             "Versi ini tidak ditawarkan lagi.")


@pytest.fixture(params=["sqlite", "postgresql"])
def rollout(request, tmp_path, monkeypatch):
    """test_rings' regency, its center on SQLite or on PostgreSQL (the server and `run.py release` read the URL)."""
    if request.param == "postgresql":
        from tests.support.center_postgres import fresh_center_database
        url = request.getfixturevalue("pg_url")
        fresh_center_database(url)
        monkeypatch.setenv("LOKET_CENTER_DATABASE_URL", url)
    made = Rollout(tmp_path)
    yield made
    made.stop()


def office_row(page: str) -> str:
    rows = re.findall(r"<tr(?: class=\"attention\")?>\s*<td>(.*?)</tr>", page, re.S)
    return next(row for row in rows if "Yosowilangun" in row)


@pytest.mark.slow  # a center process and an office app: some 4 s
def test_a_pc_that_went_back_is_offered_the_release_again_once_per_mark(rollout):
    rollout.publish("9.0.0", "Rilis untuk semua.", app_wheel("9.0.0"))
    rollout.sync()
    assert offered(rollout.office_dir) == ("9.0.0", None)
    # The office switched to 9.0.0, and its walk after the switch took it back (what its launcher remembers).
    state.remember_failure(rollout.office_dir, "9.0.0", "rolled_back", WENT_BACK)
    assert not rollout.sync().error
    assert offered(rollout.office_dir) == (None, None)
    assert "kembali ke versi sebelumnya" in office_row(rollout.page("/armada"))
    listed = rollout.page()
    assert "Ditolak atau dikembalikan oleh: <a href=\"/armada/" in listed and "Yosowilangun (35.08.07)" in listed
    assert "Coba lagi (terbitkan ulang)</button>" in listed

    # Only the admin's own POST marks it: a wrong version is answered in Indonesian, nothing is marked.
    wrong = rollout.press("/admin/rilis/coba-lagi", versi="9.9.9")
    assert wrong.status_code == 422 and "Versi 9.9.9 tidak ada di daftar rilis yang terbit" in wrong.text
    assert rollout.admin.post(rollout.center.url + "/admin/rilis/coba-lagi", data={"versi": "9.0.0"}).status_code == 400
    operator = signed_in(rollout.center.url, "operator", "operator-rahasia-1", "/masuk")
    token = TOKEN.search(operator.get(rollout.center.url + "/").text).group(1)
    assert operator.post(rollout.center.url + "/admin/rilis/coba-lagi",
                         data={"csrf_token": token, "versi": "9.0.0"}).status_code == 403
    rollout.sync()
    assert offered(rollout.office_dir) == (None, None)

    marked = rollout.press("/admin/rilis/coba-lagi", versi="9.0.0")
    assert marked.status_code == 200 and "Rilis 9.0.0 ditawarkan lagi" in marked.text
    assert "Ditandai coba lagi 1 kali" in marked.text
    assert not rollout.sync().error
    assert offered(rollout.office_dir) == ("9.0.0", None)
    assert state.read_state(rollout.office_dir).get("rolled_back") is None  # its update page no longer says it

    # It fails again: failed until another mark, however many passes.
    state.remember_failure(rollout.office_dir, "9.0.0", "rolled_back", WENT_BACK)
    rollout.sync(), rollout.sync()
    assert offered(rollout.office_dir) == (None, None)
    rollout.press("/admin/rilis/coba-lagi", versi="9.0.0")
    rollout.sync()
    assert offered(rollout.office_dir) == ("9.0.0", None)

    # Taken this time: its walk after the switch passed; the fleet page says so, not "kembali".
    state.note_health(rollout.office_dir, "9.0.0", True, 41, [])
    assert not rollout.sync().error
    row = office_row(rollout.page("/armada"))
    assert "kembali ke versi sebelumnya" not in row and "9.0.0 diambil" in row
    assert "Ditolak atau dikembalikan oleh" not in rollout.page()
    marks = [(user, summary) for user, action, _, summary in _audit(rollout) if action == "coba_lagi"]
    assert [user for user, _ in marks] == ["kabupaten", "kabupaten"]
    assert "tanda coba lagi ke-1" in marks[0][1] and "Yosowilangun (35.08.07), loket kecamatan" in marks[0][1]


def _audit(rollout) -> list[tuple]:
    from sync.center.models import CenterAudit
    with rollout.center_db():
        return [(row.username, row.action, row.entity_id, row.summary) for row in CenterAudit.select().order_by(CenterAudit.id)]


@pytest.mark.parametrize("marks", [{"9.0.0": 0}, {"9.0.0": True}, {"9.0.0": "2"}, ["9.0.0"], {"x" * 40: 1}])
def test_a_mark_out_of_its_shape_offers_nothing(tmp_path, marks):
    state.remember_failure(tmp_path, "9.0.0", "rolled_back", WENT_BACK)
    assert state.take_retries(tmp_path, marks) == []
    assert state.read_state(tmp_path)["failed_versions"] == ["9.0.0"]


def test_a_mark_seen_before_the_failure_does_not_undo_it(tmp_path):
    assert state.take_retries(tmp_path, {"9.0.0": 1}) == []  # marked for others; this PC had not failed it
    state.remember_failure(tmp_path, "9.0.0", "check_refused", "Versi 9.0.0 gagal diperiksa pada salinan data.")
    assert state.take_retries(tmp_path, {"9.0.0": 1}) == []
    assert state.take_retries(tmp_path, {"9.0.0": 2}) == ["9.0.0"]
    assert state.read_state(tmp_path).get("check_refused") is None


def test_the_update_page_says_the_regency_offered_a_refused_release_again(client_for, app):
    """The admin who saw "dikembalikan" sees why the same release is offered once more (Coba lagi)."""
    data_dir = app.config["DATA_DIR"]
    state.remember_failure(data_dir, "9.0.0", "rolled_back", WENT_BACK)
    admin = client_for("admin")
    assert WENT_BACK.split(" (")[0] in admin.get("/admin/pembaruan").get_data(as_text=True)
    assert state.take_retries(data_dir, {"9.0.0": 1}) == ["9.0.0"]
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "Kabupaten menawarkan lagi rilis 9.0.0 yang sebelumnya ditolak atau dikembalikan" in page
    assert WENT_BACK.split(" (")[0] not in page


def test_a_going_back_an_older_launcher_told_goes_with_the_regency_s_mark(client_for, app):
    """6ce2a857's launcher and the first updatable one keep their going back's message without the version it is
    about (their own take_back, issue 94: the field launchers' office day): after the regency's Coba lagi the
    page went on saying "gagal berjalan … tidak ditawarkan lagi" above the release offered again, and hid why."""
    data_dir = app.config["DATA_DIR"]
    state.write_state(data_dir, failed_versions=["9.0.0"], rolled_back=WENT_BACK, rolled_back_at=state.now_text())
    admin = client_for("admin")
    assert WENT_BACK.split(" (")[0] in admin.get("/admin/pembaruan").get_data(as_text=True)
    assert state.take_retries(data_dir, {"9.0.0": 1}) == ["9.0.0"]
    page = admin.get("/admin/pembaruan").get_data(as_text=True)
    assert "Kabupaten menawarkan lagi rilis 9.0.0 yang sebelumnya ditolak atau dikembalikan" in page
    assert WENT_BACK.split(" (")[0] not in page and state.read_state(data_dir).get("rolled_back") is None


def test_an_older_launchers_going_back_is_read_by_its_words_not_a_version_an_earlier_one_left(tmp_path):
    """Issue 94: an install cleared "rolled_back" but kept "rolled_back_version" of an earlier going back; an older
    launcher's take_back then wrote its message without a version, and the regency's Coba lagi of the release it
    names left that message on the page (state.failure_version read the stale version)."""
    state.write_state(tmp_path, failed_versions=["8.0.0", "9.0.0"], rolled_back=WENT_BACK, rolled_back_version="8.0.0")
    assert state.failure_version(state.read_state(tmp_path), "rolled_back") == "9.0.0"
    assert state.take_retries(tmp_path, {"9.0.0": 1}) == ["9.0.0"]
    assert state.read_state(tmp_path).get("rolled_back") is None
