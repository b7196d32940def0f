#!/bin/sh
# The payments window on 1,000 and on 1,000,000 bills, in one run (DESIGN.md targets:
# first rows ≤ 0.5 s and no slower than 1.5× the small ledger; search and filter ≤ 100 ms;
# ≤ 200 MB resident). Ledgers are built once and kept in the build tree.
set -eu
bench=${1:?bench-window binary}
cache=${2:?cache dir}
mkdir -p "$cache"
export GSETTINGS_BACKEND=memory GSK_RENDERER=cairo LC_ALL=C.UTF-8
small=$(xvfb-run -a -s "-screen 0 1280x900x24" "$bench" 1000 "$cache" | tee /dev/stderr | sed -n 's/.*first rows drawn after \([0-9]*\) ms/\1/p')
large=$(xvfb-run -a -s "-screen 0 1280x900x24" "$bench" 1000000 "$cache" | tee /dev/stderr | sed -n 's/.*first rows drawn after \([0-9]*\) ms/\1/p')
python3 -c "print('window: 1,000,000 bills open in %s ms vs %s ms for 1,000 = %.2f× (target ≤ 1.5×, ≤ 500 ms)' % ($large, $small, $large / max($small, 1)))"
