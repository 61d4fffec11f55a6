"""The desa capability's blueprint, its menu and card, and what its pages share (scope, lookup).

The pages are split by audience, each module adding its routes to this blueprint: the desa operator
(operator_views.py, on the desa PC or at the kecamatan), the counter's queue at the kecamatan
(counter_views.py) and the admin of the desa operators and desa PCs (admin_views.py).
"""
from flask import Blueprint, url_for
from playhouse.flask_utils import get_object_or_404

from app.frame.access import may
from app.capabilities import Card, MenuItem
from app.desa import records
from app.desa.models import PreRegistration
from app.desa.scope import check_in_scope, current_scope
from app.frame.places import desa_list, desa_names

blueprint = Blueprint("desa", __name__)


def _waiting_count(user) -> int:
    return records.waiting_count()


MENU = [
    MenuItem("Pra-pendaftaran Desa", "desa.home", order=5),
    MenuItem("Isi Formulir F-1.07", "desa.new", order=6),
    MenuItem("Antrean Pra-pendaftaran", "desa.queue", order=13, badge=_waiting_count),
    MenuItem("Operator Desa", "desa.operators", order=91),
]


def _scoped(query, model):
    scope = current_scope()
    return query if scope is None else query.where(model.desa_code.in_(scope))


def _scope_desa():
    """The desa regions the signed-in account may choose (a desa operator: theirs; staff: all)."""
    scope = current_scope()
    return [r for r in desa_list() if scope is None or r.code in scope]


def _pre_or_404(pre_id: int) -> PreRegistration:
    pre = get_object_or_404(PreRegistration, PreRegistration.id == pre_id)
    check_in_scope(pre.desa_code)
    return pre


def _annotate(pres):
    names, today = desa_names(), records.today()
    for pre in pres:
        pre.desa_name = names.get(pre.desa_code, pre.desa_code)
        pre.status_label = records.status_label(pre, today)
        pre.refusal = records.refusal_reason(pre)
        pre.expired = records.is_expired(pre, today)
    return pres


def dashboard_cards(user) -> list[Card]:
    if not may(user, "desa.kartu_antrian"):
        return []
    waiting = _waiting_count(user)
    return [Card("Pra-pendaftaran dari desa", str(waiting), "menunggu diterima di loket",
                 url_for("desa.queue"), "warn" if waiting else "info")]
