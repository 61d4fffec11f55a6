"""Issue 79, done when: "A regency admin who is not a programmer follows the guide from a Windows-like laptop
through a release to a pilot and then to all, with the new separation, in one sitting."

The admin reads Panduan Admin Kabupaten at the real center (signed in) and types its command lines as printed,
in the order it gives them, changing only what the guide says to change (the <…> parts, the stick's folder, the
version in the names): each line goes through bash in the folder the guide names, Linux' line of each step (a
Windows line splits into the same words: tests/guide/test_typed_commands.py). The computers:
- the key laptop, Windows-like: Loket installed from this tree's release wheel (tests/updates/test_signer_check
  .laptop_install), a user folder with a space, no zone database, a cp1252 console, and no bubblewrap, so
  `release build` refuses and names the command for the center;
- the center's Linux server: a Loket folder of its own and a home of its own, bubblewrap installed (scripts/test
  .sh), where the check runs in the sandbox and writes the signed pemeriksaan.json;
- the release stick (the regency's key folder) and the real center with an office and a pilot office PC
  (tests/updates/test_rings.Rollout), whose pages are pressed as the browser journey of the same guide does
  (tests/browser/test_guide_release_journey.py).
The release is a wheel whose run.py serves pages like Loket's and, at import, tries what finding 1's candidate
did (tests/updates/test_sandboxed_candidate.HOSTILE: patch the program that signs, plant a .pth, leave a process
polling the stick) and looks for the sticks, the laptop and the center's data: any of them seen inside its
sandbox makes its register page answer 500, so the check passes only where none was seen."""
import html
import os
import re
import shlex
import shutil
import subprocess
import time
from pathlib import Path

import pytest

from app.updates.state import write_state
from sync.release import key_checker, key_signing
from tests.guide.names import label_pattern
from tests.guide.test_guide_commands import INTERPRETERS, LAPTOP, PLACEHOLDER, SIGNER, command_lines, start_of
from tests.updates.test_release_keys_apart import all_roles, wheel_with
from tests.updates.test_rings import HEALTH, Rollout, app_wheel, offered
from tests.updates.test_sandboxed_candidate import (CANDIDATE, HOSTILE, SERVER, fingerprints, laptop_install as center_install,
                                                    needs_sandbox)
from tests.updates.test_signer_check import laptop_install
from tests.guide.test_typed_commands import parsed
from tests.support.shell_split import windows_split
from tests.updates.test_wheel_contents import build_release_wheel, outside_env

VERSION = "9.1.0"  # the offices run 9.0.0
NEXT = "9.2.0"  # the release after it, the same sitting (issue 88, done when: "two releases in a row")
LEFT_BEHIND = "penjaga-kunci-panduan"  # on the command line of the process the release tries to leave behind
# At import, inside its sandbox: what it can see of the places named (none, or the check fails).
PROBE = "\nSEEN = [place for place in %(secrets)r if os.path.exists(place)]\n"


def guide_section(guide: str, slug: str) -> str:
    return re.search(rf'<section id="{slug}"[^>]*>(.*?)</section>', guide, re.S).group(1)


def guide_line(guide: str, slug: str, starts: dict, action: str, system: str = "linux") -> str:
    """The section's command line of `system` that starts as `starts` says (tests/guide/test_guide_commands)
    and runs `action` (not the variant with a backup copy)."""
    found = [line for line in command_lines(guide_section(guide, slug)) if start_of(line) == (system, starts[system])
             and f" {action} " in line and "--data-copy" not in line]
    assert len(found) == 1, (slug, system, action, found)
    return found[0]


def linux_twin(guide: str, slug: str, starts: dict, action: str) -> str:
    """Linux' line of a step, typed here; its Windows line, split as Windows splits it, gives run.py the same
    command with the same options."""
    line = guide_line(guide, slug, starts, action)
    assert options_of(guide_line(guide, slug, starts, action, "windows"), "windows") == options_of(line, "linux")
    return line


def options_of(line: str, system: str) -> tuple:
    """What run.py's parser takes from the line as `system`'s shell splits it: the command, the action and
    which options are given (a name broken at a space is refused: tests/guide/test_typed_commands.parsed)."""
    words = (windows_split if system == "windows" else shlex.split)(PLACEHOLDER.sub("X", line[len(start_of(line)[1]):]))
    options = parsed(words)
    return options.command, options.action, sorted(name for name, value in vars(options).items() if value)


