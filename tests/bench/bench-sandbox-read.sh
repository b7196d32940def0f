#!/bin/sh
# bench-sandbox-read.sh — sandbox `read` throughput on loopback, measured with wrk
#
# Copyright 2026 The Paymint Desk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench-sandbox-read.sh PATH/TO/paymint-sandbox [SECONDS] [CONNECTIONS]
# Starts paymint-sandbox on a free port, creates a few bills with curl, POSTs read
# bodies with wrk for SECONDS (default 5), prints
# "sandbox read: N requests/s" and stops the server.
set -eu

sandbox=${1:?usage: bench-sandbox-read.sh PATH/TO/paymint-sandbox [SECONDS] [CONNECTIONS]}
seconds=${2:-5}
connections=${3:-16}
key=sandbox-demo-key

for tool in wrk curl; do
  command -v "$tool" >/dev/null 2>&1 || { echo "bench-sandbox-read: $tool is not installed" >&2; exit 77; }
done

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-bench-read-XXXXXX")
pid=
cleanup () {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
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

wrk -t1 -c"$connections" -d"${seconds}s" --latency -s "$work/read.lua" "$url/paymint/read" >"$work/wrk" 2>&1 || {
  cat "$work/wrk" >&2
  exit 1
}
cat "$work/wrk"
if grep -q 'Non-2xx' "$work/wrk"; then
  echo "bench-sandbox-read: some reads failed" >&2
  exit 1
fi
rate=$(awk '/^Requests\/sec:/ { printf "%d", $2 }' "$work/wrk")
echo "sandbox read: $rate requests/s"
