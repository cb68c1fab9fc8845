#!/usr/bin/env bash
# Builds the EventStreamDecoder fuzzer (libFuzzer with AddressSanitizer, in the nested package
# Tools/Fuzz) and runs it: every input is decoded by the real decoder, fed whole and in chunks,
# and by the reference model from Tests/SSETestSupport; any difference or memory error stops the
# run and leaves the input in .build-fuzz/artifacts/.
#
#   Tools/fuzz.sh [SECONDS] [libFuzzer flags...]     run for SECONDS (default 60)
#   Tools/fuzz.sh 0 .build-fuzz/artifacts/crash-...   replay one saved input
#
# New inputs go to .build-fuzz/corpus (ignored by git); the committed seeds in Tools/Fuzz/Corpus
# are read but never changed (regenerate them with .build-fuzz/release/WriteSeedCorpus FOLDER).
# Linux or macOS with a Swift toolchain that ships libFuzzer (swift.org toolchains do).
set -euo pipefail
cd "$(dirname "$0")/.."

seconds="${1:-60}"
if [ $# -gt 0 ]; then shift; fi
scratch=.build-fuzz

mkdir -p "$scratch"
# The log keeps the linker's hundreds of harmless "Cannot export local symbol" warnings out of sight.
if ! swift build -c release --package-path Tools/Fuzz --scratch-path "$scratch" \
    -Xswiftc -sanitize=fuzzer,address >"$scratch/build.log" 2>&1; then
    grep -v "Cannot export local symbol" "$scratch/build.log" >&2
    exit 1
fi
fuzzer="$scratch/release/DecoderFuzz"

if [ "$seconds" = 0 ]; then
    exec "$fuzzer" "$@"
fi
mkdir -p "$scratch/corpus" "$scratch/artifacts"
exec "$fuzzer" "$scratch/corpus" Tools/Fuzz/Corpus \
    -dict=Tools/Fuzz/decoder.dict -max_len=4096 -max_total_time="$seconds" \
    -artifact_prefix="$scratch/artifacts/" -print_final_stats=1 "$@"
