"""A field version's filled office, made once and copied (tests/support/field_versions.py, issue 93): each copy
is the test's own and remembers its own place, as the version's demo leaves a folder it filled there."""
from pathlib import Path

from tests.support import built_once
from tests.support.field_versions import filled_office


def test_a_field_versions_office_is_filled_once_and_each_copy_names_its_own_place(tmp_path, monkeypatch):
    monkeypatch.setattr(built_once, "CACHE", tmp_path / "cache")  # not the run's cache of real fills
    fills = []

    def fill(data: Path) -> None:  # what `run.py demo` leaves: a database and the folder's remembered place
        fills.append(data)
        data.mkdir(parents=True)
        (data / "loket.sqlite3").write_bytes(b"isi")
        (data / "lokasi-folder.txt").write_text(f"{data.resolve()}\nakun-admin\n", encoding="utf-8")

    first = filled_office("last-landed", tmp_path / "satu" / "data", fill)
    first_place = (first / "lokasi-folder.txt").read_text(encoding="utf-8")
    (first / "loket.sqlite3").write_bytes(b"diubah oleh tes pertama")
    second = filled_office("last-landed", tmp_path / "dua" / "data", fill)
    assert len(fills) == 1
    assert (second / "loket.sqlite3").read_bytes() == b"isi"  # the first test's writes stay its own
    assert first_place == f"{first.resolve()}\nakun-admin\n"
    assert (second / "lokasi-folder.txt").read_text(encoding="utf-8") == f"{second.resolve()}\nakun-admin\n"
