#!/bin/sh
# bench-wan.sh — refresh and bulk-send over an emulated wide-area link, beside fair peers
#
# Copyright 2026 The Paymint Desk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: bench-wan.sh PATH/TO/paymint-sandbox PATH/TO/paymint-cli PATH/TO/bench-refresh \
#                     PATH/TO/pm-delay-proxy PATH/TO/bench-bulk-send.sh
# Environment: PM_BENCH_WAN_DELAY ms each way (20), PM_BENCH_WAN_ROWS bulk-send rows (1000),
# PM_BENCH_WAN_BILLS open bills to refresh (1000), PM_BENCH_WAN_PARALLEL (8),
# PM_BENCH_WAN_RUNS (3).
#
# In a temporary directory: a test certificate authority and a server certificate for
# 127.0.0.1 (openssl); paymint-sandbox serving https with it; pm-delay-proxy in front,
# delivering every chunk DELAY ms late each way, so a TCP or TLS handshake pays its round
# trips as to a far server. Then, through https://127.0.0.1:PROXYPORT:
#   (a) bench-refresh: the poller refreshing BILLS open bills beside ONE
#       `curl --parallel --parallel-max 8` process over kept-alive connections;
#   (b) bench-bulk-send.sh: `paymint-cli bulk-send` of ROWS rows beside one curl process
#       sending a config of ROWS requests over one kept-alive connection, one after
#       another, and the same with --parallel --parallel-max PARALLEL.
# The peers trust the CA with --cacert. The desk's processes get NO switch: they run in a
# private mount namespace where a bundle (the system's plus the test CA) is bind-mounted
# over /etc/ssl/certs/ca-certificates.crt, the file GnuTLS (glib-networking's backend)
# reads for the system trust on Debian. Exits 77 (skipped) when that namespace cannot be
# made or a tool is missing. Medians of RUNS runs and ratios; figures only, no pass/fail.
set -eu

usage="usage: bench-wan.sh SANDBOX CLI BENCH-REFRESH DELAY-PROXY BENCH-BULK-SEND.SH"
sandbox=${1:?$usage}
cli=${2:?$usage}
bench_refresh=${3:?$usage}
proxy=${4:?$usage}
bulk_script=${5:?$usage}
delay=${PM_BENCH_WAN_DELAY:-20}
rows=${PM_BENCH_WAN_ROWS:-1000}
bills=${PM_BENCH_WAN_BILLS:-1000}
parallel=${PM_BENCH_WAN_PARALLEL:-8}
runs=${PM_BENCH_WAN_RUNS:-3}
bundle_path=/etc/ssl/certs/ca-certificates.crt
key=sandbox-demo-key

skip () { echo "bench-wan: $*; skipped" >&2; exit 77; }

for tool in openssl curl unshare mount; do
  command -v "$tool" >/dev/null 2>&1 || skip "$tool is not installed"
done
[ -f "$bundle_path" ] || skip "there is no system CA bundle at $bundle_path"

# ---- into a private mount namespace (once) ----
if [ -z "${PM_BENCH_WAN_INSIDE:-}" ]; then
  if [ "$(id -u)" = 0 ]; then
    ns="unshare --mount"
  else
    ns="unshare -r --mount" # a user namespace: root there, to bind-mount in it
  fi
  if ! why=$($ns sh -c 'mount --bind /dev/null /dev/null' 2>&1); then
    skip "cannot make a private mount namespace with “$ns” (${why:-no reason given})"
  fi
  PM_BENCH_WAN_INSIDE=1 exec $ns sh "$0" "$@"
fi

work=$(mktemp -d "${TMPDIR:-/tmp}/pm-bench-wan-XXXXXX")
sandbox_pid=
proxy_pid=
proxy0_pid=
cleanup () {
  for p in $proxy_pid $proxy0_pid $sandbox_pid; do
    kill "$p" 2>/dev/null || true
    wait "$p" 2>/dev/null || true
  done
  umount "$bundle_path" 2>/dev/null || true
  rm -rf "$work"
}
trap cleanup EXIT INT TERM

mkdir -p "$work/home" "$work/data" "$work/config" "$work/cache"
export HOME="$work/home" XDG_DATA_HOME="$work/data" XDG_CONFIG_HOME="$work/config" \
  XDG_CACHE_HOME="$work/cache"

