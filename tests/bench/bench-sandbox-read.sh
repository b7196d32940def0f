#!/bin/sh
# bench-sandbox-read.sh — sandbox `read` throughput on loopback, measured with wrk
#
# Copyright 2026 The Paymint Desk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench-sandbox-read.sh PATH/TO/paymint-sandbox [SECONDS] [CONNECTIONS]
#                              [PATH/TO/pm-bare-soup-server] [RUNS]
# Starts paymint-sandbox on a free port, creates a few bills with curl, POSTs read
# bodies with wrk (one thread, CONNECTIONS connections, default 16) for SECONDS (default 5).
# With the bare libsoup server (a SoupServer answering every request with a fixed small
# JSON body, threaded like the sandbox: the ceiling of the library), both are measured in
# the same run, alternating, RUNS times (default 3), and the medians and their ratio are
# printed: "sandbox read: N req/s; bare libsoup server: M req/s; ratio R× (target ≥ 0.9×)".
# Without it: "sandbox read: N requests/s". Figures only, no pass/fail on time.
# On a busy shared machine the rates swing more than the gap being measured; with
# PM_BENCH_INSTRUCTIONS=1 (and valgrind installed) each server also runs under callgrind
# for 2,000 reads over 16 kept-alive curl connections, and the user-space instructions
# per read are printed: a figure the machine's load does not change.
set -eu

usage="usage: bench-sandbox-read.sh PATH/TO/paymint-sandbox [SECONDS] [CONNECTIONS] [BARE-SERVER] [RUNS]"
sandbox=${1:?$usage}
seconds=${2:-5}
connections=${3:-16}
bare=${4:-}
runs=${5:-3}
key=sandbox-demo-key

for tool in wrk curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench-sandbox-read: $tool is not installed" >&2; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-bench-read-XXXXXX")
pid=
bare_pid=
cleanup () {
  for p in $pid $bare_pid; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# Port 0: the sandbox picks a free port and prints its URL on the first line.
"$sandbox" --port 0 --seed 1 --pay-share 0.5 --pay-delay 1:5 >"$work/out" 2>"$work/err" &
pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n 's/^Paymint sandbox listening on \(http[^ ]*\).*/\1/p' "$work/out" | head -n 1)
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/err" >&2
    echo "bench-sandbox-read: paymint-sandbox did not start" >&2
    exit 1
  fi
  sleep 0.05
done
[ -n "$url" ] || { echo "bench-sandbox-read: no URL from paymint-sandbox" >&2; exit 1; }

expire=$(TZ=Asia/Seoul date -d '+7 days' +%Y-%m-%d 2>/dev/null || date -u +%Y-12-31)
bills=16
i=1
while [ "$i" -le "$bills" ]; do
  code=$(curl -s -o /dev/null -w '%{http_code}' \
    -H "X-API-KEY: $key" -H 'X-Paymint-MMK-Mode: true' -H 'Content-Type: application/json' \
    -d "{\"product_nm\":\"벤치마크\",\"message\":\"bench\",\"member_nm\":\"홍길동\",\"phone\":\"010-2345-6789\",\"price\":$((1000 * i)),\"expire_dt\":\"$expire\",\"bill_id\":\"BENCH$i\"}" \
    "$url/paymint/request")
  [ "$code" = 200 ] || { echo "bench-sandbox-read: creating bill $i answered $code" >&2; exit 1; }
  i=$((i + 1))
done

# A static request (wrk sends its prepared buffer, costing the client the least CPU on
# a 2-core box), reading one of the bills.
cat >"$work/read.lua" <<LUA
wrk.method = "POST"
wrk.headers["Content-Type"] = "application/json"
wrk.headers["X-API-KEY"] = "$key"
wrk.headers["X-Paymint-MMK-Mode"] = "true"
wrk.body = '{"bill_id":"BENCH7"}'
LUA

# CPU ticks (user + system) the server process has used so far
ticks () { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)

measure () { # URL WHAT PID → prints "RATE CPU-µs-PER-REQUEST"
  t0=$(ticks "$3")
  wrk -t1 -c"$connections" -d"${seconds}s" --latency -s "$work/read.lua" "$1" >"$work/wrk" 2>&1 || {
    cat "$work/wrk" >&2
    exit 1
  }
  if grep -q 'Non-2xx' "$work/wrk"; then
    cat "$work/wrk" >&2
    echo "bench-sandbox-read: some requests to the $2 failed" >&2
    exit 1
  fi
  t1=$(ticks "$3")
  awk -v t="$((t1 - t0))" -v hz="$hz" '
    /^Requests\/sec:/ { rate = $2 }
    / requests in / { n = $1 }
    END { printf "%d %.1f\n", rate, (n > 0 ? t * 1e6 / hz / n : 0) }' "$work/wrk"
}

if [ -z "$bare" ]; then
  rate=$(measure "$url/paymint/read" sandbox "$pid" | cut -d' ' -f1)
  cat "$work/wrk"
  echo "sandbox read: $rate requests/s"
  exit 0
fi

"$bare" --port 0 >"$work/bare" 2>"$work/bare.err" &
bare_pid=$!
bare_url=
for _ in $(seq 1 100); do
  bare_url=$(sed -n 's/^bare libsoup server listening on \(http[^ ]*\).*/\1/p' "$work/bare" | head -n 1)
  [ -n "$bare_url" ] && break
  if ! kill -0 "$bare_pid" 2>/dev/null; then
    cat "$work/bare.err" >&2
    echo "bench-sandbox-read: pm-bare-soup-server did not start" >&2
    exit 1
  fi
  sleep 0.05
done
[ -n "$bare_url" ] || { echo "bench-sandbox-read: no URL from pm-bare-soup-server" >&2; exit 1; }
head -n 1 "$work/bare"

median () { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
: >"$work/sandbox.rates"; : >"$work/bare.rates"; : >"$work/sandbox.cpu"; : >"$work/bare.cpu"
# alternating which goes first, so neither always gets the quieter moment
for r in $(seq 1 "$runs"); do
  if [ $((r % 2)) = 0 ]; then
    set -- $(measure "$bare_url/api/v1/paymint/read" "bare libsoup server" "$bare_pid")
    b=$1; b_cpu=$2
  fi
  set -- $(measure "$url/paymint/read" sandbox "$pid")
  s=$1; s_cpu=$2
  if [ $((r % 2)) = 1 ]; then
    set -- $(measure "$bare_url/api/v1/paymint/read" "bare libsoup server" "$bare_pid")
    b=$1; b_cpu=$2
  fi
  echo "run $r: sandbox read $s req/s ($s_cpu µs CPU/request), bare libsoup server $b req/s ($b_cpu µs CPU/request) (wrk -t1 -c$connections -d${seconds}s)"
  echo "$s" >>"$work/sandbox.rates"; echo "$s_cpu" >>"$work/sandbox.cpu"
  echo "$b" >>"$work/bare.rates"; echo "$b_cpu" >>"$work/bare.cpu"
done
s=$(median <"$work/sandbox.rates")
b=$(median <"$work/bare.rates")
s_cpu=$(median <"$work/sandbox.cpu")
b_cpu=$(median <"$work/bare.cpu")
# The server's own CPU time per request depends less on what else runs on the machine
# than the rate does: compare it too when the box is busy.
awk -v s="$s" -v b="$b" -v sc="$s_cpu" -v bc="$b_cpu" -v runs="$runs" 'BEGIN {
  printf "sandbox read: %.0f req/s; bare libsoup server: %.0f req/s; ratio %.2f× (target ≥ 0.9×; medians of %d runs)\n", s, b, s / b, runs
  printf "server CPU per request: sandbox %.1f µs; bare libsoup server %.1f µs; ratio (bare/sandbox) %.2f×\n", sc, bc, bc / sc
}'

# ---- instructions per read (optional: PM_BENCH_INSTRUCTIONS=1, valgrind) ----
[ -n "${PM_BENCH_INSTRUCTIONS:-}" ] || exit 0
for tool in valgrind callgrind_control callgrind_annotate; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench-sandbox-read: $tool is not installed: no instruction counts"; exit 0; }
done
kill "$pid" "$bare_pid" 2>/dev/null || true
wait "$pid" "$bare_pid" 2>/dev/null || true
pid=; bare_pid=
n_reads=2000
instructions () { # NAME URL-SED PROGRAM [ARGS…] → prints instructions per read
  name=$1; pattern=$2; shift 2
  valgrind --tool=callgrind --callgrind-out-file="$work/cg-$name.%p" "$@" \
    >"$work/cg-$name.out" 2>"$work/cg-$name.err" &
  vp=$!
  base=
  for _ in $(seq 1 600); do
    base=$(sed -n "$pattern" "$work/cg-$name.out" | head -n 1)
    [ -n "$base" ] && break
    sleep 0.1
  done
  [ -n "$base" ] || { cat "$work/cg-$name.err" >&2; echo "bench-sandbox-read: $name did not start under valgrind" >&2; exit 1; }
  curl -s -o /dev/null -H "X-API-KEY: $key" -H 'X-Paymint-MMK-Mode: true' -H 'Content-Type: application/json' \
    -d "{\"product_nm\":\"벤치마크\",\"message\":\"bench\",\"member_nm\":\"홍길동\",\"phone\":\"010-2345-6789\",\"price\":7000,\"expire_dt\":\"$expire\",\"bill_id\":\"BENCH7\"}" \
    "$base/paymint/request"
  awk -v n="$n_reads" -v url="$base/paymint/read" -v key="$key" 'BEGIN {
    for (i = 0; i < n; i++) {
      if (i) print "next"
      printf "url = \"%s\"\n", url
      print "header = \"Content-Type: application/json\""
      printf "header = \"X-API-KEY: %s\"\n", key
      print "header = \"X-Paymint-MMK-Mode: true\""
      print "data = \"{\\\"bill_id\\\":\\\"BENCH7\\\"}\""
      print "output = \"/dev/null\""
    }
  }' >"$work/cg.conf"
  curl -s --no-progress-meter --parallel --parallel-max "$connections" --config "$work/cg.conf" # warm up
  callgrind_control -z "$vp" >/dev/null 2>&1
  curl -s --no-progress-meter --parallel --parallel-max "$connections" --config "$work/cg.conf"
  callgrind_control -d "$vp" >/dev/null 2>&1
  kill "$vp" 2>/dev/null || true
  wait "$vp" 2>/dev/null || true
  callgrind_annotate "$work/cg-$name.$vp.1" 2>/dev/null \
    | awk -v n="$n_reads" '/PROGRAM TOTALS/ { gsub(/,/, "", $1); printf "%.0f\n", $1 / n; exit }'
}
s_ins=$(instructions sandbox 's/^Paymint sandbox listening on \(http[^ ]*\).*/\1/p' \
  "$sandbox" --port 0 --seed 1 --pay-share 0)
b_ins=$(instructions bare 's/^bare libsoup server listening on \(http[^ ]*\).*/\1\/api\/v1/p' "$bare" --port 0)
awk -v s="$s_ins" -v b="$b_ins" -v n="$n_reads" 'BEGIN {
  printf "instructions per read (callgrind, %d reads, user space): sandbox %.0f; bare libsoup server %.0f; ratio (bare/sandbox) %.2f×\n", n, s, b, b / s
}'
