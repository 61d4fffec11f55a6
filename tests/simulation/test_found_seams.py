"""Sequences the office-year simulation shrank on commit 146f68f (docs/testing.md, "The office year"),
kept as ordinary tests: each replays its steps on a fresh world (the center, P1 P2 K1, desa laptop
D1) through the same rules, and asserts the invariant it broke.

Each failed on 146f68f and passes with issue 24's fixes and, for the seam the simulation found beyond
issue 24 (desa laptops enrolled from two counter PCs), with desa PC codes issued per counter PC.
"""
import pytest

from tests.simulation.machine import STATS

pytestmark = pytest.mark.soak  # a center subprocess per test: the normal pass only


def broken_after_each_step(office, steps, invariant) -> list[str]:
    """Run the steps, checking every invariant after each; what `invariant` reported."""
    found = []
    for name, arguments in steps:
        getattr(office, name)(**arguments)
        found += [problem for checked, problem in office.broken_invariants() if checked == invariant]
    return found


def test_the_audit_trail_opens_after_a_desa_operator_is_created(office):
    steps = [("create_desa_operator", {"pc": "P1", "desa": 0})]
    assert broken_after_each_step(office, steps, "the_audit_trail_renders_for_camat_and_admin") == []


def test_the_audit_trail_opens_after_the_requirement_list_is_saved(office):
    steps = [("change_requirements", {"pc": "P1", "service_days": 13})]  # shrunk by the long run, seed 11
    assert broken_after_each_step(office, steps, "the_audit_trail_renders_for_camat_and_admin") == []


def test_the_admin_reads_no_correction_made_at_the_counter(office):
    steps = [("desa_pre_register", {"where": 0}),  # D1, a Darungan laptop
             ("everyone_syncs", {}),
             ("accept_at_counter", {"pc": "P1", "pick": 0, "correct": True})]
    assert broken_after_each_step(office, steps, "no_personal_field_shown_to_a_denied_role") == []


def test_a_desa_laptop_enrolled_after_a_restore_gets_its_forms_to_the_center_or_shows_why(office):
    steps = [("backup", {"pc": "P1"}),
             ("restore_same_pc", {"pc": "P1", "pick": 0}),
             ("new_desa_pc", {"pc": "P1", "desa": 1}),  # D2, a Kraton laptop
             ("desa_pre_register", {"where": 1}),
             ("everyone_syncs", {})]
    found = []
    for name, arguments in steps:
        getattr(office, name)(**arguments)
        found += [(checked, problem) for checked, problem in office.broken_invariants()
                  if checked in ("the_center_accepts_what_the_desa_saved",
                                 "desa_forms_at_the_center_once_or_refused_with_reason_shown")]
    assert found == []


def test_a_backup_restored_on_a_new_pc_never_hands_out_the_old_pcs_numbers(office):
    steps = [("backup", {"pc": "P1"}),
             ("restore_on_new_pc", {"pc": "P1", "pick": 0}),  # the old PC dies; its backup on a new PC
             ("register", {"pc": "P1", "desa": 1}),  # on the new PC: held until the admin chooses
             ("replace_old_pc", {"pc": "P1"}),  # "PC ini menggantikan PC P1"
             ("register", {"pc": "P1", "desa": 1}),  # on the new PC
             ("bring_old_pc_back", {}),  # repaired, used beside the new one
             ("restore_same_pc", {"pc": "P1", "pick": 0}),  # a mistake on the old PC: its backup back
             ("register", {"pc": "P1", "desa": 0})]  # on the old PC: the new PC's number again
    assert broken_after_each_step(office, steps, "no_registration_number_held_by_two_people") == []


def test_a_pc_logs_no_status_of_the_other_pc_as_not_applied(office):
    steps = [("register", {"pc": "P1", "desa": 0}),
             ("check_requirements", {"pc": "P1", "pick": 0, "complete": True}),
             ("everyone_syncs", {})]
    assert broken_after_each_step(office, steps, "statuses_not_applied_only_for_own_numbers") == []


def test_desa_laptops_enrolled_from_two_counter_pcs_never_share_numbers(office):
    steps = [("new_desa_pc", {"pc": "P2", "desa": 0}),  # D2 for Darungan, from P2: P1 enrolled D1 for it
             ("desa_pre_register", {"where": 0}),  # at D1
             ("desa_pre_register", {"where": 1})]  # at D2: D1's number again
    assert broken_after_each_step(office, steps, "no_pre_registration_number_held_by_two_people") == []


