#!/bin/sh
# Every source file with a translatable string is listed in po/POTFILES.in, and every
# listed file exists.
set -eu
top=${1:?source root}
cd "$top"
status=0
for f in $(grep -rlE '(\b_\(|\bN_\(|\bC_\(|translatable="yes")' src data --include='*.c' --include='*.ui' --include='*.in' --include='*.xml' | sort); do
  case "$f" in *.gresource.xml*) continue ;; esac
  if ! grep -qxF "$f" po/POTFILES.in; then
    echo "not in po/POTFILES.in: $f"
    status=1
  fi
done
# gschema and desktop files carry translatable text without markers
for f in data/*.gschema.xml data/*.desktop.in.in data/*.metainfo.xml.in.in; do
  grep -qxF "$f" po/POTFILES.in || { echo "not in po/POTFILES.in: $f"; status=1; }
done
for f in $(grep -v '^#' po/POTFILES.in | grep -v '^$'); do
  [ -f "$f" ] || { echo "listed in po/POTFILES.in but missing: $f"; status=1; }
done
[ $status -eq 0 ] && echo "POTFILES.in lists every file with translatable strings"
exit $status
