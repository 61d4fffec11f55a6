import pytest


@pytest.fixture(autouse=True)
def own_checker_key(tmp_path_factory, monkeypatch):
    """The release checker's key (sync/release/key_checker.py) in a settings folder of the test's own, never the
    machine's: each test's laptop is a new one."""
    folder = tmp_path_factory.mktemp("pengaturan")
    monkeypatch.setenv("XDG_CONFIG_HOME", str(folder))
    monkeypatch.setenv("LOCALAPPDATA", str(folder))
