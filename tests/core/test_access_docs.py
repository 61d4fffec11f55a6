"""docs/access.md is the access tables as they are (regenerate: python scripts/access_docs.py)."""
from pathlib import Path

from scripts.access_docs import PAGE, render


def test_access_page_matches_the_tables():
    assert PAGE.read_text(encoding="utf-8") == render(), "run: python scripts/access_docs.py"


def test_the_page_names_every_route_of_every_table():
    from app.policy import DESA_PC_POLICY, POLICY
    from sync.center.policy import POLICY as CENTER_POLICY
    page = Path(PAGE).read_text(encoding="utf-8")
    assert "## Komputer desa" in page
    for endpoint in [*POLICY.by_endpoint, *DESA_PC_POLICY.by_endpoint, *CENTER_POLICY.by_endpoint]:
        assert f"`{endpoint}`" in page
