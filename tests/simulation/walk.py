"""A seeded walk through the office year: the state machine's rules (tests/simulation/machine.py) picked
with an office's weights from one seed, every invariant after every step, and a shrinker that cuts a
failing walk down to the shortest sequence that still breaks the same invariant.

Hypothesis drives the same rules in CI (test_office_year.py); a year of thousands of steps in one
world is this walk's job: hypothesis keeps its runs short and switches rules off per run (swarm
testing), which suits finding a seam in a few steps but not living a year in one office.

A step is `(rule name, {argument: value})`; a sequence replays on a fresh world, so a shrunk one
is an ordinary test (tests/simulation/test_found_seams.py).
"""
from __future__ import annotations

import random
import time
import traceback
from dataclasses import dataclass, field

from tests.simulation.machine import STATS, OfficeYear

COUNTERS = ("P1", "P1", "P2", "P2", "K1", "K1", "P1-baru1", "P2-baru1")  # a replacement PC, less often

# rule -> (weight in an office's year, arguments from a random source)
RULES = {
    "register": (8, lambda r: {"pc": r.choice(COUNTERS), "desa": r.randint(0, 1)}),
    "check_requirements": (8, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99),
                                         "complete": r.random() < 0.8}),
    "hand_over": (3, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99)}),
    "desa_pre_register": (5, lambda r: {"where": r.randint(0, 99)}),
    "accept_at_counter": (5, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99),
                                        "correct": r.random() < 0.3}),
    "sync_pass": (6, lambda r: {"where": r.randint(0, 99), "link": r.choice(["good", "good", "faulty", "cut"])}),
    "everyone_syncs": (3, lambda r: {}),
    "center_prints": (3, lambda r: {"count": r.randint(1, 5)}),
    "center_ships": (2, lambda r: {"kecamatan": r.choice(["35.08.07", "35.08.06"])}),
    "center_rejects": (1, lambda r: {"pick": r.randint(0, 99)}),
    "backup": (2, lambda r: {"pc": r.choice(COUNTERS)}),
    "restore_same_pc": (1.5, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99)}),
    "restore_on_new_pc": (1, lambda r: {"pc": r.choice(("P1", "P2")), "pick": r.randint(0, 99)}),
    "bring_old_pc_back": (1, lambda r: {}),
    "create_desa_operator": (1, lambda r: {"pc": r.choice(COUNTERS), "desa": r.randint(0, 1)}),
    "change_requirements": (1, lambda r: {"pc": r.choice(COUNTERS), "service_days": r.randint(5, 20)}),
    "new_desa_pc": (1, lambda r: {"pc": r.choice(COUNTERS), "desa": r.randint(0, 1)}),
    "kill_center": (0.5, lambda r: {}),
    "walk_every_menu": (2, lambda r: {"where": r.randint(0, 99), "who": r.randint(0, 99)}),
    "record_complaint": (5, lambda r: {"pc": r.choice(COUNTERS), "channel": r.choice(
        ("meja_informasi", "telepon", "sms", "surat", "kotak_saran", "kiosk", "loket")),
        "step": r.choice(("baru", "baru", "diteruskan", "jawab")), "last_quarter": r.random() < 0.2,
        "confidential": r.random() < 0.1}),
    "follow_up_complaint": (4, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99), "to": r.choice(
        ("ditindaklanjuti", "selesai", "selesai", "bukan_kewenangan"))}),
    "survey_answer": (5, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99),
                                    "with_code": r.random() < 0.6, "scores": [r.randint(1, 4) for _ in range(9)]}),
    "review_survey": (2, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99), "accept": r.random() < 0.7}),
    "recap_step": (1.5, lambda r: {"pc": r.choice(COUNTERS), "action": r.choice(
        ("draf", "ajukan", "ajukan", "setujui", "setujui", "kembalikan"))}),
    "usb_round_trip": (1, lambda r: {"pc": r.choice(COUNTERS)}),
    "revoke_and_re_enrol": (0.3, lambda r: {"pc": r.choice(COUNTERS)}),
    "center_resolves_conflict": (1, lambda r: {"pick": r.randint(0, 99), "decision": r.choice(("keep", "accept", "reject"))}),
    "sync_with_a_wrong_clock": (1, lambda r: {"where": r.randint(0, 99), "skew": r.choice((-200, 150, 900, -3600))}),
    "office_day": (0.7, lambda r: {"pc": r.choice(COUNTERS), "days_ahead": r.randint(-20, 20),
                                   "closed": r.random() < 0.8}),
    "change_zone": (0.3, lambda r: {"pc": r.choice(COUNTERS), "zone": r.choice(("WIB", "WIB", "WITA", "WIT"))}),
    # half the kills inside the start's background jobs (the daily backup, the sync probe), which begin
    # only once the first page is answered (machine.py)
    "kill_office_program": (0.7, lambda r: {"where": r.randint(0, 99), "after_ms": r.randint(0, 4000),
                                            "in_jobs": r.random() < 0.5}),
    # A second Python starts per step (about 2 s, like an average step with its invariants). A counter PC's pass
    # with work reads the relay (requests 1-3), probes (4), uploads (5, 6), pulls statuses (7) and updates;
    # the kill goes to a PC with something to send when there is one (machine.py).
    "kill_sync_pass": (1.5, lambda r: {"where": r.randint(0, 99), "link": r.choice(["good", "good", "faulty"]),
                                       "request": r.choice((0, 1, 3, 4, 5, 5, 5, 6, 6, 7)),
                                       "after_ms": r.randint(0, 120), "then_pass": r.random() < 0.5}),
    "scan_desa_form": (2, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99), "camera": r.random() < 0.3}),
    "desa_form_not_brought_in_time": (0.7, lambda r: {"where": r.randint(0, 99), "weeks": r.randint(7, 12)}),
    "collective_letter": (1, lambda r: {"pc": r.choice(COUNTERS), "size": r.randint(1, 3), "by_import": r.random() < 0.5}),
    "collective_handover": (1, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99)}),
    "center_requests_resend": (0.7, lambda r: {"pick": r.randint(0, 99)}),
    "correct_and_resend": (1, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99)}),
    "new_staff_account": (0.5, lambda r: {"pc": r.choice(COUNTERS), "role": r.choice(
        ("admin", "petugas_loket", "petugas_loket", "petugas_informasi", "kasi_pelayanan", "camat"))}),
    "staff_account_works": (1, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99)}),
    "change_own_password": (0.5, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99)}),
    "admin_resets_password": (0.3, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99)}),
    "revoke_desa_laptop": (0.3, lambda r: {"where": r.randint(0, 99), "pc": r.choice(COUNTERS)}),
    "switch_account": (0.5, lambda r: {"pc": r.choice(COUNTERS), "pick": r.randint(0, 99),
                                       "back_on": r.random() < 0.5}),
    "same_person_at_two_counters_and_a_desa": (1, lambda r: {"desa": r.randint(0, 1), "sync_between": r.random() < 0.5}),
    "old_pc_returns_with_unsent_work": (0.5, lambda r: {"pc": r.choice(("P1", "P2")), "count": r.randint(1, 2)}),
    "two_counters_accept_one_desa_form": (1, lambda r: {"correct": r.random() < 0.3}),
    "relayed_application_renumbered": (0.5, lambda r: {"decision": r.choice(("keep", "accept"))}),  # issue 72
    "desa_form_expires_in_the_queue": (0.5, lambda r: {"where": r.randint(0, 99), "weeks": r.randint(7, 12),
                                                       "days_later": r.randint(0, 5)}),
}


