"""Commands a person copies from the screen, and what run.py answers when one is typed wrong
(issue 79 finding 6: `release sign C:\\Users\\Budi Santoso\\Downloads\\diperiksa-0.3.0` broke at the space,
and argparse answered in English).

`shell_line` is the one way a program prints a command: quoted for the shell of the system named
(Windows' cmd and PowerShell: double quotes, as subprocess.list2cmdline writes them and
CommandLineToArgvW reads them back; Linux: shlex). `IndonesianParser` is run.py's argparse parser
with its refusals in Indonesian and a hint for the usual cause, a name with a space typed bare."""
import argparse
import os
import re
import shlex
import subprocess
import sys

WINDOWS, LINUX = "windows", "linux"
VENV_PYTHON = {WINDOWS: ".venv\\Scripts\\python", LINUX: ".venv/bin/python"}


def this_system() -> str:
    return WINDOWS if os.name == "nt" else LINUX


def shell_line(words, system: str | None = None) -> str:
    """`words` as one line the shell of `system` (this one's by default) splits back into them. A
    placeholder such as <folder data pusat> is quoted too: the name typed in its place may hold a space."""
    words = [str(word) for word in words]
    if (system or this_system()) == WINDOWS:
        return subprocess.list2cmdline(words)
    return shlex.join(words)


def typed_path(path) -> str:
    """A file of this install as typed in the command window's folder: relative when inside it
    (.venv\\Scripts\\python from the Loket folder), else whole. Never resolved: a venv's python is a link."""
    path = os.path.abspath(path)
    inside = os.path.relpath(path) if os.path.splitdrive(path)[0] == os.path.splitdrive(os.getcwd())[0] else path
    return path if inside.startswith("..") else inside


def installed_line(arguments, flags=()) -> str:
    """A command of this install on this system: this Python (with `flags`) and this install's run.py by
    its path (program/run.py on the key laptop, installed from the release wheel with pip --target)."""
    run_py = os.path.join(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))), "run.py")
    return shell_line([typed_path(sys.executable), *flags, typed_path(run_py), *arguments])


# How the key laptop, installed from the release wheel as the guide says (pip --target into the Loket
# folder's program: no folder Python reads at start, loket_install.py), starts release keys and sign, typed
# in its Loket folder with the Python installed from python.org (Windows' py) or the distribution's python3.
LAPTOP_SIGNER = {WINDOWS: "py -I -S program\\run.py", LINUX: "python3 -I -S program/run.py"}


def laptop_signer_line(arguments, system: str) -> str:
    """The sign (or keys) command as the key laptop of `system` types it, for a step printed elsewhere."""
    return f"{LAPTOP_SIGNER[system]} {shell_line(arguments, system)}"


def signs_here() -> bool:
    """This install can run release sign: installed from the release wheel as the key laptop's guide says
    (loket_install.target_install), not a source tree nor site-packages (loket_install.signer_start refuses
    those)."""
    import loket_install
    return loket_install.target_install(os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__)))))


def signer_line(arguments) -> str:
    """The command that starts `release sign` or `release keys` of this install, as loket_install.py
    requires it: -I -S."""
    return installed_line(arguments, ("-I", "-S"))


def run_py_line(arguments, system: str | None = None, python: str | None = None, script: str = "run.py") -> str:
    """`<the Loket install's Python> run.py <arguments>` for `system`, quoted (typed in the Loket folder)."""
    system = system or this_system()
    return shell_line([python or VENV_PYTHON[system], script, *arguments], system)


# argparse's refusals (its gettext messages, Python 3.11 to 3.15), in Indonesian.
TRANSLATED = [
    (r"unrecognized arguments: (.*)", "argumen tidak dikenal: {0}"),
    (r"the following arguments are required: (.*)", "argumen ini wajib diisi: {0}"),
    (r"argument (\S+): invalid choice: (.*?) \(choose from (.*)\)", "argumen {0}: pilihan {1} tidak ada (pilih salah "
                                                                    "satu: {2})"),
    (r"argument (\S+): expected one argument", "argumen {0} perlu satu nilai sesudahnya"),
    (r"argument (\S+): expected at least one argument", "argumen {0} perlu paling sedikit satu nilai"),
    (r"argument (\S+): expected (.*)", "argumen {0} perlu nilai ({1})"),
    (r"argument (\S+): invalid (\S+) value: (.*)", "argumen {0}: nilai {2} tidak sah"),
    (r"argument (\S+): not allowed with argument (\S+)", "argumen {0} tidak boleh bersama {1}"),
    (r"argument (\S+): ignored explicit argument (.*)", "argumen {0} tidak menerima nilai {1}"),
    (r"ambiguous option: (\S+) could match (.*)", "opsi {0} kurang lengkap: bisa berarti {1}"),
    (r"argument (\S+): (.*)", "argumen {0}: {1}"),
]
SPACE_HINT = ("Nama folder atau berkas yang berisi spasi diketik di antara tanda petik ganda, misalnya "
              "\"C:\\Users\\Budi Santoso\\Downloads\\diperiksa-0.3.0\" (Windows) atau "
              "'/home/budi/Unduhan/diperiksa 0.3.0' (Linux).")


def indonesian(message: str) -> str:
    for pattern, said in TRANSLATED:
        found = re.fullmatch(pattern, message, re.S)
        if found:
            return said.format(*found.groups())
    return message


class IndonesianParser(argparse.ArgumentParser):
    """argparse with its refusals in Indonesian: a wrong command answers in the language of the guide
    it was copied from, and says how to type a name with a space. Subcommands' parsers are of this
    class too (add_subparsers makes them of the parent's class)."""

    def error(self, message: str):
        said = indonesian(message)
        hint = f"\n{SPACE_HINT}" if message.startswith("unrecognized arguments") else ""
        usage = self.format_usage().replace("usage:", "cara pakai:", 1)
        self.exit(2, f"{usage}{self.prog}: perintah tidak dapat dibaca: {said}{hint}\n"
                     f"Bandingkan dengan panduan, atau ketik: {self.prog} --help\n")

    def format_help(self) -> str:
        return super().format_help().replace("usage:", "cara pakai:", 1)

    def print_usage(self, file=None):
        self._print_message(self.format_usage().replace("usage:", "cara pakai:", 1), file or sys.stdout)
