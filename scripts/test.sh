#!/usr/bin/env bash
# The one test command: bash scripts/test.sh [--fast] [pytest arguments]
#
#   bash scripts/test.sh --fast   the fast tier, after each change: every unit and page test, one
#                                 pass on two workers, `-m "not slow"` (slow: tests/conftest.py)
#   bash scripts/test.sh          the full tier, what CI runs (.ci/run): every test, in two passes
#   bash scripts/test.sh tests/x  the tests named, one pass
#
# Installs what the tests need when it is missing (virtualenv, Debian's
# Chromium and fonts, PostgreSQL, gammu-smsd), starts a throwaway PostgreSQL cluster,
# runs pytest and stops the cluster again. Fast when everything is present.
set -euo pipefail
cd "$(dirname "$0")/.."
ROOT=$PWD
VENV=$ROOT/.venv

say() { printf '[test.sh] %s\n' "$*" >&2; }
die() { say "ERROR: $*"; exit 1; }

as_root() {
    if [ "$(id -u)" = 0 ]; then "$@"; else sudo -n "$@"; fi
}

# --- Debian packages ------------------------------------------------------

is_installed() {
    dpkg-query -W -f='${Status}' "$1" 2>/dev/null | grep -q 'install ok installed'
}

apt_install() {
    say "installing with apt-get: $*"
    as_root env DEBIAN_FRONTEND=noninteractive apt-get update -qq
    as_root env DEBIAN_FRONTEND=noninteractive apt-get install -y -qq \
        --no-install-recommends "$@" >/dev/null
}

