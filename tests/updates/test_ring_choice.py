"""The center's ring decision and what a pilot's reports say, as pure functions (issue 69 finding 8: the
ring choice was guarded only by slow tests). Which timestamp each PC is handed (sync/center/updates.
ring_timestamp), the verdict shown beside a pilot and named before a release goes to everyone
(pilot_verdict, not_passed), the report a PC sends and the center keeps (app/updates/sync_phase.
update_report, sync/center/updates.cleaned_health). tests/updates/test_rings.py and test_pilot_watch.py
take the same decisions through a real center."""
from datetime import datetime
from types import SimpleNamespace

import pytest

from app.updates.sync_phase import last_refusal, update_report
from sync.center.models import DeviceKey
from sync.center.updates import cleaned_health, health_of, not_passed, on_pilot_timestamp, pilot_verdict, ring_timestamp
from sync.release.key_signing import EVERYONE, PILOT

MARKED = datetime(2026, 11, 20, 8, 0)


def timestamp(version: int, snapshot: int) -> dict:
    return {"bytes": f"{version}/{snapshot}".encode(), "version": version, "snapshot": snapshot}


def pc(pilot: bool = False, served: tuple[int, int] = (0, 0)) -> DeviceKey:
    """A PC's key as the center keeps it: pilot or not, and the newest timestamp (version, snapshot) handed to it."""
    return DeviceKey(pilot_since=MARKED if pilot else None, served_timestamp=served[0], served_snapshot=served[1])


# 9.0.0 released to everyone (timestamp 2 over snapshot 1), then 9.1.0 to the pilots (timestamp 3 over snapshot 2).
TESTING = {EVERYONE: timestamp(2, 1), PILOT: timestamp(3, 2)}
# The daily re-signing: everyone's first (4 over 1), then the pilots' (5 over 2).
RESIGNED = {EVERYONE: timestamp(4, 1), PILOT: timestamp(5, 2)}
# 9.1.0 released to everyone: the pilots' signed first (6 over 2), then everyone's (7 over 2).
RELEASED = {EVERYONE: timestamp(7, 2), PILOT: timestamp(6, 2)}


def test_a_pilot_is_handed_the_pilots_timestamp_and_every_other_pc_everyones():
    assert ring_timestamp(TESTING, pc(pilot=True, served=(2, 1))) is TESTING[PILOT]
    assert ring_timestamp(TESTING, pc(served=(2, 1))) is TESTING[EVERYONE]
    assert ring_timestamp(TESTING, pc()) is TESTING[EVERYONE]  # a PC enrolled today
    assert on_pilot_timestamp(TESTING, pc(pilot=True)) and not on_pilot_timestamp(TESTING, pc(served=(2, 1)))
    # After the daily re-signing each keeps its own ring, though everyone's counter passed the pilots' old one.
    assert ring_timestamp(RESIGNED, pc(served=(2, 1))) is RESIGNED[EVERYONE]
    assert ring_timestamp(RESIGNED, pc(pilot=True, served=(3, 2))) is RESIGNED[PILOT]


def test_a_pc_outside_the_pilots_is_never_handed_their_timestamp_while_nothing_is_released_to_everyone():
    first = {EVERYONE: None, PILOT: timestamp(1, 1)}  # the regency's first release went to its pilots
    assert ring_timestamp(first, pc()) is None
    assert ring_timestamp(first, pc(pilot=True)) is first[PILOT]
    assert ring_timestamp({EVERYONE: None, PILOT: None}, pc(pilot=True)) is None


