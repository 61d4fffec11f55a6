"""Acting from Kesehatan Komputer (issue 81), on SQLite and PostgreSQL: a PC that went back from a published
release is offered it again from its own page ("Coba lagi", the admin's; the pimpinan reads the page without
any button and is refused the action), the count goes with every PC's probe, one more per mark; a version
the center never published is answered in Indonesian; the pilots are on the page with their verdict on the
release under test, and the Kinerja and Rilis Pembaruan pages lead to it."""
import json

import pytest

from sync.center.models import CenterAudit, DeviceKey
from tests.sync.test_center_fleet import FINE, page, regency, report, row_of, signed  # noqa: F401  (the fixture)
from tests.sync.test_center_pages import client_as
from tests.sync.test_rollout import published as publish

WENT_BACK = {"outcome": "dikembalikan", "version": "9.0.0", "why": "halaman /pendaftaran (500)",
             "at": "2026-11-27T08:10:00+00:00"}


@pytest.fixture
def published(center_app, center_db):
    """9.0.0 published at this center (to everyone: no pilot yet)."""
    publish(center_app, "9.0.0")
    return "9.0.0"


def went_back(center_app, key, version="9.0.0", running="0.3.1"):
    """The PC's reports after taking `version` back to `running` (0.3.1 is the first to read a "coba lagi"
    mark): its health report and its update report's refusal."""
    client = center_app.test_client()
    assert report(client, key, version=running, update=dict(WENT_BACK, version=version)).status_code == 200
    health = {"version": running, "walk": None, "pages": 0, "failed": [], "at": None, "errors_since": 0,
              "refused": {"version": version, "stage": "sesudah", "why": WENT_BACK["why"], "at": WENT_BACK["at"]}}
    assert signed(client, key, health, path="/api/v1/updates/health").status_code == 200


def probe_marks(center_app, key) -> dict | None:
    answer = signed(center_app.test_client(), key, None, method="GET", path="/api/v1/probe")
    assert answer.status_code == 200
    return answer.json.get("release_retry")


def test_a_pc_that_went_back_is_offered_the_release_again_from_its_page(center_app, regency, published):
    made, admin, pimpinan = regency
    went_back(center_app, made["35.08.08"])
    assert probe_marks(center_app, made["35.08.08"]) is None  # nothing marked: the probe is as before
    key = DeviceKey.get(DeviceKey.key_id == made["35.08.08"][0])
    text = page(center_app, admin, f"/armada/{key.id}")
    assert "menolak atau mengembalikan rilis <strong>9.0.0</strong>" in text and "Coba lagi rilis 9.0.0</button>" in text
    # The pimpinan reads the same page without the button, and is refused the action.
    seen = page(center_app, pimpinan, f"/armada/{key.id}")
    assert "<strong>9.0.0</strong>" in seen and "coba-lagi" not in seen and "Coba lagi rilis" not in seen
    assert "admin kabupaten menandainya coba lagi" in seen
    assert client_as(center_app, pimpinan).post("/admin/rilis/coba-lagi", data={"versi": "9.0.0"}).status_code == 403

    admin_client = client_as(center_app, admin)
    marked = admin_client.post("/admin/rilis/coba-lagi", data={"versi": "9.0.0", "komputer": str(key.id)})
    assert marked.status_code == 303 and marked.headers["Location"].endswith(f"/armada/{key.id}")
    assert "Rilis 9.0.0 ditawarkan lagi" in admin_client.get(f"/armada/{key.id}").text
    # Every PC's probe carries the count; the next mark counts one more.
    assert probe_marks(center_app, made["35.08.07"]) == probe_marks(center_app, made["35.08.08"]) == {"9.0.0": 1}
    admin_client.post("/admin/rilis/coba-lagi", data={"versi": "9.0.0"})
    assert probe_marks(center_app, made["35.08.08"]) == {"9.0.0": 2}
    trail = [row.summary for row in CenterAudit.select().where(CenterAudit.action == "coba_lagi").order_by(CenterAudit.id)]
    assert len(trail) == 2 and "tanda coba lagi ke-2" in trail[1] and "Kunir (35.08.08), loket kecamatan" in trail[0]


