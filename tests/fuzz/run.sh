#!/bin/sh
# tests/fuzz/run.sh — run one libFuzzer target for `make fuzz-run`
#
#   run.sh PROGRAM NAME SECONDS
#
# From the repository root: first replays every file of
# tests/fuzz/crashes/NAME/ (inputs that once crashed: they must not any
# more), then fuzzes for SECONDS from the seeds in tests/fuzz/corpus/NAME/,
# with tests/fuzz/NAME.dict when there is one (and the settings that
# tests/fuzz/NAME.options makes, a shell fragment). New inputs go to
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

# Crash reports name source lines; leaks are checked as in the tests, but
# for libhdf5's own (tests/fuzz/lsan.supp).
ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:symbolize=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
LSAN_OPTIONS="suppressions=$(pwd)/tests/fuzz/lsan.supp:print_suppressions=0${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
FUZZ_FLAGS=""
# A target's own settings (sanitizer options, libFuzzer flags).
# shellcheck disable=SC1090
[ -f "tests/fuzz/$name.options" ] && . "./tests/fuzz/$name.options"
export ASAN_OPTIONS UBSAN_OPTIONS LSAN_OPTIONS

show() {  # the input that failed, readable in a CI log
    echo "fuzz $name: input kept as $1 ($(wc -c <"$1") bytes)"
    echo "fuzz $name: reproduce with: ./$prog $1"
    echo "---- base64"
    base64 "$1" | head -n 200
    echo "---- hex"
    od -A x -t x1z -v "$1" | head -n 32
}

fail() {
    echo "fuzz $name: FAILED ($1); the end of $log:"
    tail -n 60 "$log" | sed 's/^/    /'
    shift
    for f in "$@"; do show "$f"; done
    exit 1
}

# Known crashes, replayed: each file runs twice in one process (a fault
# may need what a first read left behind).
replay=""
if [ -d "tests/fuzz/crashes/$name" ]; then
    replay=$(find "tests/fuzz/crashes/$name" -type f ! -name '*.md' | sort)
fi
: >"$log"
if [ -n "$replay" ]; then
    # shellcheck disable=SC2086  # one argument per file (names have no spaces)
    if ! "./$prog" -runs=2 $FUZZ_FLAGS $replay >>"$log" 2>&1; then
        bad=$(sed -n 's/^Running: //p' "$log" | tail -n 1)
        fail "a crash input of tests/fuzz/crashes/$name/ crashes again" $bad
    fi
fi

dict=""
[ -f "tests/fuzz/$name.dict" ] && dict="-dict=tests/fuzz/$name.dict"
stamp=$out/$name.stamp
: >"$stamp"
start=$(date +%s)
set +e
# shellcheck disable=SC2086  # $dict and $FUZZ_FLAGS: options, split on spaces
"./$prog" -max_total_time="$seconds" -timeout=30 -rss_limit_mb=2048 \
    -print_final_stats=1 -artifact_prefix="$out/crashes/$name-" $dict $FUZZ_FLAGS \
    "$out/corpus/$name" "tests/fuzz/corpus/$name" >>"$log" 2>&1
rc=$?
set -e
if [ -n "${FUZZ_FOREIGN:-}" ]; then
    # fork mode: its exit code says little (a job cut short at the end
    # gives 70); every input it kept (crash, out of memory, timeout,
    # leak) is judged below
    last=$(grep -E '^#[0-9]+: cov' "$log" | tail -n 1)
    counts=$(printf '%s\n' "$last" | sed -n 's/.*oom\/timeout\/crash: \([0-9]*\)\/\([0-9]*\)\/\([0-9]*\).*/\1 \2 \3/p')
    kept=$(find "$out/crashes" -name "$name-*" -newer "$stamp" ! -name '*.log' | wc -l)
    if [ -z "$last" ] || { [ "$counts" != "0 0 0" ] && [ "$kept" -eq 0 ]; }; then
        fail "exit code $rc after $(( $(date +%s) - start )) s; out of memory/timeouts/crashes: ${counts:-?}, no input kept"
    fi
elif [ $rc -ne 0 ]; then
    art=$(sed -n 's/.*Test unit written to \(.*\)$/\1/p' "$log" | tail -n 1)
    # shellcheck disable=SC2086  # none or one file
    fail "exit code $rc after $(( $(date +%s) - start )) s" $art
fi

# A target whose options set FUZZ_FOREIGN (a library's file name) runs in
# fork mode and goes on after a crash; each input this run kept (a crash,
# an out-of-memory, a timeout) is then replayed: one whose stack, above
# the first frame of dusk's code, is in that library is the library's own
# fault (listed, not failing the run), unless the memory it overran was
# allocated by dusk's code; any other fails it.
foreign=0
if [ -n "${FUZZ_FOREIGN:-}" ]; then
    for f in $(find "$out/crashes" -name "$name-*" -newer "$stamp" ! -name '*.log' | sort); do
        # an input that ran out of memory is replayed with a malloc limit
        # as low as the memory limit, so that one allocation too large is
        # reported where it is made, its stack saying whose it is (not for
        # the others: libhdf5 fails cleanly on the terabytes a corrupt file
        # asks for, and those requests must go on failing cleanly); a
        # timeout's report shows where the run was. Four times over, in one
        # process: some faults need state a first read left behind (an
        # int16 of 65,296 bits crashed libhdf5 from its second read on)
        limit=""
        case $f in *"/$name-oom-"*) limit="-malloc_limit_mb=2048" ;; esac
        set +e
        # shellcheck disable=SC2086  # options, split on spaces
        "./$prog" -runs=4 $FUZZ_FLAGS -timeout=30 -rss_limit_mb=2048 $limit "$f" >"$f.log" 2>&1
        frc=$?
        set -e
        [ $frc -eq 0 ] && { echo "fuzz $name: note: $f did not fail again when replayed"; continue; }
        # the frames above the first one in a source file of this tree
        top=$(grep -E '^ *#[0-9]+ ' "$f.log" | sed -E "\|$(pwd)/[^ ]*\.[ch]:[0-9]|,\$d")
        # memory that dusk's code allocated, which the library wrote or read
        # past (H5Dread_chunk wrote 4 KiB into dusk's buffer of 16): dusk's
        ours=$(sed -n '/allocated by thread/,/^$/p' "$f.log" | grep -E '^ *#[0-9]+ ' |
            grep -c "$(pwd)/[^ ]*\.[ch]:[0-9]" || true)
        if ! grep -q '^dusk fuzz: ' "$f.log" && [ "$ours" -eq 0 ] &&
            printf '%s\n' "$top" | grep -q "$FUZZ_FOREIGN"; then
            foreign=$((foreign + 1))
            echo "fuzz $name: $FUZZ_FOREIGN's own fault, not dusk's: $f ($(grep -m1 -E 'ERROR: |SUMMARY: ' "$f.log" | cut -c1-120))"
        else
            cp "$f.log" "$log"
            fail "a crash that is not $FUZZ_FOREIGN's own, found in fork mode" "$f"
        fi
    done
fi

stats=$(grep -E '^#[0-9]+' "$log" | tail -n 1)
execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log")
persec=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log")
[ -n "$execs" ] || execs=$(printf '%s\n' "$stats" | sed -n 's/^#\([0-9]*\).*/\1/p')
[ -n "$persec" ] || persec=$(printf '%s\n' "$stats" | sed -n 's/.*exec\/s:\{0,1\} \([0-9]*\).*/\1/p')
echo "fuzz $name: ok, $execs runs in ${seconds} s ($persec/s)${FUZZ_FOREIGN:+, $foreign faults of $FUZZ_FOREIGN}; last: $stats"
