#!/usr/bin/env bash
# The test suite: in TEST_WORKERS processes (pytest-xdist, each on a test database of its own), then
# the tests marked `serial` (they restart the database server under everyone's feet) alone.
# Arguments go to both runs:  scripts/test-suite.sh -k ballot
set -uo pipefail
python=${PYTHON:-.venv/bin/python}
"$python" -m pytest -n "${TEST_WORKERS:-2}" -m "not serial" "$@" || exit $?
"$python" -m pytest -m serial "$@"
status=$?
if [ "$status" = 5 ]; then exit 0; fi   # no serial test among those selected (pytest's "no tests ran")
exit "$status"
