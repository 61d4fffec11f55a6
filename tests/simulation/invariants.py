"""What must hold after every step of an office's life, across all three programs.

Each invariant is a function `name(world, touched) -> list[str]` returning the violations it found
(an empty list when it holds). `touched` names what the step changed (offices, pages), so the
costly page walks look where the step acted; `full_crawl` walks every menu page for every role.
"""
from __future__ import annotations

import json
import time
from collections import Counter, defaultdict

from tests.simulation.world import STAFF_ROLES, World, text


class Touched:
    """What a step acted on: detail pages to walk for every role, offices whose menus to walk."""

    def __init__(self):
        self.pages: list[tuple[str, str]] = []  # (office name, path)
        self.offices: set[str] = set()
        self.center_menus: tuple[str, ...] = ()  # center roles whose menus the step walks
        self.center_walk = None  # (errors, fields shown) of the step's walk of the center, once made

    def page(self, office, path: str) -> None:
        self.pages.append((office.name, path))
        self.offices.add(office.name)


def live_offices(world: World):
    return [o for o in world.offices.values() if o.running and not getattr(o, "dead", False)]


def kecamatan_pcs(world: World):
    return [o for o in live_offices(world) if not o.is_desa]


def desa_pcs(world: World):
    return [o for o in live_offices(world) if o.is_desa]


# --- numbers ------------------------------------------------------------------------------------

def _holders(world: World, kind: str) -> dict[str, set[str]]:
    """Number -> NIKs holding it, in every PC (one that is off still holds its numbers) and at the
    center; `kind` "registration" (applications) or "pre_registration" (desa forms)."""
    from app.desa.models import PreRegistration
    from app.registration.models import Application
    from sync.center.models import ReceivedApplication, RelayItem
    held = defaultdict(set)
    for office in world.offices.values():
        if not office.running:
            continue
        if kind == "registration" and not office.is_desa:
            for number, nik in office.read(lambda: list(Application.select(Application.registration_number,
                                                                          Application.nik).tuples())):
                held[number].add(nik)
                office.ever_held.add(number)
        if kind == "pre_registration":
            for number, nik in office.read(lambda: list(PreRegistration.select(PreRegistration.number,
                                                                              PreRegistration.nik).tuples())):
                held[number].add(nik)
    with world.center_bound():
        if kind == "registration":
            for number, nik in ReceivedApplication.select(ReceivedApplication.registration_number,
                                                          ReceivedApplication.nik).tuples():
                held[number].add(nik)
        else:
            for number, record in RelayItem.select(RelayItem.number, RelayItem.record_json).tuples():
                nik = (json.loads(record).get("f") or {}).get("nik")
                if nik:
                    held[number].add(nik)
    return held


def no_registration_number_held_by_two_people(world: World, touched: Touched) -> list[str]:
    return [f"nomor {number} dipegang {len(niks)} orang: {sorted(niks)}"
            for number, niks in sorted(_holders(world, "registration").items()) if len(niks) > 1]


def no_pre_registration_number_held_by_two_people(world: World, touched: Touched) -> list[str]:
    return [f"nomor {number} dipegang {len(niks)} orang: {sorted(niks)}"
            for number, niks in sorted(_holders(world, "pre_registration").items()) if len(niks) > 1]


# --- the desa relay -------------------------------------------------------------------------------

def _center_relay_counts() -> dict:
    from sync.center.models import RelayItem
    counts = defaultdict(set)
    for number, version in RelayItem.select(RelayItem.number, RelayItem.version).tuples():
        counts[number].add(version)
    return counts


def desa_forms_at_the_center_once_or_refused_with_reason_shown(world: World, touched: Touched) -> list[str]:
    """A desa form that left the laptop is at the center once; one the center refused shows the
    center's reason on its page at the desa (the person who can act)."""
    from app.desa import relay_records
    from app.desa.models import PreRegistration
    problems = []
    with world.center_bound():
        at_center = _center_relay_counts()
    for desa in desa_pcs(world):
        rows = desa.read(lambda: list(PreRegistration.select(PreRegistration.id, PreRegistration.number,
                                                             PreRegistration.relay_status,
                                                             PreRegistration.relay_note).tuples()))
        for pre_id, number, relay_status, note in rows:
            if relay_status == relay_records.REFUSED_BY_CENTER:
                page = desa.get("operator_desa", f"/desa/pra-pendaftaran/{pre_id}", username=f"op-{desa.name.lower()}")
                shown = text(page) if page is not None else ""
                if not note or note not in shown:
                    problems.append(f"{desa.name}: {number} ditolak pusat, alasannya ({note!r}) tidak tampil "
                                    "di halaman pra-pendaftaran desa")
            elif relay_status and len(at_center.get(number, ())) != 1:
                problems.append(f"{desa.name}: {number} ({relay_status}) ada {len(at_center.get(number, ()))} "
                                "kali di pusat")
    return problems


def the_center_accepts_what_the_desa_saved(world: World, touched: Touched) -> list[str]:
    """Every form the simulation typed passed the desa's own checks: maker and checker agree, so the
    center refuses none of them (one definition of each number format on both ends)."""
    from app.desa import relay_records
    from app.desa.models import PreRegistration
    problems = []
    for desa in desa_pcs(world):
        for number, note in desa.read(lambda: list(PreRegistration.select(PreRegistration.number,
                                                                          PreRegistration.relay_note).where(
                PreRegistration.relay_status == relay_records.REFUSED_BY_CENTER).tuples())):
            problems.append(f"{desa.name}: pusat menolak {number} yang lolos pemeriksaan desa: {note!r}")
    return problems


# --- statuses ----------------------------------------------------------------------------------------

def _own_numbers(world: World, office) -> set[str]:
    own = set(office.ever_held)
    for ancestor in getattr(office, "lineage", ()):  # a PC restored from another's backup continues it
        own |= world.offices[ancestor].ever_held
    return own


