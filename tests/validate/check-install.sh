#!/bin/sh
# `meson install --destdir` puts every file where a desktop expects it, and the installed
# program starts (it reads its settings schema, so a missing schema fails too).
set -eu
build=${1:?build root}
app_id=${2:?app id}
dest=$(mktemp -d)
trap 'rm -rf "$dest"' EXIT
meson install -C "$build" --no-rebuild --quiet --destdir "$dest" >/dev/null
prefix=$(meson introspect --buildoptions "$build" | python3 -c 'import json,sys; print([o["value"] for o in json.load(sys.stdin) if o["name"]=="prefix"][0])')
root="$dest$prefix"
status=0
for f in \
  bin/paymint-desk \
  "share/applications/$app_id.desktop" \
  "share/metainfo/$app_id.metainfo.xml" \
  share/glib-2.0/schemas/io.github.paymintdesk.PaymintDesk.gschema.xml \
  "share/icons/hicolor/scalable/apps/$app_id.svg" \
  "share/icons/hicolor/symbolic/apps/$app_id-symbolic.svg" \
  share/locale/ko/LC_MESSAGES/paymint-desk.mo \
  bin/paymint-cli \
  lib/systemd/user/paymint-desk-plans.service \
  lib/systemd/user/paymint-desk-plans.timer
do
  if [ -f "$root/$f" ]; then echo "installed: $f"; else echo "MISSING: $f"; status=1; fi
done
# the desktop file names the installed icon and program
grep -qx "Icon=$app_id" "$root/share/applications/$app_id.desktop" || { echo "desktop file: wrong Icon"; status=1; }
grep -q "^Name\[ko\]=" "$root/share/applications/$app_id.desktop" || { echo "desktop file: no Korean name"; status=1; }
grep -q "xml:lang=\"ko\"" "$root/share/metainfo/$app_id.metainfo.xml" || { echo "metainfo: no Korean text"; status=1; }
# the plans service runs the installed paymint-cli
grep -q "^ExecStart=$prefix/bin/paymint-cli --quiet plans run-due" "$root/lib/systemd/user/paymint-desk-plans.service" \
  || { echo "plans service: wrong ExecStart"; status=1; }
# the installed program starts with the installed schema
glib-compile-schemas "$root/share/glib-2.0/schemas"
out=$(GSETTINGS_SCHEMA_DIR="$root/share/glib-2.0/schemas" GSETTINGS_BACKEND=memory "$root/bin/paymint-desk" --version)
case "$out" in
  "Paymint Desk "*) echo "installed program starts: $out" ;;
  *) echo "installed program did not start: $out"; status=1 ;;
esac
exit $status
