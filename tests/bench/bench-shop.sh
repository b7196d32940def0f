#!/bin/sh
# bench-shop.sh — one shop ledger (PostgreSQL) shared by three front desks
#
# Copyright 2026 The Paymint Desk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench-shop.sh PATH/TO/paymint-sandbox PATH/TO/paymint-cli PATH/TO/bench-shop-desk
# Needs the run's PostgreSQL server (build-aux/dev bench exports PM_TEST_PG, a libpq
# key=value string of the superuser on the server's Unix socket); skips (77) without it.
# One sandbox (payers off, so every bill stays open), then:
#   1. bulk-send: three `paymint-cli bulk-send` of ROWS (1,000) distinct rows each, three
#      batches, started at the same moment into ONE fresh shop database; prints bills/s
#      (3 × ROWS / wall time) and each desk's time, and checks that nothing was sent twice:
#      the ledger's bills == its distinct bill_ids == the sandbox's new bills == 3 × ROWS,
#      every one in a sent state (and the sandbox's count of request calls says whether a
#      request went out twice). The fair peer, same run: the same three desks, each with
#      its own SQLite ledger file (what a shop has without a shared ledger).
#   2. refresh: BILLS (3,000; the issue's figure is 30,000) open bills in one shop
#      database — the last run's 3 × ROWS sent by the desks above, topped up (when BILLS is
#      larger) with copies of one of them (the same payer, phone, price, product, expiry;
#      their own bill_ids) created in the sandbox by one `curl --parallel` process and
#      inserted into the ledger in one statement — all made due at once (next_check_at = 1; created_at moved 2 hours back, so that the next step
#      of a bill read during the run is an hour later and no bill is due twice in a run).
#      Three desks' pollers (bench-shop-desk: leases from pm_ledger_list_due) at once, and
#      the peer, one desk alone: sandbox reads per bill (target 1.0: each bill read once,
#      not three times), wall time, bills left unread, leases left. Before the top-up,
#      three `paymint-cli refresh --all` at once on the 3 × ROWS bills (the command reads
#      every open bill; it takes no leases).
# RUNS (3) runs of the bulk-sends, REFRESH_RUNS (1) of the pollers' refreshes; medians.
# Figures only, no pass/fail on time; a duplicate, a desk that fails, or a count that does
# not add up fails the benchmark (three `refresh --all` that could not record every check
# are reported, not failed). A poller desk on a shop ledger reads about 170 bills/s on a
# quiet machine (a lease, a lookup and a check per read, one at a time), so 30,000 bills
# take about 3 minutes per run: the default of 3,000 keeps the whole benchmark near 80 s.
#
# Environment: PM_BENCH_SHOP_ROWS (1000), PM_BENCH_SHOP_BILLS (3000), PM_BENCH_SHOP_RUNS (3),
# PM_BENCH_SHOP_REFRESH_RUNS (1), PM_BENCH_SHOP_CONCURRENCY (8: each desk poller's reads at
# once), PM_BENCH_SHOP_LOG (a file to keep the refreshing desks' messages in).
set -eu

usage="usage: bench-shop.sh PATH/TO/paymint-sandbox PATH/TO/paymint-cli PATH/TO/bench-shop-desk"
sandbox=${1:?$usage}
cli=${2:?$usage}
desk=${3:?$usage}
rows=${PM_BENCH_SHOP_ROWS:-1000}
nbills=${PM_BENCH_SHOP_BILLS:-3000}
runs=${PM_BENCH_SHOP_RUNS:-3}
refresh_runs=${PM_BENCH_SHOP_REFRESH_RUNS:-1}
conc=${PM_BENCH_SHOP_CONCURRENCY:-8}
key='sandbox-demo-key'
ndesks=3

if [ -z "${PM_TEST_PG:-}" ]; then
  echo "bench-shop: no PostgreSQL server for this run (PM_TEST_PG is not set${PM_TEST_PG_SKIP_REASON:+: $PM_TEST_PG_SKIP_REASON}); run it through build-aux/dev bench"
  exit 77
