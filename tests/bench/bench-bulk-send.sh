#!/bin/sh
# bench-bulk-send.sh — bulk-send 1,000 bills: paymint-cli against fair curl peers
#
# Copyright 2026 The Paymint Desk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench-bulk-send.sh PATH/TO/paymint-sandbox PATH/TO/paymint-cli [ROWS] [PARALLEL] [RUNS]
# Starts paymint-sandbox on a free port, writes a CSV of ROWS (default 1000) distinct
# rows, and RUNS times (default 3) sends them
#   1. with `paymint-cli bulk-send` at its default parallelism (every intent made durable
#      in a fresh ledger before its request leaves);
#   2. with ONE curl process reading a config of ROWS POST /paymint/request entries, each
#      with its own bill_id, one after another over one kept-alive connection (the
#      sequential kept-alive client);
#   3. the same config with `--parallel --parallel-max PARALLEL` (default 8).
# Prints every figure, the medians and the ratios (DESIGN.md target: ≥ 2× the sequential
# kept-alive client on loopback), the CPU time paymint-cli spent per bill (user + system,
# when /usr/bin/time is there) and the load average before and after: on a shared machine
# the figures of a loaded run are not comparable with a quiet one's, only the ratios of
# one run are. Figures only, no pass/fail on time.
#
# Environment (bench-wan.sh sets them):
#   PM_BENCH_URL        a running sandbox's base URL (…/api/v1, payers off) to use instead
#                       of starting one; the sandbox argument is then not used
#   PM_BENCH_CURL_OPTS  more options for every curl (e.g. --cacert FILE; split at spaces)
#   PM_BENCH_LINK       words naming the link in the summary (default "loopback")
#   PM_BENCH_TARGET     the ratio to the sequential client aimed at (default 2)
set -eu

sandbox=${1:?usage: bench-bulk-send.sh PATH/TO/paymint-sandbox PATH/TO/paymint-cli [ROWS] [PARALLEL]}
cli=${2:?usage: bench-bulk-send.sh PATH/TO/paymint-sandbox PATH/TO/paymint-cli [ROWS] [PARALLEL]}
rows=${3:-1000}
parallel=${4:-8}
runs=${5:-3}
key=sandbox-demo-key
given_url=${PM_BENCH_URL:-}
curl_opts=${PM_BENCH_CURL_OPTS:-}
link=${PM_BENCH_LINK:-loopback}
target=${PM_BENCH_TARGET:-2}

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
if [ -n "$given_url" ]; then
  url=$given_url
else
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
fi

# shellcheck disable=SC2086 # PM_BENCH_CURL_OPTS is a list of options
count_bills () {
  curl -s $curl_opts -H "X-API-KEY: $key" "$url/sandbox/stats" | sed -n 's/.*"bills":\([0-9]*\).*/\1/p'
}
bills_before=$(count_bills)
[ -n "$bills_before" ] || { echo "bench-bulk-send: $url/sandbox/stats did not answer" >&2; exit 1; }

expire=$(TZ=Asia/Seoul date -d '+7 days' +%Y-%m-%d)
csv="$work/rows.csv"
awk -v n="$rows" -v expire="$expire" 'BEGIN {
  print "이름,전화번호,금액,상품명,메시지,만료일"
  for (i = 0; i < n; i++)
    printf "학생%d,010-%04d-%04d,%d,11월 수강료,11월 수강료 안내드립니다,%s\n", \
      i, 1000 + int(i / 10000), i % 10000, 10000 + i, expire
}' >"$csv"

now () { date +%s.%N; }

# paymint-cli's CPU time (user + system seconds) goes to $work/cli.time when it can be had
timer=
if [ -x /usr/bin/time ] && /usr/bin/time -f '%U %S' -o "$work/probe.time" true 2>/dev/null; then
  timer=/usr/bin/time
fi
load_before=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')

# The peers' configs: the same rows, each request with its own bill_id (as the desk sends),
# the normalised phone, the sandbox demo key and connection headers.
make_config () { # RUN
  tail -n +2 "$csv" | awk -F, -v url="$url" -v key="$key" -v run="$1" '{
    gsub(/-/, "", $2)
    if (NR > 1) printf "next\n"
    printf "silent\n"
    printf "url = \"%s/paymint/request\"\n", url
    printf "header = \"Content-Type: application/json\"\n"
    printf "header = \"Accept: application/json\"\n"
    printf "header = \"X-API-KEY: %s\"\n", key
    printf "header = \"X-Paymint-MMK-Mode: true\"\n"
    printf "data = \"{\\\"product_nm\\\":\\\"%s\\\",\\\"message\\\":\\\"%s\\\",\\\"member_nm\\\":\\\"%s\\\",\\\"phone\\\":\\\"%s\\\",\\\"price\\\":%s,\\\"expire_dt\\\":\\\"%s\\\",\\\"bill_id\\\":\\\"c%sr%07d\\\"}\"\n", $4, $5, $1, $2, $3, $6, run, NR
    printf "write-out = \"\\n%%{http_code}\\n\"\n"
  }' >"$work/curl-$1.conf"
}

