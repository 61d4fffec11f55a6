#!/usr/bin/env bash
# The mutation check: mutmut (pinned in the test extra) on the rule modules, each against the tests
# of its rules only ([tool.mutmut] in pyproject.toml). Usage: bash scripts/mutation.sh [max seconds,
# default 1800] [mutant name globs, e.g. "app.figures.tallies*"; default all]. MUTATION_CHILDREN sets
# mutmut's --max-children (default 2; 1 on a machine others share). MUTATION_KEEP=1 keeps mutants/
# (the test map and earlier results) so a run module by module adds to the last one. Prints the count
# of mutants per module and result; when the time ran out first it says so: the counts are then
# partial ("not checked" = not run yet), not a score.
set -uo pipefail
cd "$(dirname "$0")/.."
LIMIT=${1:-1800}
shift $(( $# > 0 ? 1 : 0 ))
CHILDREN=${MUTATION_CHILDREN:-2}
[ -x .venv/bin/mutmut ] || bash scripts/test.sh --co -q tests/test_working_days.py >/dev/null  # creates .venv
[ "${MUTATION_KEEP:-0}" = 1 ] || rm -rf mutants
started=$SECONDS
# test.sh's environment (PostgreSQL for the center tests) is reused when the caller exported it.
timeout "$LIMIT" .venv/bin/mutmut run --max-children "$CHILDREN" "$@"
status=$?
what=${*:-all mutants}; [ ${#what} -le 200 ] || what="$# mutant names or globs"
echo "mutation run: $(date -u '+%Y-%m-%d %H:%M UTC'), $((SECONDS - started)) s, $what, $CHILDREN children, mutmut $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("mutmut"))')"
# Per module: mutant names are module.x_function__mutmut_N; the result is the last word of each line.
.venv/bin/mutmut results --all true 2>/dev/null | awk -F': ' 'NF == 2 {
        name = $1; sub(/^ +/, "", name); sub(/\.x.*$/, "", name); sub(/\.x.*$/, "", name)
        count[name " " $2]++ } END { for (k in count) print count[k], k }' | sort -k2,2 -k1,1nr
if [ "$status" = 124 ]; then
    echo "CUT SHORT: the run reached its limit of $LIMIT s; the counts above are partial (\"not checked\" were never run)."
elif [ "$status" != 0 ]; then
    echo "mutmut stopped with exit status $status: the counts above may be partial."
fi
exit $status
