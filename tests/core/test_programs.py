"""A program is a declaration (app/frame/programs.py): run.py reads the three declarations, picks the
program of a command first and loads only that program's parts. Checked in fresh interpreters on
sys.modules, for every command the declarations list (a new command is covered without a new test)."""
import json
import subprocess
import sys
from pathlib import Path

import pytest

ROOT = Path(__file__).parents[2]

# In one fresh interpreter per program: each of its commands goes through run.py as `main` would
# (program chosen, parser built, handler found), then the program's app parts are imported (what the
# handler builds). After every step, the modules of other programs' capabilities loaded so far. A
# capability this program declares a part of (the desa PC's app.auth.own_account of app.auth) is shared.
SCRIPT = r"""
import argparse, json, sys
import run
from app.frame.programs import resolve
name, folder = sys.argv[1], sys.argv[2]
declared = {program.name: program for program in run.programs()}
program = declared[name]
# Reading the declarations is no part of a program: their modules and the packages holding them.
reading = {d.split(":")[0].rsplit(".", n)[0] for d in run.DECLARATIONS for n in range(d.count("."))}
reading |= {d.split(":")[0] for d in run.DECLARATIONS}
def shared(capability):
    return any(mine == capability or mine.startswith(capability + ".") for mine in program.capabilities)
def theirs(module):
    return any(module == c or module.startswith(c + ".") for other in declared.values() if other is not program
               for c in other.capabilities if not shared(c))
def foreign():
    return sorted(m for m in sys.modules if m not in reading and not program.owns(m) and theirs(m))
steps = []
for command in program.command_names():
    argv = [command, "--data", folder] + (["--mode", name] if len(program.modes) else [])
    chosen, argv = run.choose_program(argv)
    parser = run.build_parser(chosen)
    subparsers = next(a for a in parser._actions if isinstance(a, argparse._SubParsersAction))
    handler = subparsers.choices[command].get_default("handler")
    steps.append({"command": command, "program": chosen.name, "handler": callable(handler), "foreign": foreign()})
resolve(program.factory)
program.modules()
steps.append({"command": "(its app's parts)", "program": name, "handler": True, "foreign": foreign(),
              "owned": sum(program.owns(m) for m in sys.modules), "loaded": sorted(sys.modules)})
print(json.dumps(steps))
"""


# The kecamatan's capabilities a desa PC never loads (its app has none of their pages, its records
# none of their tables' rules): the counter, the desk, the figures, the calendar's and the link's pages.
KECAMATAN_ONLY = {"registration", "complaints", "survey", "recap", "indicators", "calendar", "sync_page", "audit"}
# ...nor the kecamatan's own parts of the capabilities both have (a desa PC's F-1.07 is followed from a
# phone too, so the public status has a part on each).
KECAMATAN_ONLY_MODULES = {"app.desa.kecamatan", "app.desa.counter_views", "app.desa.acceptance",
                          "app.public_status.kecamatan"}


def _declarations():
    sys.path.insert(0, str(ROOT))
    import run
    return run.programs()


def test_every_command_belongs_to_one_program_or_to_both_office_programs():
    office = {"kecamatan", "desa"}
    owners = {}
    for program in _declarations():
        for name in program.command_names():
            owners.setdefault(name, set()).add(program.name)
    assert owners["center"] == {"center"}
    assert all(names == {"center"} or names <= office for names in owners.values()), owners


@pytest.mark.parametrize("program", [p.name for p in _declarations()])
def test_no_command_loads_another_programs_capability(tmp_path, program):
    out = subprocess.run([sys.executable, "-c", SCRIPT, program, str(tmp_path)], cwd=ROOT,
                         capture_output=True, text=True, timeout=120)
    assert out.returncode == 0, out.stderr
    steps = json.loads(out.stdout.strip().splitlines()[-1])
    commands = [p for p in _declarations() if p.name == program][0].command_names()
    assert [step["command"] for step in steps[:-1]] == list(commands)
    for step in steps:
        assert step["program"] == program and step["handler"], step
        assert step["foreign"] == [], step
    assert steps[-1]["owned"] > 0  # the program's own parts really were loaded
    if program == "desa":  # its own capability set: nothing of the kecamatan's counter, desk or figures
        loaded = {m.split(".")[1] for m in steps[-1]["loaded"] if m.startswith("app.") and m.count(".") >= 1}
        assert not loaded & KECAMATAN_ONLY, sorted(loaded & KECAMATAN_ONLY)
        assert not [m for m in steps[-1]["loaded"] if m in KECAMATAN_ONLY_MODULES]