def test_a_pc_of_a_version_that_never_reads_the_mark_is_not_promised_it(center_app, regency, published):
    """A 0.3.0 PC (the field's previous version) keeps a release it took back failed for good: it has no
    code for the marks (app/updates/state.take_retries came with 0.3.1). Its page said "Coba lagi" would
    offer it again; it names the next release instead, and the mark's answer counts it apart."""
    made, admin, _ = regency
    went_back(center_app, made["35.08.08"], running="0.3.0")
    went_back(center_app, made["35.08.07"], running="0.3.1")
    old = DeviceKey.get(DeviceKey.key_id == made["35.08.08"][0])
    text = page(center_app, admin, f"/armada/{old.id}")
    assert "Coba lagi rilis" not in text and "coba-lagi" not in text
    assert "versinya (0.3.0) belum mengenal tanda coba lagi" in text and "rilis berikutnya" in text
    assert "Versi komputer ini belum mengenal Coba lagi" in row_of(page(center_app, admin), "Kunir")
    assert "tekan Coba lagi di halaman komputer ini" in row_of(page(center_app, admin), "Yosowilangun")
    marked = client_as(center_app, admin).post("/admin/rilis/coba-lagi", data={"versi": "9.0.0"}, follow_redirects=True)
    assert "(2 komputer menurut laporannya)" in marked.text
    assert ("1 komputer di antaranya memakai versi lama yang belum mengenal tanda coba lagi (Kunir (35.08.08), loket "
            "kecamatan, perangkat P1): rilis 9.0.0 tidak ditawarkan lagi kepadanya") in marked.text


@pytest.mark.parametrize("version", ["9.9.9", "", "<b>9</b>"])
def test_a_version_the_center_never_published_is_answered_in_indonesian(center_app, regency, published, version):
    _, admin, _ = regency
    answer = client_as(center_app, admin).post("/admin/rilis/coba-lagi", data={"versi": version})
    assert answer.status_code == 422 and "tidak ada di daftar rilis yang terbit di pusat ini" in answer.text
    assert "<b>9</b>" not in answer.text
    assert CenterAudit.select().where(CenterAudit.action == "coba_lagi").count() == 0


def test_the_pilots_are_on_the_page_with_their_verdict_and_the_other_pages_lead_there(center_app, regency, published):
    made, admin, pimpinan = regency
    key = DeviceKey.get(DeviceKey.key_id == made["35.08.08"][0])
    client_as(center_app, admin).post("/admin/rilis/komputer-uji", data={"key": str(key.id), "pilot": "1"})
    publish(center_app, "9.1.0", to_everyone=False)
    report(center_app.test_client(), made["35.08.08"])
    assert "rilis uji: belum memasang" in row_of(page(center_app, admin, "/armada"), "Kunir")
    # It took 9.1.0 back: said beside it, the pilots alone with the filter "komputer uji".
    went_back(center_app, made["35.08.08"], "9.1.0")
    pilots = page(center_app, pimpinan, "/armada?masalah=uji")
    assert "rilis uji: ditolak" in row_of(pilots, "Kunir")
    assert "Yosowilangun (35.08.07)" not in pilots.split('id="armada"')[1]
    releases_page = page(center_app, admin, "/admin/rilis")
    assert f'href="/armada/{key.id}"' in releases_page and 'href="/armada?masalah=uji"' in releases_page
    kinerja = page(center_app, pimpinan, "/kinerja")
    assert 'href="/armada"' in kinerja
    # A kecamatan with no recap yet leads to its own PCs (a PC not seen is the likely why).
    assert 'href="/armada?kecamatan=35.08.08">Kesehatan komputer kecamatan ini</a>' in kinerja


