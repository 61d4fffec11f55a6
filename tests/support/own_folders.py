"""Each test sees its own temp folder (issue 93 finding 6): release keys that other programs, or earlier tests,
left in the machine's temp folder reached the key-search and release-build tests, whose search walks the folders
above the test's own (`release build` refuses a key beside any of them: sync/release/candidate_build.keys_in_reach).

- TMPDIR, TEMP, TMP and tempfile's folder point at a folder of this test's own: what the test,
  the code it calls and the programs it starts make with tempfile stays there, never beside another test's files
  (removed when the test process ends: a process keeps some of it for its later tests).
- A key search run in the test's process keeps the copies in the test's own folders (its tmp_path, its temp
  folder): the folders above them are still walked, but a copy another program left there is not this test's.
tests/updates/test_key_search_own_folders.py plants keys in a temp folder and runs the key-search tests there."""
import atexit
import os
import shutil
import tempfile

import pytest

from tests.support import ports

MACHINE_TEMP = tempfile.gettempdir()  # read once, before any test moves it
# the port claims are shared by every test process, those a test starts too (tests/support/ports.py)
os.environ.setdefault("LOKET_TEST_PORT_CLAIMS", str(ports.CLAIMS))


@pytest.fixture(autouse=True)
def own_temp_folder(monkeypatch, tmp_path_factory):
    tmp_path_factory.getbasetemp()  # made (once) in the machine's temp folder before tempfile's folder moves
    # short, in the machine's temp folder: a unix socket's path made inside it has at most 107 bytes
    folder = tempfile.mkdtemp(prefix="lt-", dir=MACHINE_TEMP)
    monkeypatch.setattr(tempfile, "tempdir", folder)
    for name in ("TMPDIR", "TEMP", "TMP"):
        monkeypatch.setenv(name, folder)
    yield folder
    # Removed when the process ends, not after the test: what a test process keeps for its later tests (the
    # office-year world's template, a spare center) was made in the temp folder of the test that first
    # needed it, and vanished under the next one (25 errors in tests/simulation/test_found_seams.py).
    _left.append(folder)


_left: list[str] = []


@atexit.register
def _remove_the_tests_folders() -> None:
    for folder in _left:
        shutil.rmtree(folder, ignore_errors=True)


@pytest.fixture(autouse=True)
def key_search_of_own_folders(monkeypatch, request, own_temp_folder):
    from sync.release import key_search
    search = key_search.key_copies

    def own_copies(folders, depth=None, seen=None):
        own = [os.path.realpath(own_temp_folder)]
        if "tmp_path" in request.fixturenames:
            own.append(os.path.realpath(request.getfixturevalue("tmp_path")))
        return [copy for copy in search(folders, depth, seen)
                if any(os.path.realpath(copy.path).startswith(folder + os.sep) for folder in own)]
    monkeypatch.setattr(key_search, "key_copies", own_copies)
