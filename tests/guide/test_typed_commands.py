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
from tests.support.shell_split import windows_split

WINDOWS_CHECKED = "C:\\Users\\Budi Santoso\\Downloads\\diperiksa-0.3.0"
LINUX_CHECKED = "/home/budi santoso/Unduhan/diperiksa-0.3.0"
WHEEL = "loket_kecamatan-0.3.0-py3-none-any.whl"  # beside the checked folder, where the admin downloaded it


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
    checked = Path(checked) if system == LINUX else PureWindowsPath(checked)
    wheel = checked.with_name(WHEEL)
    line = command_after(release_commands.after_build(checked, wheel, here=True), " release sign ")
    words = SPLIT[system](line)
    assert words[words.index("-I"):words.index("-I") + 2] == ["-I", "-S"]
    after = words[words.index("release"):]
    assert after == ["release", "sign", str(checked), "--wheel-rilis", str(wheel), "--keys", stick]
    options = parsed(after)
    assert (options.action, options.wheel, options.held_wheel, options.keys) == ("sign", str(checked), str(wheel), stick)


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
    line = command_after(release_commands.after_build(checked, checked.with_name(WHEEL), here=True), " release sign ")
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


def test_the_center_release_page_says_the_guides_commands_and_names_its_sections(tmp_path):
    """The center's "Rilis Pembaruan" page said `python run.py release usb …` where the guide says never
    to type a bare `python run.py`, and pointed to a "panduan operasional (Menerbitkan pembaruan)" that
    does not exist: its command lines are the guide's, and each section it names is one of the guide's."""
    import re

    from tests.guide.signed_in_pages import center_client, page
    from tests.guide.test_guide_commands import command_lines, problem_with
    _, client = center_client(tmp_path / "pusat")
    shown, guide = page(client, "/admin/rilis"), page(client, "/bantuan/admin-kabupaten")
    lines = command_lines(shown)
    assert {line.split(" run.py ")[0] for line in lines} == {".venv/bin/python", ".venv\\Scripts\\python"}
    assert set(lines) <= set(command_lines(guide)) and [problem_with(line) for line in lines] == [None, None]
    linked = re.findall(r'href="/bantuan/admin-kabupaten#([^"]+)">([^<]+)</a>', shown)
    assert len(linked) == 2 and "panduan operasional" not in shown
    for anchor, words in linked:
        heading = re.search(rf'<section id="{anchor}"[^>]*>\s*<h2>([^<]+)</h2>', guide)
        assert heading, anchor
        assert " ".join(words.split()).split("bagian ", 1)[1] in heading.group(1)


@pytest.mark.parametrize("system", [WINDOWS, LINUX])
@pytest.mark.parametrize("action", ["usb", "build", "keys", "sign"])
def test_each_example_a_release_command_gives_is_a_whole_command_that_parses(monkeypatch, system, action):
    """"Sebutkan …, misalnya: …" names the whole line (the install's Python; -I -S for keys and sign), quoted."""
    monkeypatch.setattr(command_line, "this_system", lambda: system)
    words = SPLIT[system](release_commands._example(action))
    assert ("-I" in words) == (action in ("keys", "sign"))
    after = words[next(at for at, word in enumerate(words) if word.endswith("run.py")) + 1:]
    options = parsed(after)
    assert (options.command, options.action) == ("release", action)


def test_built_elsewhere_the_next_step_gives_the_key_laptops_lines_for_both_systems(tmp_path):
    """`release build` on the center's server (or any install that cannot sign: a source tree) prints the
    key laptop's sign line of each system, as the guide writes them, with the checker's fingerprint."""
    from tests.guide.test_guide_commands import SIGNER
    said = release_commands.after_build(tmp_path / "Budi Santoso" / "diperiksa-0.3.0", tmp_path / WHEEL, here=False)
    assert "salin folder diperiksa-0.3.0" in said
    for system in (WINDOWS, LINUX):
        line = command_after(said, SIGNER[system].strip())
        words = SPLIT[system](line[len(SIGNER[system]):])
        options = parsed(words)
        assert (options.action, options.wheel, options.checker) == ("sign", "<folder diperiksa-0.3.0>", "<sidik di atas>")
        assert options.held_wheel == f"<{WHEEL} yang Anda unduh>"
