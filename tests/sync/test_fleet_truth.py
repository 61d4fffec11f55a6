"""Kesehatan Komputer tells the truth about every PC (issue 89): a table of the states a PC can be in, each made
through the real paths a PC reaches the center by (a signed pass with its report, a pass refused for its clock, a
USB batch file read at /impor, silence: the stored moments moved back as the days would), and the page's row of
that PC compared with the state it was made from: its problems, exactly, and the words its figures are said in.

Each finding of issue 89 read on the center's side is one case here (failing before its fix); the office's and
the desa PC's own paths, through the real programs, are tests/desa/test_desa_fleet_report.py (a desa pass with
nothing to send) and tests/updates/test_fleet_report.py (a USB export with nothing waiting)."""
import io
import json
import time
from dataclasses import dataclass, field
from datetime import timedelta
from typing import Callable

import pytest

from app.frame.dates import utc_now
from sync import protocol, usb
from sync.center import keys
from sync.center.accounts import create_operator
from sync.center.fleet import fleet_rows
from sync.center.models import DeviceKey, FleetLatest, FleetReport
from tests.sync.helpers import packet_item, signed_headers
from tests.sync.test_center_fleet import FINE, page, row_of
from tests.sync.test_center_pages import client_as as center_client
from tests.support.factory import kecamatan_row

CURRENT = "0.3.1"
NAME = "Kecamatan Uji"
# The reason a going back leaves, as app/updates/launcher.take_back words it for the office, cut at 300 as sent.
WENT_BACK_WHY = ("Versi 0.4.0 gagal berjalan (halaman /pendaftaran (500)). Komputer ini kembali sendiri ke versi "
                 "0.3.1; data dikembalikan ke saat berganti versi; semua yang sudah tersimpan sebelumnya tetap ada "
                 "(selama percobaan versi baru aplikasi tidak menerima isian). Versi 0.4.0 tidak ditawarkan lagi; "
                 "laporkan ke admin kabupaten.")[:300]


class Pc:
    """One PC of the case's kecamatan, reaching the center only by the real paths."""

    def __init__(self, center_app, admin, kecamatan, device: str):
        self.center_app, self.admin = center_app, admin
        _, key = keys.enrol(kecamatan.code, keys.new_enrolment_code(kecamatan), device)
        self.id, self.key = key.id, (key.key_id, key.secret)

    def _signed(self, path, body, version=CURRENT, timestamp=None, method="POST"):
        body = json.dumps(body).encode() if body is not None else b""
        headers = dict(signed_headers(*self.key, method, path, body if method == "POST" else b"", timestamp),
                       **{protocol.VERSION_HEADER: protocol.version_report(version)})
        return self.center_app.test_client().open(path, method=method, data=body, headers=headers,
                                                  content_type="application/json")

    def passes(self, version=CURRENT, **changes):
        """A pass of a reporting PC: its report goes (the probe before it says its version)."""
        self.probes(version)
        answer = self._signed("/api/v1/fleet/report", report_of(version, **changes), version)
        assert answer.status_code == 200, answer.text

    def probes(self, version):
        """A pass that sends no report (a PC of a version before the reports)."""
        assert self._signed("/api/v1/probe", None, version, method="GET").status_code == 200

    def clock_off(self, seconds=20 * 60):
        answer = self._signed("/api/v1/fleet/report", report_of(CURRENT), timestamp=int(time.time()) + seconds)
        assert answer.status_code == 401 and answer.json["error"] == "clock_skew"

    def usb_file(self, report=True):
        sent = report_of(CURRENT) if report else None
        content = usb.write_batch_file(*self.key, [packet_item(len(str(self.id)) + self.id)], report=sent)
        answer = center_client(self.center_app, self.admin).post(
            "/impor", data={"batch": (io.BytesIO(content), f"kiriman-{self.id}.lkb")},
            content_type="multipart/form-data")
        assert answer.status_code == 200 and "disimpan 1" in answer.text, answer.text[-500:]

    def days_pass(self, days: float):
        """Silence: every moment the center keeps of this PC moved back (as the days would have)."""
        back = timedelta(days=days)
        key = DeviceKey.get_by_id(self.id)
        DeviceKey.update(last_used_at=key.last_used_at and key.last_used_at - back,
                         created_at=key.created_at - back).where(DeviceKey.id == self.id).execute()
        for latest in FleetLatest.select().where(FleetLatest.device_key == self.id):
            FleetLatest.update(**{name: getattr(latest, name) - back for name in ("received_at", "clock_at", "usb_at")
                                  if getattr(latest, name, None) is not None}).where(FleetLatest.id == latest.id).execute()
        for stored in FleetReport.select().where(FleetReport.device_key == self.id):
            FleetReport.update(received_at=stored.received_at - back).where(FleetReport.id == stored.id).execute()


def report_of(version, **changes) -> dict:
    return dict(FINE, version=version, **dict({"update": {"outcome": "diambil", "version": version, "why": "",
                                                         "at": "2026-11-20T01:00:00+00:00"}}, **changes))