# A pg_ctl counts only if it runs and has initdb, postgres and createdb
# beside it (a stray /usr/local/bin/pg_ctl may be a dangling link or stub).
find_pg_bin() {
    local cand dir
    for cand in "$(command -v pg_ctl || true)" \
                $(ls -d /usr/lib/postgresql/*/bin/pg_ctl 2>/dev/null | sort -rV); do
        [ -n "$cand" ] || continue
        dir=$(dirname "$(readlink -f "$cand")")
        if "$dir/pg_ctl" --version >/dev/null 2>&1 \
           && "$dir/initdb" --version >/dev/null 2>&1 \
           && "$dir/postgres" --version >/dev/null 2>&1 \
           && [ -x "$dir/createdb" ]; then
            echo "$dir"
            return 0
        fi
    done
    return 1
}

ensure_system_packages() {
    local missing=()
    [ -x /usr/bin/chromium ] || missing+=(chromium)
    is_installed fonts-dejavu-core || missing+=(fonts-dejavu-core)
    find_pg_bin >/dev/null || missing+=(postgresql)
    # The SMS gateway the center writes to (issue 28); tests run it with its dummy phone.
    [ -x /usr/bin/gammu-smsd ] || missing+=(gammu-smsd)
    # The print checks read each printed word's position on the paper (pdftotext -bbox, issue 43).
    [ -x /usr/bin/pdftotext ] || missing+=(poppler-utils)
    # The power cut below the file system mounts a FUSE layer (libfuse 3 and fusermount3, issue 42).
    [ -x /usr/bin/fusermount3 ] && is_installed libfuse3-3 || missing+=(fuse3 libfuse3-3)
    # release build runs a candidate only inside a bubblewrap sandbox (issue 79).
    [ -x /usr/bin/bwrap ] || missing+=(bubblewrap)
    # A counter's Chromium trusts the office's own CA through its NSS database (certutil, issue 84).
    [ -x /usr/bin/certutil ] || missing+=(libnss3-tools)
    if [ ${#missing[@]} -gt 0 ]; then
        apt_install "${missing[@]}"
    fi
    [ -x /usr/bin/chromium ] || die "/usr/bin/chromium is still missing after apt-get"
}

# --- Python virtualenv ------------------------------------------------------

# The tests install the center's extra, whose strict photo decoder (simplejpeg) has wheels up to
# Python 3.14: with a newer python3 first on PATH (3.15 from python.org), use Debian's own.
center_python_ok() {
    "$1" -c 'import sys; sys.exit(not (3, 11) <= sys.version_info[:2] <= (3, 14))' 2>/dev/null
}

test_python() {
    if center_python_ok python3; then
        command -v python3
        return 0
    fi
    say "python3 is $(python3 --version 2>&1): the center's extra needs 3.11 to 3.14, using Debian's python3"
    if ! center_python_ok /usr/bin/python3 || ! /usr/bin/python3 -c 'import ensurepip' 2>/dev/null; then
        apt_install python3 python3-venv
    fi
    center_python_ok /usr/bin/python3 || die "no Python 3.11 to 3.14 found for the tests (Debian's python3 is $(/usr/bin/python3 --version 2>&1))"
    echo /usr/bin/python3
}

# The tests run on exactly the versions of the lock (scripts/lock.sh), the files pip checks against
# its sha256: the office's packages with the test and center extras. The project itself comes after,
# without dependencies (its own are all in the lock; tests/updates/test_lock.py checks that).
LOCK=requirements-dev.lock

# Recreate .venv when the test Python changed; reinstall only when pyproject.toml or the lock changed.
ensure_venv() {
    local stamp=$VENV/.loket-install-stamp want_python have_python want_stamp python
    python=$(test_python)
    want_python=$("$python" -c 'import sys; print(sys.version)')
    have_python=$("$VENV/bin/python" -c 'import sys; print(sys.version)' 2>/dev/null || true)
    if [ "$want_python" != "$have_python" ]; then
        say "creating virtualenv $VENV with $python"
        rm -rf "$VENV"
        "$python" -m venv "$VENV"
    fi
    want_stamp=$(cat pyproject.toml "$LOCK" | sha256sum | cut -d' ' -f1)
    if [ "$(cat "$stamp" 2>/dev/null)" != "$want_stamp" ]; then
        say "installing $LOCK (the office's packages, the test and center extras) and the project into .venv"
        rm -f "$stamp"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check --require-hashes -r "$LOCK"
        "$VENV/bin/python" -m pip install -q --disable-pip-version-check --no-deps -e .
        # apsw-sqlite3mc ships the same `apsw` module as plain apsw (an older install): drop
        # plain apsw, then lay the encrypting build's files down again (its lines of the lock).
        if "$VENV/bin/python" -m pip show -q apsw >/dev/null 2>&1; then
            "$VENV/bin/python" -m pip uninstall -y -q apsw
            awk '/^apsw-sqlite3mc==/ {on = 1} on {print} on && !/\\$/ {exit}' "$LOCK" >"$VENV/apsw-sqlite3mc.lock"
            "$VENV/bin/python" -m pip install -q --disable-pip-version-check --force-reinstall --no-deps \
                --require-hashes -r "$VENV/apsw-sqlite3mc.lock"
        fi
        echo "$want_stamp" >"$stamp"
    fi
}

# --- Throwaway PostgreSQL cluster --------------------------------------------

PG_DIR=""
PG_BIN=""
PG_PORT=""

# pg_ctl and initdb refuse to run as root: run them as the postgres user then.
as_pg() {
    if [ "$(id -u)" = 0 ]; then runuser -u postgres -- "$@"; else "$@"; fi
}

free_port() {
    "$VENV/bin/python" -c 'import socket; s = socket.socket(); s.bind(("127.0.0.1", 0)); print(s.getsockname()[1])'
}

stop_postgres() {
    [ -n "$PG_DIR" ] || return 0
    if [ -f "$PG_DIR/data/postmaster.pid" ]; then
        as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -m immediate -w stop >/dev/null 2>&1 || true
    fi
    rm -rf "$PG_DIR"
    PG_DIR=""
}

# A throwaway cluster needs no disk: use tmpfs when there is room (>= 512 MB, or the KB given).
cluster_parent() {
    local free_kb
    free_kb=$(df -Pk /dev/shm 2>/dev/null | awk 'NR==2 {print $4}')
    if [ -w /dev/shm ] && [ "${free_kb:-0}" -ge "${1:-524288}" ]; then
        echo /dev/shm
    else
        echo "${TMPDIR:-/tmp}"
    fi
}

# The tests' own folders (pytest's --basetemp) need no disk either (issue 93): every test's office
# commits with synchronous=FULL and writes its keys with fsync (app/frame/db.py, private_files.py),
# and on a disk shared with other programs each fsync waited 5-50 ms, a third of a page test. On
# tmpfs the same calls run and return at once; what a power cut loses is tested by the cut tests'
# own layers (tests/core/test_power_cut.py, test_fuse_power_cut.py), not by the disk under them.
# Used when 2 GB are free; a passed test's folder is removed at once (tmp_path_retention_policy,
# pyproject.toml), so the run holds only the folders of the tests running and of those that failed.
TEST_TEMP=""
make_test_temp() {
    TEST_TEMP=$(mktemp -d "$(cluster_parent 2097152)/loket-tests.XXXXXX")
    export LOKET_TEST_TEMP=$TEST_TEMP  # tests/support/test_environment.py checks where it is
}

stop_all() {
    stop_postgres
    [ -z "$TEST_TEMP" ] || rm -rf "$TEST_TEMP"
}

# initdb takes seconds; a fresh cluster is kept in .venv and copied on later runs.
init_cluster() {
    local data=$1 template=$VENV/pg-template key
    key=$("$PG_BIN/postgres" --version)
    if [ "$(cat "$template.key" 2>/dev/null)" = "$key" ] && [ -f "$template/PG_VERSION" ]; then
        cp -a "$template" "$data"
        if [ "$(id -u)" = 0 ]; then chown -R postgres: "$data"; fi
        return 0
    fi
    as_pg "$PG_BIN/initdb" -D "$data" -U postgres -A trust -E UTF8 \
        --locale=C.UTF-8 --no-sync >"$PG_DIR/initdb.log" 2>&1 \
        || { cat "$PG_DIR/initdb.log" >&2; die "initdb failed"; }
    rm -rf "$template" "$template.key"
    cp -a "$data" "$template" && echo "$key" >"$template.key"
}

start_postgres() {
    PG_BIN=$(find_pg_bin) || die "no working PostgreSQL (pg_ctl, initdb, postgres) found"
    if [ "$(id -u)" = 0 ] && ! id postgres >/dev/null 2>&1; then
        useradd --system --no-create-home --shell /bin/sh postgres
    fi
    PG_DIR=$(mktemp -d "$(cluster_parent)/loket-pg.XXXXXX")
    mkdir -p "$PG_DIR/sock"
    if [ "$(id -u)" = 0 ]; then chown -R postgres: "$PG_DIR"; fi

    init_cluster "$PG_DIR/data"

    # The free port may be taken before postgres binds it: try a few.
    local port attempt
    for attempt in 1 2 3; do
        port=$(free_port)
        if as_pg "$PG_BIN/pg_ctl" -D "$PG_DIR/data" -l "$PG_DIR/server.log" -w -t 30 \
            -o "-p $port -c listen_addresses=127.0.0.1 -k $PG_DIR/sock -c fsync=off -c synchronous_commit=off -c full_page_writes=off" \
            start >/dev/null; then
            "$PG_BIN/createdb" -h 127.0.0.1 -p "$port" -U postgres loket_test \
                || die "createdb loket_test failed"
            export LOKET_TEST_PG_URL="postgresql://postgres@127.0.0.1:$port/loket_test"
            PG_PORT=$port
            say "PostgreSQL $("$PG_BIN/postgres" --version | awk '{print $3}') on 127.0.0.1:$port"
            return 0
        fi
        say "PostgreSQL did not start on port $port (attempt $attempt)"
    done
    cat "$PG_DIR/server.log" >&2 || true
    die "could not start PostgreSQL"
}

# --- Main ---------------------------------------------------------------------

ensure_system_packages
ensure_venv

trap stop_all EXIT
trap 'exit 130' INT TERM
start_postgres
make_test_temp

export LOKET_CHROMIUM=/usr/bin/chromium
export LOKET_TEST_ARTIFACTS=$ROOT/test-artifacts
export PLAYWRIGHT_SKIP_BROWSER_DOWNLOAD=1
rm -rf "$LOKET_TEST_ARTIFACTS"
mkdir -p "$LOKET_TEST_ARTIFACTS"

# --- The Windows-like pass ----------------------------------------------------
#
# The office PCs run Windows: no system time-zone database (zoneinfo must use the tzdata
# package) and a console that is not UTF-8 (cp1252). The full tier runs a second pass with both
# simulated, concurrently with the normal pass (its own PostgreSQL database, temp folder and
# artifacts). A targeted run (test paths given) does one pass unless LOKET_WINDOWS_PASS=1 (or =only
# for that pass alone).
# What each pass runs (markers: tests/conftest.py), so that every test runs exactly once and CI
# stays inside its 25 minutes:
#   Windows-like pass  the fast tier (every unit and page test: each code path with the traps
#                      simulated) and the `windows_pass` tests (browser journeys, page walks, the
#                      office's killed restores and sync processes), not the tests on PostgreSQL
#                      (the center's database, on the regency's Linux server)
#   normal pass        the rest: the long walks and soaks (`slow` but not `windows_pass`) and the
#                      fast tests on PostgreSQL
# Each on two workers (pytest-xdist, a file each): four processes on two cores keep both busy while
# browsers and killed programs wait. The developer's fast tier (--fast) runs the unit and page
# tests the normal way.

fast=0
pytest_args=()
for arg in "$@"; do
    if [ "$arg" = --fast ]; then fast=1; else pytest_args+=("$arg"); fi
done
set -- ${pytest_args[@]+"${pytest_args[@]}"}
targeted=0
for arg in "$@"; do
    case "$arg" in -*) ;; *) targeted=1 ;; esac
done
windows_pass=${LOKET_WINDOWS_PASS:-$([ "$targeted" = 1 ] || [ "$fast" = 1 ] && echo 0 || echo 1)}
# Two workers (pytest-xdist), a test file each at a time, each with its own PostgreSQL database
# (made for any run: a targeted one may pass -n 2 too).
two_workers=(-n 2 --dist loadfile)
for worker in gw0 gw1; do
    "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "loket_test_$worker" \
        || die "createdb loket_test_$worker failed"
done
if [ "$fast" = 1 ]; then
    say "fast tier: every test not marked slow, one pass on two workers (the full tier: bash scripts/test.sh)"
    set -- -m "not slow" "${two_workers[@]}" "$@"
fi

run_windows_like() {
    local zones
    zones=$(mktemp -d "${TMPDIR:-/tmp}/loket-tanpa-zona.XXXXXX")  # an empty zone folder
    local database
    for database in loket_test_win loket_test_win_gw0 loket_test_win_gw1; do
        "$PG_BIN/createdb" -h 127.0.0.1 -p "$PG_PORT" -U postgres "$database" \
            || { say "createdb $database failed"; return 1; }
    done
    env PYTHONTZPATH="$zones" PYTHONIOENCODING=cp1252 PYTHONUTF8=0 \
        LOKET_TEST_PG_URL="postgresql://postgres@127.0.0.1:$PG_PORT/loket_test_win" \
        LOKET_TEST_ARTIFACTS="$LOKET_TEST_ARTIFACTS/windows-like" \
        "$VENV/bin/python" -m pytest -p no:cacheprovider --basetemp="$TEST_TEMP/windows-like" "$@"
    local rc=$?
    rm -rf "$zones" "$TEST_TEMP/windows-like"
    return "$rc"
}

# The full tier lints first (pyflakes and bugbear rules; [tool.ruff] in pyproject.toml): seconds.
if [ "$targeted" = 0 ] && [ "$fast" = 0 ]; then
    say "ruff check app sync tests bench scripts run.py"
    "$VENV/bin/ruff" check app sync tests bench scripts run.py || die "ruff found problems (above)"
fi

# The full tier also checks that every pinned dependency installs from wheels on each supported
# Python and platform (asks PyPI; seconds from uv's cache), so a new Python that a pin lacks is
# caught the day it matters.
# It asks the network while the tests use the cores: it runs beside them, its lines shown at the end.
wheels_pid=""
if [ "$targeted" = 0 ] && [ "$fast" = 0 ]; then
    "$VENV/bin/python" scripts/check_wheels.py >"$LOKET_TEST_ARTIFACTS/check_wheels.log" 2>&1 &
    wheels_pid=$!
fi

set +e
if [ "$windows_pass" = only ]; then
    say "Windows-like pass only (PYTHONTZPATH empty, cp1252 console)"
    mkdir -p "$LOKET_TEST_ARTIFACTS/windows-like"
    run_windows_like -m "not soak and not on_postgresql" "$@"
    rc=$?
elif [ "$windows_pass" = 1 ]; then
    mkdir -p "$LOKET_TEST_ARTIFACTS/windows-like"
    say "two passes at once: normal, and Windows-like (log: $LOKET_TEST_ARTIFACTS/windows-like.log)"
    started=$SECONDS
    # Each test's time, per pass (JUnit XML): what to shorten when the run nears its 25 minutes.
    run_windows_like -m "(windows_pass or not slow) and not on_postgresql" "${two_workers[@]}" \
        --junitxml="$LOKET_TEST_ARTIFACTS/windows-like.xml" "$@" >"$LOKET_TEST_ARTIFACTS/windows-like.log" 2>&1 &
    windows_pid=$!
    "$VENV/bin/python" -m pytest -m "not windows_pass and (slow or on_postgresql)" "${two_workers[@]}" \
        --junitxml="$LOKET_TEST_ARTIFACTS/normal.xml" "$@"
    rc=$?
    wait "$windows_pid"
    windows_rc=$?
    say "Windows-like pass (PYTHONTZPATH empty, cp1252 console), last lines of its log:"
    tail -n 15 "$LOKET_TEST_ARTIFACTS/windows-like.log" >&2
    # A failure's message can be longer than the tail (a browser check prints the page): name the tests.
    if grep -E '^(FAILED|ERROR) ' "$LOKET_TEST_ARTIFACTS/windows-like.log" | cut -c1-300 >&2; then
        say "the Windows-like pass's failures are named above; the whole log: $LOKET_TEST_ARTIFACTS/windows-like.log"
    fi
    say "both passes took $((SECONDS - started)) s; normal pass exit $rc, Windows-like pass exit $windows_rc"
    if [ "$rc" = 0 ] && [ "$windows_rc" != 0 ]; then rc=$windows_rc; fi
else
    # The fast tier and the tests named: their folders on tmpfs (make_test_temp), unless told where.
    basetemp=(--basetemp="$TEST_TEMP/tests")
    for arg in "$@"; do
        case "$arg" in --basetemp*) basetemp=() ;; esac
    done
    "$VENV/bin/python" -m pytest ${basetemp[@]+"${basetemp[@]}"} "$@"
    rc=$?
fi
set -e
if [ "$rc" = 5 ]; then
    say "pytest collected no tests: counting that as a failure"
    rc=1
fi
if [ -n "$wheels_pid" ]; then
    wheels_rc=0
    wait "$wheels_pid" || wheels_rc=$?
    say "wheels of every pin for each supported Python (scripts/check_wheels.py):"
    grep -v '^ok ' "$LOKET_TEST_ARTIFACTS/check_wheels.log" >&2 || true
    if [ "$rc" = 0 ] && [ "$wheels_rc" != 0 ]; then rc=$wheels_rc; fi
fi
exit "$rc"