def test_each_role_meets_kesehatan_komputer_with_real_data_as_the_table_says(center_app, regency, published):
    """The role walk with a regency's reports in the pages (walked empty, a PC's page was only its 404): the
    admin and the pimpinan read every view, the pimpinan without any acting form; the operator is refused;
    no inline script or handler."""
    import re
    from sync.center.accounts import create_operator
    made, admin, pimpinan = regency
    went_back(center_app, made["35.08.08"])
    report(center_app.test_client(), made["35.08.07"], disk_free_mb=100)
    key = DeviceKey.get(DeviceKey.key_id == made["35.08.08"][0])
    client_as(center_app, admin).post("/admin/rilis/komputer-uji", data={"key": str(key.id), "pilot": "1"})
    operator = create_operator("loket", "Operator", "operator", password="rahasia-pusat-1",
                               must_change_password=False)[0]
    urls = ["/armada", f"/armada/{key.id}", "/armada?masalah=uji", "/armada?kecamatan=35.08.08&kertas=f4",
            "/armada?masalah=dikembalikan"]
    for url in urls:
        assert client_as(center_app, operator).get(url).status_code == 403, url
        for who in (admin, pimpinan):
            text = page(center_app, who, url)  # 200, a policy without unsafe-inline, no inline <script>
            assert "Kunir" in text and not re.search(r"<[^>]+\son[a-z]+=", text), url
            actions = set(re.findall(r'<form method="post" action="([^"]+)"', text))
            if who is pimpinan:
                assert actions <= {"/keluar"}, (url, actions)
            elif url == f"/armada/{key.id}":
                assert "/admin/rilis/coba-lagi" in actions


def as_program(client, key, version: str, body=None, path="/api/v1/probe", status=200):
    """A signed request of the program of `version` on the PC of `key` (its version header), answered `status`."""
    from tests.sync.helpers import signed_headers
    from sync import protocol
    data = json.dumps(body).encode() if body is not None else b""
    headers = dict(signed_headers(key[0], key[1], "POST" if body is not None else "GET", path, data),
                   **{protocol.VERSION_HEADER: protocol.version_report(version)})
    answer = client.open(path, method="POST" if body is not None else "GET", data=data, headers=headers,
                         content_type="application/json")
    assert answer.status_code == status, answer.text[:300]
    return answer


def test_the_version_that_runs_is_named_whatever_program_made_the_last_request(center_app, regency, published):
    """Issue 94, finding 5: Task Scheduler's `run.py sync` runs the PC's installed program while its launcher serves
    a later version; the center named the last request's program (its header), so an updated PC flipped between
    "9.0.0 baik" and "0.2.0 versi tertinggal" on Kesehatan Komputer, and the Kecamatan page counted it behind the
    newest release. Now the version its latest report names (the running server reports at least every 20 h):
    the installed 0.2.0's pass (no report) and a 0.3.2's (its report names what its launcher serves, its header
    itself) change nothing; a PC still signing a day after its last report runs a version that sends none."""
    from datetime import timedelta
    from sync.center.models import FleetLatest
    made, admin, _ = regency
    client = center_app.test_client()
    yoso, kunir = made["35.08.07"], made["35.08.08"]
    for key, installed, sends in ((yoso, "0.2.0", None), (kunir, "0.3.2", dict(FINE, version="9.0.0"))):
        as_program(client, key, "9.0.0", dict(FINE, version="9.0.0"), "/api/v1/fleet/report")  # the running server
        as_program(client, key, installed, sends, "/api/v1/fleet/report" if sends else "/api/v1/probe")
    DeviceKey.update(pilot_since=DeviceKey.created_at).where(DeviceKey.key_id == kunir[0]).execute()
    armada = page(center_app, admin)
    for kecamatan in ("Yosowilangun", "Kunir"):
        row = row_of(armada, kecamatan)
        assert "9.0.0" in row and "versi tertinggal" not in row and "0.2.0" not in row, row
    listed = page(center_app, admin, "/admin/kecamatan")
    assert "2 memakai versi 9.0.0" in listed and "perlu diperbarui" not in listed and "versi 0.3.2" not in listed
    pilots = page(center_app, admin, "/admin/rilis")
    assert "0.3.2" not in pilots and "9.0.0" in pilots
    # Yosowilangun's PC went on signing as 0.2.0 for more than a day after its last report, never silent: 0.2.0 runs
    # (it sends none); Kunir's report, its own PC's only, leaves that row as it is.
    yoso_key = DeviceKey.get(DeviceKey.key_id == yoso[0])
    FleetLatest.update(received_at=yoso_key.last_used_at - timedelta(days=2)).where(
        FleetLatest.device_key == yoso_key.id).execute()
    DeviceKey.update(back_at=yoso_key.last_used_at - timedelta(days=2)).where(DeviceKey.id == yoso_key.id).execute()
    as_program(client, kunir, "9.0.0", dict(FINE, version="9.0.0"), "/api/v1/fleet/report")
    row = row_of(page(center_app, admin), "Yosowilangun")
    assert "0.2.0" in row and "<strong>versi tertinggal</strong>" in row, row
    assert "1 komputer perlu diperbarui" in page(center_app, admin, "/admin/kecamatan")


