"""The rule "every write its trail" is one copy for the office and the center (app/frame/audit_rule.py):
the center's guard was a second copy of the office's, free to drift from it. How each program sees a
commit's tables stays its own (apsw's hooks at the office; SQLite and PostgreSQL at the center)."""
import subprocess
import sys

from app.frame import audit
from app.frame.audit_rule import TrailRule
from sync.center import trail
from tests.core.test_one_copy_of_each_rule import ROOT, product_lines


def test_the_trail_rule_is_written_once():
    for pattern in (r'path\.name == "demo\.py"', r'startswith\(\(?"sqlite_"', r"_declared\.tables = "):
        assert {line.split(":")[0] for line in product_lines(pattern)} == {"app/frame/audit_rule.py"}, pattern
    assert isinstance(audit.RULE, TrailRule) and isinstance(trail.RULE, TrailRule)


def test_each_program_keeps_its_own_tables_and_declarations():
    assert audit.untrailed({"throttle_hit", "application"}) == ["application"]
    assert trail.untrailed({"used_nonce", "operator"}) == ["operator"]
    assert audit.untrailed({"used_nonce"}) == ["used_nonce"] and trail.untrailed({"sync_outbox"}) == ["sync_outbox"]
    with trail.no_ones_act("the center's declaration"):  # covers the center's writes only
        assert trail.untrailed({"operator"}) == [] and audit.untrailed({"application"}) == ["application"]
    with audit.without_trail("the office's declaration"):
        assert audit.untrailed({"application"}) == [] and trail.untrailed({"operator"}) == ["operator"]


def test_the_office_takes_the_rule_without_the_centers_modules():
    code = ("import sys; import app.frame.audit, app.frame.audit_rule; "
            "print(sorted(m for m in sys.modules if m == 'sync' or m.startswith('sync.')))")
    shown = subprocess.run([sys.executable, "-c", code], cwd=ROOT, capture_output=True, text=True, check=True)
    assert shown.stdout.strip() == "[]"