def test_a_shared_command_runs_as_the_program_the_mode_or_the_folder_names(tmp_path, monkeypatch):
    import run
    monkeypatch.delenv("LOKET_MODE", raising=False)
    monkeypatch.delenv("LOKET_DATA_DIR", raising=False)
    desa_folder = tmp_path / "desa"
    desa_folder.mkdir()
    (desa_folder / "desa.sqlite3").write_bytes(b"")
    assert run.choose_program(["sync", "--data", str(tmp_path)])[0].name == "kecamatan"
    assert run.choose_program(["sync", "--data", str(desa_folder)])[0].name == "desa"
    # the desa PC's own `sync` (its link is enrolled on its admin's page), no desa branch in the kecamatan's
    assert run.prepare(["sync", "--data", str(desa_folder)])[1].handler.__name__ == "cmd_desa_sync"
    assert run.prepare(["sync", "--data", str(tmp_path), "enrol", "--center", "x", "--code", "y"])[1].handler.__name__ == "cmd_sync"
    assert run.choose_program(["backup", "--data", str(tmp_path), "--mode", "desa"])[0].name == "desa"
    assert run.choose_program(["center", "--data", str(tmp_path)])[0].name == "center"
    program, argv = run.choose_program(["--port", "8081", "--data", str(desa_folder)])
    assert (program.name, argv[0]) == ("desa", "serve")  # `run.py` alone serves the folder's program
    monkeypatch.setenv("LOKET_MODE", "desa")
    assert run.choose_program(["reset-password", "--data", str(tmp_path)])[0].name == "desa"
    assert run.choose_program(["demo", "--data", str(tmp_path)])[0].name == "kecamatan"  # the kecamatan's only


def test_every_part_a_declaration_names_is_there():
    from app.frame.programs import resolve
    for program in _declarations():
        assert callable(resolve(program.factory)) and callable(resolve(program.migrate)), program.name
        assert resolve(program.policy).__class__.__name__ == "Policy", program.name
        assert (ROOT / "schema" / program.schema).is_dir() and list((ROOT / "schema" / program.schema).glob("0001_*.sql"))
        assert all(callable(job) and seconds > 0 for seconds, job in program.jobs()), program.name
        assert all(callable(resolve(command.add)) for command in program.commands), program.name
        if program.name != "center":
            assert all(hasattr(module, "blueprint") for module in program.modules()), program.name


# What the Task Scheduler's `run.py sync` loads on an office PC: its command chosen as `main` does, its app
# built, the pass's modules imported. The center's database drivers and simplejpeg are the center's extra: an
# office process never loads them, even on a machine where they are installed (this one: the tests install them).
# numpy comes with the office's JPEG XL codec (imagecodecs), imported only when a photo is first coded without
# Lepton: never at the start of a pass.
SYNC_PATH = r"""
import json, sys
import run
from app.programs.sync_commands import _office_app
program, options = run.prepare(["sync", "--data", sys.argv[1]])
app = _office_app(options)
import sync.client.engine, sync.client.enrolment, sync.client.scheduler, sync.client.usb_files
print(json.dumps(sorted(name for name, module in sys.modules.items() if module is not None)))
"""
CENTER_ONLY = ("psycopg", "psycopg2", "pymysql", "numpy", "simplejpeg")


@pytest.mark.parametrize("mode", ["kecamatan", "desa"])
def test_the_sync_pass_loads_nothing_of_the_centers_extra(tmp_path, mode):
    folder = tmp_path / mode
    folder.mkdir()
    if mode == "desa":
        (folder / "desa.sqlite3").write_bytes(b"")
    out = subprocess.run([sys.executable, "-c", SYNC_PATH, str(folder)], cwd=ROOT, capture_output=True, text=True,
                         timeout=120)
    assert out.returncode == 0, out.stderr
    loaded = json.loads(out.stdout.strip().splitlines()[-1])
    assert "sync.client.engine" in loaded and "peewee" in loaded  # the pass's path really was loaded
    assert [name for name in loaded if name.split(".")[0] in CENTER_ONLY] == []
    # of the center's own code, only its declaration (run.py reads the three)
    assert {name for name in loaded if name.startswith("sync.center")} <= {"sync.center", "sync.center.program"}
