#!/bin/sh
# scripts/run-tests.sh — run test programs and sum up, for `make test`
#
#   run-tests.sh run PROGRAM RESULT     runs one program, from the current
#       directory (the Makefile runs it from the repository root), with its
#       output in RESULT's .log twin; writes RESULT as one line
#       "<name> <exit code> <passed> <failed> <seconds> <not run> <skipped>"
#       and prints one line.
#       Always exits 0, so that every program runs; the summary judges.
#   run-tests.sh summary RESULT...      prints the logs of the programs that
#       failed, then "N passed, N failed"; exits 1 if anything failed.
#
# Counting: cmocka prints "[  PASSED  ] N test(s)." and "[  FAILED  ] N
# test(s), listed below:" per group; those are summed. A program that exits
# non-zero without a cmocka failure (a crash, a sanitizer report, a leak, a
# timeout) adds one failure; a program that prints no cmocka summary (an
# example) counts as one test. Cases a program announced ("Running N
# test(s)") but never reached, because it stopped early, are reported as
# "not run" on a line of their own. Cases that skipped themselves (cmocka's
# "[  SKIPPED ]": a tool or a privilege they need is missing, each says
# which in the log) are counted and named apart; with DUSK_TEST_NO_SKIP=1
# (CI's plain suite, on a machine that has everything) a skip is a failure,
# so that a check cannot pass by not running.
#
# Environment: SANITIZE (as given to make) chooses sanitizer options;
# TEST_TIMEOUT (seconds per program, default 900); DUSK_TEST_NO_SKIP.
set -eu

