"""Issue 88 finding 1: whoever controls the center's server got any release signed by the offline targets
key. A Windows laptop has no sandbox, so the guide checks releases at the center's Linux server and the
admin pins that server's checker key once (`--pemeriksa`); `release sign` then signed any folder whose
pemeriksaan.json that key signed. Now it signs only the bytes the admin holds: the release wheel downloaded
from the project's release page (`--wheel-rilis`), and closure wheels whose sha256 that wheel's own lock
names (sync/release/key_sign_checked.sign_checked); the checker's "lulus" is word on quality, not the reason to trust.

The center here holds its own checker key (another settings folder) and writes checked folders with the
build's own writer, as a taken center would: each hostile folder is signed by the key the admin pinned."""
import json
import shutil

import pytest

from sync.release import key_checker, key_signing, release_wheel
from tests.updates.test_release_build import THIS_PYTHON, made_wheel
from tests.updates.test_release_keys_apart import checked, release_keys, sign

HOSTILE = ["genuine", "app wheel swapped", "closure wheel swapped", "verdict for a wheel not held",
           "the center's own copy named", "closure narrowed"]


@pytest.mark.parametrize("center", HOSTILE)
def test_a_taken_center_gets_nothing_signed_but_the_genuine_release(tmp_path, capsys, monkeypatch, center):
    keys, _, _ = release_keys(tmp_path, capsys)
    laptop, server = tmp_path / "laptop" / "Downloads", tmp_path / "server-pusat" / "Loket"
    flask = made_wheel(tmp_path / "pypi", "3.1.3", name="flask-3.1.3-py3-none-any.whl")  # as PyPI serves it
    lock = f"flask==3.1.3 --hash=sha256:{release_wheel.sha256(flask)}\n    # via loket-kecamatan\n"
    held = made_wheel(laptop, "0.3.0", notes="Slip baru.", lock=lock)  # the admin's own download
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "server-pusat" / "pengaturan"))  # the center's checker key
    fingerprint = key_checker.fingerprint(key_checker.checker_key().public_key())
    server.mkdir(parents=True)
    wheel, extra, version = shutil.copyfile(held, server / held.name), [flask], "0.3.0"  # the admin copied it there
    if center == "app wheel swapped":  # the same name, a backdoor inside
        wheel = made_wheel(server, "0.3.0", notes="Slip baru.\n\nimport os  # pintu belakang", lock=lock)
    elif center == "closure wheel swapped":
        extra = [made_wheel(server / "pypi-palsu", "3.1.3", notes="pintu belakang", name=flask.name)]
    elif center == "verdict for a wheel not held":  # never walked: any verdict, any version
        wheel, version = made_wheel(server, "9.9.16", lock=lock), "9.9.16"
    folder = checked(server, wheel, tuple(extra))
    if center == "closure narrowed":  # every file genuine, but PCs told to install the app wheel alone
        record = json.loads((folder / release_wheel.CHECKED_MANIFEST).read_text())["signed"]
        record["closure"] = {f"{THIS_PYTHON}-manylinux_x86_64": [held.name]}
        (folder / release_wheel.CHECKED_MANIFEST).write_text(json.dumps(key_checker.sign(record)))
    monkeypatch.setenv("XDG_CONFIG_HOME", str(tmp_path / "laptop" / "pengaturan"))
    carried = shutil.copytree(folder, laptop / folder.name)  # to the laptop, as the guide says
    named = carried / release_wheel.CHECKED_WHEELS / wheel.name if center == "the center's own copy named" else held
    done = sign(carried, named, keys, "--pemeriksa", fingerprint)
    said = capsys.readouterr()
    if center == "genuine":
        assert done == 0, said.err
        assert f"Pemeriksa {fingerprint} menyatakan rilis 0.3.0 lulus (12 halaman diperiksa): itu keterangan mutu" in said.out
        bundle = laptop / "rilis-0.3.0" / "targets"
        assert (bundle / "wheels" / held.name).read_bytes() == held.read_bytes()
        assert (bundle / "wheels" / flask.name).read_bytes() == flask.read_bytes()
        assert [r["version"] for r in key_signing.signed_releases(keys)] == ["0.3.0"]
        return
    assert done == 1, said.out
    refusal = said.err
    expected = {"app wheel swapped": f"- {held.name}: tidak sama byte demi byte dengan wheel rilis Anda ({held})",
                "closure wheel swapped": f"- {flask.name}: sidik sha256-nya tidak disebut daftar versi di wheel rilis Anda",
                "verdict for a wheel not held": f"- loket_kecamatan-{version}-py3-none-any.whl: bukan wheel rilis yang "
                                                f"Anda pegang ({held.name})",
                "the center's own copy named": f"Wheel rilis {named} ada di dalam folder yang diperiksa",
                "closure narrowed": f"- Python {THIS_PYTHON} di Linux x86_64: tanpa flask==3.1.3"}[center]
    assert expected in refusal, refusal
    assert "ditandatangani" not in said.out.replace("tidak ada yang ditandatangani", "")
    assert not (laptop / f"rilis-{version}").exists() and key_signing.signed_releases(keys) == []
    assert not list((keys / "metadata").glob("*.targets.json"))
    assert key_checker.pinned(keys) == {}  # a refused folder pins no checker key on the stick
