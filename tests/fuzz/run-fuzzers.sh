#!/usr/bin/env bash
# tests/fuzz/run-fuzzers.sh BUILDDIR [SECONDS] [HARNESS…] — runs the libFuzzer harnesses
# of a -Dfuzz=true build one after the other (one process: the machine is shared), each
# for SECONDS (default 60) on a scratch copy of its committed corpus, and prints one line
# per harness: executions, exec/s, coverage, corpus, crashes. Exits 1 if any crashed.
# build-aux/dev fuzz configures, builds and calls this.
#
# Environment:
#   FUZZ_RUNS=N        stop a harness after N executions (whichever comes first)
#   FUZZ_WORKDIR=DIR   keep corpora, logs and crash files there (default: a new /tmp dir),
#                      so a second run goes on from the corpus the first one grew
#   FUZZ_ARGS="…"      extra libFuzzer flags for every harness
#   PM_FUZZ_KNOWN=…    known bugs to step around (default: the tags in known-issues;
#                      set it empty to hit them again)
set -euo pipefail

top=$(cd "$(dirname "${BASH_SOURCE[0]}")/../.." && pwd)
builddir=${1:?usage: run-fuzzers.sh BUILDDIR [SECONDS] [HARNESS…]}
shift
seconds=60
if [ $# -gt 0 ] && [[ $1 =~ ^[0-9]+$ ]]; then
  seconds=$1
  shift
fi
all=(phone money csv reply sandbox-body)
harnesses=("$@")
[ ${#harnesses[@]} -gt 0 ] || harnesses=("${all[@]}")
case "$builddir" in /*) ;; *) builddir=$top/$builddir ;; esac
work=${FUZZ_WORKDIR:-$(mktemp -d "${TMPDIR:-/tmp}/paymint-fuzz.XXXXXX")}
mkdir -p "$work"

# UBSan findings abort like ASan ones; the suppressions list the known, reported ones.
export ASAN_OPTIONS=${ASAN_OPTIONS:-detect_leaks=1:abort_on_error=1:symbolize=1}
ubsan=halt_on_error=1:abort_on_error=1:print_stacktrace=1
export UBSAN_OPTIONS=${UBSAN_OPTIONS:-$ubsan:suppressions=$top/tests/fuzz/ubsan.supp}

# Known, reported bugs the harnesses step around (tests/fuzz/known-issues).
if [ -z "${PM_FUZZ_KNOWN+set}" ]; then
  PM_FUZZ_KNOWN=$(grep -v '^#' "$top/tests/fuzz/known-issues" | cut -f1 | sort -u | paste -sd, -)
fi
export PM_FUZZ_KNOWN

max_len () {
  case "$1" in
    phone|money) echo 256 ;;
    *) echo 16384 ;;
  esac
}

printf '%-13s %12s %6s %10s %8s %8s %14s %7s\n' \
  harness executions secs exec/s cov ft corpus crashes
crashed=0
for h in "${harnesses[@]}"; do
  exe=$builddir/tests/fuzz/fuzz-$h
  [ -x "$exe" ] || { echo "no $exe: build it first (build-aux/dev fuzz)" >&2; exit 2; }
  mkdir -p "$work/$h/corpus" "$work/$h/artifacts"
  # the committed seeds, never the repository directory itself (it would fill up)
  cp -n "$top/tests/fuzz/corpus/$h/"* "$work/$h/corpus/" 2>/dev/null || true
  # the reproducers of past crashes run first (libFuzzer writes only to the first directory)
  extra=()
  [ -d "$top/tests/fuzz/regressions/$h" ] && extra=("$top/tests/fuzz/regressions/$h")
  dict=()
  [ -f "$top/tests/fuzz/dict/$h.dict" ] && dict=(-dict="$top/tests/fuzz/dict/$h.dict")
  log=$work/$h/fuzz.log
  touch "$work/$h/.started"
  start=$(date +%s)
  # shellcheck disable=SC2086
  "$exe" -max_total_time="$seconds" -runs="${FUZZ_RUNS:--1}" -max_len="$(max_len "$h")" \
      -timeout=30 -print_final_stats=1 -artifact_prefix="$work/$h/artifacts/" \
      "${dict[@]}" ${FUZZ_ARGS:-} "$work/$h/corpus" "${extra[@]}" >"$log" 2>&1 || true
  secs=$(( $(date +%s) - start ))
  execs=$(sed -n 's/^stat::number_of_executed_units: *//p' "$log" | tail -1)
  eps=$(sed -n 's/^stat::average_exec_per_sec: *//p' "$log" | tail -1)
  last=$(grep -E '^#[0-9]+' "$log" | tail -1 || true)
  cov=$(sed -n 's/.* cov: \([0-9]*\).*/\1/p' <<<"$last")
  ft=$(sed -n 's/.* ft: \([0-9]*\).*/\1/p' <<<"$last")
  corp=$(sed -n 's/.* corp: \([^ ]*\).*/\1/p' <<<"$last")
  found=$(find "$work/$h/artifacts" -type f -newer "$work/$h/.started" | wc -l)
  printf '%-13s %12s %6s %10s %8s %8s %14s %7s\n' "$h" "${execs:-?}" "$secs" "${eps:-?}" \
    "${cov:-?}" "${ft:-?}" "${corp:-?}" "$found"
  if [ "$found" -gt 0 ] \
     || grep -qE '^==[0-9]+==ERROR|runtime error:|deadly signal|fuzz check failed' "$log"; then
    crashed=1
    echo "  $h: crash — log $log, reproducer(s):" >&2
    find "$work/$h/artifacts" -type f -newer "$work/$h/.started" -printf '    %p\n' >&2 || true
    grep -m3 -E 'ERROR: |runtime error:|fuzz check failed' "$log" | sed 's/^/    /' >&2 || true
  fi
done
echo "work directory: $work"
exit $crashed
