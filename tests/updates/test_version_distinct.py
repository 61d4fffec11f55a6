"""Every version distinct (issue 80): two trees that behave differently both called themselves 0.2.0,
so no one could tell from the version which PCs renumbered a relayed form and which did not, or which
launcher a PC runs. A tree whose program differs from the last landed version's carries another
version; a center never publishes one version twice."""
import subprocess
import tomllib

import pytest

from sync.release import key_signing
from tests.support.field_versions import field_commit
from tests.sync.harness import ROOT
from tests.updates.helpers import fake_wheel

# What a version's behaviour is made of: what the wheel carries (pyproject's packages and data) and its
# migrations. Tests, docs and the benches change nothing an office runs.
BEHAVIOUR = ("app", "sync", "schema", "templates", "static", "run.py", "loket_python.py", "loket_install.py",
             "build_backend.py")


def version_of(tree_text: str) -> str:
    return tomllib.loads(tree_text)["project"]["version"]


def test_a_tree_that_differs_from_the_last_landed_version_carries_another_version():
    landed = field_commit("last-landed")
    landed_version = version_of(subprocess.run(["git", "show", f"{landed}:pyproject.toml"], cwd=ROOT,
                                               capture_output=True, text=True, check=True).stdout)
    differs = subprocess.run(["git", "diff", "--quiet", landed, "--", *BEHAVIOUR], cwd=ROOT).returncode != 0
    ours = version_of((ROOT / "pyproject.toml").read_text())
    if differs:
        assert ours != landed_version, (f"this tree's program differs from the last landed version ({landed[:8]}) "
                                        f"but still calls itself {ours}: raise the version in pyproject.toml")
    from packaging.version import Version
    assert Version(ours) >= Version(landed_version)


def test_a_center_refuses_to_publish_a_version_it_already_published(tmp_path):
    """The key folder's own log refuses a second wheel under one version; a copy of the folder without
    that log (an older backup of the stick) did not stop it at the center."""
    keys = key_signing.create_keys(tmp_path / "kunci")
    repository = tmp_path / "repo"
    fake_wheel(tmp_path / "a", "loket_kecamatan-9.0.0-py3-none-any.whl", 1000)
    first = key_signing.sign_release(keys, "9.0.0", "Rilis.", sorted((tmp_path / "a").glob("*.whl")), tmp_path / "paket-a")
    assert key_signing.publish(first, repository, keys / "online.pem")["version"] == "9.0.0"
    (keys / key_signing.SIGNED_LOG).unlink()  # the log of what this folder signed, lost
    fake_wheel(tmp_path / "b", "loket_kecamatan-9.0.0-py3-none-any.whl", 1000)  # another program, the same number
    second = key_signing.sign_release(keys, "9.0.0", "Rilis lain.", sorted((tmp_path / "b").glob("*.whl")),
                                   tmp_path / "paket-b")
    before = sorted(path.name for path in repository.rglob("*"))
    with pytest.raises(key_signing.ReleaseError, match="Versi 9.0.0 sudah pernah terbit di pusat ini"):
        key_signing.publish(second, repository, keys / "online.pem")
    assert sorted(path.name for path in repository.rglob("*")) == before
    assert [release["version"] for release in key_signing.published_releases(repository)] == ["9.0.0"]
