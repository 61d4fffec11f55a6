"""The update's life on this PC as one state machine (issue 94): the states of the selection
(DATA/versions/terpilih.json, app/updates/state.py), the events a launcher meets at each, and what each
event does to the data, declared once here. `launcher.serve` asks `step(state, event)` at every decision
and runs the action the row names; `older_launchers` tells the launcher that started a version apart
with `generation_of`. docs/architecture.md ("The update's states") shows the same table.

A state is the selection as a start finds it: no selection (the installed program serves itself),
"uji" before and after its switch-time backup, "baik" while its first start is not over (the
`first_start` mark; versions/sehat.json is the version's sign that it listened), "baik", "gagal". A power
cut is no event of its own: every step is written durably before the next, so a start after a cut
finds one of these states and goes on from it.

The one rule the table keeps: the switch-time backup is restored only from a state in which the version
has taken no request since it (TRIAL, FIRST_START before its sign, GOING_BACK), so a going back never
undoes a save a clerk was told was kept."""
from dataclasses import dataclass

# --- the states -----------------------------------------------------------------------------------
SERVES_ITSELF = "tanpa pilihan"  # no selection: the installed program serves, as before any update
SWITCHING = "uji, belum dicadangkan"  # chosen; the old server stops; the switch-time backup not made yet
ON_TRIAL = "uji"  # the backup made: the launcher walks the version on a copy (attempts counts the walks)
FIRST_START = "baik, mulai pertama"  # walked well; the version's first `serve` until it listens
RUNNING = "baik"  # the version serves and keeps what it is told; never taken back from here
GOING_BACK = "gagal"  # the verdict kept: restore the backup, select the previous version, remove this one
STATES = (SERVES_ITSELF, SWITCHING, ON_TRIAL, FIRST_START, RUNNING, GOING_BACK)


def state_of(selection: dict | None) -> str:
    """The state a start finds in `selection` (as state.read_selection gives it)."""
    if not selection:
        return SERVES_ITSELF
    if selection.get("state") == "gagal":
        return GOING_BACK
    if selection.get("state") == "uji":
        return ON_TRIAL if selection.get("backup") else SWITCHING
    return FIRST_START if selection.get("first_start") else RUNNING


# --- the events -----------------------------------------------------------------------------------
START = "mulai"  # the launcher reads the selection (a start, a RESTART, the step before done)
DAMAGED = "berkas tidak utuh"  # the version's files differ from their RECORD
BACKUP_FAILED = "cadangan gagal"  # switch_backup could not back up (a full disk)
TRIALS_USED_UP = "percobaan habis"  # MAX_TRIAL_STARTS walks cut short, no verdict
WALK_CUT = "pemeriksaan terputus"  # the walk reached no verdict (a crash, out of time)
WALK_FAILED = "pemeriksaan gagal"  # a page answered 5xx, a sign-in failed
WALK_PASSED = "pemeriksaan lulus"
PORT_BUSY = "port terpakai"  # the child exits 3: the old server still lets its port go (Windows)
STOPPED_UNSIGNED = "berhenti sebelum melayani"  # the child stopped and no sign names it (sehat.json)
STOPPED = "berhenti"  # the child stopped after it listened (a stop, an error, a RESTART)
SECOND_START = "mulai kedua"  # another `run.py serve` on the folder while this one serves


@dataclass(frozen=True)
class Step:
    state: str
    event: str
    next: str
    action: str  # the launcher's function that does it (launcher.ACTIONS), "" for none
    data: str  # what the step does to the office's data


_STEPS = [
    Step(SERVES_ITSELF, START, SERVES_ITSELF, "serve_here", "dipakai apa adanya"),
    Step(GOING_BACK, START, SERVES_ITSELF, "take_back",
         "cadangan saat berganti dipulihkan (versi itu belum menerima isian)"),
    Step(SWITCHING, DAMAGED, GOING_BACK, "fail", "tidak berubah (belum ada cadangan)"),
    Step(ON_TRIAL, DAMAGED, GOING_BACK, "fail", "cadangan dipulihkan (versi itu belum menerima isian)"),
    Step(FIRST_START, DAMAGED, SERVES_ITSELF, "broken_on_disk", "tetap seperti terakhir disimpan"),
    Step(RUNNING, DAMAGED, SERVES_ITSELF, "broken_on_disk", "tetap seperti terakhir disimpan"),
    Step(SWITCHING, START, ON_TRIAL, "switch_backup", "dicadangkan tanpa server berjalan"),
    Step(SWITCHING, BACKUP_FAILED, SERVES_ITSELF, "switch_backup", "tidak berubah"),
    Step(ON_TRIAL, TRIALS_USED_UP, SERVES_ITSELF, "interrupted", "tidak berubah (versi itu belum melayani)"),
    Step(ON_TRIAL, START, ON_TRIAL, "trial_walk", "disalin untuk pemeriksaan; yang asli tidak berubah"),
    Step(ON_TRIAL, WALK_CUT, ON_TRIAL, "", "tidak berubah; mulai berikutnya memeriksa lagi"),
    Step(ON_TRIAL, WALK_FAILED, GOING_BACK, "fail", "cadangan dipulihkan (versi itu belum menerima isian)"),
    Step(ON_TRIAL, WALK_PASSED, FIRST_START, "", "tidak berubah"),
    Step(FIRST_START, START, FIRST_START, "_run_child", "versi baru memigrasi dan melayani; tanda sehat.json dihapus dulu"),
    Step(RUNNING, START, RUNNING, "_run_child", "dilayani versi terpilih"),
    Step(FIRST_START, PORT_BUSY, FIRST_START, "", "tidak berubah; mulai lagi sesudah 1 detik"),
    Step(RUNNING, PORT_BUSY, RUNNING, "", "tidak berubah; mulai lagi sesudah 1 detik"),
    Step(FIRST_START, STOPPED_UNSIGNED, GOING_BACK, "fail", "cadangan dipulihkan (versi itu belum menerima isian)"),
    # The version ends the mark itself once it listens (launcher.note_serving): from then on it may hold
    # saves. The launcher ends it too, for a version older than that.
    Step(FIRST_START, STOPPED, RUNNING, "end_first_start", "tetap: semua yang tersimpan"),
    Step(RUNNING, STOPPED, RUNNING, "", "tetap: semua yang tersimpan"),
    # Refused before the folder is touched: today's launcher holds DATA/server.lock (app/frame/serve_lock.py);
    # under a launcher that holds none, the version answers it (launcher.answer_second_start).
    *(Step(state, SECOND_START, state, "", "tidak berubah; satu kalimat: sudah berjalan")
      for state in (SERVES_ITSELF, SWITCHING, ON_TRIAL, FIRST_START, RUNNING, GOING_BACK)),
]
TABLE = {(row.state, row.event): row for row in _STEPS}
RESTORES = {row.state for row in _STEPS if "dipulihkan" in row.data}  # the states a going back restores from