@dataclass
class Failure:
    invariant: str  # the invariant's name, or "rule:<name>" when a rule's own check failed
    messages: list[str]
    steps: list[tuple[str, dict]]  # the sequence up to and including the failing step
    idle: set[int] = field(default_factory=set)  # steps whose rule found nothing to act on


@dataclass
class WalkResult:
    steps: list[tuple[str, dict]] = field(default_factory=list)
    failures: list[Failure] = field(default_factory=list)
    seconds: float = 0.0


def plan(seed: int, count: int, off: set[str]) -> list[tuple[str, dict]]:
    rng = random.Random(seed)
    names = [n for n in RULES if n not in off]
    weights = [RULES[n][0] for n in names]
    return [(name, RULES[name][1](rng)) for name in rng.choices(names, weights, k=count)]


def _step(machine: OfficeYear, name: str, arguments: dict) -> list[tuple[str, str]]:
    try:
        getattr(machine, name)(**arguments)
    except AssertionError as problem:
        machine.broken_invariants()  # keep the bookkeeping of the step
        return [(f"rule:{name}", str(problem)[:800])]
    except Exception:  # a crash of the harness or of a program called in-process
        return [(f"rule:{name}", traceback.format_exc(limit=-3)[-800:])]
    return machine.broken_invariants()