@dataclass
class State:
    """A PC's state: how it is made, the problems its row must name (exactly), what the row must say and not."""
    made: Callable
    problems: list
    says: list = field(default_factory=list)
    never: list = field(default_factory=list)


def went_back(pc):
    pc.passes(update={"outcome": "dikembalikan", "version": "0.4.0", "why": WENT_BACK_WHY,
                      "at": "2026-11-27T01:00:00+00:00", "kept": 10})


def silent_beside_a_usb_neighbour(pc):
    pc.passes()
    pc.days_pass(4)
    pc.neighbour.usb_file()


STATES = {
    "healthy": State(lambda pc: pc.passes(), [], ["baik", f"{CURRENT} <span class=\"muted\">(laporan baru saja)"]),
    "old_version": State(lambda pc: pc.probes("0.2.0"), ["tidak_melapor"], ["(versi lama, tidak melapor)"]),
    # finding 2: its passes refused for its clock; its version is current, the clock is the reason
    "clock_off": State(lambda pc: (pc.probes(CURRENT), pc.clock_off()), ["jam"],
                       [f"{CURRENT} <span class=\"muted\">(dari sinkronisasi terakhir", "20 menit lebih cepat"],
                       ["versi lama", "tidak melapor"]),
    # finding 3: another PC's USB file does not speak for this silent one
    "silent_beside_usb": State(silent_beside_a_usb_neighbour, ["tidak_terlihat"], ["tidak terlihat 3 hari"],
                               ["hanya lewat berkas USB", "(berkas USB "]),
    "own_usb_only": State(lambda pc: pc.usb_file(), [], ["belum diukur", "(berkas USB "],
                          ["tidak terlihat", "versi lama"]),
    # finding 4: old figures carry their age; the backup's is now's at the latest; MB below 1 GB
    "silent_4_days": State(lambda pc: (pc.passes(disk_free_mb=40000, backup={"age_hours": 0, "where": "usb"}),
                                       pc.days_pass(4)), ["tidak_terlihat"],
                           ["setidaknya 4 hari (flashdisk/disk lain)", "sisa 39.1 GB <span class=\"muted\">(4 hari lalu)",
                            "tepat <span class=\"muted\">(4 hari lalu)"],
                           ["0 jam"]),
    "silent_2_days": State(lambda pc: (pc.passes(backup={"age_hours": 2 * 24, "where": "disk"}), pc.days_pass(2.5)),
                           [], ["setidaknya 4 hari", "(laporan 2 hari lalu)", "(2 hari lalu)"], ["2 hari (disk"]),
    "silent_2_days_backup_grows_old": State(lambda pc: (pc.passes(backup={"age_hours": 5 * 24, "where": "disk"}),
                                                        pc.days_pass(2.5)), ["cadangan"], ["setidaknya 7 hari"]),
    "disk_46_mb": State(lambda pc: pc.passes(disk_free_mb=46), ["disk"], ["sisa 46 MB"], ["0.0 GB"]),
    # finding 6: a new PC without a backup yet; an old one without any; a going back in a regency admin's words
    "new_pc_no_backup": State(lambda pc: pc.passes(backup={"age_hours": None, "where": None}), [], ["belum pernah"],
                              ["cadangan lebih dari 7 hari"]),
    "old_pc_no_backup": State(lambda pc: (pc.days_pass(10), pc.passes(backup={"age_hours": None, "where": None})),
                              ["cadangan"], ["belum pernah"]),
    "went_back": State(went_back, ["dikembalikan"],
                       ["Versi 0.4.0 gagal berjalan (halaman /pendaftaran (500)).",
                        "10 simpanan data (pendaftaran dan perubahan yang sudah disimpan petugas) tetap ada, tidak ada "
                        "yang hilang"],
                       ["laporkan ke admin kabupaten", "Komputer ini kembali sendiri", "simpanan dipertahankan"]),
    "waiting_for_disk": State(lambda pc: pc.passes(room={"version": "0.4.0", "short_mb": 700}), ["ruang_pembaruan"],
                              ["kurang 700 MB"]),
    # finding 7: an office down because its disk filled says so first, not "ruang disk hampir habis" alone; its
    # release waiting for room too comes after it (the clerks cannot save: the call is now)
    "stopped_disk_full": State(lambda pc: pc.passes(disk_full=True, disk_free_mb=0), ["disk_penuh", "disk"],
                               ["<td><strong>kantor berhenti: disk penuh</strong>; <strong>ruang disk hampir habis",
                                "<td>Telepon kantor sekarang: petugas tidak dapat menyimpan", "sisa 0 MB"],
                               ["<td><strong>ruang disk hampir habis"]),
    "stopped_and_waiting_for_disk": State(lambda pc: pc.passes(disk_full=True, disk_free_mb=3,
                                                               room={"version": "0.4.0", "short_mb": 700}),
                                          ["disk_penuh", "ruang_pembaruan", "disk"],
                                          ["<td><strong>kantor berhenti: disk penuh</strong>; <strong>pembaruan "
                                           "menunggu ruang disk", "<td>Telepon kantor sekarang", "sisa 3 MB"],
                                          ["<td><strong>pembaruan menunggu ruang disk"]),
    "stopped_then_silent": State(lambda pc: (pc.passes(disk_full=True, disk_free_mb=0), pc.days_pass(4)),
                                 ["disk_penuh", "tidak_terlihat", "disk"],
                                 ["<td><strong>kantor berhenti: disk penuh</strong>; <strong>tidak terlihat",
                                  "(laporan 4 hari lalu)"]),
}


