"""Issue 93 finding 6: 11 key-search and release-build tests failed on a machine whose temp folder held release keys
that other programs had left there (the search walks the folders above a test's own). Each test now sees only its
own folders (tests/support/own_folders.py): here the key-search tests run with such keys in their temp folder."""
import os
import subprocess
import sys

import pytest

from sync.release import key_signing
from tests.sync.harness import ROOT


@pytest.mark.slow
def test_the_key_search_tests_pass_beside_keys_another_program_left_in_the_temp_folder(tmp_path):
    machine_temp = tmp_path / "temp-mesin"
    keys = key_signing.create_keys(tmp_path / "dibuat" / "kunci-rilis")
    (machine_temp / "sisa-program-lain").mkdir(parents=True)
    (machine_temp / "kunci lama.txt").write_bytes((keys / "online.pem").read_bytes())  # a key by its content
    (machine_temp / "sisa-program-lain" / "targets.pem").write_bytes((keys / "targets.pem").read_bytes())  # by its name
    env = dict(os.environ, TMPDIR=str(machine_temp), TEMP=str(machine_temp), TMP=str(machine_temp))
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:randomly",
                           "tests/updates/test_key_search.py",
                           "tests/updates/test_release_keys_apart.py::test_a_checked_folder_still_to_be_made_is_in_reach_only_of_the_folders_above_it"],
                          cwd=ROOT, env=env, capture_output=True, text=True, timeout=600)
    assert done.returncode == 0, done.stdout[-4000:] + done.stderr[-2000:]
    assert " passed" in done.stdout and "failed" not in done.stdout
