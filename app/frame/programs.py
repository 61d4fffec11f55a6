"""A program is a declaration: what one program of the project (the kecamatan office, the desa PC,
the regency center) is made of, in one place.

The declarations (app/programs/kecamatan.py, app/programs/desa.py, sync/center/program.py) name
their parts as dotted strings, so reading one imports nothing of the program: run.py reads them
all, picks the program (from the command, --mode / LOKET_MODE, or the data folder) and imports only
that program's parts. tests/core/test_programs.py checks, in a fresh interpreter, that no command
loads another program's capability.
"""
import importlib
from dataclasses import dataclass


def resolve(dotted: str):
    """"package.module:name" -> that object; "package.module" -> the module."""
    module, _, name = dotted.partition(":")
    loaded = importlib.import_module(module)
    return getattr(loaded, name) if name else loaded


def program_roles(mode: str) -> set[str]:
    """The roles the access table of the office program of `mode` ("kecamatan" or "desa") gives, as
    THIS installed program knows them: a candidate's walk must sign in as each (the office's update
    check and the regency's release build alike)."""
    program = resolve(f"app.programs.{'desa' if mode == 'desa' else 'kecamatan'}:PROGRAM")
    return set(resolve(program.policy).columns.values())


@dataclass(frozen=True)
class Command:
    """One `run.py` subcommand: `add` is "module:function(subparsers, add_data_option)" that adds its
    parser and sets the parser's `handler`."""
    name: str
    add: str


@dataclass(frozen=True)
class Program:
    name: str
    title: str                                 # how the program names itself when it starts
    factory: str                               # "module:function(config) -> Flask"
    capabilities: tuple[str, ...]              # its packages, in order (blueprints, menus, cards, gates)
    policy: str                                # "module:POLICY", its access table
    schema: str                                # its migrations: schema/<schema>/NNNN_*.sql
    migrate: str                               # "module:function(db)" that applies them
    commands: tuple[Command, ...]              # its run.py subcommands
    background_jobs: tuple[tuple[int, str], ...] = ()  # (seconds, "module:job(app)") while it serves
    modes: tuple[str, ...] = ()                # values of --mode / LOKET_MODE that name it

    def command_names(self) -> tuple[str, ...]:
        return tuple(command.name for command in self.commands)

    def modules(self) -> list:
        """Its capability packages, imported (what building its app loads)."""
        return [importlib.import_module(name) for name in self.capabilities]

    def jobs(self) -> list[tuple[int, object]]:
        return [(seconds, resolve(job)) for seconds, job in self.background_jobs]

    def owns(self, module_name: str) -> bool:
        """Is this module part of one of its capability packages?"""
        return any(module_name == name or module_name.startswith(name + ".") for name in self.capabilities)
