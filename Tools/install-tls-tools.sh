#!/usr/bin/env bash
# Makes sure `openssl` (the HTTP/2 tests make their certificates with it) and `curl` (they read
# streams with `curl --http2` and `--http2-prior-knowledge`) are installed, with apt when missing.
# With CI=true, a tool that is still missing is an error, never a skipped test.
set -euo pipefail

missing=()
for tool in openssl curl; do
    command -v "$tool" >/dev/null 2>&1 || missing+=("$tool")
done
[ ${#missing[@]} -eq 0 ] && exit 0

echo "install-tls-tools.sh: installing ${missing[*]} for the HTTP/2 tests" >&2
sudo=""
if [ "$(id -u)" != 0 ]; then sudo="sudo"; fi
if ! { $sudo apt-get update -qq && DEBIAN_FRONTEND=noninteractive $sudo apt-get install -y -qq "${missing[@]}" >/dev/null; }; then
    echo "install-tls-tools.sh: could not install ${missing[*]}; the HTTP/2 tests will fail" >&2
    if [ "${CI:-}" = true ]; then exit 1; fi
fi
