"""The very first start: an admin account with a one-time password, never a fixed default."""
from app.auth.accounts import create_user
from app.auth.models import User
from app.frame.roles import ADMIN
from app.frame import audit, store
from app.frame.db import database
from app.frame import regions

DEMO_KECAMATAN = "35.08.07"  # Yosowilangun, Kabupaten Lumajang (shared/data/README.md): demo and tests only


def ensure_admin() -> str | None:
    """Create the admin account when there are no users; returns its one-time password."""
    if User.select().exists():
        return None
    _, password = create_user("admin", "Administrator", ADMIN, must_change_password=True)
    return password


def seed_identity(code: str) -> None:
    """Fill the office identity from the region list when it is still empty (`run.py demo`, tests).
    A real install gets no identity here: the admin chooses the kecamatan in the setup page."""
    if store.get("kecamatan_code"):
        return
    above = {r.level: r.name for r in regions.parents(code)}
    with audit.without_trail("the demo's and the tests' office, set by no one"), database.atomic():
        store.put("kecamatan_code", code)
        store.put("kecamatan_name", regions.region_name(code))
        store.put("kabupaten_name", above.get("kabupaten", ""))
        store.put("provinsi_name", above.get("provinsi", ""))
        store.put("timezone", regions.zone_of(code) or store.get("timezone"))