fi
for prog in psql curl; do
  command -v "$prog" >/dev/null 2>&1 || { echo "bench-shop: $prog is not installed"; exit 77; }
done
psql "$PM_TEST_PG" -XAtqc "SELECT 1" >/dev/null || {
  echo "bench-shop: PM_TEST_PG is set but the server does not answer: $PM_TEST_PG" >&2
  exit 1
}
sent_rows=$((rows * ndesks))
[ "$nbills" -ge "$sent_rows" ] || nbills=$sent_rows

# The server's socket directory and port, for the ledger URIs the desks are given.
pg_host=$(printf '%s\n' "$PM_TEST_PG" | tr ' ' '\n' | sed -n 's/^host=//p' | tail -n 1)
pg_port=$(printf '%s\n' "$PM_TEST_PG" | tr ' ' '\n' | sed -n 's/^port=//p' | tail -n 1)
pg_user=$(printf '%s\n' "$PM_TEST_PG" | tr ' ' '\n' | sed -n 's/^user=//p' | tail -n 1)
pg_uri () { # DBNAME
  printf 'postgresql:///%s?host=%s%s%s' "$1" "$pg_host" "${pg_port:+&port=$pg_port}" \
    "${pg_user:+&user=$pg_user}"
}
sql () { # DBNAME SQL: one value (or rows, fields split by |)
  psql "$PM_TEST_PG dbname=$1" -XAtq -v ON_ERROR_STOP=1 -c "$2"
}

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-bench-shop-XXXXXX")
pid=
dbs=
cleanup () {
  if [ -n "$pid" ]; then
    kill "$pid" 2>/dev/null || true
    wait "$pid" 2>/dev/null || true
  fi
  for db in $dbs; do
    psql "$PM_TEST_PG" -XAtq -c "DROP DATABASE IF EXISTS $db WITH (FORCE)" >/dev/null 2>&1 || true
  done
  if [ -n "${PM_BENCH_SHOP_LOG:-}" ] && [ -f "$work/desks.log" ]; then
    cp "$work/desks.log" "$PM_BENCH_SHOP_LOG" || true
  fi
  rm -rf "$work"
}
trap cleanup EXIT
trap 'exit 130' INT TERM

new_db () { # LABEL: a fresh database, named in $db (and dropped at exit)
  db="pm_bench_shop_$$_$1"
  dbs="$dbs $db"
  psql "$PM_TEST_PG" -XAtq -v ON_ERROR_STOP=1 -c "CREATE DATABASE $db" >/dev/null
}

# The desks never touch the real user's files or keyring.
mkdir -p "$work/home" "$work/data" "$work/config" "$work/cache"
export HOME="$work/home" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" \
  XDG_CACHE_HOME="$work/cache"

# Nobody pays during the run: every bill stays open, and every desk does the same work.
"$sandbox" --port 0 --seed 1 --pay-share 0 --balance 9999999999 >"$work/sandbox.out" 2>"$work/sandbox.err" &
pid=$!
url=
for _ in $(seq 1 100); do
  url=$(sed -n 's/^Paymint sandbox listening on \(http[^ ]*\).*/\1/p' "$work/sandbox.out" | head -n 1)
  [ -n "$url" ] && break
  if ! kill -0 "$pid" 2>/dev/null; then
    cat "$work/sandbox.err" >&2
    echo "bench-shop: paymint-sandbox did not start" >&2
    exit 1
  fi
  sleep 0.05
done
[ -n "$url" ] || { echo "bench-shop: no URL from paymint-sandbox" >&2; exit 1; }

stat_of () { # FIELD of GET /sandbox/stats
  curl -s -H "X-API-KEY: $key" "$url/sandbox/stats" | sed -n "s/.*\"$1\":\([0-9]*\).*/\1/p"
}
[ -n "$(stat_of bills)" ] || { echo "bench-shop: $url/sandbox/stats did not answer" >&2; exit 1; }
[ -n "$(stat_of reads)" ] || {
  echo "bench-shop: $url/sandbox/stats counts no reads (a sandbox without \"reads\")" >&2
  exit 1
}