def test_a_command_line_report_is_kept_as_sent_and_read_as_the_version_its_launcher_serves(center_app, regency,
                                                                                          published):
    """Issue 94, finding 5, one rule at read time: a 0.3.0 or 0.3.1 installed program's Task Scheduler pass sends
    a report naming itself while its own update block says its launcher took 9.0.0, which serves. The center
    stored that report with 9.0.0 put in its place (fleet at ingest) and chose between it and the header at read
    (updates); now the report is stored as the PC said it and updates.reported_version reads it. A report stored
    before, with the version put in, reads the same."""
    from sync.center import updates
    from sync.center.models import FleetLatest
    made, admin, _ = regency
    client = center_app.test_client()
    yoso, kunir = made["35.08.07"], made["35.08.08"]
    taken = {"outcome": "diambil", "version": "9.0.0", "why": "", "at": "2026-11-28T01:00:00+00:00"}
    for key in (yoso, kunir):
        as_program(client, key, "9.0.0", dict(FINE, version="9.0.0", update=taken), "/api/v1/fleet/report")
        as_program(client, key, "0.3.1", dict(FINE, version="0.3.1", update=taken), "/api/v1/fleet/report")
    keys = {name: DeviceKey.get(DeviceKey.key_id == key[0]) for name, key in (("yoso", yoso), ("kunir", kunir))}
    stored = json.loads(FleetLatest.get(FleetLatest.device_key == keys["yoso"].id).report)
    assert stored["version"] == "0.3.1" and stored["update"]["version"] == "9.0.0"  # as the PC said it
    FleetLatest.update(report=json.dumps(dict(stored, version="9.0.0"))).where(  # as the center before stored it
        FleetLatest.device_key == keys["kunir"].id).execute()
    assert updates.running_versions(list(keys.values())) == {key.id: "9.0.0" for key in keys.values()}
    armada = page(center_app, admin)
    for kecamatan in ("Yosowilangun", "Kunir"):
        row = row_of(armada, kecamatan)
        assert '9.0.0 <span class="muted">(laporan' in row and "versi tertinggal" not in row, row
    assert "2 memakai versi 9.0.0" in page(center_app, admin, "/admin/kecamatan")
    history = page(center_app, admin, f"/armada/{keys['yoso'].id}")  # each report's row names what ran then
    assert history.count("<td>9.0.0</td>") == 2 and "<td>0.3.1</td>" not in history, history
    # Refused or taken back since, the same pass names the version that runs: its own.
    as_program(client, yoso, "0.3.1", dict(FINE, version="0.3.1", update=dict(WENT_BACK, version="9.0.0")),
               "/api/v1/fleet/report")
    assert updates.running_versions([keys["yoso"]])[keys["yoso"].id] == "0.3.1"


def test_a_release_offered_again_after_its_going_back_is_not_named_as_running(center_app, regency, published):
    """Issue 94, finding 5, after a refusal: a PC running 9.0.0 took 9.1.0, whose walk passed, and took it back (its
    first start failed). Its status keeps that walk, so once the admin's "Coba lagi" takes 9.1.0 off its failed
    ones the report's update block says "diambil 9.1.0" again (app/updates/fleet_report._update), from the program
    that runs 9.0.0 until the release is taken again. The center read the block's taken version for every report
    and named 9.1.0 (the refused release) as running; a report of 0.3.2 on names what runs, whoever sent it."""
    from sync.center import updates
    publish(center_app, "9.1.0")
    made, admin, _ = regency
    client, kunir = center_app.test_client(), made["35.08.08"]
    walked = {"outcome": "diambil", "version": "9.1.0", "why": "", "at": "2026-11-28T01:00:00+00:00"}
    as_program(client, kunir, "9.1.0", dict(FINE, version="9.1.0", update=walked), "/api/v1/fleet/report")
    went_back(center_app, kunir, "9.1.0", running="9.0.0")
    client_as(center_app, admin).post("/admin/rilis/coba-lagi", data={"versi": "9.1.0"})
    as_program(client, kunir, "9.0.0", dict(FINE, version="9.0.0", update=walked), "/api/v1/fleet/report")
    key = DeviceKey.get(DeviceKey.key_id == kunir[0])
    assert updates.running_versions([key]) == {key.id: "9.0.0"}
    row = row_of(page(center_app, admin), "Kunir")
    assert '9.0.0 <span class="muted">(laporan' in row and "<strong>versi tertinggal</strong>" in row, row
    history = page(center_app, admin, f"/armada/{key.id}")  # the rows after the going back name 9.0.0
    assert history.count("<td>9.0.0</td>") == 2 and history.count("<td>9.1.0</td>") == 1, history
    assert "1 komputer perlu diperbarui" in page(center_app, admin, "/admin/kecamatan")


