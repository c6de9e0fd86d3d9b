#!/bin/sh
# tests/python/run.sh — the pytest suite of the Python module as one test
# program for scripts/run-tests.sh (make test). The Makefile writes it to
# $(BUILD)/tests/python/pytest with @PYTHON@, @BUILD@, @ROOT@ ... filled
# in. It prints pytest's report and then cmocka's summary lines, which
# run-tests.sh counts (a skipped test counts as skipped, which CI's plain
# suite fails).
#
# Under SANITIZE=address,undefined the extension is built with ASan and
# UBSan while python3 is not: ASan's runtime must then be loaded first
# (LD_PRELOAD), and leak detection is off, since CPython keeps its own
# objects alive until exit by design (the tests check dusk's counts of
# live blocks and the process's memory instead).
set -u
PYTHON=@PYTHON@
BUILD=@BUILD@
SANITIZE=@SANITIZE@
root=@ROOT@
case ",$SANITIZE," in
    *,address,*)
        LD_PRELOAD=$(@CC@ -print-file-name=libasan.so)
        export LD_PRELOAD
        ASAN_OPTIONS="${ASAN_OPTIONS:+$ASAN_OPTIONS:}detect_leaks=0"
        export ASAN_OPTIONS ;;
esac
case ",$SANITIZE," in
    *,undefined,*)
        if [ -z "${LD_PRELOAD:-}" ]; then
            LD_PRELOAD=$(@CC@ -print-file-name=libubsan.so)
            export LD_PRELOAD
        fi ;;
esac
export PYTHONPATH="$BUILD/python${PYTHONPATH:+:$PYTHONPATH}"
export DUSK_TEST_BUILD="$BUILD" DUSK_TEST_SANITIZE="$SANITIZE"
export SDL_VIDEODRIVER=dummy
out=$(mktemp)
trap 'rm -f "$out"' EXIT
cd "$root" || exit 1
"$PYTHON" -m pytest -q -rs -p no:cacheprovider "$root/tests/python" "$@" >"$out" 2>&1
status=$?
cat "$out"
passed=$(grep -Eo '[0-9]+ passed' "$out" | tail -n 1 | cut -d' ' -f1)
failed=$(grep -Eo '[0-9]+ (failed|error)' "$out" | awk '{ s += $1 } END { print s + 0 }')
skipped=$(grep -Eo '[0-9]+ skipped' "$out" | tail -n 1 | cut -d' ' -f1)
: "${passed:=0}" "${skipped:=0}"
# pytest passes with skips; a skip must still show, and nothing run is a failure.
[ "$passed" -gt 0 ] || status=1
[ "$status" -eq 0 ] || [ "$failed" -gt 0 ] || failed=1
echo "[==========] $((passed + failed + skipped)) test(s) run."
echo "[  PASSED  ] $passed test(s)."
[ "$skipped" -eq 0 ] || echo "[  SKIPPED ] $skipped test(s), listed above."
[ "$failed" -eq 0 ] || echo "[  FAILED  ] $failed test(s), listed above."
exit $status
