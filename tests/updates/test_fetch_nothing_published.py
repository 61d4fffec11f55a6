"""A source with no timestamp (issue 71, part 3): silent only for a PC that never had one. A PC outside the
pilot ring, or before the regency's first release, has nothing to hear; a PC that already read a timestamp
from its source and now finds none (a center that lost its repository, a stick with its metadata gone) is
told "HTTP 404" on its update page, so its admin hears that its source broke."""
from app.updates import fetching
from app.updates.state import paths
from tests.updates.test_bounded_downloads import stick  # noqa: F401  (the fixture)

NOT_THERE = "Berkas pembaruan tidak ada di sumbernya (HTTP 404)"


def test_a_pc_that_had_a_timestamp_hears_that_its_source_lost_it(stick):
    folder, office = stick
    found = fetching.check_source(office, fetching.FolderSource(folder))
    assert found["available"]["version"] == "9.0.0" and found["refused"] is None
    assert (paths(office).metadata / "timestamp.json").is_file()
    (folder / "metadata" / "timestamp.json").unlink()  # the center's repository is gone
    found = fetching.check_source(office, fetching.FolderSource(folder))
    assert found["refused"] is not None and found["refused"].startswith(NOT_THERE)


def test_a_pc_that_never_had_a_timestamp_is_told_nothing(stick):
    folder, office = stick
    (folder / "metadata" / "timestamp.json").unlink()  # nothing published to this PC's ring yet
    for _ in range(2):  # its root is taken on the first pass: the second is still silent
        found = fetching.check_source(office, fetching.FolderSource(folder))
        assert (found.get("available"), found["refused"]) == (None, None)
    assert not (paths(office).metadata / "timestamp.json").exists()
