#!/bin/sh
# bench-bulk-send.sh — bulk-send 1,000 bills: paymint-cli against a sequential curl loop
#
# Copyright 2026 The Paymint Desk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench-bulk-send.sh PATH/TO/paymint-sandbox PATH/TO/paymint-cli [ROWS] [PARALLEL]
# Starts paymint-sandbox on a free port, writes a CSV of ROWS (default 1000) distinct
# rows, sends them with `paymint-cli bulk-send` (every intent made durable in a fresh
# ledger before its request leaves, PARALLEL in flight, default 8), then sends the same
# rows again the way the vendor's sequential client does — one POST /paymint/request per
# row, one after another (a curl loop) — on the same sandbox, and prints both rates and
# their ratio (DESIGN.md target: at least 5×). Figures only, no pass/fail on time.
set -eu

sandbox=${1:?usage: bench-bulk-send.sh PATH/TO/paymint-sandbox PATH/TO/paymint-cli [ROWS] [PARALLEL]}
cli=${2:?usage: bench-bulk-send.sh PATH/TO/paymint-sandbox PATH/TO/paymint-cli [ROWS] [PARALLEL]}
rows=${3:-1000}
parallel=${4:-8}
key=sandbox-demo-key

command -v curl >/dev/null 2>&1 || { echo "bench-bulk-send: curl is not installed" >&2; exit 77; }

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-bench-bulk-XXXXXX")
pid=
cleanup () {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

# The CLI never touches the real user's files or keyring.
mkdir -p "$work/home" "$work/data" "$work/config" "$work/cache"
export HOME="$work/home" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" \
  XDG_CACHE_HOME="$work/cache"

# Nobody pays during the run: the sandbox does the same work for both clients.
"$sandbox" --port 0 --seed 1 --pay-share 0 --balance 9999999999 >"$work/out" 2>"$work/err" &
pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n 's/^Paymint sandbox listening on \(http[^ ]*\).*/\1/p' "$work/out" | head -n 1)
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/err" >&2
    echo "bench-bulk-send: paymint-sandbox did not start" >&2
    exit 1
  fi
  sleep 0.05
done
[ -n "$url" ] || { echo "bench-bulk-send: no URL from paymint-sandbox" >&2; exit 1; }

expire=$(TZ=Asia/Seoul date -d '+7 days' +%Y-%m-%d)
csv="$work/rows.csv"
awk -v n="$rows" -v expire="$expire" 'BEGIN {
  print "이름,전화번호,금액,상품명,메시지,만료일"
  for (i = 0; i < n; i++)
    printf "학생%d,010-%04d-%04d,%d,11월 수강료,11월 수강료 안내드립니다,%s\n", \
      i, 1000 + int(i / 10000), i % 10000, 10000 + i, expire
}' >"$csv"

now () { date +%s.%N; }

# 1. paymint-cli bulk-send
start=$(now)
"$cli" --sandbox-url "$url" --ledger "$work/ledger.db" --quiet \
  bulk-send --yes --parallel "$parallel" "$csv" >"$work/cli.out" 2>"$work/cli.err" || {
  cat "$work/cli.out" "$work/cli.err" >&2
  echo "bench-bulk-send: paymint-cli bulk-send failed" >&2
  exit 1
}
end=$(now)
cli_s=$(echo "$start $end" | awk '{ printf "%.3f", $2 - $1 }')
grep -q "^Sent $rows, failed 0" "$work/cli.out" || {
  cat "$work/cli.out" "$work/cli.err" >&2
  echo "bench-bulk-send: paymint-cli did not send every row" >&2
  exit 1
}

# 2. the vendor's way: one request after another, the phone as typed
start=$(now)
failed=0
tail -n +2 "$csv" | while IFS=, read -r name phone price product message exp; do
  code=$(curl -s -o /dev/null -w '%{http_code}' \
    -H "Authorization: Bearer $key" -H 'X-Paymint-MMK-Mode: true' \
    -H 'X-Paymint-Member-ID: demo-member' -H 'X-Paymint-Merchant-ID: demo-merchant' \
    -H 'Content-Type: application/json' \
    -d "{\"product_nm\":\"$product\",\"message\":\"$message\",\"member_nm\":\"$name\",\"phone\":\"$phone\",\"price\":$price,\"expire_dt\":\"$exp\"}" \
    "$url/paymint/request")
  if [ "$code" != 200 ]; then
    echo "bench-bulk-send: curl request for $name answered $code" >&2
    exit 1
  fi
done || exit 1
end=$(now)
curl_s=$(echo "$start $end" | awk '{ printf "%.3f", $2 - $1 }')

bills=$(curl -s -H "X-API-KEY: $key" "$url/sandbox/stats" | sed -n 's/.*"bills":\([0-9]*\).*/\1/p')
echo "sandbox bills after both runs: $bills (expected $((rows * 2)))"
awk -v n="$rows" -v c="$cli_s" -v l="$curl_s" -v p="$parallel" 'BEGIN {
  cr = n / c; lr = n / l
  printf "paymint-cli bulk-send: %d bills in %.2f s = %.0f bills/s (parallel %d, each intent durable first)\n", n, c, cr, p
  printf "sequential curl loop:  %d bills in %.2f s = %.0f bills/s\n", n, l, lr
  printf "bulk-send speed-up: %.1fx (target >= 5x)\n", cr / lr
}'