run() {
    prog=$1 result=$2
    name=$(basename "${result%.result}")
    log=${result%.result}.log
    timeout=${TEST_TIMEOUT:-900}
    [ -n "$timeout" ] || timeout=900

    # Sanitizer options go first so that the caller's own settings win.
    ASAN_OPTIONS="detect_leaks=1:abort_on_error=0:strict_string_checks=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
    UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
    TSAN_OPTIONS="halt_on_error=1:second_deadlock_stack=1${TSAN_OPTIONS:+:$TSAN_OPTIONS}"
    export ASAN_OPTIONS UBSAN_OPTIONS TSAN_OPTIONS

    # ThreadSanitizer needs a memory layout that some kernels' ASLR (large
    # mmap_rnd_bits) breaks ("FATAL: ThreadSanitizer: unexpected memory
    # mapping"); running without address randomisation avoids it, and costs
    # nothing here. setarch may be refused in a locked-down container, so
    # probe it first.
    wrap=""
    case ",${SANITIZE:-}," in
        *,thread,*)
            if setarch "$(uname -m)" -R true >/dev/null 2>&1; then
                wrap="setarch $(uname -m) -R"
            fi ;;
    esac

    start=$(date +%s.%N)
    rc=0
    # shellcheck disable=SC2086
    timeout -k 10 "$timeout" $wrap "$prog" >"$log" 2>&1 </dev/null || rc=$?
    # If the wrapper was not enough (or not available), say so plainly.
    if [ $rc -ne 0 ] && grep -q 'unexpected memory mapping' "$log"; then
        echo "run-tests: ThreadSanitizer could not map its shadow memory on this kernel;" \
             "try: sudo sysctl vm.mmap_rnd_bits=28" >>"$log"
    fi
    end=$(date +%s.%N)
    secs=$(awk -v a="$start" -v b="$end" 'BEGIN { printf "%.2f", b - a }')
    [ $rc -eq 124 ] && echo "run-tests: timed out after ${timeout}s" >>"$log"

    passed=$(sed -n 's/^\[  PASSED  \] \([0-9][0-9]*\) test(s)\..*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
    failed=$(sed -n 's/^\[  FAILED  \] \([0-9][0-9]*\) test(s),.*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
    planned=$(sed -n 's/^\[==========\] Running \([0-9][0-9]*\) test(s)\..*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
    skipped=$(sed -n 's/^\[  SKIPPED \] \([0-9][0-9]*\) test(s),.*/\1/p' "$log" | awk '{ s += $1 } END { print s + 0 }')
    summaries=$(grep -c '^\[==========\] [0-9]* test(s) run\.' "$log" || true)
    if [ "$summaries" -eq 0 ]; then
        # No cmocka summary: an example, or a program that died early;
        # count the cases that did finish, then the program's own verdict.
        passed=$(grep -c '^\[       OK \]' "$log" || true)
        if [ $rc -eq 0 ]; then
            [ "$passed" -gt 0 ] || passed=1
        else
            failed=$((failed + 1))
        fi
    elif [ $rc -ne 0 ] && [ "$failed" -eq 0 ]; then
        failed=1   # all cases passed, then a leak report, a crash at exit ...
    fi

    notrun=$((planned - passed - failed - skipped))
    [ "$notrun" -gt 0 ] || notrun=0
    if [ "$skipped" -gt 0 ] && [ "${DUSK_TEST_NO_SKIP:-0}" = 1 ]; then
        echo "run-tests: $skipped case(s) skipped, and DUSK_TEST_NO_SKIP=1 wants every case run" >>"$log"
        failed=$((failed + skipped))
    fi

    echo "$name $rc $passed $failed $secs $notrun $skipped" >"$result"
    if [ $rc -eq 0 ] && [ "$failed" -eq 0 ]; then
        printf '  PASS    %-28s %4s passed %8ss%s\n' "$name" "$passed" "$secs" \
            "$([ "$skipped" -gt 0 ] && echo ", $skipped skipped")"
    else
        printf '  FAIL    %-28s %4s passed %4s failed%s (exit %s) %ss, log: %s\n' \
            "$name" "$passed" "$failed" "$([ "$notrun" -gt 0 ] && echo " $notrun not run")" \
            "$rc" "$secs" "$log"
    fi
}

summary() {
    tp=0 tf=0 tn=0 ts=0 bad="" skips=""
    for result in "$@"; do
        if [ ! -f "$result" ]; then
            echo "run-tests: no result $result" >&2
            tf=$((tf + 1)); bad="$bad ${result%.result}"
            continue
        fi
        read -r name rc passed failed secs notrun skipped <"$result"
        tp=$((tp + passed)); tf=$((tf + failed)); tn=$((tn + ${notrun:-0}))
        ts=$((ts + ${skipped:-0}))
        if [ "${skipped:-0}" -gt 0 ]; then
            skips="$skips$(sed -n "s/^\[  SKIPPED \] \(test_.*\)/    $name: \1/p" "${result%.result}.log" | awk '!seen[$0]++')
"
        fi
        if [ "$rc" -ne 0 ] || [ "$failed" -ne 0 ]; then
            bad="$bad $name"
            echo "======== $name: exit $rc, $failed failed; from ${result%.result}.log (passing cases left out):"
            grep -v -e '^\[ RUN      \]' -e '^\[       OK \]' "${result%.result}.log" | tail -n 80 || true
        fi
    done
    [ -z "$bad" ] || echo "failed:$bad"
    [ "$tn" -eq 0 ] || echo "not run: $tn test case(s), in programs that stopped early"
    [ "$ts" -eq 0 ] || printf 'skipped: %s test case(s) (each says why in its log):\n%s' "$ts" "$skips"
    echo "$tp passed, $tf failed"
    [ -z "$bad" ]
}

cmd=${1:-}
[ $# -gt 0 ] && shift
case "$cmd" in
    run) [ $# -eq 2 ] || { echo "usage: $0 run PROGRAM RESULT" >&2; exit 2; }; run "$@" ;;
    summary) summary "$@" ;;
    *) echo "usage: $0 run PROGRAM RESULT | summary RESULT..." >&2; exit 2 ;;
esac
