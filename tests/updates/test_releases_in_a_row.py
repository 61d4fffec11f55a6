"""Issue 88 finding 2: every second `release build` was refused. The first build writes the machine's own
checker key (sync/release/key_checker.py) into the home's settings folder; the next build's key search
(sync/release/key_search.py) called it "salinan kunci rilis" to destroy, and a destroyed checker key meant a new
one at the next build, the stick then trusting both. The project's build tests gave each build a home
of its own, so none met it: here one laptop home and one key stick make three releases in a row."""
import pytest

import run
from sync.release import key_checker, key_signing
from tests.updates.test_release_build import THIS_PYTHON
from tests.updates.test_release_keys_apart import release_keys, sign
from tests.updates.test_sandboxed_candidate import needs_sandbox, release


@pytest.mark.slow
@needs_sandbox
def test_three_releases_in_a_row_are_built_and_signed_from_one_home(tmp_path, capsys, monkeypatch):
    home = tmp_path / "rumah-admin"
    downloads = home / "Downloads"
    monkeypatch.setenv("HOME", str(home))  # the settings folder in it, as on a real laptop
    monkeypatch.delenv("XDG_CONFIG_HOME")
    monkeypatch.setenv("LOCALAPPDATA", str(home / "AppData" / "Local"))
    keys, _, _ = release_keys(tmp_path, capsys)
    wheels = {version: release(downloads, version) for version in ("9.1.0", "9.1.1", "9.1.2")}  # made once
    for version, wheel in wheels.items():
        assert run.main(["release", "build", str(wheel), "--python", THIS_PYTHON, "--platform",
                         "manylinux_x86_64"]) == 0, capsys.readouterr()
        built = capsys.readouterr().out
        assert f"Rilis {version} lulus pemeriksaan" in built
        assert sign(downloads / f"diperiksa-{version}", wheel, keys) == 0, capsys.readouterr()
        signed = capsys.readouterr().out
        assert f"Rilis {version} ditandatangani" in signed
        assert ("dicatat di folder kunci" in signed) is (version == "9.1.0")  # the laptop's key: the first time only
    assert key_checker.checker_key_path().is_relative_to(home)
    assert [r["version"] for r in key_signing.signed_releases(keys)] == list(wheels)
    own = key_checker.checker_key(create=False).public_key()
    assert list(key_checker.pinned(keys)) == [key_checker.key_id(own)]  # one laptop, one checker: nothing piled up