# issue 26 long run, seed 2613 step 348: a desa form typed at a counter PC was numbered without
# installation.numbering_refusal, so a PC holding another PC's backup and that PC both numbered PRA-...-01-1000001
def test_a_desa_form_typed_at_a_pc_restored_on_a_new_pc_never_takes_the_old_pcs_number(office):
    steps = [("create_desa_operator", {"pc": "P1", "desa": 1}),  # desa-p1-1 for Kraton, at P1
             ("backup", {"pc": "P1"}),
             ("restore_on_new_pc", {"pc": "P1", "pick": 0}),     # P1 dies; P1-baru1 from its backup
             ("desa_pre_register", {"where": 1}),                # at P1-baru1 with desa-p1-1: numbered
             ("bring_old_pc_back", {}),
             ("restore_same_pc", {"pc": "P1", "pick": 0}),       # on the old P1
             ("desa_pre_register", {"where": 1})]                # at P1 with desa-p1-1: the same number
    assert broken_after_each_step(office, steps, "no_pre_registration_number_held_by_two_people") == []


# issue 26, the invariant nothing_waits_on_a_decision_the_center_already_made: a PC whose key the center
# revoked enrols again and gets a new device code (P3); the center served a PC only the statuses of
# applications its own device code sent (records.events_after), so what it sent as P1 was printed,
# shipped or rejected at the center and stayed "Diterima Dukcapil" at the counter for ever (and the
# USB status file, made per live key, did not carry it either). Fixed: the PC proves at enrolment that
# it held the revoked key, and the center serves the new key the old device code's statuses too.
def test_a_pc_enrolled_again_after_its_key_was_revoked_hears_the_statuses_of_what_it_sent_before(office):
    steps = [("register", {"pc": "P1", "desa": 0}),
             ("check_requirements", {"pc": "P1", "pick": 0, "complete": True}),
             ("everyone_syncs", {}),                      # at the center as 350807-P1-000001
             ("revoke_and_re_enrol", {"pc": "P1"}),       # the same PC, now device P3
             ("center_prints", {"count": 1}),
             ("everyone_syncs", {})]                      # "printed" is served to no key of this PC
    assert broken_after_each_step(office, steps, "nothing_waits_on_a_decision_the_center_already_made") == []
    assert statuses_at(office, "P1") == ["dicetak"]  # what the counter shows, pulled by the new key


def test_a_pc_enrolled_again_after_its_key_was_revoked_reads_the_old_statuses_from_its_usb_status_file(office):
    steps = [("register", {"pc": "P1", "desa": 0}),
             ("check_requirements", {"pc": "P1", "pick": 0, "complete": True}),
             ("usb_round_trip", {"pc": "P1"}),            # at the center as 350807-P1-000001, by USB
             ("revoke_and_re_enrol", {"pc": "P1"}),       # now device P3
             ("center_prints", {"count": 1}),
             ("usb_round_trip", {"pc": "P1"})]            # the status file made for P3's key
    assert broken_after_each_step(office, steps, "nothing_waits_on_a_decision_the_center_already_made") == []
    assert statuses_at(office, "P1") == ["dicetak"]


def statuses_at(office, pc) -> list[str]:
    from app.registration.models import Application
    return office._counter(pc).read(lambda: sorted(a.status for a in Application.select()))


# issue 26, second round (the QR scan rule), long run seed 31 step 67: each counter PC made its own F-1.07
# signing key (app/desa/qr.signing_key) and a desa laptop's key derives from the one of the PC that enrolled
# it, so the kecamatan's other counter PC refused the laptop's printed form: "Tanda tangan kode QR tidak
# cocok ... kode tidak dibuat oleh desa di kecamatan ini", even once the relay had put it in its queue.
# Now every counter PC enrolled at the center signs with the kecamatan's key from the center.
def test_a_desa_form_printed_at_a_laptop_scans_at_the_kecamatans_other_counter_pc(office):
    office.desa_pre_register(where=0)                          # at laptop D1, enrolled by a code from P1
    office.scan_desa_form(pc="P2", pick=0, camera=False)       # the rule asserts it opens and is accepted
    from app.desa.models import PreRegistration
    accepted = office.world.offices["P2"].read(lambda: list(
        PreRegistration.select(PreRegistration.source).where(PreRegistration.status == PreRegistration.ACCEPTED)
        .tuples()))
    assert accepted == [("qr",)]  # made from the laptop's code at P2 and accepted there
    assert office.broken_invariants() == []


