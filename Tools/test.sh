#!/usr/bin/env bash
# Runs the whole test suite: installs what the tests need, builds every product (the
# integration tests run the built executables), then `swift test`.
# With CI=true, a missing prerequisite is an error, never a skipped test.
set -euo pipefail
cd "$(dirname "$0")/.."

# Headless Chromium for IntegrationTests' browser test (Debian's `chromium` package).
if ! command -v chromium >/dev/null 2>&1 && [ -z "${CHROMIUM:-}" ]; then
    echo "test.sh: installing chromium for the browser test" >&2
    sudo=""
    if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
    if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq chromium >/dev/null; }; then
        echo "test.sh: could not install chromium; the browser test will fail" >&2
        if [ "${CI:-}" = true ]; then exit 1; fi
    fi
fi

# openssl and curl for HTTP2Tests (certificates made at run time; curl over HTTP/2).
bash Tools/install-tls-tools.sh
# A throwaway PostgreSQL server for the PostgreSQL tests (SSE_POSTGRES_URL), removed at exit.
if [ -z "${SSE_POSTGRES_URL:-}" ]; then
    pg_env=$(Tools/postgres-cluster.sh start) || [ "${CI:-}" != true ] || exit 1
    eval "${pg_env:-}"; trap '[ -z "${SSE_POSTGRES_DIR:-}" ] || Tools/postgres-cluster.sh stop "$SSE_POSTGRES_DIR"' EXIT
fi

# The products' dependency arrows (CONTRIBUTING.md): a client never compiles a server, and so on.
python3 Tools/dependency-arrows.py >/dev/null

# Build everything first, tests included (the integration tests run the built executables);
# the arguments are passed to both steps, except the test-only --filter/--skip and their values.
test_args=("$@")
build_args=()
while [ $# -gt 0 ]; do
    case "$1" in
        --filter|--skip) shift 2; continue ;;
        --filter=*|--skip=*) shift; continue ;;
    esac
    build_args+=("$1")
    shift
done
swift build --build-tests ${build_args[@]+"${build_args[@]}"}

# The tests run under a deadline (SSE_TEST_DEADLINE seconds; they take about a minute here).
# A test stuck in a wait that ignores cancellation cannot be ended by swift-testing's
# `.timeLimit`, and would hang the run until CI's own limit with nothing to show. Instead the
# run fails, after printing the stuck processes' thread stacks (when gdb is installed).
deadline=${SSE_TEST_DEADLINE:-900}
swift test --skip-build ${test_args[@]+"${test_args[@]}"} &
tests=$!
(
    # Plain `sleep` and `wait`, for the bash 3.2 of macOS too; the timer's output is closed so
    # that it never holds CI's output pipe open.
    timer=
    trap 'kill "$timer" 2>/dev/null; exit 0' TERM
    sleep "$deadline" >/dev/null 2>&1 &
    timer=$!
    wait "$timer"
    echo "test.sh: the tests did not finish within ${deadline} s (SSE_TEST_DEADLINE); failing the run" >&2
    for pid in $(pgrep -P "$tests"); do
        if command -v gdb >/dev/null 2>&1; then
            echo "test.sh: thread stacks of process $pid:" >&2
            gdb -p "$pid" -batch -ex "thread apply all bt 30" >&2 2>/dev/null || true
        fi
        kill -KILL "$pid" 2>/dev/null || true
    done
    kill "$tests" 2>/dev/null || true
    exit 1
) &
watchdog=$!
status=0
wait "$tests" || status=$?
# The watchdog exits 1 only when the deadline passed, whatever `swift test` then returned.
kill "$watchdog" 2>/dev/null || true
wait "$watchdog" 2>/dev/null || status=1
exit "$status"
