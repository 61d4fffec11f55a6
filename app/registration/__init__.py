"""KTP-el applications at the counter: intake, checks, photo, status to handover, working-day service time."""
from app.registration.views import MENU, blueprint, dashboard_cards  # noqa: F401
from app.registration import collective_views  # noqa: F401  (routes on the same blueprint)
from app.registration.demo import add_demo_arguments, fill_demo  # noqa: F401
from app.registration import sync_records  # noqa: F401  (plugs applications into the sync outbox)

from app.frame.audit_sentences import describe_entity  # noqa: E402
from app.registration.status import STATUS_LABELS  # noqa: E402


def _registration_numbers(ids):
    from app.registration.models import Application
    numeric = [int(i) for i in ids if str(i).isdigit() and len(str(i)) < 19]
    return {str(a.id): a.registration_number for a in
            Application.select(Application.id, Application.registration_number).where(Application.id.in_(numeric))}


describe_entity("permohonan_ktp", "permohonan", _registration_numbers,
                      {"status": {status.value: label for status, label in STATUS_LABELS.items()}})


from app.frame.office_calendar import add_decree_listener  # noqa: E402
from app.registration.records import recompute_promises as _recompute_promises  # noqa: E402

add_decree_listener(_recompute_promises)  # a year's SKB entered: open promises counted again