def walk(seed: int, count: int, off: set[str] = frozenset(), keep_going: bool = True,
         on_step=None, deadline: float | None = None) -> WalkResult:
    """Run `count` steps from `seed` in one world. With `keep_going`, a broken invariant is
    recorded and switched off for the rest of the walk, so one walk can find several seams."""
    result = WalkResult()
    started = time.perf_counter()
    machine = OfficeYear()
    machine.off |= set(off)
    if "known_seams" in machine.off:
        from tests.simulation.machine import KNOWN_SEAMS
        machine.off |= KNOWN_SEAMS
    idle = set()
    try:
        for index, (name, arguments) in enumerate(plan(seed, count, machine.off)):
            if deadline is not None and time.perf_counter() >= deadline:
                break  # the long run's time is up: the walk ends here, its figures count
            result.steps.append((name, arguments))
            acted = STATS["steps"]
            problems = _step(machine, name, arguments)
            if STATS["steps"] == acted and not problems:
                idle.add(index)
            if on_step:
                on_step(index, name, problems)
            if not problems:
                continue
            broken = sorted({invariant for invariant, _ in problems})
            for invariant in broken:
                result.failures.append(Failure(invariant, [p for i, p in problems if i == invariant],
                                               list(result.steps), set(idle)))
            if not keep_going:
                break
            machine.off |= {i for i in broken if not i.startswith("rule:")}
    finally:
        machine.teardown()
        result.seconds = time.perf_counter() - started
    return result


def replay(steps: list[tuple[str, dict]], invariant: str, off: set[str] = frozenset()) -> bool:
    """Does this sequence, on a fresh world, break `invariant`?"""
    from tests.simulation import invariants as inv
    machine = OfficeYear()
    # Only the invariant being shrunk is checked (the others cost time and do not decide here).
    machine.off |= (set(off) | {check.__name__ for check in inv.INVARIANTS}) - {invariant}
    if invariant == "no_personal_field_shown_to_a_denied_role":
        machine.off.discard("every_page_answers_below_500")
    try:
        for name, arguments in steps:
            if any(found == invariant for found, _ in _step(machine, name, arguments)):
                return True
        return False
    finally:
        machine.teardown()


# Rules that change nothing an invariant reads but the pages they answered (dropped first in a shrink).
READ_ONLY = {"walk_every_menu"}


def shrink(failure: Failure, off: set[str] = frozenset(), budget_seconds: float = 900,
           fast: bool = False) -> list[tuple[str, dict]]:
    """The shortest sequence found that still breaks the same invariant; within `budget_seconds`.

    `fast` (bench/office_year.py --fast-shrink; faster on a short failure, not on a long one:
    docs/testing.md) first cuts what costs one replay each: the steps whose rule found nothing to act on (all
    at once), the read-only steps (all at once), then each kind of operation at a time (a seam
    needs a few kinds; a year has two dozen); then, as the plain shrinker does, the last steps
    alone and delta debugging (drop chunks, then single steps)."""
    deadline = time.perf_counter() + budget_seconds
    steps = list(failure.steps)
    if fast:
        steps = _cut_whole_groups(steps, failure, off, deadline)
    return _delta_debug(steps, failure, off, deadline)


def _cut_whole_groups(steps, failure: Failure, off, deadline):
    last = steps[-1:]  # the step that broke it stays in every candidate

    def attempt(before):
        candidate = before + last
        return candidate if len(candidate) < len(steps) and replay(candidate, failure.invariant, off) else None

    acting = [step for index, step in enumerate(steps[:-1]) if index not in failure.idle]
    steps = attempt(acting) or steps
    if time.perf_counter() < deadline and failure.invariant != "no_personal_field_shown_to_a_denied_role":
        steps = attempt([step for step in steps[:-1] if step[0] not in READ_ONLY]) or steps
    # Kinds with the most steps first: dropping them saves the most replay time later.
    from collections import Counter
    for kind, _ in Counter(name for name, _ in steps[:-1]).most_common():
        if time.perf_counter() >= deadline:
            break
        steps = attempt([step for step in steps[:-1] if step[0] != kind]) or steps
    return steps


def _delta_debug(steps, failure: Failure, off, deadline):
    # First the last 1, 2, 4 ... steps alone: most seams need a few steps before the one that broke,
    # and a short replay is cheap; then delta debugging on what is left.
    size = 1
    while size < len(steps) and time.perf_counter() < deadline:
        if replay(steps[-size:], failure.invariant, off):
            steps = steps[-size:]
            break
        size *= 2
    chunk = max(1, len(steps) // 2)
    while chunk >= 1 and time.perf_counter() < deadline:
        start, shrunk = 0, False
        while start < len(steps) and time.perf_counter() < deadline:
            candidate = steps[:start] + steps[start + chunk:]
            if candidate and replay(candidate, failure.invariant, off):
                steps, shrunk = candidate, True
            else:
                start += chunk
        if not shrunk:
            chunk //= 2
    return steps


def as_code(steps: list[tuple[str, dict]]) -> str:
    """The sequence as the lines of a regression test."""
    lines = []
    for name, arguments in steps:
        shown = ", ".join(f"{key}={value!r}" for key, value in arguments.items())
        lines.append(f"office.{name}({shown})")
    return "\n".join(lines)
