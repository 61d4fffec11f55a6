"""Write docs/access.md from the access tables (app/policy.py: the kecamatan's and the desa PC's; sync/center/policy.py).

    python scripts/access_docs.py          # rewrite the page
tests/core/test_access_docs.py fails when the page and the tables differ.
"""
import sys
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PAGE = ROOT / "docs" / "access.md"


def render() -> str:
    sys.path.insert(0, str(ROOT))
    from app.policy import DESA_PC_POLICY, POLICY
    from sync.center.policy import POLICY as CENTER_POLICY
    return ("# Siapa boleh apa (access policy)\n\n"
            "Generated from `app/policy.py` and `sync/center/policy.py` by `python scripts/access_docs.py`;\n"
            "do not edit by hand. Each route takes its rule from these tables, and\n"
            "`tests/core/test_access_matrix.py` walks every route with every role through real requests\n"
            "against them. To change who may do something, change the mark in the table (x allowed,\n"
            "- not), run the script, and commit both; a new role is a new column.\n\n"
            "What is decided inside a page (a card, a button, a step, whose records are seen) has its own\n"
            "rows below each table: code asks `may(user, key)` and never compares roles itself; a query\n"
            "that picks accounts picks those a row marks (`User.role.in_(roles_with(key))`, e.g. the demo's\n"
            "Camat is whoever may approve the recap); `tests/core/test_role_decisions.py` scans the code\n"
            "and templates for both. A row-level rule is a named predicate, the one function that reads its\n"
            "row (e.g. who sees a confidential complaint: `app.complaints.privacy.may_see_record`).\n\n"
            "Contents: [Kantor kecamatan](#kantor-kecamatan) · [Komputer desa](#komputer-desa-mode-desa) ·\n"
            "[Pusat cetak](#pusat-cetak-kabupaten)\n\n"
            "## Kantor kecamatan\n\n" + POLICY.markdown()
            + "\n## Komputer desa (mode desa)\n\n" + DESA_PC_POLICY.markdown()
            + "\n## Pusat cetak (kabupaten)\n\n" + CENTER_POLICY.markdown())


if __name__ == "__main__":
    PAGE.write_text(render(), encoding="utf-8")
    print(f"ditulis: {PAGE.relative_to(ROOT)}")