def test_a_pc_back_from_a_day_off_is_named_by_its_report_until_its_first_pass(center_app, regency, published):
    """Issue 94, finding 5, the first minutes after a day off: a PC whose launcher serves 9.0.0 (it reports) over an
    installed 0.2.0 (it sends none) was switched off for two days. Back, Task Scheduler's `run.py sync` of the
    installed program signed first: its report two days old, the center named the last request's program, "0.2.0
    versi tertinggal", until the running server's first pass reported minutes later. It names the report's 9.0.0
    until a first pass had time to report; a PC that goes on signing past that without a report runs a version
    that sends none (0.2.0: it went back), and is named so."""
    from datetime import timedelta
    from sync.center.models import FleetLatest
    from sync.center.updates import FIRST_PASS_WITHIN
    made, admin, _ = regency
    client, kunir = center_app.test_client(), made["35.08.08"]
    as_program(client, kunir, "9.0.0", dict(FINE, version="9.0.0"), "/api/v1/fleet/report")  # the running server
    key = DeviceKey.get(DeviceKey.key_id == kunir[0])
    off = timedelta(days=2)  # its last request and its last report, before two days off
    DeviceKey.update(last_used_at=key.last_used_at - off, back_at=key.back_at - off).where(DeviceKey.id == key.id).execute()
    received = FleetLatest.get(FleetLatest.device_key == key.id).received_at
    FleetLatest.update(received_at=received - off).where(FleetLatest.device_key == key.id).execute()
    as_program(client, kunir, "0.2.0")  # back: the installed program's pass signs first
    row = row_of(page(center_app, admin), "Kunir")
    assert '9.0.0 <span class="muted">(laporan 2 hari lalu)' in row and "0.2.0" not in row, row
    assert "versi tertinggal" not in row and "perlu diperbarui" not in page(center_app, admin, "/admin/kecamatan")
    # Signing on past a first pass's time since it came back, without a report: a version that sends none runs.
    key = DeviceKey.get(DeviceKey.id == key.id)
    DeviceKey.update(back_at=key.last_used_at - FIRST_PASS_WITHIN - timedelta(minutes=1)).where(
        DeviceKey.id == key.id).execute()
    row = row_of(page(center_app, admin), "Kunir")
    assert "0.2.0" in row and "<strong>versi tertinggal</strong>" in row, row
    assert "1 komputer perlu diperbarui" in page(center_app, admin, "/admin/kecamatan")


