#!/usr/bin/env bash
# The mutation check: mutmut (pinned in the test extra) on the rule and guard modules, each against the
# tests of its rules only ([tool.mutmut] in pyproject.toml). Usage: bash scripts/mutation.sh [max seconds,
# default 1800] [mutant name globs, e.g. "app.figures.tallies*"; default the scope below]. MUTATION_CHILDREN
# sets mutmut's --max-children (default 2; 1 on a machine others share). MUTATION_KEEP=1 keeps mutants/
# (the test map and earlier results) so a run module by module adds to the last one, and a run without
# globs goes on with the mutants not run yet (mutmut runs again every one a glob names). Prints the count
# of mutants per module and result, in the scope; when the time ran out first it says so: the counts are
# then partial ("not checked" = not run yet), not a score.
set -uo pipefail
cd "$(dirname "$0")/.."
LIMIT=${1:-1800}
shift $(( $# > 0 ? 1 : 0 ))
CHILDREN=${MUTATION_CHILDREN:-2}
[ -x .venv/bin/mutmut ] || bash scripts/test.sh --co -q tests/test_working_days.py >/dev/null  # creates .venv
[ "${MUTATION_KEEP:-0}" = 1 ] || rm -rf mutants
# The scope: every function of each module in source_paths, except the modules named in PARTS, of which
# only the functions listed (mutmut mutates whole files; these globs pick what is run and counted). Of the
# center's records, the answer to a received application (stored, duplicate, conflict, rejected, retry);
# of the relay, its answers to a desa PC's forms and to a counter's statuses of them (docs/testing.md).
SCOPE=$(.venv/bin/python - <<'EOF'
import tomllib
PARTS = {
    "sync.center.records": ["xǁOutcomeǁas_json", "x_photo_check", "x_validate_item", "x_record_problem",
                            "x_version_events", "x__existing_outcome", "x_applicant_in_the_making_elsewhere",
                            "x__in_the_making_refusal", "x_store_application", "x_restore_packet_item",
                            "x_store_restored", "x_store_packet_item", "x_store_packet_items", "x_answer_manifest"],
    "sync.center.relay": ["x_allowed", "x__store_whole", "x__header_basics", "x__pre_registration_problem",
                          "x_store_pre_registration", "x__manifest", "x__installation_devices",
                          "x_winning_acceptance", "x_accepted_elsewhere", "x_store_status"],
}
with open("pyproject.toml", "rb") as f:
    paths = tomllib.load(f)["tool"]["mutmut"]["source_paths"]
for path in paths:
    module = path.removesuffix(".py").replace("/", ".")
    for function in PARTS.get(module, ["x*"]):
        print(f"{module}.{function}" + ("" if function.endswith("*") else "__mutmut_*"))
EOF
)
[ -n "$SCOPE" ] || { echo "mutation.sh: no scope read from [tool.mutmut] source_paths" >&2; exit 2; }
if [ $# -eq 0 ] && [ "${MUTATION_KEEP:-0}" = 1 ] && [ -d mutants ]; then
    # mutmut runs again every mutant a name or glob matches: go on with those of the scope not run yet.
    mapfile -t GLOBS < <(.venv/bin/mutmut results --all true 2>/dev/null | SCOPE=$SCOPE .venv/bin/python -c '
import fnmatch, os, sys
scope = os.environ["SCOPE"].split()
for line in sys.stdin:
    name, _, result = line.strip().partition(": ")
    if result == "not checked" and any(fnmatch.fnmatchcase(name, glob) for glob in scope):
        print(name)')
    [ ${#GLOBS[@]} -gt 0 ] || { echo "mutation.sh: every mutant of the scope has its result (mutmut results)"; exit 0; }
    set -- "${GLOBS[@]}"; what="the scope's $# mutants not run yet"
elif [ $# -eq 0 ]; then mapfile -t GLOBS <<< "$SCOPE"; set -- "${GLOBS[@]}"; what="the scope ($# globs)"
else what=$*; [ ${#what} -le 200 ] || what="$# mutant names or globs"; fi
started=$SECONDS
# test.sh's environment (PostgreSQL for the center tests) is reused when the caller exported it.
timeout "$LIMIT" .venv/bin/mutmut run --max-children "$CHILDREN" "$@"
status=$?
echo "mutation run: $(date -u '+%Y-%m-%d %H:%M UTC'), $((SECONDS - started)) s, $what, $CHILDREN children, mutmut $(.venv/bin/python -c 'import importlib.metadata as m; print(m.version("mutmut"))')"
# Per module, the mutants in the scope: names are module.x_function__mutmut_N, the result the last word.
.venv/bin/mutmut results --all true 2>/dev/null | SCOPE=$SCOPE .venv/bin/python -c '
import collections, fnmatch, os, sys
scope = os.environ["SCOPE"].split()
count = collections.Counter()
for line in sys.stdin:
    name, _, result = line.strip().partition(": ")
    if result and any(fnmatch.fnmatchcase(name, glob) for glob in scope):
        count[name.split(".x", 1)[0], result] += 1
for (module, result), n in sorted(count.items(), key=lambda item: (item[0][0], -item[1])):
    print(n, module, result)'
if [ "$status" = 124 ]; then
    echo "CUT SHORT: the run reached its limit of $LIMIT s; the counts above are partial (\"not checked\" were never run)."
elif [ "$status" != 0 ]; then
    echo "mutmut stopped with exit status $status: the counts above may be partial."
fi
exit $status