def test_a_pc_taken_out_of_the_pilots_keeps_their_ring_until_the_release_is_released_to_everyone():
    taken_out = pc(served=(3, 2))  # took 9.1.0 as a pilot
    assert ring_timestamp(TESTING, taken_out) is TESTING[PILOT]  # everyone's (2) is older: a replay to its TUF
    assert on_pilot_timestamp(TESTING, taken_out)
    # Re-signed: everyone's version (4) is above what it saw, but its snapshot (1) is below: still the pilots'.
    assert ring_timestamp(RESIGNED, pc(served=(5, 2))) is RESIGNED[PILOT]
    assert ring_timestamp(RESIGNED, pc(served=(3, 2))) is RESIGNED[PILOT]
    # Released to everyone: back on everyone's, the newest.
    assert ring_timestamp(RELEASED, pc(served=(5, 2))) is RELEASED[EVERYONE]
    assert not on_pilot_timestamp(RELEASED, pc(served=(5, 2)))


def test_a_pc_made_a_pilot_takes_the_pilots_timestamp_only_once_it_is_newer_than_what_it_saw():
    made_pilot = pc(pilot=True, served=(7, 2))  # handed everyone's 7 before it was marked
    assert ring_timestamp(RELEASED, made_pilot) is RELEASED[EVERYONE]  # the pilots' 6 would go back
    assert ring_timestamp({EVERYONE: timestamp(8, 2), PILOT: timestamp(9, 2)}, made_pilot)["version"] == 9
    # The same file handed again is no step back.
    assert ring_timestamp(TESTING, pc(pilot=True, served=(3, 2))) is TESTING[PILOT]


# --- a pilot's verdict on a release ------------------------------------------------------------

WALKED_OLD = {"version": "9.0.0", "walk": "lulus", "pages": 41, "failed": [], "at": "2026-11-26T01:00:00",
              "errors_since": 0}
REFUSED_BEFORE = {"version": "9.1.0", "stage": "sebelum", "at": "2026-11-27T01:05:00",
                  "why": "Versi 9.1.0 gagal diperiksa pada salinan data (halaman bermasalah: /pendaftaran 500)."}


def test_a_pilot_that_refused_the_release_before_the_switch_is_not_passed_whatever_its_old_walk_said():
    health = dict(WALKED_OLD, refused=REFUSED_BEFORE)
    verdict = pilot_verdict(health, "9.0.0", "9.1.0")
    assert verdict["state"] == "ditolak" and not verdict["passed"] and verdict["refused"]["stage"] == "sebelum"
    # Its walk of 9.0.0 is no verdict on 9.1.0: without a refusal it has not taken it yet.
    assert pilot_verdict(WALKED_OLD, "9.0.0", "9.1.0") == {"state": "belum memasang", "passed": False,
                                                         "health": None, "refused": None}
    # A refusal of an older release says nothing of this one.
    assert pilot_verdict(dict(WALKED_OLD, refused=dict(REFUSED_BEFORE, version="8.9.0")), "9.0.0", "9.1.0")[
        "state"] == "belum memasang"


def test_a_pilot_passed_a_release_only_when_it_walked_it_clean_with_no_error_since():
    walked = dict(WALKED_OLD, version="9.1.0")
    assert pilot_verdict(walked, "9.1.0", "9.1.0")["passed"]
    assert not pilot_verdict(dict(walked, errors_since=2), "9.1.0", "9.1.0")["passed"]
    assert pilot_verdict(dict(walked, walk="gagal"), "9.1.0", "9.1.0")["state"] == "gagal"
    assert pilot_verdict(dict(walked, walk=None), "9.1.0", "9.1.0")["state"] == "belum diperiksa"
    assert pilot_verdict(None, "9.1.0", "9.1.0")["state"] == "belum diperiksa"  # switched, no report yet
    assert pilot_verdict(None, None, "9.1.0")["state"] == "belum memasang"


def test_the_pilots_named_before_a_release_goes_to_everyone_are_those_that_did_not_pass_it():
    def pilot(label, health, running):
        return {"label": label, "health": health, "key": SimpleNamespace(app_version=running), "running": running}
    pilots = [pilot("Kunir", dict(WALKED_OLD, refused=REFUSED_BEFORE), "9.0.0"),
              pilot("Tekung", dict(WALKED_OLD, version="9.1.0"), "9.1.0"),
              pilot("Desa Kraton", None, "9.0.0")]
    assert [(p["label"], p["verdict"]["state"]) for p in not_passed(pilots, "9.1.0")] == [
        ("Kunir", "ditolak"), ("Desa Kraton", "belum memasang")]