def statuses_not_applied_only_for_own_numbers(world: World, touched: Touched) -> list[str]:
    """The "status tidak diterapkan" list holds real problems of this PC, never another PC's numbers."""
    from sync.client.models import StatusIssue
    problems = []
    for office in kecamatan_pcs(world):
        own = _own_numbers(world, office)
        others = set()
        for other in kecamatan_pcs(world):
            if other is not office:
                others |= other.ever_held
        issues = office.read(lambda: list(StatusIssue.select(StatusIssue.registration_number, StatusIssue.status)
                                          .where(StatusIssue.resolved_at.is_null()).tuples()))
        foreign = sorted({n for n, _ in issues if n not in own and n in others})
        if foreign:
            problems.append(f"{office.name}: {len(foreign)} status nomor PC lain dicatat tidak diterapkan: "
                            f"{foreign[:5]}")
    return problems


CENTER_DRIVEN = {"diterima_pusat", "dicetak", "dikirim", "ditolak_pusat", "diminta_kirim_ulang"}


def _refused_on_arrival():
    """(number, version) of this PC's applications the center refused as they arrived (the outbox's answer),
    which it therefore holds for no one: their reason is checked by every_application_is_at_the_center..."""
    from sync.client.models import OutboxItem
    return set(OutboxItem.select(OutboxItem.registration_number, OutboxItem.version).where(
        (OutboxItem.kind == "permohonan") & (OutboxItem.state == "rejected")).tuples())


def center_statuses_reach_their_own_applicant(world: World, touched: Touched) -> list[str]:
    """An application moved by the center is the applicant the center holds under that number (or, for
    "ditolak_pusat", one the center refused as it arrived)."""
    from app.registration.models import Application
    from sync.center.models import ReceivedApplication
    with world.center_bound():
        at_center = defaultdict(set)
        for number, nik in ReceivedApplication.select(ReceivedApplication.registration_number,
                                                      ReceivedApplication.nik).tuples():
            at_center[number].add(nik)
    problems = []
    for office in kecamatan_pcs(world):
        refused = office.read(_refused_on_arrival)
        for number, version, nik, status in office.read(lambda: list(Application.select(
                Application.registration_number, Application.version, Application.nik, Application.status)
                .where(Application.status.in_(sorted(CENTER_DRIVEN))).tuples())):
            if status == "ditolak_pusat" and (number, version) in refused:
                continue
            if nik not in at_center.get(number, ()):
                problems.append(f"{office.name}: {number} berstatus {status} dari pusat, tetapi pusat memegang "
                                f"nomor itu untuk {sorted(at_center.get(number, ())) or 'tidak seorang pun'}")
    return problems


# --- applications at the center ----------------------------------------------------------------------

def _sha256(data) -> str:
    import hashlib
    return hashlib.sha256(bytes(data or b"")).hexdigest()