now () { date +%s.%N; }
secs () { echo "$1 $2" | awk '{ printf "%.3f", $2 - $1 }'; }
median () { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }
fail () { echo "bench-shop: $*" >&2; exit 1; }

# Three desks' CSVs: distinct payers and phones, one batch each.
expire=$(TZ=Asia/Seoul date -d '+7 days' +%Y-%m-%d)
for d in $(seq 1 $ndesks); do
  awk -v n="$rows" -v d="$d" -v expire="$expire" 'BEGIN {
    print "이름,전화번호,금액,상품명,메시지,만료일"
    for (i = 0; i < n; i++)
      printf "학생%d-%d,010-%04d-%04d,%d,12월 수강료,12월 수강료 안내드립니다 (%d번 창구),%s\n", \
        d, i, 1000 * d + int(i / 10000), i % 10000, 10000 + i, d, expire
  }' >"$work/desk-$d.csv"
done

# Starts the three desks' bulk-sends at once; LEDGER-OF-DESK is a function naming desk D's
# ledger. Prints the wall time; each desk's time goes to $work/desk-D.time.
bulk_send_at_once () { # RUN LABEL LEDGER-OF-DESK
  run=$1; label=$2; ledger_of=$3
  start=$(now)
  for d in $(seq 1 $ndesks); do
    (
      s=$(now)
      status=0
      "$cli" --sandbox-url "$url" --ledger "$($ledger_of "$d")" --quiet \
        bulk-send --yes --batch "shop-$label-r$run-desk$d" "$work/desk-$d.csv" \
        >"$work/desk-$d.out" 2>"$work/desk-$d.err" || status=$?
      e=$(now)
      echo "$(secs "$s" "$e") $status" >"$work/desk-$d.time"
    ) &
  done
  wait
  end=$(now)
  for d in $(seq 1 $ndesks); do
    # shellcheck disable=SC2046 # two fields
    set -- $(cat "$work/desk-$d.time")
    if [ "$2" != 0 ] || ! grep -q "^Sent $rows, failed 0" "$work/desk-$d.out"; then
      cat "$work/desk-$d.out" "$work/desk-$d.err" >&2
      fail "$label desk $d: bulk-send exited $2 without sending every row"
    fi
  done
  secs "$start" "$end"
}

desk_times () {
  for d in $(seq 1 $ndesks); do printf ' desk %d %ss' "$d" "$(cut -d' ' -f1 "$work/desk-$d.time")"; done
}

pg_db=
pg_ledger () { pg_uri "$pg_db"; }
sqlite_run=
sqlite_ledger () { echo "$work/sqlite-$sqlite_run-desk$1.db"; }

