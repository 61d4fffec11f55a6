#!/usr/bin/env bash
# Regenerates the three dependency locks from pyproject.toml (issue 69 finding 3: tested is shipped).
#
#   bash scripts/lock.sh              after changing a pin in pyproject.toml (keeps every other version)
#   bash scripts/lock.sh --upgrade    every package not pinned in pyproject.toml to its newest version
#
# requirements-dev.lock                   what CI installs (scripts/test.sh): the office's packages,
#                                         the `test` and the `center` extras
# app/frame/data/requirements-office.lock what an office installs (README) and what `release build`
#                                         gathers: the office's packages alone, the versions of the
#                                         dev lock (its constraint), shipped inside the release wheel
# requirements-center.lock                the center's install (docs/operations.md): the office's
#                                         packages and the `center` extra, the dev lock's versions
#
# Both are universal (every Python from 3.11, Windows and Linux: the markers choose) with the
# sha256 of every file, made by uv (the test extra's pinned version). pip installs them with
# --require-hashes; tests/updates/test_lock.py fails when pyproject.toml and the locks disagree.
set -euo pipefail
cd "$(dirname "$0")/.."
UV=.venv/bin/uv
[ -x "$UV" ] || { echo "scripts/lock.sh: $UV is missing: run bash scripts/test.sh once (it installs the test extra)" >&2; exit 1; }
compile=("$UV" pip compile --quiet --universal --generate-hashes --python-version 3.11
         --custom-compile-command "bash scripts/lock.sh" "$@" pyproject.toml)
"${compile[@]}" --extra test --extra center --output-file requirements-dev.lock
"${compile[@]}" --constraints requirements-dev.lock --output-file app/frame/data/requirements-office.lock
"${compile[@]}" --extra center --constraints requirements-dev.lock --output-file requirements-center.lock
echo "scripts/lock.sh: requirements-dev.lock, app/frame/data/requirements-office.lock and requirements-center.lock written" >&2
