#!/bin/sh
# The plans' systemd user units pass `systemd-analyze verify` (as the user's manager
# would load them), with the service pointing at the paymint-cli just built; and they
# say what the timer promises: every 15 minutes, at login, Persistent=true, run-due.
set -eu
src=${1:?source root}
build=${2:?build root}
if ! command -v systemd-analyze >/dev/null 2>&1; then
  echo "systemd-analyze is not installed: skipped"
  exit 77
fi
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT
mkdir -m 700 "$work/runtime"
service="$build/data/paymint-desk-plans.service"
timer="$src/data/paymint-desk-plans.timer"
[ -f "$service" ] || { echo "not configured: $service"; exit 1; }
status=0
grep -q '^ExecStart=.*/paymint-cli --quiet plans run-due$' "$service" || { echo "service: ExecStart is not plans run-due"; status=1; }
grep -qx 'Type=oneshot' "$service" || { echo "service: not oneshot"; status=1; }
grep -qx 'OnCalendar=\*:0/15' "$timer" || { echo "timer: not every 15 minutes"; status=1; }
grep -q '^OnStartupSec=' "$timer" || { echo "timer: not at login"; status=1; }
grep -qx 'Persistent=true' "$timer" || { echo "timer: not persistent"; status=1; }
grep -qx 'Unit=paymint-desk-plans.service' "$timer" || { echo "timer: wrong unit"; status=1; }
# the installed ExecStart names $bindir/paymint-cli; here, the built one
sed "s|^ExecStart=[^ ]*/paymint-cli|ExecStart=$build/src/cli/paymint-cli|" "$service" \
  > "$work/paymint-desk-plans.service"
cp "$timer" "$work/paymint-desk-plans.timer"
[ -x "$build/src/cli/paymint-cli" ] || { echo "not built: $build/src/cli/paymint-cli"; exit 1; }
cd "$work"
# anything systemd-analyze prints is a problem (it warns and goes on for some)
if ! out=$(XDG_RUNTIME_DIR="$work/runtime" systemd-analyze --user verify \
             ./paymint-desk-plans.timer ./paymint-desk-plans.service 2>&1); then
  echo "systemd-analyze verify failed:"; echo "$out"; status=1
elif [ -n "$out" ]; then
  echo "systemd-analyze verify warned:"; echo "$out"; status=1
else
  echo "verified: paymint-desk-plans.timer, paymint-desk-plans.service"
fi
exit $status