# issue 26, second round, long run seed 31 step 163 (a seam of main before the second round's rules): a counter
# PC numbers the desa forms typed there with LOKET_DEVICE_ID (app/desa/records.own_device), "01" unless set,
# not with the device code the center issued it (as registration numbers do), so both counter PCs of a
# kecamatan number PRA-3508072001-01-000001.
def test_desa_forms_typed_at_the_two_counter_pcs_of_a_kecamatan_never_share_numbers(office):
    steps = [("create_desa_operator", {"pc": "P1", "desa": 0}),
             ("create_desa_operator", {"pc": "P2", "desa": 0}),
             ("desa_pre_register", {"where": 1}),   # at P1 with desa-p1-0
             ("desa_pre_register", {"where": 2})]   # at P2 with desa-p2-0: the same number
    assert broken_after_each_step(office, steps, "no_pre_registration_number_held_by_two_people") == []


# issue 26, third round, long run seed 2611 step 133: a desa form relayed to the kecamatan waits in the queue
# of both counter PCs; accepted at P2, it still waited at P1, which accepted it again: the center then held
# one person under two numbers (two cards printed). The center now refuses the second number while the
# first is in the making, and the counter shows why.
def test_a_desa_form_accepted_at_two_counter_pcs_is_not_printed_twice(office):
    steps = [("desa_pre_register", {"where": 0}),
             ("everyone_syncs", {}),                                          # in the queue of P1 and of P2
             ("accept_at_counter", {"pc": "P2", "pick": 0, "correct": False}),
             ("accept_at_counter", {"pc": "P1", "pick": 0, "correct": False}),  # P1 has not heard of it
             ("check_requirements", {"pc": "P1", "pick": 0, "complete": True}),
             ("check_requirements", {"pc": "P2", "pick": 0, "complete": True}),
             ("everyone_syncs", {}),
             ("everyone_syncs", {})]
    # Every invariant: the refused number's "ditolak_pusat" is no stray center status (seed 3002 step 257).
    broken = []
    for name, arguments in steps:
        getattr(office, name)(**arguments)
        broken += office.broken_invariants()
    assert broken == []


def test_a_desa_form_accepted_at_one_counter_pc_leaves_the_other_pcs_queue(office):
    """...and, once both have synced, the other PC no longer offers it: the acceptance follows the form
    in the relay feed."""
    from app.desa.models import PreRegistration
    office.desa_pre_register(where=0)
    office.everyone_syncs()
    office.accept_at_counter(pc="P2", pick=0, correct=False)
    office.everyone_syncs()
    office.everyone_syncs()
    p1, p2 = office.world.offices["P1"], office.world.offices["P2"]
    number = p2.read(lambda: PreRegistration.get().number)
    at_p2 = p2.read(lambda: PreRegistration.get().application.registration_number)
    pre = p1.read(lambda: PreRegistration.get(PreRegistration.number == number))
    assert pre.status == PreRegistration.ACCEPTED and pre.application_id is None
    assert pre.relay_application_number == at_p2
    page = p1.get("petugas_loket", f"/desa/pra-pendaftaran/{pre.id}").get_data(as_text=True)
    assert f"diterima di loket lain: permohonan {at_p2}" in page
    queue = p1.get("petugas_loket", "/pra-pendaftaran").get_data(as_text=True)
    assert number not in queue  # the waiting list (its default tab)
    again = p1.post("petugas_loket", f"/pra-pendaftaran/{pre.id}/terima", {})
    assert again.status_code in (302, 303)
    with p1.bound():
        from app.registration.models import Application
        assert not Application.select().exists()  # nothing made at P1
    assert office.broken_invariants() == []


# issue 26, third round, long run seed 3002 step 277: a number made before a re-enrolment carries the PC's old
# device code (P1), and the PC now numbers as P3; after a restore of a backup taken before the application
# went out (so no outbox item for it), the pulled statuses of that number were taken for another PC's
# (sync/client/statuses._another_pcs compared with the current code only) and dropped without a word: the
# clerk ticked the requirements again and the application waited at "lengkap" for a card already printed.
def test_statuses_of_a_number_made_before_a_re_enrolment_are_this_pcs_after_a_restore(office):
    steps = [("register", {"pc": "P1", "desa": 0}),           # 350807-P1-000001
             ("revoke_and_re_enrol", {"pc": "P1"}),           # the same PC, now device P3
             ("backup", {"pc": "P1"}),                        # the application not yet complete
             ("check_requirements", {"pc": "P1", "pick": 0, "complete": True}),
             ("everyone_syncs", {}),                          # sent by P3
             ("center_prints", {"count": 1}),
             ("restore_same_pc", {"pc": "P1", "pick": 0}),    # back to before it went out
             ("everyone_syncs", {}),                          # its statuses again: kept for a person
             ("check_requirements", {"pc": "P1", "pick": 0, "complete": True})]
    assert broken_after_each_step(office, steps, "nothing_waits_on_a_decision_the_center_already_made") == []
    from sync.client.models import StatusIssue
    kept = office._counter("P1").read(lambda: sorted(i.status for i in StatusIssue.select().where(
        (StatusIssue.registration_number == "350807-P1-000001") & StatusIssue.resolved_at.is_null())))
    assert kept == ["printed", "received"]  # on the applicant's page, for the clerk to settle with the center


