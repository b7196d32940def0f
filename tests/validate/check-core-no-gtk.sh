#!/bin/sh
# The engine stays GLib-only: nothing under src/core includes GTK, GDK or libadwaita,
# and libpmcore's build does not pull them in.
set -eu
top=${1:?source root}
build=${2:?build root}
hits=$(grep -rnE '#[[:space:]]*include[[:space:]]*[<"](gtk/|gdk/|adwaita\.h|gtk\.h)' "$top/src/core" || true)
if [ -n "$hits" ]; then
  echo "src/core includes GTK or libadwaita:"; echo "$hits"; exit 1
fi
# the compile commands of libpmcore must not mention gtk4 or libadwaita include paths
if grep -E '"file": "[^"]*src/core/' "$build/compile_commands.json" -B0 >/dev/null 2>&1; then
  bad=$(python3 - "$build/compile_commands.json" <<'PY'
import json, sys
for e in json.load(open(sys.argv[1])):
    if '/src/core/' in e['file'] and ('gtk-4.0' in e['command'] or 'libadwaita' in e['command']):
        print(e['file'])
PY
)
  if [ -n "$bad" ]; then echo "compiled with GTK include paths: $bad"; exit 1; fi
fi
echo "src/core is free of GTK and libadwaita"