def guide_message(guide: str, slug: str, starting: str) -> re.Pattern:
    """The message the section quotes (a marked name) that starts with `starting`, as a pattern."""
    quoted = re.findall(r'data-jenis="pesan"[^>]*>([^<]+)</span>', guide_section(guide, slug))
    return label_pattern(next(" ".join(text.split()) for text in quoted if text.strip().startswith(starting)))


def processes_with(text: str) -> list[int]:
    """Processes on this machine working in a folder whose path holds `text`, or naming it on their command line."""
    found = []
    for entry in Path("/proc").iterdir():
        try:
            if entry.name.isdigit() and (text in os.readlink(entry / "cwd")
                                         or text.encode() in (entry / "cmdline").read_bytes()):
                found.append(int(entry.name))
        except OSError:
            pass
    return found


def typed(line: str, folder: Path, env: dict) -> subprocess.CompletedProcess:
    """The line as the admin types it into the command window open in `folder` (its console's encoding)."""
    done = subprocess.run(["/bin/bash", "-c", line], cwd=folder, env=env, capture_output=True, timeout=900)
    console = env.get("PYTHONIOENCODING", "utf-8")
    said = subprocess.CompletedProcess(done.args, done.returncode, done.stdout.decode(console, "replace"),
                                       done.stderr.decode(console, "replace"))
    said.all = " ".join((said.stdout + said.stderr).split())
    return said


