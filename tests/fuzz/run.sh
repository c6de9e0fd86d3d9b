#!/bin/sh
# tests/fuzz/run.sh — run one libFuzzer target for `make fuzz-run`
#
#   run.sh PROGRAM NAME SECONDS
#
# From the repository root: first replays every file of
# tests/fuzz/crashes/NAME/ (inputs that once crashed: they must not any
# more), then fuzzes for SECONDS from the seeds in tests/fuzz/corpus/NAME/,
# with tests/fuzz/NAME.dict when there is one. New inputs go to
# build/fuzz/corpus/NAME/ (kept between runs, never committed by this).
# The whole output is in build/fuzz/NAME.log; one line of figures is
# printed. On a crash, a leak or a timeout, the input is kept as
# build/fuzz/crashes/NAME-<kind>-<sha1>, and the end of the log, the
# file's path and its bytes (base64 and a hex dump, for CI's log) are
# printed; exits 1.
set -eu

prog=$1 name=$2 seconds=$3
out=build/fuzz
log=$out/$name.log
mkdir -p "$out/corpus/$name" "$out/crashes"

# Crash reports name source lines; leaks are checked as in the tests.
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export ASAN_OPTIONS UBSAN_OPTIONS

show() {  # the input that failed, readable in a CI log
    echo "fuzz $name: input kept as $1 ($(wc -c <"$1") bytes)"
    echo "fuzz $name: reproduce with: ./$prog $1"
    echo "---- base64"
    base64 "$1" | head -n 200
    echo "---- hex"
    od -A x -t x1z -v "$1" | head -n 64
}

fail() {
    echo "fuzz $name: FAILED ($1); the end of $log:"
    tail -n 60 "$log" | sed 's/^/    /'
    shift
    for f in "$@"; do show "$f"; done
    exit 1
}

# Known crashes, replayed: each file runs once.
replay=""
if [ -d "tests/fuzz/crashes/$name" ]; then
    replay=$(find "tests/fuzz/crashes/$name" -type f ! -name '*.md' | sort)
fi
: >"$log"
if [ -n "$replay" ]; then
    # shellcheck disable=SC2086  # one argument per file (names have no spaces)
    if ! "./$prog" -runs=1 $replay >>"$log" 2>&1; then
        bad=$(sed -n 's/^Running: //p' "$log" | tail -n 1)
        fail "a crash input of tests/fuzz/crashes/$name/ crashes again" $bad
    fi
fi

dict=""
[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
start=$(date +%s)
set +e
# shellcheck disable=SC2086  # $dict is empty or one option
"./$prog" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/crashes/$name-" $dict \
    "$out/corpus/$name" "tests/fuzz/corpus/$name" >>"$log" 2>&1
rc=$?
set -e
if [ $rc -ne 0 ]; then
    art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    fail "exit code $rc after $(( $(date +%s) - start )) s" $art
fi
stats=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
persec=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
echo "fuzz $name: ok, $execs runs in ${seconds} s ($persec/s); last: $stats"