# issue 26, third round, long run seed 3009 step 179: P2 enrolled again twice (its key revoked each time), then a
# backup from before both was restored: the PC held its first key again, which the second already follows, so
# its next re-enrolment followed nothing and the statuses of its earlier numbers never reached it. The new key
# now follows the last key of the chain the proven key starts.
def test_a_pc_restored_from_before_two_re_enrolments_follows_its_whole_chain_when_enrolled_again(office):
    office.register(pc="P2", desa=0)
    office.check_requirements(pc="P2", pick=0, complete=True)
    office.backup(pc="P2")
    office.everyone_syncs()                    # at the center as 350807-P2-000001
    office.revoke_and_re_enrol(pc="P2")        # follows P2
    office.revoke_and_re_enrol(pc="P2")        # follows the key above
    office.restore_same_pc(pc="P2", pick=0)    # holds its first key again (revoked, followed)
    office.revoke_and_re_enrol(pc="P2")        # followed nothing: rule:revoke_and_re_enrol
    office.center_prints(count=1)
    office.everyone_syncs()
    assert office.broken_invariants() == []


# issue 26, fourth round, long run seed 2811 step 278: P2's key revoked and P2 enrolled again, then a backup from
# before that restored on P2: it holds the revoked key again, and every pass ended "pusat menolak kunci ini (401)
# atau permintaan terulang" (the center answered a revoked counter key as an unknown one, unsigned), which says
# neither why nor what to do; the wrong-clock rule expected the clock's message. The center now tells a revoked
# key's holder so, signed, with the steps (Putuskan tautan, a new code, enrol again).
def test_a_pc_holding_its_revoked_key_after_a_restore_is_told_the_key_is_revoked_and_what_to_do(office):
    office.backup(pc="P2")
    office.revoke_and_re_enrol(pc="P2")
    office.restore_same_pc(pc="P2", pick=0)             # the backup from before: the revoked key is back
    office.sync_with_a_wrong_clock(where=1, skew=-3600)  # P2 (rule:sync_with_a_wrong_clock before the fix)
    report = office._counter("P2").sync()
    assert "sudah dicabut di pusat" in report.error and "daftarkan ulang" in report.error
    page = office._counter("P2").get("admin", "/sinkronisasi").get_data(as_text=True)
    assert "sudah dicabut di pusat" in page
    office.revoke_and_re_enrol(pc="P2")                  # the way out: enrolled again, the chain followed
    assert office._counter("P2").sync().error == ""
    assert office.broken_invariants() == []


def test_a_desa_laptop_enrolled_again_at_another_counter_pc_is_read_before_its_next_pass(office):
    """Found by the rule revoke_desa_laptop: the laptop, enrolled again with a code from P2, signs with
    the next key generation; P1, not yet told of the revocation, refused its printed forms as forged.
    Fixed: a form naming a newer generation is checked with that generation's key (app/desa/qr.py)."""
    steps = [("revoke_desa_laptop", {"where": 0, "pc": "P2"}),            # D1 revoked and enrolled again
             ("scan_desa_form", {"pc": "P1", "pick": 1, "camera": False})]  # its form typed after: read at P1
    for name, arguments in steps:
        getattr(office, name)(**arguments)
        assert office.broken_invariants() == []


