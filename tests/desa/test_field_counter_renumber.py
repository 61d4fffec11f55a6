"""A counter PC of a version still in the field carries a relayed desa form's renumber with today's center (issue 80,
finding 2). The PC runs its own version's code, unpacked from the history (tests/support/field_versions.py), as a
program of its own (tests/support/field_counter_pc.py); the center, the desa PC and the kecamatan's other counter
PC are today's. The form is accepted at the old PC, another applicant's application comes under its number, and the
center's operator decides (keeps the center's data, or takes the other version): the center asks the old PC for a
new number.

A version that does not send the renumber step (it came with issue 72) takes the new number and goes on with the
application's next steps under it. Before, today's center kept the form's first number and answered those steps
"superseded": the old PC called its own printed application a duplicate of "another counter" and offered "Tandai
sebagai duplikat"; the desa PC and /cek stayed on the number now another person's. The center now takes such a
step from the PC it asked as the renumber (docs/sync-protocol.md, "Version skew"). Versions that send the step
are run too: the same scenario, the same end."""
import io
import json
import os
import queue
import subprocess
import sys
import threading
import time
from pathlib import Path

import pytest

from app.desa.models import PreRegistration
from app.frame.db import database
from tests.desa.conftest import pre_register
from tests.desa.test_desa_mode import bound_to, desa_app, kecamatan, operator_client, text  # noqa: F401  (fixtures)
from tests.desa.test_f107_kecamatan_key import YOSOWILANGUN, enrol_at_sync_page, enrolment_code
from tests.desa.test_relay import center, enrolled_desa, sync  # noqa: F401  (fixtures)
from tests.desa.test_relay_two_counters import _center
from tests.desa.test_renumber_relayed import (_center_moves, _decide, _desa_is_right, _other_content_under,
                                              _relay_numbers)
from tests.support.factory import applicant_form, photo_jpeg
from tests.support.field_versions import field_version_tree

DRIVER = (Path(__file__).resolve().parents[1] / "support" / "field_counter_pc.py").read_text(encoding="utf-8")


ANSWER = "JAWABAN-PC-LAMA "  # the driver's answer lines (tests/support/field_counter_pc.py)
ACTION_SECONDS = 300


class FieldCounterPC:
    """A counter PC running version `tree`'s code on its own data folder: one program for the test, started at
    the first action (the tree and the folder as the test left them), ended with the test
    (pcs_end_with_their_test)."""

    started: list["FieldCounterPC"] = []  # ended after each test by pcs_end_with_their_test

    def __init__(self, tree: Path, data: Path):
        self.tree, self.data, self.proc = tree, data, None
        self.said = data.parent / f"{data.name}-stderr.log"  # beside its data folder, never inside it

    def __call__(self, action: str, *args) -> dict:
        if self.proc is None:
            env = dict(os.environ, PYTHONPATH=str(self.tree))  # that version's modules, not this tree's
            self.err = open(self.said, "w", encoding="utf-8")  # noqa: SIM115 - closed in close()
            FieldCounterPC.started.append(self)
            self.proc = subprocess.Popen([sys.executable, "-c", DRIVER, str(self.data)], cwd=self.tree, env=env,
                                         stdin=subprocess.PIPE, stdout=subprocess.PIPE, stderr=self.err, text=True)
            self.lines = queue.Queue()  # what it prints, read as it comes; None when it ended
            threading.Thread(target=lambda: [*map(self.lines.put, self.proc.stdout), self.lines.put(None)],
                             daemon=True).start()
        self.proc.stdin.write(json.dumps([action, *map(str, args)]) + "\n")
        self.proc.stdin.flush()
        printed, deadline = [], time.monotonic() + ACTION_SECONDS
        # Until its answer, its end (the action failed: the traceback is on stderr; None) or a hang guard.
        while (line := self._next_line(deadline)) is not None:
            if line.startswith(ANSWER):
                return json.loads(line[len(ANSWER):])
            printed.append(line)
        self.close()
        raise AssertionError(f"{action}: {''.join(printed)[-1500:]}\n{self.said.read_text()[-3000:]}")

    def _next_line(self, deadline: float) -> str | None:
        try:
            return self.lines.get(timeout=max(0.0, deadline - time.monotonic()))
        except queue.Empty:
            return None

    def close(self) -> None:
        if self.proc is not None and self.proc.poll() is None:
            self.proc.stdin.close()
            try:
                self.proc.wait(60)
            except subprocess.TimeoutExpired:
                self.proc.kill()
                self.proc.wait()
        if self.proc is not None:
            self.err.close()