def _office_unchanged(world: World, name: str, office, every_seconds: float | None = None):
    """(skip, key) for checking invariant `name` on `office`: skip when the PC's database, its
    program, its local date and zone are what they were at this invariant's last passing check there.

    Sound for an invariant whose result is a function of one PC's database and its clock's date and
    zone (the figures' recounts, the audit trail's pages): the same inputs give the same result, so
    a check that passed then passes now. The database's sameness is SQLite's own signal
    (`Office.state_stamp`, `PRAGMA data_version` on a connection that never writes), not a stamp
    of the program under test. A write the check itself made (a sign-in's session) changes the
    stamp, so the next step checks again: the skipped state is always one a check saw.
    `every_seconds`: check at least that often anyway (a page whose answer also depends on how long
    a browser session has been idle). Call `_office_passed` when the check found nothing."""
    from app.complaints.queries import zone
    from app.frame.dates import local_today
    stamp = office.state_stamp()
    if stamp is None:
        return False, None
    # The zone is a setting in the database: read once per stamp (the same database, the same zone).
    zones = _once_a_day(world, "zone_at_stamp")
    if zones.get(office.name, (None,))[0] != stamp:
        zones[office.name] = (stamp, office.read(zone))
    office_zone = zones[office.name][1]
    key = (stamp, office_zone, local_today(office_zone),
           int(time.monotonic() // every_seconds) if every_seconds else None)
    skip = _once_a_day(world, f"unchanged:{name}").get(office.name) == key
    STATS_OF_SKIPS[name]["skipped" if skip else "checked"] += 1
    return skip, key


def _office_passed(world: World, name: str, office, key, problems: list) -> None:
    memo = _once_a_day(world, f"unchanged:{name}")
    if key is not None and not problems:
        memo[office.name] = key
    else:
        memo.pop(office.name, None)


# invariant -> {"checked": PCs checked, "skipped": PCs skipped as unchanged} (bench/office_year.py's report)
STATS_OF_SKIPS: dict[str, Counter] = defaultdict(Counter)


def _once_a_day(world: World, name: str) -> dict:
    """A memo kept by the world between steps (what an earlier step already proved)."""
    memo = getattr(world, "_invariant_memo", None)
    if memo is None:
        memo = world._invariant_memo = {}
    return memo.setdefault(name, {})


def _kept_while(world: World, name: str, stamp, compute):
    """compute(), or what it gave for the same `stamp` (a database's state: `World.center_stamp`,
    `Office.state_stamp`) earlier in this walk; several invariants read the same rows after a step,
    most steps change neither. A stamp of None (a PC switched off) is never kept; a PostgreSQL
    center's stamp is its WAL insert position."""
    if stamp is None:
        return compute()
    kept = _once_a_day(world, f"kept:{name}")
    if kept.get("stamp") != stamp:
        kept.update(stamp=stamp, value=compute())
    return kept["value"]


def _center_applications(world: World) -> dict:
    """(number, version) -> (content hash, SHA-256 of the stored photo's bytes (or "dihapus": purged,
    retention.py), NIK, status, reason)."""
    return _kept_while(world, "center_applications", world.center_stamp(), lambda: _read_center_applications(world))


def _read_center_applications(world: World) -> dict:
    from sync.center.models import ReceivedApplication
    from sync.center.retention import PURGED_PHOTO_SHA
    held = {}
    with world.center_bound():
        rows = list(ReceivedApplication.select(
            ReceivedApplication.registration_number, ReceivedApplication.version, ReceivedApplication.content_hash,
            ReceivedApplication.photo_sha256, ReceivedApplication.photo, ReceivedApplication.nik,
            ReceivedApplication.status, ReceivedApplication.reason).tuples())
    for number, version, digest, photo_column, stored, nik, status, reason in rows:
        photo = PURGED_PHOTO_SHA if photo_column == PURGED_PHOTO_SHA else _sha256(stored)
        held[(number, version)] = (digest, photo, nik, status, reason)
    return held


def _sent_applications():
    """This PC's applications as its outbox has them: (number, version, content hash, photo SHA-256,
    state, reason, NIK, source id, the application's number/version/status now, its photo's SHA-256)."""
    from app.registration.models import Application, ApplicationPhoto
    from sync.client.models import OutboxItem
    now = {a: (n, v, s) for a, n, v, s in Application.select(
        Application.id, Application.registration_number, Application.version, Application.status).tuples()}
    found = []
    for number, version, digest, photo_sha, state, error, record, source in OutboxItem.select(
            OutboxItem.registration_number, OutboxItem.version, OutboxItem.content_hash, OutboxItem.photo_sha256,
            OutboxItem.state, OutboxItem.last_error, OutboxItem.record_json, OutboxItem.source_id).where(
            OutboxItem.kind == "permohonan").tuples():
        current = now.get(source)
        photo = None
        if current is not None and current[:2] == (number, version):
            photo = _sha256(ApplicationPhoto.select(ApplicationPhoto.jpeg).where(
                ApplicationPhoto.application == source).scalar())
        found.append((number, version, digest, photo_sha, state, error, json.loads(record).get("nik"), source,
                      current, photo))
    return found


def every_application_is_at_the_center_once_with_its_photo_or_refused_with_the_reason_shown(
        world: World, touched: Touched) -> list[str]:
    """An application the center acknowledged is there under its number and version with the content
    the office sent, its photo's bytes identical (SHA-256 of the center's stored photo = of the office's
    photo: the transit codec is undone before storing; a purged row has no photo to compare), and its
    applicant under no other number there; one the center refused shows the center's reason on its
    page at the counter (the person who sent it). "No other number" while its card is in the making
    (the number's latest version received, printed or waiting for a resend): a card shipped or an
    application rejected leaves the person free to apply anew."""
    held = _center_applications(world)
    latest = {}
    for (number, version), (_, _, nik, status, _) in held.items():
        if version > latest.get(number, (0,))[0]:
            latest[number] = (version, nik, status)
    in_the_making = {number for number, (_, _, status) in latest.items() if status in ("received", "printed", "resend")}
    numbers_of_nik = defaultdict(set)
    for number in in_the_making:
        numbers_of_nik[latest[number][1]].add(number)
    shown = _once_a_day(world, "refusal_shown")
    problems = []
    for office in kecamatan_pcs(world):
        for (number, version, digest, photo_sha, state, error, nik, source, current,
             photo) in _kept_while(world, f"sent:{office.name}", office.state_stamp(),
                                   lambda: office.read(_sent_applications)):
            where = f"{office.name}: {number} versi {version}"
            if state == "acked":
                at_center = held.get((number, version))
                if at_center is None:
                    problems.append(f"{where} tercatat diterima pusat, tetapi pusat tidak memegangnya")
                    continue
                center_digest, center_photo = at_center[:2]
                if center_digest != digest:
                    problems.append(f"{where}: pusat memegang isi lain ({center_digest[:12]}) dari yang dikirim "
                                    f"PC ini ({digest[:12]})")
                    continue
                if center_photo != "dihapus" and center_photo != photo_sha:
                    problems.append(f"{where}: foto di pusat (SHA-256 {center_photo[:12]}) bukan foto yang dikirim "
                                    f"({photo_sha[:12]})")
                if photo is not None and photo != photo_sha:
                    problems.append(f"{where}: foto di kantor (SHA-256 {photo[:12]}) bukan foto yang dikirim "
                                    f"({photo_sha[:12]})")
                others = numbers_of_nik.get(nik, set()) - {number}
                if others and number in in_the_making:
                    problems.append(f"{where}: pemohon yang sama juga dipegang pusat dengan nomor {sorted(others)}")
            elif state == "rejected" and current is not None and current[:2] == (number, version):
                key = (office.name, source, number, version, current[2], error)
                if key not in shown:
                    page = office.get("petugas_loket", f"/pendaftaran/{source}")
                    if page is not None and error and error in text(page):
                        shown[key] = True
                    else:
                        problems.append(f"{where} ditolak pusat, alasannya ({error!r}) tidak tampil di halaman "
                                        "permohonan di loket")
    return problems


# --- finding 11 of issue 42: where every application is, what a citizen is told -----------------------

# Statuses of an application that is complete at the counter and not decided by the center yet.
GOING_TO_THE_CENTER = ("lengkap", "terkirim", "diterima_pusat", "dicetak", "dikirim", "siap_diambil")
# Outbox states that show the wait (or the end) on the PC with its reason (the sync page, the application's
# page): "duplicate" is the application of a desa form another counter PC accepted first, held back until
# the clerk closes it ("closed"), tests/desa/test_relay_two_counters.py.
VISIBLY_WAITING = ("pending", "rejected", "conflict", "renumbered", "superseded", "duplicate", "closed")


def _applications_going_out():
    """(application id, number, status, latest outbox state of it or None) of every complete application."""
    from app.registration.models import Application
    from sync.client.models import OutboxItem
    latest = {}
    for source, state in OutboxItem.select(OutboxItem.source_id, OutboxItem.state).where(
            OutboxItem.kind == "permohonan").order_by(OutboxItem.id).tuples():
        latest[source] = state
    return [(a, number, status, latest.get(a)) for a, number, status in Application.select(
        Application.id, Application.registration_number, Application.status).where(
        Application.status.in_(GOING_TO_THE_CENTER)).tuples()]


def _numbers_held():
    """The registration numbers of every application this PC holds, complete or not."""
    from app.registration.models import Application
    return [number for (number,) in Application.select(Application.registration_number).tuples()]


def every_application_is_at_the_center_or_visibly_waiting_with_a_reason(world: World, touched: Touched) -> list[str]:
    """Every complete application registered on any counter PC in service is held by the center (any
    version of its number), or waits visibly with its reason: its PC's outbox still sends it (pending,
    refused with the reason, a conflict, a new number, superseded by another counter's acceptance), or
    it is on the "Menunggu dikirim PC lain" list of a PC tambahan, with its button, while another PC in
    service holds that number from the same backup, in any state: that PC sends it once the file is complete
    there, or the admin presses the button (an old PC's own work, left to a PC that never had it, is lost:
    issue 42 finding 1)."""
    held_numbers = {number for number, _ in _center_applications(world)}
    offices = kecamatan_pcs(world)
    going = {office.name: office.read(_applications_going_out) for office in offices}
    numbers_on = {office.name: set(office.read(_numbers_held)) for office in offices}
    problems = []
    for name, rows in going.items():
        for application_id, number, status, state in rows:
            if number in held_numbers or state in VISIBLY_WAITING:
                continue
            if state == "elsewhere" and any(number in numbers for other, numbers in numbers_on.items() if other != name):
                continue
            problems.append(f"{name}: permohonan {number} ({status}) tidak di pusat dan tidak menunggu dengan alasan "
                            f"(kiriman: {state or 'tidak ada'})")
    return problems


AT_DUKCAPIL = ("diproses", "dicetak", "dikirim")  # the public steps that say the center has the file


def no_citizen_is_told_dukcapil_holds_a_file_it_does_not(world: World, touched: Touched) -> list[str]:
    """The public status (/cek) of a KTP-el application says Dukcapil (the center) has the file only
    when the center holds that number from that kecamatan."""
    return _kept_while(world, "told_at_dukcapil", world.center_stamp(), lambda: _told_at_dukcapil(world))


def _told_at_dukcapil(world: World) -> list[str]:
    from sync.center.models import PublicStatus, ReceivedApplication
    from sync.center.public_status_records import view_of
    problems = []
    with world.center_bound():
        held = set(ReceivedApplication.select(ReceivedApplication.kecamatan, ReceivedApplication.registration_number)
                   .tuples())
        for row in list(PublicStatus.select()):
            view = view_of(row)
            if view["kind"] == "ktp" and view["step_code"] in AT_DUKCAPIL and (row.kecamatan_id, row.number) not in held:
                problems.append(f"/cek {row.number}: \"{view['step']}\", tetapi pusat tidak memegang berkas itu")
    return problems


def no_person_holds_two_running_applications_at_the_center(world: World, touched: Touched) -> list[str]:
    """At the center, one NIK has at most one number whose latest version is in the making (received,
    printed, waiting for a resend): one person, one KTP-el in process."""
    latest = {}
    for (number, version), (_, _, nik, status, _) in _center_applications(world).items():
        if version > latest.get(number, (0,))[0]:
            latest[number] = (version, nik, status)
    numbers_of_nik = defaultdict(set)
    for number, (_, nik, status) in latest.items():
        if status in ("received", "printed", "resend"):
            numbers_of_nik[nik].add(number)
    return [f"pusat: satu NIK memegang {len(numbers)} permohonan yang berjalan: {sorted(numbers)}"
            for numbers in numbers_of_nik.values() if len(numbers) > 1]


# --- decisions of the center ----------------------------------------------------------------------------

# An application that still waits on the center, and how far along the center's way it is.
WAITING_RANK = {"lengkap": 0, "terkirim": 1, "diterima_pusat": 2, "dicetak": 3, "dikirim": 4}
# How far a center event takes it (a rejection or a resend request ends the wait).
DECIDED_RANK = {"received": 2, "printed": 3, "shipped": 4, "rejected": 5, "resend": 5}


def _office_link_state():
    """(key id, status cursor, outbox items of applications, open status issues, applications by id)."""
    from app.registration.models import Application
    from sync.client.models import OutboxItem, StatusIssue, SyncLink
    link = SyncLink.select(SyncLink.key_id, SyncLink.status_cursor, SyncLink.role).order_by(SyncLink.id.desc()).first()
    from app.sync_page.identity import FOLLOWED_ELSEWHERE, HELD_ELSEWHERE
    # An item the PC says (on the applicant's page) is followed at the PC holding the same backup is not
    # waiting here (app/sync_page/identity.py, left_notices).
    items = list(OutboxItem.select(OutboxItem.registration_number, OutboxItem.version, OutboxItem.content_hash,
                                   OutboxItem.state, OutboxItem.source_id)
                 .where((OutboxItem.kind == "permohonan")
                        & OutboxItem.last_error.not_in([FOLLOWED_ELSEWHERE, HELD_ELSEWHERE])).tuples())
    issues = {(n, v) for n, v in StatusIssue.select(StatusIssue.registration_number, StatusIssue.version)
              .where(StatusIssue.resolved_at.is_null()).tuples()}
    applications = {a: (n, v, s) for a, n, v, s in Application.select(
        Application.id, Application.registration_number, Application.version, Application.status).tuples()}
    return (link.key_id, link.status_cursor) if link and link.role == "kecamatan" else (None, 0), items, issues, \
        applications


def _events_for(world: World, key_id: str):
    """The status events of this key's kecamatan as (seq, number, version, status, content hash, served),
    `served` when the center serves it to this key (records.events_after's choice: applications its
    device sent, or a device whose revoked key it follows after a re-enrolment, `previous_key`); None
    when the key is not live (revoked, or taken over by another PC)."""
    from sync.center.models import DeviceKey, ReceivedApplication, StatusEvent
    with world.center_bound():
        keys = list(DeviceKey.select().where(DeviceKey.key_id == key_id))
        if not keys or keys[0].revoked_at is not None or keys[0].replaced_by:
            return None
        key = keys[0]
        by_id = {k.key_id: k for k in DeviceKey.select().where(DeviceKey.kecamatan == key.kecamatan_id)}
        devices, walked, step = {key.device_code, ""}, {key.key_id}, key
        while step.previous_key in by_id and step.previous_key not in walked:
            step = by_id[step.previous_key]
            walked.add(step.key_id)
            devices.add(step.device_code)
        rows = list(StatusEvent.select(StatusEvent.seq, StatusEvent.registration_number, StatusEvent.version,
                                       StatusEvent.status, StatusEvent.content_hash, ReceivedApplication.sender_device)
                    .join(ReceivedApplication, on=(StatusEvent.application == ReceivedApplication.id))
                    .where(StatusEvent.kecamatan == key.kecamatan_id).order_by(StatusEvent.seq).tuples())
    return [(seq, number, version, status, digest, not key.device_code or sender in devices)
            for seq, number, version, status, digest, sender in rows]


def _open_conflicts(world: World) -> set:
    from sync.center.models import Conflict
    with world.center_bound():
        return {(n, v, h) for n, v, offered, existing in Conflict.select(
            Conflict.registration_number, Conflict.version, Conflict.offered_hash, Conflict.existing_hash)
            .where(Conflict.resolved_at.is_null()).tuples() for h in (offered, existing)}


def nothing_waits_on_a_decision_the_center_already_made(world: World, touched: Touched) -> list[str]:
    """Once a PC has pulled a decision of the center (its status cursor is past the event), nothing on
    that PC still waits for it: an outbox item in conflict has an open conflict at the center or a
    decision not yet pulled; an application is not still "terkirim" (or any step before) when the
    center's pulled event took it further (printed, shipped, rejected ...); a renumbering pulled has
    renumbered it. A decision about an application this PC sent that the center serves to no key of
    this PC (another device code's feed) waits for ever: reported too. A decision the PC could not
    apply is kept for a person (an open status issue on its page) and is not waiting."""
    name = "nothing_waits_on_a_decision_the_center_already_made"
    # A function of the PC's database and the center's: a PC is skipped while neither changed since
    # this invariant last passed there (`Office.state_stamp`, `World.center_stamp`).
    center = world.center_stamp()
    open_conflicts = None
    problems = []
    for office in kecamatan_pcs(world):
        stamp = office.state_stamp()
        key = (stamp, center) if stamp is not None and center is not None else None
        skip = key is not None and _once_a_day(world, f"unchanged:{name}").get(office.name) == key
        STATS_OF_SKIPS[name]["skipped" if skip else "checked"] += 1
        if skip:
            continue
        if open_conflicts is None:
            open_conflicts = _open_conflicts(world)
        found = _waiting_at(world, office, open_conflicts)
        _office_passed(world, name, office, key, found)
        problems += found
    return problems


def _waiting_at(world: World, office, open_conflicts) -> list[str]:
    """nothing_waits_on_a_decision_the_center_already_made on one PC."""
    problems = []
    (key_id, cursor), items, issues, applications = office.read(_office_link_state)
    if not key_id:
        return problems
    events = _events_for(world, key_id)
    if events is None:
        return problems
    pulled, unpulled, never = {}, set(), {}
    for seq, number, version, status, digest, served in events:
        if not served:
            never[(number, version)] = (seq, status, digest)  # a decision this PC is never served
        elif seq <= cursor:
            pulled[(number, version)] = (seq, status, digest)  # in seq order: the last one stays
        else:
            unpulled.add((number, version))
    for number, version, digest, state, source in items:
        where = f"{office.name}: {number} versi {version}"
        last = pulled.get((number, version))
        if state == "conflict":
            if (number, version, digest) in open_conflicts or (number, version) in unpulled:
                continue
            problems.append(f"{where} menunggu keputusan konflik, tetapi pusat tidak punya konflik terbuka "
                            f"untuknya" + (f" (status terakhir yang ditarik: {last[1]}, #{last[0]})" if last else ""))
            continue
        unserved = never.get((number, version))
        if state == "acked" and unserved and unserved[2] == digest and (last is None or unserved[0] > last[0]):
            last, how = unserved, "tidak pernah dikirim ke kunci PC ini"
        else:
            how = "sudah ditarik"
        if last is None or last[2] != digest or (number, version) in issues:
            continue
        seq, status, _ = last
        if status == "renumber":
            if state != "renumbered":
                problems.append(f"{where}: pusat memutuskan nomor baru (#{seq}, {how}), "
                                f"tetapi masih berstatus kirim {state}")
            continue
        current = applications.get(source)
        if current is None or current[:2] != (number, version):
            continue
        rank = WAITING_RANK.get(current[2])
        if rank is not None and status in DECIDED_RANK and rank < DECIDED_RANK[status]:
            problems.append(f"{where} masih {current[2]}, padahal pusat sudah {status} (#{seq}, {how})")
    return problems


# --- pages ------------------------------------------------------------------------------------------

AUDIT_PAGES = ("/audit",)  # its filters by kind are walked with the menus (MENU_EXTRAS)
MENU_EXTRAS = ("/audit?entitas=pengguna", "/audit?entitas=pengaturan", "/audit?entitas=pra_pendaftaran")


# The audit check renders at least this often on a PC whose state did not change: its result also
# depends on the browser session's idle time (30 minutes signs it out), which a page view resets.
AUDIT_RENDER_EVERY_SECONDS = 600


def the_audit_trail_renders_for_camat_and_admin(world: World, touched: Touched) -> list[str]:
    """/audit (the newest page: every row added since the last check is on it, PAGE_SIZE rows) answers
    200 for the admin and the Camat of every counter PC; a PC whose state did not change since its
    last passing check is not rendered again (`_office_unchanged`)."""
    problems = []
    name = "the_audit_trail_renders_for_camat_and_admin"
    for office in kecamatan_pcs(world):
        skip, key = _office_unchanged(world, name, office, every_seconds=AUDIT_RENDER_EVERY_SECONDS)
        if skip:
            continue
        found = []
        for role in ("admin", "camat"):
            for path in AUDIT_PAGES:
                before = len(world.seen.server_errors)
                response = office.get(role, path)
                if response is None:
                    found.append(f"{office.name}: {path} untuk {role} menjawab 500: "
                                 f"{world.seen.server_errors[before][-1].strip().splitlines()[-1]}")
                    del world.seen.server_errors[before:]
                elif response.status_code != 200:
                    found.append(f"{office.name}: {path} untuk {role} menjawab {response.status_code}")
        _office_passed(world, name, office, key, found)
        problems += found
    return problems


def _roles_of(office):
    return ("admin", "operator_desa") if office.is_desa else (*STAFF_ROLES, "operator_desa")


def _walk(world: World, office, role: str, path: str, people) -> list[str]:
    from app.frame import privacy
    username = f"op-{office.name.lower()}" if office.is_desa and role == "operator_desa" else None
    response = office.get(role, path, username=username)
    if response is None or response.status_code >= 400:
        return []  # a 500 is reported by every_page_answers_below_500; 403/404 shows nothing
    from tests.registration.test_privacy_policy import _readable
    body = _readable(response.get_data())  # an XLSX export is read as its sheets
    found = []
    for person in people:
        for field, values in person.personal_values().items():
            if privacy.may_see(field, role):
                continue
            for value in values:
                if value in body:
                    found.append(f"{office.name}: {role} membaca {field} ({value}) di {path}")
    return found


def no_personal_field_shown_to_a_denied_role(world: World, touched: Touched) -> list[str]:
    """The detail pages the step touched, for every role, show no field the privacy table denies it."""
    people = list(world.people.values())
    problems = []
    for name, path in touched.pages:
        office = world.offices.get(name)
        if office is None or not office.running:
            continue
        for role in _roles_of(office):
            problems += _walk(world, office, role, path, people)
    return problems


def menu_pages(office) -> list[str]:
    """Every GET route without a variable part: the menus and lists a role can open."""
    paths = []
    for rule in office.app.url_map.iter_rules():
        if "GET" in rule.methods and not rule.arguments and rule.endpoint not in ("static", "auth.logout"):
            paths.append(rule.rule)
    if not office.is_desa:
        paths += MENU_EXTRAS
    return sorted(paths)


def crawl_menus(world: World, office, roles=None) -> list[str]:
    """Every menu page of one PC for the given roles (all by default), privacy checked."""
    people = list(world.people.values())
    problems = []
    for role in roles or _roles_of(office):
        for path in menu_pages(office):
            problems += _walk(world, office, role, path, people)
    return problems


def full_crawl(world: World) -> list[str]:
    """Every menu page for every role on every PC (bounded: no variable parts), privacy checked."""
    return [p for office in live_offices(world) for p in crawl_menus(world, office)]


def every_page_answers_below_500(world: World, touched: Touched) -> list[str]:
    found = [f"{office}: {role} {method} {path} -> {status}: {detail.strip().splitlines()[-1] if detail else ''}"
             for office, role, method, path, status, detail in world.seen.server_errors]
    world.seen.server_errors.clear()
    return found


# --- the center's pages -------------------------------------------------------------------------------

CENTER_ROLES = ("operator", "admin", "pimpinan")
# What no center page may show to a role (sync/center/policy.py: Pimpinan Kabupaten reads Kinerja
# Kecamatan only, no applicant). The phone stays at the kecamatan (the center's record holds none).
CENTER_DENIED = {"operator": ("phone",), "admin": ("phone",),
                 "pimpinan": ("nik", "kk_number", "full_name", "address", "phone")}
# Menu pages outside the operator's work: the sign-in page, the public status page, the signed API.
CENTER_NOT_CRAWLED = ("center.logout", "center.login", "center.htmx_js", "center.status_page")


def _center_personal(person) -> dict:
    return dict(person.personal_values(), full_name=(person.name,))


def center_menu_pages(world: World) -> list[str]:
    """Every GET page of the center without a variable part, but the API and the doors."""
    return sorted(rule.rule for rule in world.center_app.url_map.iter_rules()
                  if "GET" in rule.methods and not rule.arguments and rule.endpoint != "static"
                  and not rule.endpoint.startswith("center_api.") and rule.endpoint not in CENTER_NOT_CRAWLED)


def _center_detail_pages(world: World) -> dict[str, tuple]:
    """Each detail page of the center -> what it shows changes with (no photos read)."""
    from sync.center.models import Conflict, PerformanceReport, PrintRun, ReceivedApplication, Shipment
    pages = {}
    with world.center_bound():
        for row_id, status, digest, photo in ReceivedApplication.select(
                ReceivedApplication.id, ReceivedApplication.status, ReceivedApplication.content_hash,
                ReceivedApplication.photo_sha256).tuples():
            pages[f"/permohonan/{row_id}"] = (status, digest, photo)
            pages[f"/permohonan/{row_id}/foto"] = (digest, photo)
        for run_id, printed in PrintRun.select(PrintRun.id, PrintRun.printed_at).tuples():
            pages[f"/cetak/{run_id}"] = (str(printed),)
        for shipment_id, in Shipment.select(Shipment.id).tuples():
            pages[f"/kirim/{shipment_id}"] = ()
        conflicts = tuple(Conflict.select(Conflict.id, Conflict.resolved_at).order_by(Conflict.id).tuples())
        pages["/konflik?tampil=selesai"] = tuple(c for c in conflicts if c[1] is not None)
        for kecamatan_id, count in PerformanceReport.select(PerformanceReport.kecamatan, peewee_count()).group_by(
                PerformanceReport.kecamatan).tuples():
            pages[f"/kinerja/kecamatan/{kecamatan_id}"] = (count,)
    return pages


def peewee_count():
    from peewee import fn
    return fn.COUNT(1)


def walk_center_page(world: World, role: str, path: str, people) -> tuple[list[str], list[str]]:
    """One center page for one role: (answers of 500 or more, personal fields the role may not read)."""
    from tests.registration.test_privacy_policy import _readable
    before = len(world.seen.server_errors)
    response = world.center_request("GET", path, role=role)
    if response is None:
        errors = [f"pusat: {role} GET {path} -> {e[4]}: {''.join((e[5] or '').strip().splitlines()[-1:])}"
                  for e in world.seen.server_errors[before:]]
        del world.seen.server_errors[before:]
        return errors, []
    if response.status_code >= 400:
        return [], []  # refused to this role (403) or no such record (404): nothing shown
    body = _readable(response.get_data())
    found = []
    for person in people:
        for field, values in _center_personal(person).items():
            if field in CENTER_DENIED[role]:
                found += [f"pusat: {role} membaca {field} ({value}) di {path}" for value in values if value in body]
    return [], found


def crawl_center(world: World, paths, roles=CENTER_ROLES) -> tuple[list[str], list[str]]:
    people = list(world.people.values())
    errors, shown = [], []
    for role in roles:
        for path in paths:
            more_errors, more_shown = walk_center_page(world, role, path, people)
            errors += more_errors
            shown += more_shown
    return errors, shown


def _center_walk(world: World, touched: Touched) -> tuple[list[str], list[str]]:
    """The step's walk of the center (done once, read by both center invariants): every center role
    opens each detail page that is new or changed since the last step, and the center's menus
    (`touched.center_menus`, set by the menu-walk rule)."""
    if getattr(touched, "center_walk", None) is None:
        seen = _once_a_day(world, "center_pages")
        now = _center_detail_pages(world)
        changed = sorted(path for path, signature in now.items() if seen.get(path) != signature)
        seen.clear()
        seen.update(now)
        touched.center_walk = crawl_center(world, changed)
        menus = getattr(touched, "center_menus", ())
        if menus:
            more = crawl_center(world, center_menu_pages(world), menus)
            touched.center_walk = (touched.center_walk[0] + more[0], touched.center_walk[1] + more[1])
    return touched.center_walk


def every_center_page_answers_below_500_for_every_center_role(world: World, touched: Touched) -> list[str]:
    """The center's pages the step changed (an application, a print run, a shipment, a conflict, a
    kecamatan's report), and its menus when walked, answer below 500 for the operator, the admin
    and Pimpinan Kabupaten."""
    return _center_walk(world, touched)[0]


def no_center_page_shows_a_personal_field_to_a_denied_role(world: World, touched: Touched) -> list[str]:
    """The same pages show no personal field the center's table denies the role: Pimpinan Kabupaten
    reads no applicant's NIK, KK, name or address; no one at the center reads a phone."""
    return _center_walk(world, touched)[1]


# --- figures: an independent recount of the raw rows (tests/simulation/oracle.py) ---------------------

def _quarters_now(office):
    """The quarter the office is in and the one before (by the office's own clock and zone)."""
    from app.complaints.queries import zone
    from app.frame.dates import local_today
    from app.frame.periods import Quarter
    current = Quarter.containing(local_today(zone()))
    return zone(), [current, current.previous()]


def _checked_unless_unchanged(world: World, name: str, office, compare) -> list[str]:
    """office.read(compare), unless the PC is unchanged since this invariant last passed there."""
    skip, key = _office_unchanged(world, name, office)
    if skip:
        return []
    found = office.read(compare)
    _office_passed(world, name, office, key, found)
    return found


def the_ikm_equals_a_recount_of_the_valid_answers(world: World, touched: Touched) -> list[str]:
    """The IKM of this quarter and the last (tallies kept by triggers) is what the raw answers give."""
    from fractions import Fraction

    from app.frame import store
    from app.survey.figures import ikm_for_period
    from app.survey.models import SurveyAnswer, SurveyResponse
    from tests.simulation import oracle
    problems = []
    for office in kecamatan_pcs(world):
        def compare():
            zone, quarters = _quarters_now(office)
            weight = Fraction(1, 9) if store.get("ikm_weight") == "eksak" else Fraction(111, 1000)
            rows = list(SurveyAnswer.select(SurveyResponse.id, SurveyResponse.status, SurveyResponse.submitted_at,
                                            SurveyAnswer.element, SurveyAnswer.score)
                        .join(SurveyResponse, on=(SurveyAnswer.response == SurveyResponse.id)).tuples())
            found = []
            for quarter in quarters:
                expected = oracle.ikm_recount(rows, (quarter.year, quarter.number), zone, weight)
                shown = ikm_for_period(quarter, zone)
                elements = {e.key: (e.answers, e.total) for e in shown.elements if e.answers}
                if (shown.respondents, shown.ikm, elements) != (expected["respondents"], expected["ikm"],
                                                                 expected["elements"]):
                    found.append(f"{office.name}: IKM {quarter.label} {shown.ikm} dari {shown.respondents} "
                                 f"responden, hitungan ulang {expected['ikm']} dari {expected['respondents']} "
                                 f"(unsur {elements} / {expected['elements']})")
            return found
        problems += _checked_unless_unchanged(world, "the_ikm_equals_a_recount_of_the_valid_answers", office, compare)
    return problems


def the_recap_equals_a_recount_of_the_complaints(world: World, touched: Touched) -> list[str]:
    """The recap's counts (by channel, status, category, confidential, first response, follow-up) of
    this quarter and the last are what the complaint rows give."""
    from app.frame.office_calendar import office_calendar
    from app.complaints.models import Complaint, ComplaintCategory
    from app.frame import store
    from app.recap import figures
    from tests.simulation import oracle
    problems = []
    for office in kecamatan_pcs(world):
        def compare():
            zone, quarters = _quarters_now(office)
            rows = list(Complaint.select(Complaint.channel, Complaint.status, ComplaintCategory.name,
                                         Complaint.is_confidential, Complaint.received_at,
                                         Complaint.first_response_at, Complaint.followed_up_at)
                        .join(ComplaintCategory, on=(Complaint.category == ComplaintCategory.id)).tuples())
            found = []
            for quarter in quarters:
                expected = oracle.complaint_recount(rows, (quarter.year, quarter.number), zone)
                shown = figures.complaint_figures(quarter, zone, office_calendar(),
                                                  int(store.get("complaint_first_response_days")),
                                                  int(store.get("complaint_follow_up_days")))
                got = {"total": shown["total"], "confidential": shown["confidential"],
                       "channel": Counter({r["key"]: r["count"] for r in shown["by_channel"] if r["count"]}),
                       "status": Counter({r["key"]: r["count"] for r in shown["by_status"] if r["count"]}),
                       "category": Counter({r["label"]: r["count"] for r in shown["by_category"] if r["count"]}),
                       "first_response": shown["first_response"]["count"],
                       "follow_up": shown["follow_up"]["count"]}
                wrong = {key: (got[key], value) for key, value in expected.items() if got[key] != value}
                if wrong:
                    found.append(f"{office.name}: rekap {quarter.label} berbeda dari hitungan ulang "
                                 f"(rekap, hitungan ulang): {wrong}")
            return found
        problems += _checked_unless_unchanged(world, "the_recap_equals_a_recount_of_the_complaints", office, compare)
    return problems


def the_indicators_equal_a_recount_from_the_raw_rows(world: World, touched: Touched) -> list[str]:
    """The indicators page's registration shares and its IKM, this quarter and the last, are what the
    application rows, their status history and the survey answers give."""
    from app.frame.dates import local_today
    from app.indicators.figures import indicator_rows
    from app.registration.models import Application, StatusEvent
    from app.survey.figures import ikm_for_period
    from tests.simulation import oracle
    problems = []
    for office in kecamatan_pcs(world):
        def compare():
            zone, quarters = _quarters_now(office)
            applications = list(Application.select(Application.id, Application.created_at,
                                                   Application.handed_over_at, Application.promised_date).tuples())
            returned = {a for a, in StatusEvent.select(StatusEvent.application).where(
                StatusEvent.to_status == "dikembalikan").tuples()}
            found = []
            for quarter in quarters:
                expected = oracle.registration_recount(applications, returned, (quarter.year, quarter.number), zone)
                rows = {row.indicator.key: row.measure for row in indicator_rows(quarter, quarter.year, zone,
                                                                                local_today(zone))}
                got = {"registered": rows["berkas_dikembalikan"].denominator or 0,
                       "returned": rows["berkas_dikembalikan"].numerator or 0,
                       "handed": rows["serah_tepat_waktu"].denominator or 0,
                       "handed_on_time": rows["serah_tepat_waktu"].numerator or 0}
                wrong = {key: (got[key], value) for key, value in expected.items() if got[key] != value}
                ikm = ikm_for_period(quarter, zone).ikm
                if rows["ikm"].value != (float(ikm) if ikm is not None else None):
                    wrong["ikm"] = (rows["ikm"].value, ikm)
                if wrong:
                    found.append(f"{office.name}: indikator {quarter.label} berbeda dari hitungan ulang "
                                 f"(indikator, hitungan ulang): {wrong}")
            return found
        problems += _checked_unless_unchanged(world, "the_indicators_equal_a_recount_from_the_raw_rows", office, compare)
    return problems


# --- accounts ---------------------------------------------------------------------------------------

def a_switched_off_account_has_no_open_session(world: World, touched: Touched) -> list[str]:
    """An account the admin switched off (Pengguna > Nonaktifkan) is signed out on every browser: no
    session of it is still open on any PC (app/auth/accounts.set_active ends them)."""
    from flask import current_app

    def open_sessions():
        sessions, accounts = current_app.extensions["session_model"], current_app.extensions["account_model"]
        off = dict(accounts.select(accounts.id, accounts.username)
                   .where(accounts.is_active == False).tuples())  # noqa: E712
        if not off:
            return []
        return sorted({off[user] for user, in sessions.select(sessions.user_id).where(
            sessions.user_id.in_(list(off)) & sessions.ended_at.is_null()).tuples()})
    return [f"{office.name}: akun {name} dinonaktifkan, tetapi sesinya masih terbuka"
            for office in live_offices(world) for name in office.read(open_sessions)]


INVARIANTS = [
    no_registration_number_held_by_two_people,
    no_pre_registration_number_held_by_two_people,
    desa_forms_at_the_center_once_or_refused_with_reason_shown,
    the_center_accepts_what_the_desa_saved,
    statuses_not_applied_only_for_own_numbers,
    center_statuses_reach_their_own_applicant,
    every_application_is_at_the_center_once_with_its_photo_or_refused_with_the_reason_shown,
    every_application_is_at_the_center_or_visibly_waiting_with_a_reason,
    no_citizen_is_told_dukcapil_holds_a_file_it_does_not,
    no_person_holds_two_running_applications_at_the_center,
    every_center_page_answers_below_500_for_every_center_role,
    no_center_page_shows_a_personal_field_to_a_denied_role,
    no_personal_field_shown_to_a_denied_role,
    nothing_waits_on_a_decision_the_center_already_made,
    a_switched_off_account_has_no_open_session,
    # After the checks whose page views write (an application opened is an audit row): these skip a
    # PC unchanged since they last passed, so they see the step's state with those rows, and the next
    # step finds the PC unchanged unless something else wrote to it (they also check the rows then).
    the_audit_trail_renders_for_camat_and_admin,
    the_ikm_equals_a_recount_of_the_valid_answers,
    the_recap_equals_a_recount_of_the_complaints,
    the_indicators_equal_a_recount_from_the_raw_rows,
    every_page_answers_below_500,  # last: the walks above record what answered 500
]
