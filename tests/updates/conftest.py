import pytest


@pytest.fixture(autouse=True)
def own_checker_key(tmp_path_factory, monkeypatch):
    """The release checker's key (sync/release/key_checker.py) in a settings folder of the test's own, never the
    machine's: each test's laptop is a new one."""
    folder = tmp_path_factory.mktemp("pengaturan")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    monkeypatch.setenv("LOCALAPPDATA", str(folder))


@pytest.fixture(scope="module")
def shared_regency(tmp_path_factory):
    """One regency per test file (keys, online key, a real center process: some 2-4 s), handed to each
    test's Regency(shared=...) reset to a regency that published nothing, with an office of the test's own."""
    from tests.updates.helpers import RegencyCenter
    made = RegencyCenter(tmp_path_factory.mktemp("kabupaten"))
    yield made
    made.stop()