@pytest.fixture
def admin(center_db):
    return create_operator("kabupaten", "Admin Kabupaten", "admin", password="rahasia-pusat-1",
                           must_change_password=False)[0]


@pytest.mark.parametrize("name", list(STATES))
def test_each_row_says_the_state_its_pc_is_in(center_app, admin, name):
    state = STATES[name]
    kecamatan = kecamatan_row("35.08.07", NAME)
    pc = Pc(center_app, admin, kecamatan, "01")
    pc.neighbour = Pc(center_app, admin, kecamatan, "02")
    state.made(pc)
    with center_app.app_context():
        [row] = [row for row in fleet_rows() if row.key.id == pc.id]
    assert row.problems == state.problems
    shown = next(text for text in _rows(page(center_app, admin)) if f"/armada/{pc.id}\"" in text)
    for words in state.says:
        assert words in shown, (words, shown)
    for words in state.never:
        assert words not in shown, (words, shown)


def _rows(text: str) -> list[str]:
    import re
    return re.findall(r"<tr(?: class=\"attention\")?>\s*<td>(.*?)</tr>", text, re.S)


def test_a_went_back_reason_an_older_pc_cut_mid_sentence_is_said_cut(center_app, admin):
    """A reason cut at 300 characters by the office before its first sentence ended is marked cut, not shown as
    if it ended there."""
    kecamatan = kecamatan_row("35.08.07", NAME)
    pc = Pc(center_app, admin, kecamatan, "01")
    pc.passes(update={"outcome": "dikembalikan", "version": "0.4.0", "why": "Versi 0.4.0 gagal " + "lama " * 80,
                      "at": "2026-11-27T01:00:00+00:00"})
    shown = row_of(page(center_app, admin), NAME)
    assert "… (alasan dipotong oleh komputer kantor)" in shown


def test_every_usb_file_is_its_own_pcs_sight(center_app, admin):
    """Finding 3 from the other side: a PC's own file, read days ago, is its last sight, and not its neighbour's."""
    kecamatan = kecamatan_row("35.08.07", NAME)
    pc, neighbour = Pc(center_app, admin, kecamatan, "01"), Pc(center_app, admin, kecamatan, "02")
    pc.usb_file()
    neighbour.usb_file()
    pc.days_pass(5)
    with center_app.app_context():
        rows = {row.key.id: row for row in fleet_rows()}
    assert rows[pc.id].problems == ["tidak_terlihat"] and rows[neighbour.id].problems == []
    assert utc_now() - rows[pc.id].usb_at > timedelta(days=4)


def test_a_stopped_office_comes_first_then_the_rest_in_the_order_a_regency_acts(center_app, admin):
    """Finding 7: the office whose clerks cannot save is called first, a went-back one next, one whose release
    waits for room after a backup grown old; each row with its own one thing to do."""
    kecamatan = kecamatan_row("35.08.07", NAME)
    made = {name: Pc(center_app, admin, kecamatan, device) for name, device in
            (("room", "01"), ("back", "02"), ("full", "03"), ("fine", "04"))}
    made["room"].passes(room={"version": "0.4.0", "short_mb": 700})
    went_back(made["back"])
    made["full"].passes(disk_full=True, disk_free_mb=0)
    made["fine"].passes()
    shown = _rows(page(center_app, admin))
    order = [next(name for name, pc in made.items() if f"/armada/{pc.id}\"" in row) for row in shown]
    assert order == ["full", "back", "room", "fine"]
    assert "Telepon kantor sekarang: petugas tidak dapat menyimpan karena disk komputer penuh" in shown[0]
    assert "pembaruan versi 0.4.0 belum diunduh karena disk komputer ini kurang 700 MB" in shown[2]


def test_a_report_saying_the_disk_is_not_full_is_refused_as_a_wrong_value(center_app, admin):
    """disk_full is true or absent: false (or a text) is a wrong report, not an office that stopped."""
    kecamatan = kecamatan_row("35.08.07", NAME)
    pc = Pc(center_app, admin, kecamatan, "01")
    pc.probes(CURRENT)
    for wrong in (False, "ya", 1):
        answer = pc._signed("/api/v1/fleet/report", report_of(CURRENT, disk_full=wrong))
        assert answer.status_code == 400 and "disk penuh" in answer.json["message"], answer.text