# ---- the test CA and the server certificate ----
ca="$work/ca.pem"
openssl req -x509 -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$work/ca.key" -out "$ca" -days 2 -subj "/CN=Paymint Desk bench test CA" \
  -addext "basicConstraints=critical,CA:TRUE" -addext "keyUsage=critical,keyCertSign,cRLSign" \
  2>"$work/openssl.err" || { cat "$work/openssl.err" >&2; exit 1; }
openssl req -new -newkey ec -pkeyopt ec_paramgen_curve:prime256v1 -nodes \
  -keyout "$work/server.key" -out "$work/server.csr" -subj "/CN=127.0.0.1" \
  2>"$work/openssl.err" || { cat "$work/openssl.err" >&2; exit 1; }
printf 'basicConstraints=CA:FALSE\nkeyUsage=critical,digitalSignature\nextendedKeyUsage=serverAuth\nsubjectAltName=IP:127.0.0.1\n' \
  >"$work/server.ext"
openssl x509 -req -in "$work/server.csr" -CA "$ca" -CAkey "$work/ca.key" -CAcreateserial \
  -days 2 -extfile "$work/server.ext" -out "$work/server.pem" \
  2>"$work/openssl.err" || { cat "$work/openssl.err" >&2; exit 1; }

wait_line () { # FILE SED-EXPRESSION PID WHAT
  for _ in $(seq 1 200); do
    line=$(sed -n "$2" "$1" | head -n 1)
    if [ -n "$line" ]; then
      echo "$line"
      return 0
    fi
    if ! kill -0 "$3" 2>/dev/null; then
      cat "$1".err >&2 2>/dev/null || true
      echo "bench-wan: $4 did not start" >&2
      return 1
    fi
    sleep 0.05
  done
  echo "bench-wan: $4 printed no address" >&2
  return 1
}

# ---- the sandbox over TLS, nobody paying, and the delay proxies ----
"$sandbox" --port 0 --seed 1 --pay-share 0 --balance 9999999999 \
  --tls-certificate "$work/server.pem" --tls-key "$work/server.key" \
  >"$work/sandbox" 2>"$work/sandbox.err" &
sandbox_pid=$!
direct=$(wait_line "$work/sandbox" 's/^Paymint sandbox listening on \(https:[^ ]*\).*/\1/p' \
  "$sandbox_pid" paymint-sandbox)
sport=$(echo "$direct" | sed -n 's|^https://127.0.0.1:\([0-9]*\)/.*|\1|p')

"$proxy" --target "127.0.0.1:$sport" --delay "$delay" >"$work/proxy" 2>"$work/proxy.err" &
proxy_pid=$!
pport=$(wait_line "$work/proxy" 's/^delay proxy listening on 127.0.0.1:\([0-9]*\).*/\1/p' \
  "$proxy_pid" pm-delay-proxy)
"$proxy" --target "127.0.0.1:$sport" --delay 0 >"$work/proxy0" 2>"$work/proxy0.err" &
proxy0_pid=$!
pport0=$(wait_line "$work/proxy0" 's/^delay proxy listening on 127.0.0.1:\([0-9]*\).*/\1/p' \
  "$proxy0_pid" pm-delay-proxy)
url="https://127.0.0.1:$pport/api/v1"
echo "sandbox $direct; through the ${delay} ms link $url"

# ---- the desk trusts the test CA only through the system bundle ----
# Before the bind mount the desk must refuse the server (so what follows is the bundle's
# doing); after it, it must accept it.
cli_check () {
  "$cli" --sandbox-url "$direct" --ledger "$work/check.db" licenses >"$work/check.out" 2>&1
}
if cli_check; then
  echo "bench-wan: paymint-cli trusted the test CA before it was in the system bundle" >&2
  exit 1
fi
cat "$bundle_path" "$ca" >"$work/bundle.crt"
mount --bind "$work/bundle.crt" "$bundle_path" || skip "cannot bind-mount over $bundle_path"
if ! cli_check; then
  cat "$work/check.out" >&2
  echo "bench-wan: with the test CA in $bundle_path paymint-cli still refuses the server:" \
    "glib-networking does not read that file here" >&2
  exit 1
fi
echo "paymint-cli trusts the test CA through $bundle_path (and refused it before the bind mount)"