echo "== bulk-send: $ndesks desks × $rows bills at once; shop ledger (PostgreSQL, one database) vs each desk its own SQLite ledger"
: >"$work/pg.rates"; : >"$work/sqlite.rates"
for r in $(seq 1 "$runs"); do
  new_db "r$r"
  pg_db=$db
  sqlite_run=$r
  # alternate which goes first, so neither always meets a warmer machine
  for which in $(if [ $((r % 2)) = 1 ]; then echo pg sqlite; else echo sqlite pg; fi); do
    before=$(stat_of bills)
    sends_before=$(stat_of sends)
    if [ "$which" = pg ]; then
      wall=$(bulk_send_at_once "$r" pg pg_ledger)
    else
      wall=$(bulk_send_at_once "$r" sqlite sqlite_ledger)
    fi
    made=$(( $(stat_of bills) - before ))
    sends=$(( $(stat_of sends) - sends_before ))
    [ "$made" = "$sent_rows" ] || fail "$which run $r: the sandbox made $made bills, expected $sent_rows"
    rate=$(echo "$sent_rows $wall" | awk '{ printf "%.1f", $1 / $2 }')
    if [ "$which" = pg ]; then
      # shellcheck disable=SC2046 # the fields of one row
      set -- $(sql "$pg_db" "SELECT count(*), count(DISTINCT bill_id),
                 count(*) FILTER (WHERE state NOT IN ('unpaid', 'paid')),
                 count(DISTINCT batch_id) FROM bills" | tr '|' ' ')
      if ! { [ "$1" = "$sent_rows" ] && [ "$2" = "$1" ] && [ "$3" = 0 ]; }; then
        fail "shop ledger run $r: $1 bills, $2 distinct bill_ids, $3 not sent (expected $sent_rows, $sent_rows, 0); the sandbox made $made"
      fi
      echo "run $r: shop ledger: $rate bills/s ($sent_rows in ${wall}s;$(desk_times)); ledger $1 bills, $2 distinct bill_ids, $4 batches, $3 not in a sent state; sandbox +$made bills, +$sends request calls; duplicates 0"
      echo "$rate" >>"$work/pg.rates"
    else
      echo "run $r: own SQLite ledgers: $rate bills/s ($sent_rows in ${wall}s;$(desk_times)); sandbox +$made bills, +$sends request calls"
      echo "$rate" >>"$work/sqlite.rates"
    fi
  done
  rm -f "$work"/sqlite-*.db "$work"/sqlite-*.db-*
done
bulk_pg=$(median <"$work/pg.rates" | awk '{ printf "%.1f", $1 }')
bulk_sqlite=$(median <"$work/sqlite.rates" | awk '{ printf "%.1f", $1 }')
bulk_ratio=$(echo "$bulk_pg $bulk_sqlite" | awk '{ printf "%.2f", $1 / $2 }')
echo "bulk-send $ndesks × $rows bills at once, median of $runs runs: shop ledger $bulk_pg bills/s; each desk its own SQLite ledger $bulk_sqlite bills/s; ratio ${bulk_ratio}×; duplicates 0"

# ---- refresh ----
shop_db=$pg_db
profile_id=$(sql "$shop_db" "SELECT min(profile_id) FROM bills")
n_open () { sql "$shop_db" "SELECT count(*) FROM bills WHERE state IN ('unpaid', 'paid')"; }
make_due () {
  sql "$shop_db" "UPDATE bills SET next_check_at = 1, lease_owner = NULL, lease_until = 0
                  WHERE state IN ('unpaid', 'paid')" >/dev/null
}
sql "$shop_db" "UPDATE bills SET created_at = created_at - 7200" >/dev/null

# N desks at once; prints "WALL READS-PER-BILL UNREAD LEASES READS-BY-DESK FAILED EXITS
# DEADLOCKS ABORTED UNRECORDED" (READS-BY-DESK and EXITS joined by /; FAILED: bills a desk
# says it could not check; DEADLOCKS, ABORTED, UNRECORDED: "deadlock detected", "current
# transaction is aborted" and "Could not record the check" in the desks' messages). A poller desk that exits non-zero fails the benchmark;
# `paymint-cli refresh` exits non-zero when a bill could not be checked, which is reported.
refresh_at_once () { # N-DESKS KIND (poller|cli) N-BILLS
  k=$1; kind=$2; n=$3
  make_due
  reads0=$(stat_of reads)
  start=$(now)
  for d in $(seq 1 "$k"); do
    if [ "$kind" = poller ]; then
      "$desk" "$(pg_uri "$shop_db")" "$url" "$profile_id" "$conc" \
        >"$work/refresh-$d.out" 2>"$work/refresh-$d.err" &
    else
      "$cli" --sandbox-url "$url" --ledger "$(pg_uri "$shop_db")" --quiet refresh --all \
        >"$work/refresh-$d.out" 2>"$work/refresh-$d.err" &
    fi
    echo $! >"$work/refresh-$d.pid"
  done
  exits=
  for d in $(seq 1 "$k"); do
    status=0
    wait "$(cat "$work/refresh-$d.pid")" || status=$?
    exits="$exits$status/"
    if [ "$kind" = poller ] && [ "$status" != 0 ]; then
      cat "$work/refresh-$d.out" "$work/refresh-$d.err" >&2
      fail "desk $d of $k: exited $status"
    fi
  done
  end=$(now)
  reads1=$(stat_of reads)
  unread=$(sql "$shop_db" "SELECT count(*) FROM bills WHERE next_check_at = 1")
  leases=$(sql "$shop_db" "SELECT count(*) FROM bills WHERE lease_owner IS NOT NULL")
  by=; failed=0
  for d in $(seq 1 "$k"); do
    if [ "$kind" = poller ]; then
      by="$by$(sed -n 's/^desk [0-9]*: \([0-9]*\) reads.*/\1/p' "$work/refresh-$d.out")/"
      f=$(sed -n 's/.* \([0-9]*\) storage errors$/\1/p' "$work/refresh-$d.out")
    else
      by="$by$(sed -n 's/^Checked \([0-9]*\) bills.*/\1/p' "$work/refresh-$d.out")/"
      f=$(sed -n 's/.*, \([0-9]*\) could not be checked.*/\1/p' "$work/refresh-$d.out")
    fi
    failed=$((failed + ${f:-0}))
  done
  deadlocks=$(cat "$work"/refresh-*.err | grep -c "deadlock detected" || true)
  aborted=$(cat "$work"/refresh-*.err | grep -c "current transaction is aborted" || true)
  unrecorded=$(cat "$work"/refresh-*.err | grep -c "Could not record the check" || true)
  cat "$work"/refresh-*.err >>"$work/desks.log"
  rm -f "$work"/refresh-*.out "$work"/refresh-[0-9]*.err
  echo "$(secs "$start" "$end") $(echo "$reads0 $reads1 $n" | awk '{ printf "%.3f", ($2 - $1) / $3 }') $unread $leases ${by%/} $failed ${exits%/} $deadlocks $aborted $unrecorded"
}

n=$(n_open)
echo "== refresh: $ndesks × \`paymint-cli refresh --all\` at once on the shop ledger's $n open bills (the command reads every open bill, no leases)"
# shellcheck disable=SC2046 # the fields of one line
set -- $(refresh_at_once $ndesks cli "$n")
cli3_rpb=$2; cli3_failed=$6; cli3_unrecorded=${10}
echo "$ndesks × refresh --all: $2 reads/bill, ${1}s wall, $3 left unread, $4 leases left, bills checked by each desk $5, $6 could not be checked (the command's count), exit statuses $7; \"deadlock detected\" $8×, \"current transaction is aborted\" $9×, \"Could not record the check\" ${10}×"

# top up to N open bills: copies of one sent bill, created in the sandbox and the ledger
extra=$((nbills - n))
if [ "$extra" -gt 0 ]; then
  template=$(sql "$shop_db" "SELECT min(bill_id) FROM bills")
  fields=$(sql "$shop_db" "SELECT payer_name, phone, price, product, message, expire_date FROM bills WHERE bill_id = '$template'")
  echo "$fields" | awk -F'|' -v n="$extra" -v url="$url" -v key="$key" -v tag="$$" '{
    for (i = 1; i <= n; i++) {
      if (i > 1) printf "next\n"
      printf "silent\nurl = \"%s/paymint/request\"\n", url
      printf "header = \"Content-Type: application/json\"\nheader = \"Accept: application/json\"\n"
      printf "header = \"X-API-KEY: %s\"\nheader = \"X-Paymint-MMK-Mode: true\"\n", key
      printf "data = \"{\\\"product_nm\\\":\\\"%s\\\",\\\"message\\\":\\\"%s\\\",\\\"member_nm\\\":\\\"%s\\\",\\\"phone\\\":\\\"%s\\\",\\\"price\\\":%s,\\\"expire_dt\\\":\\\"%s\\\",\\\"bill_id\\\":\\\"shop%sc%07d\\\"}\"\n", $4, $5, $1, $2, $3, $6, tag, i
      printf "write-out = \"\\n%%{http_code}\\n\"\n"
    }
  }' >"$work/topup.conf"
  start=$(now)
  curl --silent --no-progress-meter --parallel --parallel-max 8 --config "$work/topup.conf" \
    >"$work/topup.codes" || true
  created=$(grep -o '"code":"0000"' "$work/topup.codes" | wc -l)
  [ "$created" = "$extra" ] || fail "top-up: the sandbox created $created of $extra bills"
  cols=$(sql "$shop_db" "SELECT string_agg(column_name, ', ' ORDER BY ordinal_position)
                         FROM information_schema.columns
                         WHERE table_schema = 'public' AND table_name = 'bills'
                           AND column_name NOT IN ('id', 'bill_id')")
  sql "$shop_db" "INSERT INTO bills (bill_id, $cols)
                  SELECT 'shop$$c' || lpad(g::text, 7, '0'), $cols
                  FROM bills, generate_series(1, $extra) AS g WHERE bill_id = '$template'" >/dev/null
  end=$(now)
  echo "topped up with $extra copies of bill $template (sandbox and ledger) in $(secs "$start" "$end")s"
fi
n=$(n_open)
[ "$n" = "$nbills" ] || fail "the shop ledger has $n open bills, expected $nbills"

echo "== refresh: $n open bills all due; $ndesks desks' pollers at once (leases) vs one desk alone; $conc reads in flight per desk"
: >"$work/r3.wall"; : >"$work/r3.rpb"; : >"$work/r1.wall"; : >"$work/r1.rpb"
max_unread=0; max_leases=0; poll_failed=0
for r in $(seq 1 "$refresh_runs"); do
  for k in $(if [ $((r % 2)) = 1 ]; then echo $ndesks 1; else echo 1 $ndesks; fi); do
    # shellcheck disable=SC2046 # the fields of one line
    set -- $(refresh_at_once "$k" poller "$n")
    echo "run $r: $k desk(s): $2 reads/bill, ${1}s wall ($(echo "$n $1" | awk '{ printf "%.0f", $1 / $2 }') bills/s), $3 left unread, $4 leases left, reads by each desk $5, $6 storage errors; \"deadlock detected\" $8×, \"Could not record the check\" ${10}×"
    poll_failed=$((poll_failed + $6))
    echo "$1" >>"$work/r$k.wall"
    echo "$2" >>"$work/r$k.rpb"
    [ "$3" -gt "$max_unread" ] && max_unread=$3
    [ "$4" -gt "$max_leases" ] && max_leases=$4
  done
done
r3_wall=$(median <"$work/r$ndesks.wall" | awk '{ printf "%.2f", $1 }')
r3_rpb=$(median <"$work/r$ndesks.rpb" | awk '{ printf "%.3f", $1 }')
r1_wall=$(median <"$work/r1.wall" | awk '{ printf "%.2f", $1 }')
r1_rpb=$(median <"$work/r1.rpb" | awk '{ printf "%.3f", $1 }')
echo "refresh $n open bills, median of $refresh_runs run(s): $ndesks desks at once $r3_rpb reads/bill in ${r3_wall}s; one desk alone $r1_rpb reads/bill in ${r1_wall}s (target 1.0 reads/bill); most left unread $max_unread, most leases left $max_leases, storage errors $poll_failed"

echo "bench-shop summary: bulk-send $ndesks×$rows at once: shop ledger $bulk_pg bills/s vs own SQLite ledgers $bulk_sqlite bills/s (${bulk_ratio}×), 0 duplicates; refresh $n due bills: $ndesks desks $r3_rpb reads/bill in ${r3_wall}s vs one desk $r1_rpb in ${r1_wall}s, $max_unread unread, $poll_failed storage errors; $ndesks× refresh --all on $sent_rows: $cli3_rpb reads/bill, $cli3_failed not checked, $cli3_unrecorded checks not recorded"