def test_a_command_line_report_after_the_running_version_refused_a_release_names_the_running_one(
        center_app, regency, published):
    """Issue 94, finding 5, a 0.3.0/0.3.1 command-line report after a refusal: the installed 0.3.1's launcher took
    9.0.0, which runs and refused 9.1.0 before its switch. Task Scheduler's `run.py sync` of the installed program
    reports "0.3.1" with the refusal as its block (the status both share: app/updates/fleet_report._update), no
    longer "diambil 9.0.0", and the center named 0.3.1, "versi tertinggal", after every such pass. The running
    version's own reports of the day before name it (0.3.2 on names what runs); none says it went back since."""
    from sync.center import updates
    made, admin, _ = regency
    client, kunir = center_app.test_client(), made["35.08.08"]
    taken = {"outcome": "diambil", "version": "9.0.0", "why": "", "at": "2026-11-28T01:00:00+00:00"}
    refused = {"outcome": "ditolak", "version": "9.1.0", "why": "halaman /pendaftaran (500)",
               "at": "2026-11-28T09:00:00+00:00"}
    as_program(client, kunir, "9.0.0", dict(FINE, version="9.0.0", update=taken), "/api/v1/fleet/report")
    as_program(client, kunir, "9.0.0", dict(FINE, version="9.0.0", update=refused), "/api/v1/fleet/report")
    as_program(client, kunir, "0.3.1", dict(FINE, version="0.3.1", update=refused), "/api/v1/fleet/report")
    key = DeviceKey.get(DeviceKey.key_id == kunir[0])
    assert updates.running_versions([key]) == {key.id: "9.0.0"}
    row = row_of(page(center_app, admin), "Kunir")
    assert '9.0.0 <span class="muted">(laporan' in row and "versi tertinggal" not in row, row
    assert "perlu diperbarui" not in page(center_app, admin, "/admin/kecamatan")
    history = page(center_app, admin, f"/armada/{key.id}")  # each report's row names what ran then
    assert history.count("<td>9.0.0</td>") == 3 and "<td>0.3.1</td>" not in history, history


def test_a_release_taken_back_and_offered_again_is_not_named_from_an_old_programs_report(center_app, regency,
                                                                                         published):
    """Issue 94, finding 5, after a refusal, on 0.3.1 (the first to read "Coba lagi"): its launcher took 9.0.0,
    whose walk passed, and took it back (its first start failed): 0.3.1 serves again. Once the admin's "Coba lagi"
    took 9.0.0 off its failed ones, its block says "diambil 9.0.0" again (the walk from before the going back), and
    the center named 9.0.0, the refused release, as running. A report since that walk said it went back, three days
    before the mark here (read back to the walk, not only the day before)."""
    from datetime import timedelta
    from app.frame.dates import utc_now
    from sync.center import updates
    from sync.center.models import FleetReport
    made, admin, _ = regency
    client, kunir = center_app.test_client(), made["35.08.08"]
    days_ago = utc_now() - timedelta(days=4)
    walked = {"outcome": "diambil", "version": "9.0.0", "why": "", "at": f"{days_ago.isoformat(timespec='seconds')}Z"}
    back = dict(WENT_BACK, version="9.0.0", at=f"{(days_ago + timedelta(minutes=5)).isoformat(timespec='seconds')}Z")
    as_program(client, kunir, "0.3.1", dict(FINE, version="0.3.1", update={}), "/api/v1/fleet/report")
    went_back(center_app, kunir, "9.0.0", running="0.3.1")
    as_program(client, kunir, "0.3.1", dict(FINE, version="0.3.1", update=back), "/api/v1/fleet/report")
    key = DeviceKey.get(DeviceKey.key_id == kunir[0])
    FleetReport.update(received_at=utc_now() - timedelta(days=3)).where(FleetReport.device_key == key.id).execute()
    client_as(center_app, admin).post("/admin/rilis/coba-lagi", data={"versi": "9.0.0"})
    as_program(client, kunir, "0.3.1", dict(FINE, version="0.3.1", update=walked), "/api/v1/fleet/report")
    assert updates.running_versions([key]) == {key.id: "0.3.1"}
    row = row_of(page(center_app, admin), "Kunir")
    assert '0.3.1 <span class="muted">(laporan' in row and "<strong>versi tertinggal</strong>" in row, row
    history = page(center_app, admin, f"/armada/{key.id}")
    assert "<td>9.0.0</td>" not in history and history.count("<td>0.3.1</td>") == 4, history


