#!/usr/bin/env bash
# Runs the whole test suite under ThreadSanitizer in its own scratch folder (.build-tsan), so it
# never rebuilds the ordinary debug build. Slow: everything, SwiftNIO included, is rebuilt with
# instrumentation, and instrumented tests run several times slower.
#
#   Tools/tsan.sh [swift test arguments...]     e.g. Tools/tsan.sh --filter SSEServerTests
#
# Tests run one at a time (--no-parallel): instrumented, the parallel suite is so slow on two cores
# that tests' wall-clock deadlines (the embedded server's 10 s request timeout among them) pass
# before the work is done, which reports timeouts, not races. One at a time, the whole suite
# (290 tests) passes with no report in about 9 minutes including the build.
#
# TSAN_OPTIONS defaults to halt_on_error=0 so one run reports every race; each report names the
# two accesses with file and line. The exit status is swift test's: a reported race fails the
# run (TSan exits non-zero at the end).
set -euo pipefail
cd "$(dirname "$0")/.."
export TSAN_OPTIONS="${TSAN_OPTIONS:-halt_on_error=0 second_deadlock_stack=1}"
exec swift test --sanitize=thread --scratch-path .build-tsan --no-parallel "$@"