def step(state: str, event: str) -> Step:
    """The row of `event` in `state`; a pair the table lacks is a defect, never a guess."""
    try:
        return TABLE[(state, event)]
    except KeyError:
        raise LookupError(f"no step for {event!r} in state {state!r} (app/updates/lifecycle.py)") from None


# --- the launchers in the field -------------------------------------------------------------------
@dataclass(frozen=True)
class Generation:
    """A landed launcher (the office's installed program starts every later release): what it does with
    the states above, as the version it starts must expect (older_launchers.py)."""
    name: str
    commit: str  # tests/support/field_versions.py
    holds_lock: bool  # a second start is refused before it touches the folder
    walks: bool  # it walks the version on a copy and writes "baik" (with first_start) before it starts it
    verdict: str  # who writes "baik": "launcher-walk", "version" (its own walk), "launcher-masuk" (sign + /masuk)
    backup_by_launcher: bool  # it makes the switch-time backup itself
    takes_back: str  # when it restores the backup: the state in which a child's exit counts as a failure


GENERATIONS = (
    Generation("first-updatable", "882de731", holds_lock=False, walks=False, verdict="launcher-masuk",
               backup_by_launcher=False, takes_back="uji: exit before sign + /masuk"),
    Generation("before-renumber-step", "6ce2a857", holds_lock=False, walks=False, verdict="version",
               backup_by_launcher=True, takes_back="uji: any exit while still uji"),
    Generation("previous-but-one", "d36a7707", holds_lock=False, walks=True, verdict="launcher-walk",
               backup_by_launcher=True, takes_back="first_start: exit before sign"),
    Generation("previous", "bb30ea33", holds_lock=True, walks=True, verdict="launcher-walk",
               backup_by_launcher=True, takes_back="first_start: exit before sign"),
    Generation("landed-0.3.1", "01757d52", holds_lock=True, walks=True, verdict="launcher-walk",
               backup_by_launcher=True, takes_back="first_start: exit before sign"),
    # 0.3.2: the first serve ends the first-start mark, so a second start no longer reads as a failed one.
    Generation("landed-0.3.2", "7e2bc906", holds_lock=True, walks=True, verdict="launcher-walk",
               backup_by_launcher=True, takes_back="first_start: exit before sign"),
    # 0.3.3: the version installs its own lock before it serves when an older updater left it without.
    Generation("landed-0.3.3", "a4d44feb", holds_lock=True, walks=True, verdict="launcher-walk",
               backup_by_launcher=True, takes_back="first_start: exit before sign"),
    # 0.3.4: the same launcher; run.py refuses a signer typed without -I -S before anything of the install runs.
    Generation("landed-0.3.4", "dfaabd95", holds_lock=True, walks=True, verdict="launcher-walk",
               backup_by_launcher=True, takes_back="first_start: exit before sign"),
    # 0.3.5: the same launcher; a cut-short switch's "tetap ditawarkan" is said only while the release is offered.
    Generation("landed-0.3.5", "98db685f", holds_lock=True, walks=True, verdict="launcher-walk",
               backup_by_launcher=True, takes_back="first_start: exit before sign"),
    # 0.3.6: the same launcher; a refused release's Coba lagi clears a message an older launcher wrote.
    Generation("last-landed", "910f3193", holds_lock=True, walks=True, verdict="launcher-walk",
               backup_by_launcher=True, takes_back="first_start: exit before sign"),
    Generation("today", "", holds_lock=True, walks=True, verdict="launcher-walk",
               backup_by_launcher=True, takes_back="first_start: exit before sign"),
)
BY_NAME = {generation.name: generation for generation in GENERATIONS}


def generation_of(selection: dict | None) -> Generation | None:
    """In a launched child: which kind of launcher started it, from what it left in the selection.
    "baik" (or none): one that walks (nothing left to do); "uji" with attempts: the one that waits for
    the version's own verdict; "uji" without: the first updatable, which writes the verdict itself."""
    if not selection or state_of(selection) not in (SWITCHING, ON_TRIAL):
        return None
    return BY_NAME["before-renumber-step" if int(selection.get("attempts") or 0) else "first-updatable"]
