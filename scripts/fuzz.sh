#!/usr/bin/env bash
# Builds the libFuzzer targets in Fuzz/ and runs them: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]
#
#   scripts/fuzz.sh                 # every target, 60 s each
#   scripts/fuzz.sh 300 program     # only `program`, 5 minutes
#   FUZZ_BUILD=0 scripts/fuzz.sh    # skip the build (binaries already in .build-fuzz/release)
#   FUZZ_ASAN=1 scripts/fuzz.sh     # with AddressSanitizer too (2-3x slower)
#
# Needs only the Swift toolchain (libFuzzer and AddressSanitizer ship with it on Linux). Builds into
# .build-fuzz (never .build, so it does not disturb normal builds). First replays every input kept in
# Fuzz/Regressions/<target>/, then fuzzes each target in turn from a working copy of Fuzz/Corpus/<target>
# kept in .build-fuzz/work/<target>/corpus (new inputs accumulate there, not in the committed corpus).
# Exits non-zero if any input crashes, leaks, times out or runs out of memory, printing its path.
# See docs/FUZZING.md.
set -uo pipefail

ROOT="$(cd "$(dirname "${BASH_SOURCE[0]}")/.." && pwd)"
SCRATCH="$ROOT/.build-fuzz"
BIN="$SCRATCH/release"
WORK="$SCRATCH/work"
ALL_TARGETS=(csv rows money dates program multipart xlsx)

SECONDS_PER_TARGET="${1:-60}"
if ! [[ "$SECONDS_PER_TARGET" =~ ^[0-9]+$ ]]; then
    echo "usage: scripts/fuzz.sh [SECONDS_PER_TARGET] [TARGET...]   (targets: ${ALL_TARGETS[*]})" >&2
    exit 2
fi
shift $(( $# > 0 ? 1 : 0 ))
TARGETS=("$@")
[ ${#TARGETS[@]} -eq 0 ] && TARGETS=("${ALL_TARGETS[@]}")
for target in "${TARGETS[@]}"; do
    if [[ " ${ALL_TARGETS[*]} " != *" $target "* ]]; then
        echo "unknown target '$target' (targets: ${ALL_TARGETS[*]})" >&2
        exit 2
    fi
done

# Longest input per target: enough for a valid example and then some.
max_len() {
    case "$1" in
        money) echo 64 ;;
        dates) echo 32 ;;
        program) echo 8192 ;;
        xlsx) echo 16384 ;;
        *) echo 4096 ;;
    esac
}

# The Swift runtime's backtracer would catch a trap first; libFuzzer must, to write the crashing input.
export SWIFT_BACKTRACE=enable=no
export ASAN_OPTIONS="${ASAN_OPTIONS:-abort_on_error=0:detect_leaks=1}"

# libFuzzer alone by default. FUZZ_ASAN=1 adds AddressSanitizer (out-of-bounds reads through unsafe pointers,
# use after free), at 2 to 3 times fewer executions a second. Switching between the two rebuilds everything.
if [ "${FUZZ_ASAN:-0}" != 0 ]; then
    # Not `--sanitize=fuzzer --sanitize=address`: SwiftPM passes swiftc two -sanitize= options and the last one
    # wins, which leaves the Swift code without coverage instrumentation (libFuzzer then fuzzes blind). One
    # combined -sanitize=fuzzer,address after SwiftPM's own -sanitize=fuzzer gives both.
    SANITIZE=(--sanitize=fuzzer -Xswiftc -sanitize=fuzzer,address)
    echo "== AddressSanitizer on"
else
    SANITIZE=(--sanitize=fuzzer)
fi

if [ "${FUZZ_BUILD:-1}" != 0 ]; then
    echo "== building the fuzz targets (swift build -c release ${SANITIZE[*]}) into .build-fuzz"
    started=$(date +%s)
    if ! swift build --package-path "$ROOT/Fuzz" --scratch-path "$SCRATCH" -c release "${SANITIZE[@]}"; then
        echo "the fuzz build failed" >&2
        exit 1
    fi
    echo "== built in $(( $(date +%s) - started )) s"
fi

failed=0
declare -A executions rates outcome

# 1. Every kept regression input, once, with its own target.
for target in "${TARGETS[@]}"; do
    inputs=("$ROOT"/Fuzz/Regressions/"$target"/*)
    [ -e "${inputs[0]}" ] || continue
    echo "== replaying ${#inputs[@]} regression input(s) for $target"
    if ! "$BIN/$target" -runs=1 "${inputs[@]}" >"$SCRATCH/regressions-$target.log" 2>&1; then
        echo "REGRESSION: $target traps again on a kept input; see $SCRATCH/regressions-$target.log" >&2
        grep -E "Running: |SUMMARY|ERROR|Fatal error" "$SCRATCH/regressions-$target.log" | tail -5 >&2
        failed=1
    fi
done

# 2. Fuzz each target in turn.
for target in "${TARGETS[@]}"; do
    dir="$WORK/$target"
    mkdir -p "$dir/corpus" "$dir/artifacts"
    cp -n "$ROOT/Fuzz/Corpus/$target/"* "$dir/corpus/" 2>/dev/null || true
    rm -f "$dir"/fuzz-*.log
    dict=()
    [ -f "$ROOT/Fuzz/Dictionaries/$target.dict" ] && dict=(-dict="$ROOT/Fuzz/Dictionaries/$target.dict")
    echo "== fuzzing $target for $SECONDS_PER_TARGET s (max_len $(max_len "$target"))"
    # -jobs=1 -workers=1: one fuzzing process, its output in $dir/fuzz-0.log.
    (cd "$dir" && "$BIN/$target" corpus "${dict[@]}" \
        -max_total_time="$SECONDS_PER_TARGET" -max_len="$(max_len "$target")" -jobs=1 -workers=1 \
        -timeout=10 -rss_limit_mb=2048 -print_final_stats=1 -artifact_prefix="$dir/artifacts/" >"$dir/driver.log" 2>&1)
    status=$?
    log="$dir/fuzz-0.log"
    [ -f "$log" ] || log="$dir/driver.log"
    executions[$target]=$(grep -o 'stat::number_of_executed_units: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    rates[$target]=$(grep -o 'stat::average_exec_per_sec: *[0-9]*' "$log" | tail -1 | grep -o '[0-9]*$')
    crashes=$(grep -o 'Test unit written to .*' "$log" | sed 's/Test unit written to //')
    if [ $status -ne 0 ] || [ -n "$crashes" ]; then
        outcome[$target]="FAILED"
        failed=1
        echo "FAILED: $target (exit $status); log: $log" >&2
        grep -E "SUMMARY|ERROR: |Fatal error|runtime failure" "$log" | head -5 >&2
        for input in $crashes; do echo "crash input: $input" >&2; done
    else
        outcome[$target]="ok"
    fi
    echo "$target: ${executions[$target]:-?} executions, ${rates[$target]:-?} exec/s, corpus $(ls "$dir/corpus" | wc -l) inputs: ${outcome[$target]}"
done

echo
printf '%-10s %14s %10s  %s\n' target executions exec/s result
for target in "${TARGETS[@]}"; do
    printf '%-10s %14s %10s  %s\n' "$target" "${executions[$target]:-?}" "${rates[$target]:-?}" "${outcome[$target]:-?}"
done
exit $failed