# Found by revoke_desa_laptop (fourteenth session), fixed in the fifteenth: a form a desa laptop typed before it was
# enrolled again, printed there again, was refused at every counter PC as forged (its number is in the laptop's old
# series, the new key signs another). The code now names its signer, and the number is taken where the relay brought it.
def test_a_form_typed_before_a_desa_laptop_was_enrolled_again_scans_when_printed_again(office):
    steps = [("desa_pre_register", {"where": 0}),                          # two D1 forms, in its first series,
             ("desa_pre_register", {"where": 0}),
             ("everyone_syncs", {}),                                        # waiting in P1's queue
             ("revoke_desa_laptop", {"where": 0, "pc": "P1"}),             # the first accepted; a new series
             ("scan_desa_form", {"pc": "P1", "pick": 1, "camera": False})]  # the second, printed again
    accepted_before = STATS["ops"]["pindai_qr_cetak_ulang_terima"]
    for name, arguments in steps:
        getattr(office, name)(**arguments)
        assert office.broken_invariants() == []
    assert STATS["ops"]["pindai_qr_cetak_ulang_terima"] == accepted_before + 1  # scanned and accepted, not refused


# issue 26, fourth round, long run seeds 2828 (step 185) and 3011 (step 174): the old P1, back beside the new PC
# that took its key over and before its next pass told it so, made a desa PC code; the center refused it ("tidak
# dikenal pusat") and the laptop said so, but the harness went on as if the laptop had an operator, whose forms
# then failed with "warga desa: -" or "Daftar desa kosong". The product's refusal is right (the code's PC is no
# longer in service); the rule now expects it exactly there, and a laptop refused stays out of the office's work.
def test_a_desa_pc_code_made_by_a_replaced_pc_is_refused_with_the_reason_and_the_laptop_is_not_used(office):
    office.backup(pc="P1")
    office.restore_on_new_pc(pc="P1", pick=0)
    office.replace_old_pc(pc="P1-baru1")                # the new PC takes P1's key over
    office.bring_old_pc_back()                          # the old P1, not yet told
    office.new_desa_pc(pc="P1", desa=1)                 # rule:new_desa_pc before: the laptop kept as if enrolled
    refused = [o for o in office.world.offices.values() if o.is_desa and o.dead]
    assert len(refused) == 1 and "tidak dikenal pusat" in refused[0].refusal
    office.desa_pre_register(where=1)                   # D1 again, never the refused laptop
    office.everyone_syncs()
    assert office.broken_invariants() == []


# The same seam as shrunk by the year's run (seed 2744, step 288, 18 steps): P1-baru1 holds P1's backup, so its key
# is P1's, which the center revoked when P1 enrolled again; the code it made for a desa laptop was refused.
def test_a_desa_pc_code_made_by_a_pc_holding_a_revoked_key_is_refused_and_the_laptop_is_not_used(office):
    office.new_desa_pc(pc='P2-baru1', desa=0)
    office.backup(pc='P1-baru1')
    office.backup(pc='P1')
    office.restore_on_new_pc(pc='P1', pick=70)
    office.bring_old_pc_back()
    office.backup(pc='P1')
    office.restore_on_new_pc(pc='P1', pick=10)
    office.create_desa_operator(pc='P1-baru1', desa=1)
    office.create_desa_operator(pc='P1', desa=0)
    office.backup(pc='P2')
    office.backup(pc='P1')
    office.bring_old_pc_back()
    office.revoke_and_re_enrol(pc='P1')
    office.kill_office_program(where=86, after_ms=424)
    office.admin_resets_password(pc='P2', pick=97)
    office.new_desa_pc(pc='P1-baru1', desa=0)
    office.correct_and_resend(pc='P2', pick=80)
    office.desa_pre_register(where=82)                  # rule:desa_pre_register before: "warga desa: -"
    assert office.broken_invariants() == []


# Found by the office year (fifteenth session, seed 1512, step 205; hand-cut from its 59-step shrink): a PC holding
# P1's backup, before its admin said whether it replaces P1, made a desa PC code from P1's block. The backup was older
# than the code P1 had made for D1, so the new code was D1's again, and the center refused the second laptop ("sudah
# dipakai komputer desa lain"). A held PC now makes no desa PC code, as it makes no registration number.
def test_a_pc_holding_another_pcs_backup_makes_no_desa_pc_code_until_its_admin_says_which_it_is(office):
    def laptops():
        return [o.name for o in office.world.offices.values() if o.is_desa and not o.dead]
    held_before = STATS["ops"]["komputer_desa_ditahan"]
    office.backup(pc="P1")                              # before P1 made the next laptop's code
    office.new_desa_pc(pc="P1", desa=0)
    office.restore_on_new_pc(pc="P1", pick=0)           # P1-baru1 holds P1's backup
    before = laptops()
    office.new_desa_pc(pc="P1", desa=0)                 # rule:new_desa_pc before: the center refused the code
    assert STATS["ops"]["komputer_desa_ditahan"] == held_before + 1 and laptops() == before
    assert office.broken_invariants() == []
    office.replace_old_pc(pc="P1")                      # the admin says it: this PC replaces P1
    office.new_desa_pc(pc="P1", desa=1)                 # a code from its own new block, taken by the center
    assert len(laptops()) == len(before) + 1
    assert office.broken_invariants() == []


