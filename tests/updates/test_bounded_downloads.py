"""Bounded at every read (issue 60, finding 2): a 150 MiB timestamp.json on a stick took the office
server from 162 to 438 MB; a 1,037-byte signed wheel answered with 300 MiB wrote 300 MiB to disk
before the refusal; a "broken" download's partial file grew 100 -> 200 -> 300 MiB over three passes.
Now metadata is read within TUF's limit as it streams, a target within its signed length, and its
partial file never outgrows that length. The oversized files here are sparse: they cost no disk to
serve, only to read."""
import hashlib
from pathlib import Path

import pytest

from app.updates import fetching
from app.updates.state import paths, write_state
from sync.release import key_signing
from tests.updates.helpers import fake_wheel

MiB = 1024 * 1024
TIMESTAMP_LIMIT = 16384  # ngclient's timestamp_max_length


class CountingSource:
    """A stick, counting the bytes it hands over per file and the largest partial file seen on disk;
    `breaks_after`: a link that breaks after so many answers for a wheel."""

    def __init__(self, folder: Path, data_dir: Path, breaks_after: int | None = None):
        self.inner = fetching.FolderSource(folder)
        self.partials = paths(data_dir).cache / "sebagian"
        self.read_bytes: dict[str, int] = {}
        self.largest_partial = 0
        self.breaks_after = breaks_after

    def read(self, name, start, *size):
        from sync.client.link_down import LinkDown
        self._look_at_partials()
        if name.startswith("targets/wheels/") and self.breaks_after is not None:
            if self.breaks_after == 0:
                raise LinkDown("sambungan putus")
            self.breaks_after -= 1
        chunk = self.inner.read(name, start, *size)
        self.read_bytes[name] = self.read_bytes.get(name, 0) + len(chunk)
        return chunk

    def _look_at_partials(self):
        if self.partials.is_dir():
            for partial in self.partials.iterdir():
                self.largest_partial = max(self.largest_partial, partial.stat().st_size)


def oversized(path: Path, size: int) -> None:
    """Replace `path` by a sparse file of `size` bytes."""
    with open(path, "wb") as file:
        file.truncate(size)


@pytest.fixture
def stick(tmp_path):
    """A regency's release on a stick (a 1,037-byte wheel) and an office whose admin confirmed its root."""
    keys = tmp_path / "kunci"
    key_signing.create_keys(keys)
    wheels = tmp_path / "wheels"
    fake_wheel(wheels, "loket_kecamatan-9.0.0-py3-none-any.whl", 1037)
    bundle = key_signing.sign_release(keys, "9.0.0", "Rilis kecil.", sorted(wheels.glob("*.whl")), tmp_path / "paket")
    folder = tmp_path / "flashdisk" / "pembaruan"
    key_signing.publish(bundle, folder, keys / "online.pem")
    office = tmp_path / "kecamatan"
    write_state(office, expected_root=key_signing.key_folder_fingerprint(keys))
    return folder, office


def stored_wheel(folder: Path) -> tuple[Path, str]:
    stored = next((folder / "targets" / "wheels").glob("*.whl"))
    return stored, f"targets/wheels/{stored.name}"


def test_a_huge_timestamp_on_a_stick_is_refused_without_reading_it(stick):
    folder, office = stick
    oversized(folder / "metadata" / "timestamp.json", 150 * MiB)
    source = CountingSource(folder, office)
    state = fetching.check_source(office, source)
    assert state["refused"].startswith("Berkas pembaruan tidak cocok dengan yang ditandatangani kabupaten")
    assert not state.get("available")
    assert source.read_bytes["metadata/timestamp.json"] == TIMESTAMP_LIMIT + 1  # its limit and one byte to see it is longer


def test_a_small_signed_wheel_answered_with_300_mib_writes_at_most_its_length(stick):
    folder, office = stick
    stored, name = stored_wheel(folder)
    assert stored.stat().st_size == 1037
    oversized(stored, 300 * MiB)
    source = CountingSource(folder, office)
    state = fetching.check_source(office, source)
    assert state["refused"].startswith("Berkas pembaruan tidak cocok dengan yang ditandatangani kabupaten")
    assert not state.get("available")
    assert source.read_bytes[name] == 1038
    assert source.largest_partial <= 1037
    assert not list((paths(office).cache / "sebagian").iterdir())  # refused: nothing kept
    assert not list(paths(office).cache.glob("wheels*"))


def test_a_download_broken_on_every_pass_never_grows_beyond_the_signed_length(stick, monkeypatch):
    """A source that answers more than was signed and whose link breaks every pass: the partial file
    stays within the length, and the pass that would pass it refuses and drops it."""
    monkeypatch.setattr(fetching, "UPDATE_CHUNK_BYTES", 256)
    folder, office = stick
    stored, name = stored_wheel(folder)
    oversized(stored, 3 * MiB)
    partial = paths(office).cache / "sebagian" / hashlib.sha256(name.encode()).hexdigest()
    sizes = []
    for _ in range(3):
        source = CountingSource(folder, office, breaks_after=2)
        try:
            state = fetching.check_source(office, source)
        except fetching.Postponed:
            sizes.append(partial.stat().st_size)
            continue
        assert state["refused"].startswith("Berkas pembaruan tidak cocok")
        assert source.largest_partial <= 1037
        sizes.append(partial.stat().st_size if partial.exists() else None)
    assert sizes == [512, 1024, None]  # two answers a pass; the third pass meets the 1,038th byte


def test_a_partial_file_already_longer_than_signed_is_dropped_and_refused(stick):
    folder, office = stick
    _, name = stored_wheel(folder)
    partial = paths(office).cache / "sebagian" / hashlib.sha256(name.encode()).hexdigest()
    partial.parent.mkdir(parents=True)
    oversized(partial, 100 * MiB)  # what the previous version left behind
    source = CountingSource(folder, office)
    state = fetching.check_source(office, source)
    assert state["refused"].startswith("Berkas pembaruan tidak cocok")
    assert name not in source.read_bytes
    assert not partial.exists()
    state = fetching.check_source(office, CountingSource(folder, office))  # the next try starts afresh
    assert state["available"]["version"] == "9.0.0" and not state["refused"]
