"""Issue 94's office day (tests/updates/test_field_launchers.py, office_day) runs under every field launcher but
those TAKES_BACK_AS names (100-140 s a day, issue 93): here, that such a launcher is, function for function, the one
it is taken for, in every module a launcher runs when it switches, walks, takes back and starts a version (a second
start, a stop and start, the refused release and its Coba lagi). A field launcher added to the map whose code differs
fails here, naming the functions. What its day runs that is not launcher code, its installed program's `run.py sync`
pass and `sync enrol`, runs in the day of the launcher it is taken for (kin_programs_pass, kin_programs_enrol)."""
import ast
import functools
import subprocess

from tests.support.field_versions import FIELD_VERSIONS, ROOT, field_commit
from tests.updates.test_field_launchers import LANDED_LAUNCHERS, OLDER_LAUNCHERS, TAKES_BACK_AS

# What the launcher runs from its own tree for a switch, a walk, a going back and a start (run.py serve).
LAUNCHER_MODULES = ("run.py", "app/updates/launcher.py", "app/updates/state.py", "app/updates/walk.py",
                    "app/updates/starting.py", "app/frame/serve_lock.py", "app/programs/office_commands.py")
# Differences that no refusal, Coba lagi or second release meets: {function: why}.
NOT_MET = {"interrupted": "a switch cut short (no verdict): its words only",
           "_signer_start": "release sign and release keys", "_own_module": "release sign and release keys",
           "unchecked_signer": "release sign and release keys",
           "_bind_to_desa": "the walk of a desa PC (the office day's office is a kecamatan's)",
           "take_retries": "the sync pass's, run by the version that serves (app/updates/sync_phase.py)",
           "failure_version": "the sync pass's, run by the version that serves (app/updates/sync_phase.py)"}


def functions(sources: dict[str, str]) -> dict[str, dict[str, str]]:
    """{path: {name: source}} of the top-level functions and classes of each file's text."""
    found = {}
    for path, text in sources.items():
        lines = text.splitlines()
        found[path] = {node.name: "\n".join(lines[node.lineno - 1:node.end_lineno]) for node in ast.parse(text).body
                       if isinstance(node, (ast.FunctionDef, ast.ClassDef))}
    return found


@functools.cache
def launcher_code(field: str) -> dict[str, dict[str, str]]:
    """LAUNCHER_MODULES as field version `field` holds them, read in one `git cat-file --batch`."""
    commit = field_commit(field)
    asked = "".join(f"{commit}:{path}\n" for path in LAUNCHER_MODULES).encode()
    out = subprocess.run(["git", "cat-file", "--batch"], cwd=ROOT, input=asked, capture_output=True, check=True).stdout
    sources = {}
    for path in LAUNCHER_MODULES:
        header, out = out.split(b"\n", 1)
        size = int(header.split()[2])
        sources[path], out = out[:size].decode(), out[size + 1:]
    return functions(sources)


def differing(field: str, like: str) -> dict[str, list[str]]:
    own, other = launcher_code(field), launcher_code(like)
    found = {}
    for path in LAUNCHER_MODULES:
        names = sorted(name for name in set(own[path]) | set(other[path])
                       if own[path].get(name) != other[path].get(name) and name not in NOT_MET)
        if names:
            found[path] = names
    return found


def test_a_launcher_spared_the_refused_release_runs_the_code_of_the_one_it_is_taken_for():
    assert TAKES_BACK_AS
    for field, like in TAKES_BACK_AS.items():
        assert differing(field, like) == {}, (field, like)


def test_the_comparison_sees_launchers_that_differ():
    """0.3.2's serve ends the first-start mark before 0.3.3's installs the version's lock: it runs its own day."""
    assert "serve" in differing("landed-0.3.2", "last-landed")["app/updates/launcher.py"]


def test_every_field_launcher_has_an_office_day_or_the_day_of_its_kin():
    days = OLDER_LAUNCHERS + LANDED_LAUNCHERS
    assert sorted(days + tuple(TAKES_BACK_AS)) == sorted(FIELD_VERSIONS)
    assert set(TAKES_BACK_AS.values()) <= set(days)