# Found by the office year (issue 42, seed 4300, step 121: 350807-P1-2000001 held by two NIKs after a takeover): P1's
# backup went to P1-baru1, which took over P1 and numbers P1 from the next generation; the old P1, refused and enrolled
# as a PC tambahan, later restored its own backup from before the takeover. That backup names the old PC's machine and
# code P1, and each restore raises the old PC's generation, so it reached P1-baru1's and numbered P1-2000001 again.
# A PC told it was taken over now keeps the code it gave up beside its database: restored, it numbers nothing.
def test_the_old_pc_restoring_its_backup_from_before_the_takeover_never_hands_out_the_new_pcs_numbers(office):
    steps = [("old_pc_returns_with_unsent_work", {"pc": "P1", "count": 1}),  # P1-baru1 takes over; P1 a PC tambahan
             ("register", {"pc": "P1-baru1", "desa": 0}),   # the new PC numbers P1 from its generation
             ("restore_same_pc", {"pc": "P1", "pick": 0}),  # the old PC: its own backup, from before the takeover
             ("restore_same_pc", {"pc": "P1", "pick": 0}),  # and again
             ("register", {"pc": "P1", "desa": 0}),         # on the old PC: held, not the new PC's number
             ("register", {"pc": "P1", "desa": 1})]
    assert broken_after_each_step(office, steps, "no_registration_number_held_by_two_people") == []
    old = office.world.offices["P1"]
    assert "menggantikan PC P1" in (old.read(office._refusal_to_number) or "")


def test_an_old_pc_back_after_a_take_over_refuses_a_collective_import_with_its_reason(office):
    """Long mode, seed 7000, step 377: the rule took the import's refusal on a PC taken over (not yet a
    PC tambahan) for a failure; the office answers it as it answers Daftar Baru there."""
    for name, arguments in [("backup", {"pc": "P1"}),
                            ("restore_on_new_pc", {"pc": "P1", "pick": 0}),
                            ("replace_old_pc", {"pc": "P1"}),  # "PC ini menggantikan PC P1"
                            ("bring_old_pc_back", {}),
                            ("everyone_syncs", {})]:  # the old PC's pass is refused: taken over
        getattr(office, name)(**arguments)
    assert office._numbers_nothing(office._counter("P1"))
    office.collective_letter(pc="P1", size=2, by_import=True)
    assert STATS["ops"]["impor_kolektif_ditahan"] >= 1
    assert office.broken_invariants() == []


def test_a_file_of_the_backup_completed_only_on_the_old_pc_waits_there_with_its_button(office):
    """Long mode, seed 7200 on PostgreSQL, step 20 (shrunk): an application registered incomplete on P1
    before its backup, which the new PC restored ("menggantikan"), is completed on the old PC after it
    became a PC tambahan. The new PC holds that number (incomplete) and sends it once its file is complete
    there; on the old PC it waits on the "Menunggu dikirim PC lain" list with the button that sends it from
    here, and the words say so (the simulation's invariant had taken only a complete application on the
    other PC as holding it)."""
    steps = [("register", {"pc": "P1", "desa": 0}),
             ("old_pc_returns_with_unsent_work", {"pc": "P1", "count": 2}),
             ("check_requirements", {"pc": "P1", "pick": 91, "complete": True})]
    assert broken_after_each_step(
        office, steps, "every_application_is_at_the_center_or_visibly_waiting_with_a_reason") == []
    # The old PC lists what it left to the new PC, with the button that sends it from here when the file
    # was completed only on the old PC; what it registered after the backup went from it.
    from sync.client.models import OutboxItem
    old = office._counter("P1")
    left = old.read(lambda: [(i.registration_number, i.state) for i in OutboxItem.select().where(
        (OutboxItem.kind == "permohonan") & (OutboxItem.state == "elsewhere"))])
    assert [number for number, _ in left] == ["350807-P1-000001"]  # registered before the backup
    page = old.get("admin", "/sinkronisasi").get_data(as_text=True)
    assert "Menunggu dikirim PC lain" in page and "Kirim dari PC ini" in page and "350807-P1-000001" in page
