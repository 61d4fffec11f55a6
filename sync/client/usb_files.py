"""The USB files at the kecamatan end: the signed batches written for the center, and its status file read back."""
from pathlib import Path

from app.frame.dates import utc_now
from sync import public_status, usb
from sync.client import engine, outbox, records
from sync.client.models import OutboxItem, SyncLog


def export_batches(folder: Path | None = None) -> tuple[list[tuple[str, bytes]], int]:
    """Every pending application, and every kind that travels by USB too (approved recap reports),
    as numbered, signed files within the center's limits.

    Returns [(file name, content)] in order and the number of applications; with `folder`,
    also writes them there (each through a temporary name, so a pulled stick never holds half
    a file under the real name). The outbox stays as it is: the center's answers (by network
    or through the status file) settle it, and importing a file twice stores nothing twice.
    """
    link = engine.current_link()
    entries = []
    # The relay's kinds go by the link only.
    items = [item for item in outbox.due_items(utc_now(), ignore_delays=True)
             if item.kind == records.DEFAULT_KIND or getattr(records.kind(item.kind), "by_usb", False)]
    for item, entry in zip(items, engine.packet_entries(items)):
        if entry and item.kind != records.DEFAULT_KIND:
            entry = (dict(entry[0], kind=item.kind), entry[1])  # the center's import stores it as its kind
        if entry:
            entries.append(entry)
    applications = sum(1 for header, _ in entries if "kind" not in header)
    publics = sum(1 for header, _ in entries if header.get("kind") == public_status.KIND)
    reports = len(entries) - applications - publics
    set_id = f"{utc_now():%Y%m%d-%H%M%S}"
    contents = usb.write_batch_files(link.key_id, link.secret, entries, set_id, report=usb.office_report())
    digits = link.kecamatan_code.replace(".", "")
    files = [(usb.batch_file_name(digits, set_id, i, len(contents)), content)
             for i, content in enumerate(contents, start=1)]
    if folder is not None:
        folder = Path(folder)
        folder.mkdir(parents=True, exist_ok=True)
        for name, content in files:
            partial = folder / (name + ".sebagian")
            partial.write_bytes(content)
            partial.replace(folder / name)
    with engine.write_transaction():
        SyncLog.create(at=utc_now(), kind="usb",
                       summary=f"berkas kiriman USB dibuat: {applications} permohonan"
                               + (f", {publics} status cek warga (/cek)" if publics else "")
                               + (f", {reports} laporan" if reports else "") + f" dalam {len(files)} berkas")
    return files, applications


STATUS_FILE_PAGE = 500  # statuses of a USB file applied in one transaction


def import_status_file(content: bytes) -> int:
    """Apply a status file from the center (checked with our key); returns statuses applied."""
    link = engine.current_link()
    events, held, report_shape = usb.read_status_file(content, link.key_id, link.secret, with_held=True)
    report = engine.PassReport()
    renumbered_before = engine.renumbered_rows()
    events = sorted((e for e in events if isinstance(e, dict) and isinstance(e.get("seq"), int)),
                    key=lambda e: e["seq"])
    for start in range(0, len(events), STATUS_FILE_PAGE):  # each page with the cursor, as a pass's pull
        for outcome in engine.apply_events(link.id, events[start:start + STATUS_FILE_PAGE]):
            engine.count_outcome(report, outcome)
    publics, reports = _acknowledge_held(held)
    usb.office_report_taken(report_shape)  # the center read the files' report before it wrote this file (issue 81)
    applied = report.statuses
    renumbered = engine.renumbered_rows() - renumbered_before
    with engine.write_transaction():
        SyncLog.create(at=utc_now(), kind="usb", summary=f"berkas status USB diimpor: {applied} status baru"
                       + (f", {report.unapplied} tidak diterapkan" if report.unapplied else "")
                       + (f", diberi nomor baru {renumbered} ({engine.REPRINT_RECEIPTS})" if renumbered > 0 else "")
                       + f", {publics} status cek warga (/cek) sudah disimpan pusat"
                       + (f", {reports} laporan kinerja sudah disimpan pusat" if reports else ""))
    return applied


def _acknowledge_held(held: dict) -> tuple[int, int]:
    """What waits here beside applications that the center holds (the status file's `held`: /cek records and
    performance reports, by version and hash as the link's manifest decides) is sent: an office on USB only no
    longer carries it in every file (issue 72). Returns (/cek records, reports) acknowledged."""
    if not held:
        return 0, 0
    kinds = [kind.name for kind in records.kinds() if kind.name != records.DEFAULT_KIND
             and getattr(kind, "by_usb", False)]
    waiting = OutboxItem.select().where(OutboxItem.kind.in_(kinds) & (OutboxItem.state == "pending"))
    done = {public_status.KIND: 0}
    with engine.write_transaction():  # one disk sync for them all
        for item in list(waiting):
            if any(version > item.version or (version == item.version and digest == item.content_hash)
                   for version, digest in held.get(item.registration_number, ())):
                if engine.apply_result(item, {"result": "duplicate"}) == "duplicate":
                    done[item.kind] = done.get(item.kind, 0) + 1
    publics = done.pop(public_status.KIND)
    return publics, sum(done.values())
