"""The probe: is the center there, holding our key, before the scheduler starts a pass?"""
from app.frame.dates import utc_now
from sync.client import engine
from sync.client.link_down import LinkDown
from sync.client.models import SyncLink
from sync.client.transport import Refused


def probe(link: SyncLink) -> bool:
    """True only when the far end answered with our key (not a hotspot page or a dead link)."""
    try:
        engine.client_for(link, timeout=15).probe()
        ok, error = True, ""
    except (LinkDown, Refused) as problem:
        ok, error = False, str(problem)
        engine.note_refusal(link, problem)
    with engine.write_transaction():
        SyncLink.update(last_probe_at=utc_now(), last_probe_ok=int(ok),
                        **({} if ok else {"last_error": error})).where(SyncLink.id == link.id).execute()
    return ok
