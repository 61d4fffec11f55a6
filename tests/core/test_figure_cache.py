"""Figures kept until the database changes (app/frame/figure_cache.py): never older than the last
write, whoever made it: this request's connection, another waitress thread's, another process
(a restore), or a write still inside a transaction that may roll back."""
import re
import threading

from app.backups.engine import backup_database, restore_database
from app.frame import figure_cache, store
from app.frame.dates import utc_now
from app.frame.db import connect
from app.indicators.definitions import INDICATORS
from app.indicators.models import IndicatorTarget
from tests.core.test_kept_connections import in_thread


class Counter:
    """compute() for kept(): the address as stored, and how many times it was read."""

    def __init__(self):
        self.calls = 0

    def __call__(self):
        self.calls += 1
        return store.get("address")


def kept_address(app, compute, key=("address",)):
    database = app.extensions["database"]
    with app.app_context(), database.connection_context():
        return figure_cache.kept("test", key, compute)


def put_address(app, text):
    database = app.extensions["database"]
    with app.app_context(), database.connection_context(), database.atomic():
        store.put("address", text)


def test_a_result_is_kept_while_nothing_is_written(app):
    compute = Counter()
    put_address(app, "Jl. Raya Yosowilangun 1")
    assert kept_address(app, compute) == "Jl. Raya Yosowilangun 1"
    assert kept_address(app, compute) == "Jl. Raya Yosowilangun 1"
    assert compute.calls == 1
    assert kept_address(app, compute, key=("another",)) == "Jl. Raya Yosowilangun 1"
    assert compute.calls == 2  # another key, another result


def test_a_write_on_the_same_connection_is_seen(app):
    """One thread, one kept connection: its own commits do not change its data_version."""
    compute = Counter()
    put_address(app, "Jl. Lama")
    assert kept_address(app, compute) == "Jl. Lama"
    put_address(app, "Jl. Baru")
    assert kept_address(app, compute) == "Jl. Baru"
    assert compute.calls == 2


def test_a_write_from_another_thread_is_seen(app):
    compute = Counter()
    put_address(app, "Jl. Lama")
    assert in_thread(lambda: kept_address(app, compute)) == "Jl. Lama"
    reader_busy, writer_done = threading.Barrier(2), threading.Event()

    def reader_holding_its_connection():
        database = app.extensions["database"]
        with app.app_context(), database.connection_context():
            first = figure_cache.kept("test", ("address",), compute)
            reader_busy.wait(30)
            writer_done.wait(30)
            return first, figure_cache.kept("test", ("address",), compute)

    result = {}
    reader = threading.Thread(target=lambda: result.setdefault("value", reader_holding_its_connection()))
    reader.start()
    reader_busy.wait(30)  # both connections are out of the pool: the write goes through another one
    in_thread(lambda: put_address(app, "Jl. Baru"))
    writer_done.set()
    reader.join(30)
    assert result["value"] == ("Jl. Lama", "Jl. Baru")


def test_a_write_by_another_process_is_seen(app):
    """Another process (the CLI, a second server by mistake): only data_version tells."""
    compute = Counter()
    put_address(app, "Jl. Lama")
    assert kept_address(app, compute) == "Jl. Lama"
    path = app.config["DATABASE_PATH"]
    other = connect(path)  # a connection of its own, outside the app's pool
    other.execute("UPDATE setting SET value = ? WHERE key = 'address'", ('"Jl. Dari Proses Lain"',))
    other.close()
    assert kept_address(app, compute) == "Jl. Dari Proses Lain"


def test_a_restore_is_seen(app, tmp_path):
    compute = Counter()
    put_address(app, "Jl. Sebelum Cadangan")
    path = app.config["DATABASE_PATH"]
    backup = backup_database(path, tmp_path / "cadangan.sqlite3")
    put_address(app, "Jl. Sesudah Cadangan")
    assert kept_address(app, compute) == "Jl. Sesudah Cadangan"
    restore_database(backup, path, tmp_path / "pengaman")
    assert kept_address(app, compute) == "Jl. Sebelum Cadangan"