@pytest.fixture(autouse=True)
def pcs_end_with_their_test():
    yield
    while FieldCounterPC.started:
        FieldCounterPC.started.pop().close()


def a_desa_form_sent(desa_app, today, client_as, center):
    """Today's counter PC `today` enrolled at `center` and enrolling the desa PC, whose operator saves a form
    that its pass sends: (the form's number, the operator's client)."""
    database.initialize(today.extensions["database"])
    enrol_at_sync_page(today, client_as("admin"), center, YOSOWILANGUN, "Yosowilangun")
    enrolled_desa(desa_app, today, client_as)
    operator = operator_client(desa_app)
    with bound_to(desa_app):
        saved = pre_register(operator, applicant_form(), {"photo": (io.BytesIO(photo_jpeg()), "foto.jpg")})
        assert saved.status_code == 302, text(saved)[:800]
        number = PreRegistration.get().number
    assert sync(desa_app).error == ""
    return number, operator


# Each variant runs code the others do not (issue 93): protocol 6 (first-updatable); no renumber step, under each of
# the operator's two decisions (before-renumber-step); a client that sends the step (previous, 0.3.0). 0.2.0
# (previous-but-one) was a fifth: its sync client, relay and registration code differ from 0.3.0's only in the
# center's words cleaned of fingerprints, an audit row for a form accepted at another counter, the progress bar
# across owed passes and a register label (`git diff d36a7707 bb30ea33 -- sync/client sync/protocol.py app/desa
# app/registration`): nothing it sends or takes on this path (its app/frame's audit-trail guard differs, not the wire).
@pytest.mark.slow
@pytest.mark.parametrize(("field", "decision"), [
    ("first-updatable", "keep"), ("before-renumber-step", "keep"), ("before-renumber-step", "accept"),
    ("previous", "keep")])
def test_a_field_counter_pc_and_todays_center_carry_a_relayed_forms_renumber(field, decision, desa_app, kecamatan,
                                                                             client_as, center, tmp_path):
    old = FieldCounterPC(field_version_tree(field, tmp_path / "versi"), tmp_path / "pc-lama")
    old("enrol", center.url, enrolment_code(center, YOSOWILANGUN, "Yosowilangun"))
    today = kecamatan  # the kecamatan's other counter PC, on today's version: it enrols the desa PC
    pre_number, operator = a_desa_form_sent(desa_app, today, client_as, center)
    assert old("sync")["relayed"] == 1 and sync(today).relayed == 1  # both queues list the form

    application = old("accept")
    first = application["number"]
    if decision == "keep":  # another applicant's card under its number came first: the old PC's is offered
        assert _other_content_under(center, today, first) == "stored"
        report = old("sync")
        assert report["error"] == "" and report["conflicts"] >= 1, report
    else:  # the old PC's was held first; the operator takes the other applicant's in its place
        assert old("sync")["error"] == ""
        assert _other_content_under(center, today, first) == "conflict"
    _decide(center, first, decision)  # either way the old PC is asked to give its applicant a new number
    for _ in range(2):  # the renumber event; the application under its new number and the form's next step
        assert old("sync")["error"] == ""
    new = old("state", application["id"])["number"]
    assert new != first and new.startswith("350807-")
    _center_moves(center, new, "printed")
    for _ in range(2):
        assert old("sync")["error"] == ""

    shown = old("state", application["id"])  # its own application, under the new number, no duplicate
    assert (shown["number"], shown["relay_application_number"]) == (new, new), shown
    assert shown["relay_status"] not in ("duplikat_loket_lain", "duplikat_ditutup"), shown
    assert not shown["offers_duplicate"] and not shown["says_other_counter"], shown
    states = {state for kind, state in shown["outbox"] if kind in ("permohonan", "pra_status")}
    assert not states & {"duplicate", "closed", "superseded", "rejected", "conflict"}, shown
    assert _relay_numbers(center, pre_number)[-1] == new  # the center's relay record follows
    _desa_is_right(desa_app, operator, center, pre_number, new, first, "dicetak")  # the desa PC and /cek
    assert sync(today).error == ""
    with bound_to(today):  # the other counter PC's queue names the number the application has now
        assert PreRegistration.get().relay_application_number == new


