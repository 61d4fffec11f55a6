"""docs/desa.md said a pre-registration is valid 14 days; the app gives 10 working days (issue 43)."""
import re
from pathlib import Path

from app.desa import records  # noqa: F401  (registers the setting's default)
from app.frame import store

DOCS = Path(__file__).resolve().parents[2] / "docs" / "desa.md"


def test_the_validity_in_the_docs_is_the_apps_default():
    text = " ".join(DOCS.read_text(encoding="utf-8").split())
    said = re.search(r"Masa berlaku pra-pendaftaran\*\* \(admin setting on the Operator Desa page, default (\d+) (\w+ \w+)",
                     text)
    assert said is not None
    assert (int(said.group(1)), said.group(2)) == (store.DEFAULTS["pre_registration_days"], "working days")