def test_nothing_read_inside_a_transaction_is_kept(app):
    """A write not yet committed (and then rolled back) must not leave its figures behind."""
    compute = Counter()
    put_address(app, "Jl. Tetap")
    database = app.extensions["database"]
    with app.app_context(), database.connection_context():
        database.execute_sql("BEGIN IMMEDIATE")  # not atomic(): it commits an empty transaction after a rollback
        store.put("address", "Jl. Batal")
        assert figure_cache.kept("test", ("address",), compute) == "Jl. Batal"
        database.execute_sql("ROLLBACK")
    assert kept_address(app, compute) == "Jl. Tetap"
    assert compute.calls == 2


def test_the_recap_and_the_indicators_show_what_was_written_after_they_were_viewed(client_for, db):
    """End to end: the pages kept; a complaint recorded, a target set; both pages show them at once."""
    from app.complaints import book
    from app.complaints.models import ComplaintCategory
    from app.frame.dates import local_today
    from app.frame.periods import Quarter
    camat = client_for("camat")
    quarter = Quarter.containing(local_today(store.get("timezone")))
    recap_url = f"/rekap/{quarter.year}/{quarter.number}"
    indicators_url = f"/indikator?tahun={quarter.year}&triwulan={quarter.number}"
    assert camat.get(recap_url).status_code == 200
    assert f"Target {quarter.year}:" not in camat.get(indicators_url).get_data(as_text=True)  # kept now
    before = camat.get(recap_url).get_data(as_text=True)
    category = ComplaintCategory.select().where(ComplaintCategory.is_active == True).first()  # noqa: E712
    book.record_complaint({
        "channel": "telepon", "category_id": category.id, "complainant_name": "Paidi",
        "complainant_contact": "081234567890", "is_anonymous": False, "is_confidential": False,
        "registration_number": "", "text": "Telepon kantor tidak pernah diangkat siang hari."})
    after = camat.get(recap_url).get_data(as_text=True)
    assert _total_received(after) == _total_received(before) + 1

    IndicatorTarget.create(year=quarter.year, indicator=INDICATORS[0].key, target=77.5, updated_at=utc_now())
    assert f"Target {quarter.year}:" in camat.get(indicators_url).get_data(as_text=True)


def _total_received(page: str) -> int:
    match = re.search(r'id="total-current">([\d.]+)<', page)
    assert match, "the recap shows its total"
    return int(match.group(1).replace(".", ""))


def test_the_dashboards_overdue_count_shows_a_complaint_recorded_after_it_was_viewed(client_for, db):
    from datetime import timedelta

    from app.complaints import book
    from app.complaints.models import ComplaintCategory
    camat = client_for("camat")
    before = _overdue_card(camat.get("/").get_data(as_text=True))
    assert _overdue_card(camat.get("/").get_data(as_text=True)) == before  # kept
    category = ComplaintCategory.select().where(ComplaintCategory.is_active == True).first()  # noqa: E712
    book.record_complaint({
        "channel": "surat", "category_id": category.id, "complainant_name": "Paidi",
        "complainant_contact": "", "is_anonymous": False, "is_confidential": False,
        "registration_number": "", "text": "Surat keluhan yang terselip sebulan di meja."},
        received_at=utc_now() - timedelta(days=40))
    assert _overdue_card(camat.get("/").get_data(as_text=True)) == before + 1


def _overdue_card(page: str) -> int:
    match = re.search(r'<span class="card-title">Belum ditanggapi, lewat batas</span>\s*'
                      r'<span class="card-value">(\d+)</span>', page)
    assert match, "the dashboard shows the overdue card"
    return int(match.group(1))


def test_a_result_kept_before_the_watcher_was_closed_is_not_read_after_it(app):
    """A second app in one process (a test's second office, a command) closes the first database's idle
    connections and its data_version watcher; the next watcher counts from the start again, and met a
    stamp of results kept before: a cleared backup failure came back on the first office's home page."""
    put_address(app, "Jl. Lama 1")
    before = Counter()
    assert kept_address(app, before) == "Jl. Lama 1"
    put_address(app, "Jl. Baru 2")  # the kept connection's own commit: the watcher's data_version moves
    assert kept_address(app, Counter()) == "Jl. Baru 2"
    app.extensions["database"].close_idle()  # what open_database does for another app of this process
    assert kept_address(app, Counter()) == "Jl. Baru 2"