now () { date +%s.%N; }
median () { sort -g | awk '{ v[NR] = $1 } END { if (NR % 2) print v[(NR + 1) / 2]; else print (v[NR / 2] + v[NR / 2 + 1]) / 2 }'; }

# ---- the proxy must not be the bottleneck: curl through it at 0 ms vs straight ----
n_check=2000
awk -v n="$n_check" 'BEGIN {
  for (i = 0; i < n; i++) {
    if (i) print "next"
    print "silent"
    print "url = \"@URL@/paymint/read\""
    print "header = \"Content-Type: application/json\""
    print "header = \"X-API-KEY: @KEY@\""
    print "header = \"X-Paymint-MMK-Mode: true\""
    print "data = \"{\\\"bill_id\\\":\\\"NOSUCHBILL\\\"}\""
    print "output = \"/dev/null\""
    print "write-out = \"%{http_code}\\n\""
  }
}' | sed "s|@KEY@|$key|" >"$work/reads.tmpl"
proxy_rate () { # BASE-URL
  sed "s|@URL@|$1|" "$work/reads.tmpl" >"$work/reads.conf"
  start=$(now)
  curl --silent --no-progress-meter --cacert "$ca" --parallel --parallel-max "$parallel" --config "$work/reads.conf" \
    >"$work/reads.codes" || true
  end=$(now)
  ok=$(grep -c '^200$' "$work/reads.codes" || true)
  [ "$ok" = "$n_check" ] || { echo "bench-wan: only $ok of $n_check reads answered 200" >&2; exit 1; }
  echo "$start $end" | awk -v n="$n_check" '{ printf "%.0f\n", n / ($2 - $1) }'
}
ticks () { awk '{ print $14 + $15 }' "/proc/$1/stat"; }
hz=$(getconf CLK_TCK 2>/dev/null || echo 100)
: >"$work/straight.rates"; : >"$work/proxied.rates"
t0=$(ticks "$proxy0_pid")
for _ in 1 2 3; do
  proxy_rate "$direct" >>"$work/straight.rates"
  proxy_rate "https://127.0.0.1:$pport0/api/v1" >>"$work/proxied.rates"
done
t1=$(ticks "$proxy0_pid")
straight=$(median <"$work/straight.rates")
proxied=$(median <"$work/proxied.rates")
# the proxy's own CPU time per request: what one core of it could forward
proxy_us=$(awk -v t="$((t1 - t0))" -v hz="$hz" -v n="$((3 * n_check))" 'BEGIN { printf "%.0f", t * 1e6 / hz / n }')
# Over the link, P kept-alive connections carry at most P requests per round trip.
proxy_line=$(awk -v s="$straight" -v p="$proxied" -v pp="$parallel" -v d="$delay" -v us="$proxy_us" 'BEGIN {
  printf "delay proxy at 0 ms, curl --parallel-max %d reads: %.0f req/s through it vs %.0f req/s straight = %.2fx; the proxy used %d µs CPU per request (%.0f req/s per core)", pp, p, s, p / s, us, (us > 0 ? 1e6 / us : 0)
  if (d > 0)
    printf "; the %d ms link itself allows at most %.0f req/s at parallelism %d", d, pp * 1000 / (2 * d), pp }')
echo "$proxy_line"

# ---- (a) refresh ----
echo "== refresh $bills open bills over the ${delay} ms link =="
"$bench_refresh" --url "$url" --create-url "$direct" --cacert "$ca" \
  "$bills" "$parallel" "$runs" | tee "$work/refresh.out"

# ---- (b) bulk send ----
echo "== bulk-send $rows rows over the ${delay} ms link =="
PM_BENCH_URL="$url" PM_BENCH_CURL_OPTS="--cacert $ca" \
  PM_BENCH_LINK="https through a ${delay} ms each-way link" PM_BENCH_TARGET=5 \
  sh "$bulk_script" "$sandbox" "$cli" "$rows" "$parallel" "$runs" | tee "$work/bulk.out"

echo "== summary (over the ${delay} ms each-way link, https, medians of $runs runs) =="
echo "$proxy_line"
grep '^refresh ' "$work/refresh.out" || true
sed -n '/^bulk-send .* median/,$p' "$work/bulk.out"
