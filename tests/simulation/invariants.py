"""What must hold after every step of an office's life, across all three programs.

Each invariant is a function `name(world, touched) -> list[str]` returning the violations it found
(an empty list when it holds). `touched` names what the step changed (offices, pages), so the
costly page walks look where the step acted; `full_crawl` walks every menu page for every role.
"""
from __future__ import annotations

import json
from collections import Counter, defaultdict

from tests.simulation.world import STAFF_ROLES, World, text


class Touched:
    """What a step acted on: detail pages to walk for every role, offices whose menus to walk."""

    def __init__(self):
        self.pages: list[tuple[str, str]] = []  # (office name, path)
        self.offices: set[str] = set()

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
    from app.desa import relay
    from app.desa.models import PreRegistration
    problems = []
    with world.center_bound():
        at_center = _center_relay_counts()
    for desa in desa_pcs(world):
        rows = desa.read(lambda: list(PreRegistration.select(PreRegistration.id, PreRegistration.number,
                                                             PreRegistration.relay_status,
                                                             PreRegistration.relay_note).tuples()))
        for pre_id, number, relay_status, note in rows:
            if relay_status == relay.REFUSED_BY_CENTER:
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
    from app.desa import relay
    from app.desa.models import PreRegistration
    problems = []
    for desa in desa_pcs(world):
        for number, note in desa.read(lambda: list(PreRegistration.select(PreRegistration.number,
                                                                          PreRegistration.relay_note).where(
                PreRegistration.relay_status == relay.REFUSED_BY_CENTER).tuples())):
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


def center_statuses_reach_their_own_applicant(world: World, touched: Touched) -> list[str]:
    """An application moved by the center is the applicant the center holds under that number."""
    from app.registration.models import Application
    from sync.center.models import ReceivedApplication
    with world.center_bound():
        at_center = defaultdict(set)
        for number, nik in ReceivedApplication.select(ReceivedApplication.registration_number,
                                                      ReceivedApplication.nik).tuples():
            at_center[number].add(nik)
    problems = []
    for office in kecamatan_pcs(world):
        for number, nik, status in office.read(lambda: list(Application.select(
                Application.registration_number, Application.nik, Application.status)
                .where(Application.status.in_(sorted(CENTER_DRIVEN))).tuples())):
            if nik not in at_center.get(number, ()):
                problems.append(f"{office.name}: {number} berstatus {status} dari pusat, tetapi pusat memegang "
                                f"nomor itu untuk {sorted(at_center.get(number, ())) or 'tidak seorang pun'}")
    return problems


# --- pages ------------------------------------------------------------------------------------------

AUDIT_PAGES = ("/audit",)  # its filters by kind are walked with the menus (MENU_EXTRAS)
MENU_EXTRAS = ("/audit?entitas=pengguna", "/audit?entitas=pengaturan", "/audit?entitas=pra_pendaftaran")


def the_audit_trail_renders_for_camat_and_admin(world: World, touched: Touched) -> list[str]:
    problems = []
    for office in kecamatan_pcs(world):
        for role in ("admin", "camat"):
            for path in AUDIT_PAGES:
                before = len(world.seen.server_errors)
                response = office.get(role, path)
                if response is None:
                    problems.append(f"{office.name}: {path} untuk {role} menjawab 500: "
                                    f"{world.seen.server_errors[before][-1].strip().splitlines()[-1]}")
                    del world.seen.server_errors[before:]
                elif response.status_code != 200:
                    problems.append(f"{office.name}: {path} untuk {role} menjawab {response.status_code}")
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


# --- figures: an independent recount of the raw rows (tests/simulation/oracle.py) ---------------------

def _quarters_now(office):
    """The quarter the office is in and the one before (by the office's own clock and zone)."""
    from app.complaints.queries import zone
    from app.frame.dates import local_today
    from app.frame.periods import Quarter
    current = Quarter.containing(local_today(zone()))
    return zone(), [current, current.previous()]


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
        problems += office.read(compare)
    return problems


def the_recap_equals_a_recount_of_the_complaints(world: World, touched: Touched) -> list[str]:
    """The recap's counts (by channel, status, category, confidential, first response, follow-up) of
    this quarter and the last are what the complaint rows give."""
    from app.calendar import office_calendar
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
        problems += office.read(compare)
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
        problems += office.read(compare)
    return problems


INVARIANTS = [
    no_registration_number_held_by_two_people,
    no_pre_registration_number_held_by_two_people,
    desa_forms_at_the_center_once_or_refused_with_reason_shown,
    the_center_accepts_what_the_desa_saved,
    statuses_not_applied_only_for_own_numbers,
    center_statuses_reach_their_own_applicant,
    the_audit_trail_renders_for_camat_and_admin,
    the_ikm_equals_a_recount_of_the_valid_answers,
    the_recap_equals_a_recount_of_the_complaints,
    the_indicators_equal_a_recount_from_the_raw_rows,
    no_personal_field_shown_to_a_denied_role,
    every_page_answers_below_500,  # last: the walks above record what answered 500
]