def test_an_installed_program_without_the_room_check_is_told_no_news_beyond_what_its_pc_holds(center_app, regency,
                                                                                            published):
    """Issue 94, finding 2, the center's half (the office's: tests/updates/test_room_old_programs_pass.py): the
    installed 0.3.0 or 0.3.1 run by Task Scheduler fetches a release without looking at the disk. On a PC whose
    reports say a version of 0.3.6 on runs (it checks room and ends its check when it waits), that program's probe
    names the timestamp the PC was handed last, even after the daily re-signing, and no "coba lagi" mark (0.3.1
    checks and fetches at once on one); the running version is told everything, and so is a PC where 0.3.1 runs."""
    from sync.center.release_commands import online_key_of, repository_of
    from sync.release import key_signing
    from pathlib import Path
    made, admin, _ = regency
    client, yoso, kunir = center_app.test_client(), made["35.08.07"], made["35.08.08"]
    as_program(client, kunir, "9.0.0", dict(FINE, version="9.0.0"), "/api/v1/fleet/report")  # runs 9.0.0
    as_program(client, yoso, "0.3.1", dict(FINE, version="0.3.1", update={}), "/api/v1/fleet/report")  # runs 0.3.1
    held = as_program(client, kunir, "9.0.0", path="/api/v1/updates?name=metadata/timestamp.json")
    held = json.loads(held.data)["signed"]["version"]
    client_as(center_app, admin).post("/admin/rilis/coba-lagi", data={"versi": "9.0.0"})
    data_dir = Path(center_app.config["DATA_DIR"])
    key_signing.sign_timestamp(repository_of(data_dir), key_signing.load_signer(online_key_of(data_dir)))
    newest = as_program(client, kunir, "9.0.0").json
    assert newest["release"]["timestamp"] > held and newest["release_retry"] == {"9.0.0": 1}
    for installed in ("0.3.0", "0.3.1"):
        told = as_program(client, kunir, installed).json
        assert told["release"] == dict(newest["release"], timestamp=held) and "release_retry" not in told, told
    itself = as_program(client, yoso, "0.3.1").json
    assert itself["release"] == newest["release"] and itself["release_retry"] == {"9.0.0": 1}


def test_behind_a_running_version_that_leaves_its_wait_open_an_installed_programs_request_is_answered_busy(
        center_app, regency, published):
    """Issue 94, finding 2, where a landed 0.3.2 to 0.3.5 runs: its wait for room settles nothing, so the installed
    0.3.0 or 0.3.1 checks whatever its probe says. Its probe is told no news beyond what the PC holds still, and each
    file of the repository it asks for is answered 503 (what its client reads as a broken link: nothing fetched,
    nothing written); the running version is handed them, and so is 0.3.1 where it runs itself (field trees:
    tests/updates/test_room_old_programs_pass.py)."""
    made, admin, _ = regency
    client, yoso, kunir = center_app.test_client(), made["35.08.07"], made["35.08.08"]
    waits = dict(FINE, version="0.3.5", update={}, room={"version": "9.0.0", "short_mb": 460})
    as_program(client, kunir, "0.3.5", waits, "/api/v1/fleet/report")  # runs 0.3.5, the release waits for room
    as_program(client, yoso, "0.3.1", dict(FINE, version="0.3.1", update={}), "/api/v1/fleet/report")
    timestamp, root = "/api/v1/updates?name=metadata/timestamp.json", "/api/v1/updates?name=metadata/2.root.json"
    held = json.loads(as_program(client, kunir, "0.3.5", path=timestamp).data)["signed"]["version"]
    assert as_program(client, kunir, "0.3.5").json["release"]["timestamp"] == held
    for installed in ("0.2.0", "0.3.0", "0.3.1"):
        assert as_program(client, kunir, installed).json["release"]["timestamp"] == held
        for name in (timestamp, root):
            refused = as_program(client, kunir, installed, path=name, status=503)
            assert refused.json["error"] == "running_version_fetches" and refused.headers.get("Retry-After") is None
    # The 0.3.1 program's own report comes between (it names itself, and no wait for room): what runs, and its wait,
    # are read from the earlier reports, on the page too.
    as_program(client, kunir, "0.3.1", dict(FINE, version="0.3.1", update={}), "/api/v1/fleet/report")
    as_program(client, kunir, "0.3.1", path=timestamp, status=503)
    as_program(client, kunir, "0.3.5", path=timestamp)
    as_program(client, yoso, "0.3.1", path=timestamp)
    row = row_of(page(center_app, admin), "Kunir")
    assert "<strong>pembaruan menunggu ruang disk</strong>" in row and "0.3.5" in row, row
    assert "pembaruan menunggu ruang disk" not in row_of(page(center_app, admin), "Yosowilangun")
