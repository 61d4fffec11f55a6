#!/usr/bin/env bash
# The team's mutation check: mutmut (pinned in the test extra) on the working-day rules, the NIK
# rules, the IKM and the center's idempotent store path, against their own tests only
# ([tool.mutmut] in pyproject.toml). Usage: bash scripts/mutation.sh [max seconds, default 1200]
# Prints mutmut's results; the score is in docs/testing.md.
set -uo pipefail
cd "$(dirname "$0")/.."
LIMIT=${1:-1200}
[ -x .venv/bin/mutmut ] || bash scripts/test.sh --co -q tests/test_working_days.py >/dev/null  # creates .venv
rm -rf mutants
# test.sh's environment (PostgreSQL for the center tests) is reused when the caller exported it.
timeout "$LIMIT" .venv/bin/mutmut run --max-children 2
status=$?
.venv/bin/mutmut results 2>/dev/null | awk '{print $NF}' | sort | uniq -c
exit $status