@pytest.mark.slow
def test_the_first_updatable_versions_counter_pc_sends_to_todays_center_and_takes_the_statuses_back(center, tmp_path):
    """The oldest version in the field (protocol 6, before every request reported its versions): its applications
    reach today's center whole and what the center does with them comes back (issue 80, version skew)."""
    from sync.center.models import DeviceKey, ReceivedApplication
    old = FieldCounterPC(field_version_tree("first-updatable", tmp_path / "versi"), tmp_path / "pc-lama")
    old("enrol", center.url, enrolment_code(center, YOSOWILANGUN, "Yosowilangun"))
    numbers = old("fill", 3)["numbers"]
    report = old("sync")
    assert (report["sent"], report["error"]) == (3, ""), report
    held = _center(center, lambda: sorted(r.registration_number for r in ReceivedApplication.select()))
    assert held == sorted(numbers)
    assert _center(center, lambda: DeviceKey.get(DeviceKey.desa_code == "").protocol_version) == 6
    _center_moves(center, numbers[0], "printed")
    _center_moves(center, numbers[1], "printed", "shipped")
    assert old("sync")["error"] == ""
    assert old("applications") == {numbers[0]: "dicetak", numbers[1]: "dikirim", numbers[2]: "diterima_pusat"}


@pytest.mark.slow
def test_the_first_updatable_counter_pc_that_lost_a_desa_form_to_another_counter_is_told_in_its_words(
        desa_app, kecamatan, client_as, center, tmp_path):
    """Both counter PCs accepted one relayed form; today's acceptance reached the center first. The first updatable
    version knows no "superseded": before, its acceptance waited for ever, sent again on every pass. It is told
    in its own words, a refusal naming the winner's number, and the center's one-card rule refuses its application."""
    from sync.center.models import ReceivedApplication
    from tests.desa.test_relay_two_counters import _accept
    old = FieldCounterPC(field_version_tree("first-updatable", tmp_path / "versi"), tmp_path / "pc-lama")
    old("enrol", center.url, enrolment_code(center, YOSOWILANGUN, "Yosowilangun"))
    today = kecamatan
    a_desa_form_sent(desa_app, today, client_as, center)
    assert old("sync")["relayed"] == 1 and sync(today).relayed == 1
    mine = old("accept")
    winner = _accept(today, client_as("petugas_loket")).registration_number
    assert sync(today).error == ""
    for _ in range(2):
        assert old("sync")["error"] == ""
    shown = old("state", mine["id"])
    states = dict(shown["outbox"])
    assert (states["pra_status"], states["permohonan"]) == ("rejected", "rejected"), shown
    said = dict(shown["outbox_errors"])
    assert said["pra_status"] == (f"Formulir desa {_pre_number(desa_app)} sudah diterima di loket lain kecamatan ini "
                                  f"dengan nomor permohonan {winner}"), shown
    assert f"sudah punya permohonan {winner} yang sedang diproses di pusat" in said["permohonan"], shown
    assert _center(center, lambda: [r.registration_number for r in ReceivedApplication.select()]) == [winner]
    assert sync(desa_app).error == ""
    with bound_to(desa_app):  # the desa follows the application whose card is made
        assert PreRegistration.get().relay_application_number == winner


def _pre_number(desa_app) -> str:
    with bound_to(desa_app):
        return PreRegistration.get().number