@pytest.mark.windows_pass  # the laptop is a Windows one: its journey runs in the Windows-like pass
@needs_sandbox
def test_from_a_windows_like_laptop_the_guide_takes_a_release_checked_at_the_center_to_a_pilot_then_to_all(tmp_path):
    started = time.monotonic()
    rollout = Rollout(tmp_path / "kabupaten")
    stick, loot = rollout.keys, tmp_path / "curian"
    user = tmp_path / "laptop" / "Users" / "Budi Santoso"  # C:\Users\Budi Santoso
    downloads, loket = user / "Downloads", tmp_path / "laptop" / "Loket"  # C:\Loket
    server = tmp_path / "server-pusat"
    center_loket, server_home = server / "Loket", server / "rumah"
    try:
        rollout.publish("9.0.0", "Rilis untuk semua.", app_wheel("9.0.0"))  # the offices run a release already
        rollout.sync(), rollout.sync_pilot()
        guide = rollout.page("/bantuan/admin-kabupaten")  # the admin reads it at the center, signed in
        # Once, before the first release (Langkah 3, first step): the pilot, with the button the guide names.
        assert "Jadikan komputer uji" in re.findall(r'data-jenis="tombol"[^>]*>([^<]+)<', guide_section(guide, "terbitkan"))
        assert "menjadi komputer uji" in rollout.make_pilot(True).text

        # The laptop: Loket from the release wheel (its Loket folder), the user folder with its Downloads.
        python, _ = laptop_install(loket, build_release_wheel(tmp_path / "proyek"))  # its python3: a Python of its own
        (user / "AppData" / "Local").mkdir(parents=True)

        def downloaded(version: str) -> Path:
            """The release wheel of `version`, as downloaded into the laptop's Downloads."""
            return wheel_with(downloads, version, HOSTILE % {"laptop": str(loket), "stick": str(stick), "loot": str(loot),
                                                             "mark": LEFT_BEHIND}
                              + PROBE % {"secrets": [str(p) for p in (stick, rollout.root, user, loket,
                                                                      rollout.center_dir, server_home)]}
                              + SERVER.replace("%(broken)r", "('500' if SEEN else '0')") % {
                                  "version": version, "roles": ",".join(all_roles()), "candidate": CANDIDATE})
        release = downloaded(VERSION)
        empty_zones = tmp_path / "laptop" / "tanpa-zona"
        empty_zones.mkdir()
        laptop = dict({k: v for k, v in outside_env().items() if k != "PYTHONPATH"},
                      HOME=str(user), USERPROFILE=str(user), LOCALAPPDATA=str(user / "AppData" / "Local"),
                      XDG_CONFIG_HOME=str(user / "AppData" / "Local"), PATH=str(python.parent),  # no bwrap
                      PYTHONTZPATH=str(empty_zones), PYTHONIOENCODING="cp1252", PYTHONUTF8="0", LC_ALL="C", LANG="C")
        on_the_laptop = fingerprints(tmp_path / "laptop")

        # Langkah 1 on the laptop: refused before anything runs, naming the center's command of the guide.
        center_line = guide_line(guide, "periksa", INTERPRETERS, "release build").replace("0.2.0", VERSION)
        refused = typed(linux_twin(guide, "periksa", LAPTOP, "release build").replace("0.2.0", VERSION),
                        loket, laptop)
        assert refused.returncode == 1, refused.all
        assert "tidak dijalankan di komputer ini: program bubblewrap (bwrap) belum terpasang" in refused.all
        assert center_line in refused.all and "Tidak ada yang diperiksa" in refused.all
        assert fingerprints(tmp_path / "laptop") == on_the_laptop

        # Langkah 1 at the center's Linux server: the wheel copied into its Loket folder, the guide's line there.
        center_install(center_loket)
        shutil.copyfile(release, center_loket / release.name)
        (server_home / ".config").mkdir(parents=True)
        at_center = dict({k: v for k, v in outside_env().items() if k != "PYTHONPATH"}, HOME=str(server_home),
                         XDG_CONFIG_HOME=str(server_home / ".config"), LOKET_CENTER_DATA_DIR=str(rollout.center_dir))
        center_before = fingerprints(center_loket)
        checked = typed(center_line, center_loket, at_center)
        assert checked.returncode == 0, checked.all
        assert f"Rilis {VERSION} lulus pemeriksaan" in checked.all  # every page answered: it saw nothing of the list
        printed = next(text for text in checked.stdout.splitlines()
                       if guide_message(guide, "periksa", "Catatan pemeriksaan").fullmatch(text.strip()))
        fingerprint = re.search(r"sidik (.+)\.$", printed.strip()).group(1)  # as the admin copies it down
        written = fingerprints(center_loket)
        assert {path: digest for path, digest in written.items() if f"diperiksa-{VERSION}" not in path} == center_before
        assert processes_with(LEFT_BEHIND) == [] and not loot.exists()

        # Langkah 2 on the laptop: the folder carried over, the stick in, the guide's line with --pemeriksa.
        shutil.copytree(center_loket / f"diperiksa-{VERSION}", downloads / f"diperiksa-{VERSION}")
        sign_line = linux_twin(guide, "tandatangan", SIGNER, "release sign")
        checker_words = next(html.unescape(code) for code in re.findall(r"<code>([^<]+)</code>",
                                                                        guide_section(guide, "tandatangan"))
                             if code.startswith("--pemeriksa"))
        sign_line = sign_line.replace("/media/<nama>/RILIS/kunci-rilis", shlex.quote(str(stick)))
        signed = typed(sign_line.replace("0.2.0", VERSION) + " " + checker_words.replace("<sidik>", fingerprint),
                       loket, laptop)
        assert signed.returncode == 0, signed.all
        assert guide_message(guide, "tandatangan", "Rilis").search(signed.all), signed.all
        assert f"Kunci pemeriksa {fingerprint} dicatat di folder kunci" in signed.all
        bundle = downloads / f"rilis-{VERSION}"
        assert (bundle / "targets" / "wheels" / release.name).read_bytes() == release.read_bytes()  # signed unchanged

        # Langkah 3 at the center: the signed folder into its Loket folder, the guide's publish line.
        shutil.copytree(bundle, center_loket / bundle.name)
        publish = linux_twin(guide, "terbitkan", INTERPRETERS, "release publish").replace(
            "'<folder data pusat>'", shlex.quote(str(rollout.center_dir)))
        published = typed(publish.replace("0.2.0", VERSION), center_loket, at_center)
        assert published.returncode == 0, published.all
        assert guide_message(guide, "terbitkan", "Rilis … terbit untuk … komputer uji").search(published.all), published.all
        rollout.sync(), rollout.sync_pilot()
        assert offered(rollout.office_dir) == ("9.0.0", None) and offered(rollout.pilot_dir) == (VERSION, None)

        # Langkah 4: the pilot's night passed; "Terbitkan untuk semua komputer" on Rilis Pembaruan; the office takes it.
        write_state(rollout.pilot_dir, health=dict(HEALTH, version=VERSION, walk="lulus", failed=[], errors_since=0))
        rollout.sync_pilot()
        assert f"lulus: versi {VERSION}" in rollout.page()
        to_all = "Terbitkan untuk semua komputer"
        assert to_all in re.findall(r'data-jenis="tombol"[^>]*>([^<]+)<', guide_section(guide, "semua"))
        assert re.search(rf"<button[^>]*>\s*{to_all}\s*</button>", rollout.page())
        released = rollout.press(f"/admin/rilis/{key_signing.ring_releases(rollout.repository())['uji']}/semua")
        assert f"Rilis {VERSION} diterbitkan untuk semua komputer" in released.text
        rollout.sync()
        assert offered(rollout.office_dir) == (VERSION, None)

        # The next release, the same sitting: the same guide lines from the same laptop home, center account and
        # sticks; --pemeriksa only the first time, as the guide says ("sekali saja"). The center's second check
        # finds its own checker key (made at the first) beside it: no release key copy, no refusal.
        second = time.monotonic()
        checkers = key_checker.pinned(stick)
        pinned_files = fingerprints(stick / key_checker.PINNED)
        assert len(checkers) == 1 and len(pinned_files) == 1  # the center's: the laptop has checked nothing
        first_release = fingerprints(downloads / f"diperiksa-{VERSION}", bundle, center_loket / f"diperiksa-{VERSION}",
                                     center_loket / bundle.name)
        first_rings = key_signing.ring_releases(rollout.repository())
        newer = downloaded(NEXT)
        shutil.copyfile(newer, center_loket / newer.name)
        center_before = fingerprints(center_loket)
        checked = typed(center_line.replace(VERSION, NEXT), center_loket, at_center)
        assert checked.returncode == 0, checked.all
        assert f"Rilis {NEXT} lulus pemeriksaan" in checked.all and "salinan kunci rilis" not in checked.all
        assert f"sidik {fingerprint}." in checked.all  # the same checker key as the first time
        assert {path: digest for path, digest in fingerprints(center_loket).items()
                if f"diperiksa-{NEXT}" not in path} == center_before
        shutil.copytree(center_loket / f"diperiksa-{NEXT}", downloads / f"diperiksa-{NEXT}")
        signed = typed(sign_line.replace("0.2.0", NEXT), loket, laptop)
        assert signed.returncode == 0, signed.all
        assert guide_message(guide, "tandatangan", "Rilis").search(signed.all), signed.all
        assert "dicatat di folder kunci" not in signed.all  # no checker key newly trusted, said or unseen
        assert key_checker.pinned(stick).keys() == checkers.keys() and fingerprints(stick / key_checker.PINNED) == pinned_files
        shutil.copytree(downloads / f"rilis-{NEXT}", center_loket / f"rilis-{NEXT}")
        published = typed(publish.replace("0.2.0", NEXT), center_loket, at_center)
        assert published.returncode == 0, published.all
        assert guide_message(guide, "terbitkan", "Rilis … terbit untuk … komputer uji").search(published.all), published.all
        rollout.sync(), rollout.sync_pilot()
        assert offered(rollout.office_dir) == (VERSION, None) and offered(rollout.pilot_dir) == (NEXT, None)
        rings = key_signing.ring_releases(rollout.repository())
        assert rings["semua"] == first_rings["semua"] < rings["uji"]  # everyone's stays on the first release
        write_state(rollout.pilot_dir, health=dict(HEALTH, version=NEXT, walk="lulus", failed=[], errors_since=0))
        rollout.sync_pilot()
        assert f"lulus: versi {NEXT}" in rollout.page()
        released = rollout.press(f"/admin/rilis/{rings['uji']}/semua")
        assert f"Rilis {NEXT} diterbitkan untuk semua komputer" in released.text
        rollout.sync()
        assert offered(rollout.office_dir) == (NEXT, None)
        assert fingerprints(downloads / f"diperiksa-{VERSION}", bundle, center_loket / f"diperiksa-{VERSION}",
                            center_loket / bundle.name) == first_release
        finished = time.monotonic()

        # The separation: nothing of the release ran or wrote on the laptop, nothing of it outlived its sandbox,
        # no key left the stick.
        assert {path: digest for path, digest in fingerprints(tmp_path / "laptop").items()
                if not any(made in path for made in (f"diperiksa-{VERSION}", f"rilis-{VERSION}", f"diperiksa-{NEXT}",
                                                     f"rilis-{NEXT}", str(newer)))} == on_the_laptop
        assert processes_with(LEFT_BEHIND) == [] and processes_with(str(tmp_path / "laptop")) == [] and not loot.exists()
        harness_copies = tmp_path / "kabupaten" / "sebelum-rilis"  # tests/updates/helpers.RegencyCenter's, for reset()
        assert not [path for name in key_signing.KEY_FILES.values() for path in tmp_path.rglob(name)
                    if path.parent not in (stick, rollout.root) and path != rollout.center_dir / "pembaruan" / "online.pem"
                    and harness_copies not in path.parents]
        print(f"the journey took {time.monotonic() - started:.0f} s, its second release {finished - second:.0f} s")
    finally:
        for pid in processes_with(LEFT_BEHIND):  # only if it got out of its sandbox
            os.kill(pid, 9)
        rollout.stop()
