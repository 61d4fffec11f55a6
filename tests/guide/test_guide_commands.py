"""Issue 74: the regency admin followed the English docs word for word and the first command failed. Every
command line the center's guides show (<code> with "run.py" and a subcommand) starts with the Python of the
Loket install (.venv\\Scripts\\python on Windows, .venv/bin/python on Linux, never a bare `python`) and is
parsed by run.py's own parser: a renamed command or option fails here, naming the line."""
import html
import re
import shlex

import pytest

import run
from tests.guide.signed_in_pages import center_client, page
from tests.support.shell_split import windows_split

# How each system's line begins: the Python inside the install's .venv, run from the Loket folder; on the
# regency's key laptop (installed from the release wheel with pip --target into the Loket folder's program,
# issues 79 and 88) the Python installed on it and program's run.py, and `release keys` and `release sign`
# start with -I -S (loket_install.py).
INTERPRETERS = {"windows": ".venv\\Scripts\\python run.py ", "linux": ".venv/bin/python run.py "}
LAPTOP = {"windows": "py program\\run.py ", "linux": "python3 program/run.py "}
SIGNER = {"windows": "py -I -S program\\run.py ", "linux": "python3 -I -S program/run.py "}
SIGNER_STEPS = ("keys", "sign")
CODE = re.compile(r"<code\b[^>]*>(.*?)</code>", re.S)
PLACEHOLDER = re.compile(r"<[^<>]*>")  # <nama>, <folder data pusat>: the reader types their own
# Each step of a release (docs/operations.md, "Updates from the regency"), on both systems.
RELEASE_STEPS = ("keys", "install-online-key", "build", "sign", "publish", "usb")


def command_lines(rendered: str) -> list[str]:
    """The command lines a page shows: each <code> whose text runs run.py with a subcommand."""
    found = []
    for raw in CODE.findall(rendered):
        text = " ".join(html.unescape(re.sub(r"<[^>]+>", "", raw)).split())
        if re.search(r"\brun\.py \S", text):
            found.append(text)
    return found


def start_of(line: str) -> tuple[str, str] | None:
    """(system, the start) of a command line: the Loket install's Python and run.py."""
    return next(((system, start) for starts in (SIGNER, LAPTOP, INTERPRETERS) for system, start in starts.items()
                 if line.startswith(start)), None)


def problem_with(line: str) -> str | None:
    """What is wrong with a command line as a person would type it (None: it runs): split as its system's
    shell splits it (shlex; CommandLineToArgvW on Windows, where backslashes stay), then run.py's parser."""
    found = start_of(line)
    if found is None:
        return "does not start with the Loket install's Python (" + " or ".join(INTERPRETERS.values()) + ")"
    system, start = found
    rest = PLACEHOLDER.sub("X", line[len(start):])
    argv = windows_split(rest) if system == "windows" else shlex.split(rest)
    try:
        program, chosen = run.choose_program(argv)
        options = run.build_parser(program).parse_args(chosen)
    except SystemExit:
        return "run.py's parser refuses it"
    if options.command not in argv:  # no command named: run.py would start serving instead
        return f"names no command (run.py would run {options.command!r})"
    if (options.command == "release" and options.action in SIGNER_STEPS) != (start == SIGNER[system]):
        return "release keys and release sign start with -I -S and the installed run.py, and only they"
    return None


def test_a_bare_python_or_a_mistyped_command_is_found():
    assert problem_with(SIGNER["windows"] + "release keys --keys E:\\kunci-rilis --root F:\\kunci-root") is None
    assert problem_with(SIGNER["linux"] + "release sign ~/Downloads/diperiksa-0.2.0 --keys /media/<nama>/RILIS/kunci-rilis") is None
    assert "-I -S" in problem_with(".venv\\Scripts\\python run.py release keys --keys E:\\kunci-rilis --root F:\\kunci-root")
    assert "Python" in problem_with("python run.py release keys --keys E:\\kunci-rilis --root F:\\kunci-root")
    assert "parser" in problem_with(SIGNER["windows"] + 'release sign C:\\Users\\Budi Santoso\\diperiksa-0.2.0 --keys E:\\k')
    assert problem_with(SIGNER["windows"] + 'release sign "C:\\Users\\Budi Santoso\\diperiksa-0.2.0" --keys E:\\k') is None
    assert "parser" in problem_with(SIGNER["windows"] + "release sing C:\\diperiksa-0.2.0 --keys E:\\kunci-rilis")
    assert "parser" in problem_with(".venv/bin/python run.py release publish --data X --bundel rilis-0.2.0")
    assert problem_with(".venv/bin/python run.py --data X release usb --to E:\\pembaruan") is None  # --data before it too
    assert "command" in problem_with(".venv/bin/python run.py --data X")


@pytest.fixture
def center_guides(tmp_path):
    def read(key: str) -> str:
        _, client = center_client(tmp_path / key)
        return page(client, f"/bantuan/{key}")
    return read


def test_every_command_line_of_the_regency_guide_parses(center_guides):
    rendered = center_guides("admin-kabupaten")
    lines = command_lines(rendered)
    problems = [f"{line}: {problem_with(line)}" for line in lines if problem_with(line)]
    assert problems == []
    shown = {(start_of(line)[0], line[len(start_of(line)[1]):].split()[1]) for line in lines
             if line[len(start_of(line)[1]):].startswith("release ")}
    assert {(system, step) for system in INTERPRETERS for step in RELEASE_STEPS} <= shown, "a release step lacks a system's line"