curl_run () { # CONFIG [curl options…]
  conf=$1; shift
  # shellcheck disable=SC2086
  curl --silent --no-progress-meter $curl_opts "$@" --config "$conf" >"$work/curl.codes" || true
  ok=$(grep -c '^200$' "$work/curl.codes" || true)
  created=$(grep -o '"code":"0000"' "$work/curl.codes" | wc -l)
  if [ "$ok" != "$rows" ] || [ "$created" != "$rows" ]; then
    echo "bench-bulk-send: curl: $ok of $rows requests answered 200, $created created" >&2
    grep -v '"code":"0000"' "$work/curl.codes" | sort | uniq -c | sort -rn | head -5 >&2
    exit 1
  fi
}

secs () { echo "$1 $2" | awk '{ printf "%.3f", $2 - $1 }'; }

median () { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

: >"$work/cli.rates"; : >"$work/seq.rates"; : >"$work/par.rates"; : >"$work/cli.cpu"
for r in $(seq 1 "$runs"); do
  make_config "s$r"
  make_config "p$r"

  # 1. paymint-cli bulk-send, its default parallelism, a fresh ledger each run
  echo '' >"$work/cli.time"
  start=$(now)
  ${timer:+$timer -f '%U %S' -o "$work/cli.time"} \
    "$cli" --sandbox-url "$url" --ledger "$work/ledger-$r.db" --quiet \
    bulk-send --yes --batch "bench-run-$r" "$csv" >"$work/cli.out" 2>"$work/cli.err" || {
    cat "$work/cli.out" "$work/cli.err" >&2
    echo "bench-bulk-send: paymint-cli bulk-send failed" >&2
    exit 1
  }
  end=$(now)
  grep -q "^Sent $rows, failed 0" "$work/cli.out" || {
    cat "$work/cli.out" "$work/cli.err" >&2
    echo "bench-bulk-send: paymint-cli did not send every row" >&2
    exit 1
  }
  cli_s=$(secs "$start" "$end")

  # 2. one curl process, one request after another over one kept-alive connection
  start=$(now)
  curl_run "$work/curl-s$r.conf"
  end=$(now)
  seq_s=$(secs "$start" "$end")

  # 3. the same with PARALLEL transfers at once
  start=$(now)
  curl_run "$work/curl-p$r.conf" --parallel --parallel-max "$parallel"
  end=$(now)
  par_s=$(secs "$start" "$end")

  cpu=$(awk -v n="$rows" 'NF == 2 { printf "%.3f", ($1 + $2) * 1000 / n }' "$work/cli.time")
  [ -n "$cpu" ] && echo "$cpu" >>"$work/cli.cpu"
  awk -v n="$rows" -v c="$cli_s" -v s="$seq_s" -v p="$par_s" -v r="$r" -v pp="$parallel" \
      -v cpu="$cpu" 'BEGIN {
    printf "run %d: paymint-cli %.0f bills/s", r, n / c
    if (cpu != "")
      printf " (CPU %.3f ms/bill)", cpu
    printf ", sequential kept-alive curl %.0f bills/s, curl --parallel-max %d %.0f bills/s\n", n / s, pp, n / p
  }'
  echo "$rows $cli_s" | awk '{ print $1 / $2 }' >>"$work/cli.rates"
  echo "$rows $seq_s" | awk '{ print $1 / $2 }' >>"$work/seq.rates"
  echo "$rows $par_s" | awk '{ print $1 / $2 }' >>"$work/par.rates"
done

bills=$(count_bills)
echo "sandbox bills made by this benchmark: $((bills - bills_before)) (expected $((rows * 3 * runs)))"
cli_m=$(median <"$work/cli.rates")
seq_m=$(median <"$work/seq.rates")
par_m=$(median <"$work/par.rates")
cpu_m=
[ -s "$work/cli.cpu" ] && cpu_m=$(median <"$work/cli.cpu")
load_after=$(cut -d' ' -f1-3 /proc/loadavg 2>/dev/null || echo '?')
awk -v n="$rows" -v c="$cli_m" -v s="$seq_m" -v p="$par_m" -v pp="$parallel" -v runs="$runs" \
    -v link="$link" -v target="$target" -v cpu="$cpu_m" -v lb="$load_before" -v la="$load_after" 'BEGIN {
  printf "bulk-send %d bills (%s), median of %d runs (load average %s before, %s after):\n", n, link, runs, lb, la
  printf "  paymint-cli bulk-send (default parallelism, each intent durable first): %.0f bills/s\n", c
  if (cpu != "")
    printf "    its CPU time (user + system): %.3f ms per bill\n", cpu
  printf "  one curl, sequential, kept-alive:        %.0f bills/s  ratio %.2fx (target >= %sx)\n", s, c / s, target
  printf "  one curl --parallel --parallel-max %d:    %.0f bills/s  ratio %.2fx\n", pp, p, c / p
}'
