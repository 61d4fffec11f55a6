"""Issue 79 finding 6: the command `release build` printed as the next step broke on a folder with a space
(`C:\\Users\\Budi Santoso\\Downloads\\diperiksa-0.3.0`), typed as printed: "run.py: error: unrecognized
arguments", in English. Every command the release commands print is quoted for the shell it names
(app/frame/command_line.shell_line) and splits back, as that shell splits it, into the words meant; a
wrong command answers in Indonesian."""
import shlex
import subprocess
import sys
from pathlib import Path, PureWindowsPath

import pytest

import run
from app.frame import command_line
from app.frame.command_line import LINUX, WINDOWS, shell_line
from sync.center import release_commands

WINDOWS_CHECKED = "C:\\Users\\Budi Santoso\\Downloads\\diperiksa-0.3.0"
LINUX_CHECKED = "/home/budi santoso/Unduhan/diperiksa-0.3.0"


def windows_split(line: str) -> list[str]:
    """How a Windows program's C runtime (CommandLineToArgvW) splits its command line: whitespace outside
    double quotes separates; 2n backslashes before a quote are n and the quote toggles, 2n+1 are n and a
    literal quote; other backslashes are themselves."""
    words, word, quoted, at, started = [], [], False, 0, False
    while at < len(line):
        char = line[at]
        if char == "\\":
            run_end = at
            while run_end < len(line) and line[run_end] == "\\":
                run_end += 1
            count = run_end - at
            if run_end < len(line) and line[run_end] == '"':
                word.append("\\" * (count // 2))
                if count % 2:
                    word.append('"')
                    run_end += 1
                at, started = run_end, True
                continue
            word.append("\\" * count)
            at, started = run_end, True
            continue
        if char == '"':
            quoted, started = not quoted, True
        elif char in " \t" and not quoted:
            if started:
                words.append("".join(word))
            word, started = [], False
        else:
            word.append(char)
            started = True
        at += 1
    if started:
        words.append("".join(word))
    return words


SPLIT = {WINDOWS: windows_split, LINUX: shlex.split}


def test_the_windows_split_reads_what_list2cmdline_writes():
    for words in (["a b", "c"], ['say "hi"'], ["E:\\kunci\\", "x"], ["C:\\Users\\Budi Santoso\\"], [""]):
        assert windows_split(subprocess.list2cmdline(words)) == words


def command_after(text: str, marker: str) -> str:
    """The line of `text` that holds `marker` (a printed command, indented under its sentence)."""
    return next(line.strip() for line in text.splitlines() if marker in line)


def parsed(argv: list[str]):
    """run.py's own parser on the words after run.py (what the program receives)."""
    program, chosen = run.choose_program(argv)
    return run.build_parser(program).parse_args(chosen)


@pytest.mark.parametrize("system, checked, stick", [(WINDOWS, WINDOWS_CHECKED, "E:\\kunci-rilis"),
                                                    (LINUX, LINUX_CHECKED, "/media/<nama>/RILIS/kunci-rilis")])
def test_the_sign_command_build_prints_splits_back_into_its_folder(monkeypatch, system, checked, stick):
    monkeypatch.setattr(command_line, "this_system", lambda: system)
    line = command_after(release_commands.after_build(Path(checked) if system == LINUX else PureWindowsPath(checked)),
                         " release sign ")
    words = SPLIT[system](line)
    assert words[words.index("-I"):words.index("-I") + 2] == ["-I", "-S"]
    after = words[words.index("release"):]
    assert after == ["release", "sign", checked, "--keys", stick]
    options = parsed(after)
    assert (options.action, options.wheel, options.keys) == ("sign", checked, stick)


def test_the_publish_commands_sign_prints_split_back_on_each_system(tmp_path):
    bundle = tmp_path / "Budi Santoso" / "rilis-0.3.0"
    said = release_commands.after_sign(bundle)
    for system, start in ((LINUX, ".venv/bin/python"), (WINDOWS, ".venv\\Scripts\\python")):
        line = command_after(said, start + " run.py release publish")
        words = SPLIT[system](line)
        assert words == [start, "run.py", "release", "publish", "--data", "<folder data pusat>", "--bundle",
                         "rilis-0.3.0"]
        assert parsed(words[2:]).bundle == "rilis-0.3.0"


def test_the_printed_sign_command_runs_as_printed_from_a_folder_with_a_space(tmp_path, monkeypatch):
    """The line itself through the shell (bash here), in a Loket folder whose path has a space: it reaches
    the signer's start with the checked folder as one word (from this source tree the start refuses, as it
    should: loket_install.py; the refusal names no part of the folder as a stray argument)."""
    loket = tmp_path / "Budi Santoso" / "Loket"
    loket.mkdir(parents=True)
    checked = tmp_path / "Budi Santoso" / "Downloads" / "diperiksa-0.3.0"
    monkeypatch.chdir(loket)  # printed in the command window it is typed in
    line = command_after(release_commands.after_build(checked), " release sign ")
    done = subprocess.run(["bash", "-c", line], cwd=loket, capture_output=True, text=True, timeout=120)
    assert "dipasang dari folder sumber" in done.stderr, done.stderr
    assert "tidak dikenal" not in done.stderr and "unrecognized" not in done.stderr


def test_a_folder_with_a_space_typed_bare_is_answered_in_indonesian_with_the_quotes_to_type(capsys):
    with pytest.raises(SystemExit) as ended:
        run.main(["release", "sign", "C:\\Users\\Budi", "Santoso\\Downloads\\diperiksa-0.3.0", "--keys", "E:\\kunci"])
    assert ended.value.code == 2
    said = capsys.readouterr().err
    assert "perintah tidak dapat dibaca: argumen tidak dikenal: Santoso\\Downloads\\diperiksa-0.3.0" in said
    assert '"C:\\Users\\Budi Santoso\\Downloads\\diperiksa-0.3.0"' in said and "cara pakai:" in said
    assert "error" not in said and "unrecognized" not in said and "usage" not in said


@pytest.mark.parametrize("argv, expected", [
    (["release", "sing", "x"], "argumen action: pilihan 'sing' tidak ada (pilih salah satu:"),
    (["release", "build", "--keys"], "argumen --keys perlu satu nilai sesudahnya"),
    (["release", "build", "x", "--python", "2.7"], "argumen --python: pilihan '2.7' tidak ada"),
])
def test_a_wrong_release_command_is_answered_in_indonesian(capsys, argv, expected):
    with pytest.raises(SystemExit):
        run.main(argv)
    said = capsys.readouterr().err
    assert expected in said and "error" not in said and "invalid choice" not in said


def test_the_unchecked_signer_names_a_command_that_splits_back(monkeypatch, capsys):
    """`python run.py release sign …` (no -I -S) is refused with the line to type, its words intact."""
    argv = ["release", "sign", LINUX_CHECKED, "--keys", "/media/budi/RILIS/kunci-rilis"]
    monkeypatch.setattr(sys, "argv", ["run.py", *argv])
    assert run.main() == 2
    line = command_after(capsys.readouterr().err, " -I -S ")
    assert shlex.split(line)[-5:] == argv
    assert shell_line(["a b"], WINDOWS) == '"a b"' and shell_line(["a b"], LINUX) == "'a b'"