# --- the report: sent by the PC, kept by the center ------------------------------------------------

def test_a_pc_reports_the_release_it_refused_before_the_switch_with_its_version_and_when():
    state = {"health": WALKED_OLD, "failed_versions": ["9.1.0"], "check_refused": REFUSED_BEFORE["why"],
             "check_refused_at": "2026-11-27T01:05:00", "check_refused_version": "9.1.0"}
    assert update_report(state) == dict(WALKED_OLD, refused=REFUSED_BEFORE)
    # A state written before the version was kept beside the message: the failed version it names.
    del state["check_refused_version"]
    assert last_refusal(state) == REFUSED_BEFORE
    # Never switched before: its running version, not walked.
    report = update_report(dict(state, health=None))
    assert report["walk"] is None and report["refused"] == REFUSED_BEFORE and report["version"]


def test_the_last_failure_is_reported_and_an_interrupted_attempt_is_none():
    state = {"failed_versions": ["9.1.0", "9.2.0"],
             "check_refused": "Versi 9.1.0 gagal diperiksa pada salinan data.", "check_refused_version": "9.1.0",
             "check_refused_at": "2026-11-27T01:05:00",
             "rolled_back": "Versi 9.2.0 gagal berjalan (berhenti dengan kode 1 sebelum melayani).",
             "rolled_back_version": "9.2.0", "rolled_back_at": "2026-11-28T01:05:00"}
    assert last_refusal(state)["version"] == "9.2.0" and last_refusal(state)["stage"] == "sesudah"
    # An attempt cut short (not among the failed versions) is no refusal of the release.
    interrupted = dict(state, rolled_back_version="9.3.0", rolled_back="Versi 9.3.0 terputus.")
    assert last_refusal(interrupted)["version"] == "9.1.0"
    assert update_report({"health": WALKED_OLD}) == WALKED_OLD  # nothing refused: the report as before
    assert update_report({}) is None


def test_the_center_keeps_a_refusal_and_still_takes_the_report_of_a_pc_of_the_previous_version():
    kept, problem = cleaned_health(dict(WALKED_OLD, refused=dict(REFUSED_BEFORE, at="2026-11-27T08:05:00+07:00")))
    assert problem == "" and kept["refused"] == REFUSED_BEFORE  # its moment in UTC, as every moment here
    old, problem = cleaned_health(WALKED_OLD)  # a PC of the previous version sends no refusal
    assert problem == "" and old == WALKED_OLD and "refused" not in old
    shown = health_of(DeviceKey(update_health='{"version": "9.0.0", "walk": "lulus", "pages": 41, "failed": [], '
                                              '"at": null, "errors_since": 0}'))
    assert shown["refused"] is None and pilot_verdict(shown, "9.0.0", "9.1.0")["state"] == "belum memasang"


@pytest.mark.parametrize("refused, message", [
    (dict(REFUSED_BEFORE, version="9.1/../x"), "versi yang ditolak tidak sah"),
    (dict(REFUSED_BEFORE, stage="nanti"), "tahap penolakan"),
    (dict(REFUSED_BEFORE, at="kemarin"), "waktu penolakan tidak sah"),
    ("ditolak", "versi yang ditolak tidak sah"),
])
def test_a_refusal_the_center_cannot_read_is_refused_in_indonesian(refused, message):
    kept, problem = cleaned_health(dict(WALKED_OLD, refused=refused))
    assert kept is None and message in problem


def test_a_long_reason_is_kept_bounded():
    kept, _ = cleaned_health(dict(WALKED_OLD, refused=dict(REFUSED_BEFORE, why="x" * 5000)))
    assert len(kept["refused"]["why"]) == 1000
