"""What the desa's pages share (scope, lookup) and what each program gives them (`Side`).

The pages are split by audience, each module collecting its routes (app/frame/routes.py): the desa
operator (operator_views.py, on the desa PC or at the kecamatan), the counter's queue at the kecamatan
(counter_views.py) and the admin of the desa operators and desa PCs (admin_views.py). Each program's
capability (app/desa/kecamatan.py, app/desa/pc.py) puts the ones it shows on its own blueprint.
"""
from collections.abc import Callable
from dataclasses import dataclass

from flask import current_app, g
from playhouse.flask_utils import get_object_or_404

from app.capabilities import MenuItem
from app.desa import records
from app.desa.models import PreRegistration
from app.desa.scope import check_in_scope, current_scope
from app.frame.places import desa_list, desa_names

# The desa operator's entries and the admin's, in both programs.
OPERATOR_MENU = [MenuItem("Pra-pendaftaran Desa", "desa.home", order=5),
                 MenuItem("Isi Formulir F-1.07", "desa.new", order=6)]
ADMIN_MENU = [MenuItem("Operator Desa", "desa.operators", order=91)]


@dataclass(frozen=True)
class Side:
    """What the shared pages take from the program that shows them (its capability installs it as
    app.extensions["desa_side"]): the pages are the same, the data behind them is not."""
    on_desa_pc: bool  # the admin's page: the PC's own desa and enrolment, or the kecamatan's desa PCs
    applications_of: Callable[[str], list]  # a desa's cards in progress, 'Siap diambil' first
    bindable_desa: Callable[[], list]  # the desa an admin may bind operators to
    # What only one program does with the shared records (app/desa/records.py reads them from the app):
    number_refusal: Callable[[], str | None] = lambda: None  # why this PC may not number a form now
    # What else holds a NIK (nik, reason, the desa the asker is limited to or None): the refusal's words
    duplicate_check: Callable[[str, str | None, str | None], str | None] = lambda nik, reason, scope: None
    queue_form: Callable[[PreRegistration], None] = lambda pre: None  # a new form's way to the kecamatan
    health_cards: Callable[[object], list] = lambda user: []  # the PC's own health on its landing pages

    def install(self, blueprint) -> None:
        blueprint.record_once(lambda state: state.app.extensions.__setitem__("desa_side", self))
        # templates/_health_cards.html, on the desa pages both programs show
        blueprint.app_template_global("desa_pc_health_cards")(lambda: self.health_cards(g.get("user")))


def side() -> Side:
    return current_app.extensions["desa_side"]


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
