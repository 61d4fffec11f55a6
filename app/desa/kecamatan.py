"""The desa work at the kecamatan (a capability of app/programs/kecamatan.py): desa operators working at the
kecamatan, the counter's queue of pre-registrations, the admin of desa operators and desa PCs. The desa's
records meet the counter's here: this module ties them (the desa's shared modules import no counter)."""
from datetime import timedelta

from flask import Blueprint, current_app, url_for
from peewee import Case

from app.capabilities import Card, MenuItem
from app.desa import admin_views, counter_views, operator_views, records, relay
from app.desa.models import PreRegistration, tie_to_applications
from app.desa.relay_records import DUPLICATE, DUPLICATE_CLOSED
from app.desa.views import ADMIN_MENU, OPERATOR_MENU, Side
from app.frame import dates, installation, statements
from app.frame.db import database
from app.frame.fingerprint_text import without_fingerprints
from app.frame.access import may
from app.frame.application_status import ApplicationStatus as S
from app.frame.places import desa_list
from app.registration import records as applications
from app.registration.models import Application
from app.registration.notices import Notice, add_detail_notice
from app.registration.status import add_transition_listener

blueprint = Blueprint("desa", __name__)
for pages in (operator_views.pages, counter_views.pages, admin_views.pages, admin_views.kecamatan_pages):
    pages.add_to(blueprint)


def _waiting_count(user) -> int:
    return records.waiting_count()


MENU = [*OPERATOR_MENU, MenuItem("Antrean Pra-pendaftaran", "desa.queue", order=13, badge=_waiting_count),
        *ADMIN_MENU]


def dashboard_cards(user) -> list[Card]:
    if not may(user, "desa.kartu_antrian"):
        return []
    waiting = _waiting_count(user)
    return [Card("Pra-pendaftaran dari desa", str(waiting), "menunggu diterima di loket",
                 url_for("desa.queue"), "warn" if waiting else "info")]


def _desa_applications(desa_code: str) -> list:
    """The desa's applications for its list: 'Siap diambil' first, then those in progress, then recently
    handed over (so the desa can tell villagers which cards wait at the kecamatan)."""
    since = dates.utc_now() - timedelta(days=operator_views.HANDED_OVER_SHOWN_DAYS)
    order = Case(None, [(Application.status == S.READY.value, 0), (Application.status == S.HANDED_OVER.value, 2)], 1)
    return list(Application.select(Application.id, Application.registration_number, Application.full_name,
                                   Application.status, Application.promised_date, Application.handed_over_at,
                                   Application.created_at, Application.rt, Application.rw)
                .where((Application.desa_code == desa_code)
                       & ((Application.status != S.HANDED_OVER.value) | (Application.handed_over_at >= since)))
                .order_by(order, Application.id.desc()).limit(operator_views.LIST_LIMIT))


def _running_application(nik: str, reason, scope_desa: str | None = None) -> str | None:
    running = applications.in_progress_with_nik(nik)
    refusal = ((f"NIK ini sudah memiliki permohonan KTP-el yang masih berjalan ({running[0].registration_number}). "
                "Pemohon tidak perlu didaftarkan ulang.") if running
               else applications.reissue_refusal(nik, reason))  # the counter's rule after a handover
    if refusal and scope_desa and Application.select().where(
            (Application.nik == nik) & (Application.desa_code != scope_desa)).exists():
        return records.OUTSIDE_DESA_SCOPE  # another desa's villager: the same words whatever holds the NIK
    return refusal


def _numbering_refusal() -> str | None:
    return installation.numbering_refusal(database, current_app.config["DATABASE_PATH"])


# A counter PC holding another PC's backup holds its numbers until the admin says which PC it is; a NIK
# with a running application (or refused a reissue) is not pre-registered.
Side(on_desa_pc=False, applications_of=_desa_applications, bindable_desa=desa_list,
     number_refusal=_numbering_refusal, duplicate_check=_running_application).install(blueprint)
tie_to_applications(Application)


def _applications_moved(calls: list[tuple]) -> None:
    """The batch form of relay.application_moved: one query finds which of these applications were
    made of relayed forms; only their moves go through it, in order."""
    relayed = set(PreRegistration.select(PreRegistration.application).where(
        PreRegistration.application.in_(list({application.id for application, *_ in calls}))
        & (PreRegistration.relay_hash != "")).tuples())
    for application, from_status, to_status in calls:
        if (application.id,) in relayed:
            relay.application_moved(application, from_status, to_status)


add_transition_listener(relay.application_moved, _applications_moved)  # every step of an application made of a relayed form
applications.add_renumber_listener(relay.application_renumbered)  # its new number reaches the desa (issue 72)


def _duplicate_notice(application) -> list:
    """The application's page: a relayed form another counter PC accepted first, and its one action."""
    pre = next(iter(statements.rows(_duplicate_of, each_run=(application.id,))), None)
    if pre is None:
        return []
    note = without_fingerprints(pre.relay_note)  # a number the center named, among others
    if pre.relay_status == DUPLICATE_CLOSED:
        return [f"Duplikat, dibatalkan di PC ini. {note}"]
    return [Notice(f"{note} Tandai permohonan ini sebagai duplikat: ia ditutup di PC ini dan tidak "
                   "dikirim ke pusat.", url_for("desa.close_duplicate", pre_id=pre.id), "desa.close_duplicate",
                   "Tandai sebagai duplikat / batalkan di PC ini")]


def _duplicate_of():  # its SQL built once (app/frame/statements.py): every application's page asks it (issue 73)
    return (PreRegistration.select().where((PreRegistration.application == statements.each_run(0))
                                           & PreRegistration.relay_status.in_([DUPLICATE, DUPLICATE_CLOSED])).limit(1))


add_detail_notice(_duplicate_notice)
