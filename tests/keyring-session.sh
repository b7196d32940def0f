#!/bin/sh
# keyring-session.sh — run a command inside a private D-Bus session with a fresh,
# unlocked gnome-keyring
#
# Copyright 2026 The Paymint Desk authors
# SPDX-License-Identifier: GPL-3.0-or-later
#
# Usage: keyring-session.sh COMMAND [ARG…]
#
# Makes a temporary HOME and XDG tree, starts a private session bus (no activatable
# services: nothing outside this script is ever started on it), starts
# gnome-keyring-daemon (secrets component only) on it with the test password "test",
# which creates the "login" collection and makes it the default alias, waits until
# org.freedesktop.secrets answers with a default collection, runs COMMAND and exits with
# its status. The daemon, the bus and the temporary tree are removed on exit.
#
# COMMAND sees PM_KEYRING_SESSION_DIR (the temporary tree; the keyring files are in
# $PM_KEYRING_SESSION_DIR/data/keyrings) and PM_KEYRING_PASSWORD.

set -u

password=test

if [ "${1-}" != "--pm-keyring-inner" ]; then
  # Outer part: the private tree and the bus.
  if [ $# -eq 0 ]; then
    echo "usage: $0 COMMAND [ARG…]" >&2
    exit 2
  fi
  for tool in dbus-run-session gnome-keyring-daemon gdbus; do
    if ! command -v "$tool" >/dev/null 2>&1; then
      echo "keyring-session: $tool is not installed" >&2
      exit 77
    fi
  done

  root=$(mktemp -d "${TMPDIR:-/tmp}/pm-keyring-XXXXXX") || exit 1
  cleanup_outer ()
  {
    rm -rf "$root"
  }
  trap cleanup_outer EXIT
  trap 'exit 130' INT
  trap 'exit 143' TERM HUP

  chmod 700 "$root"
  for d in home data config cache state runtime; do
    mkdir -m 700 "$root/$d" || exit 1
  done
  # Set before the bus starts, so nothing can ever see the real HOME.
  HOME=$root/home
  XDG_DATA_HOME=$root/data
  XDG_CONFIG_HOME=$root/config
  XDG_CACHE_HOME=$root/cache
  XDG_STATE_HOME=$root/state
  XDG_RUNTIME_DIR=$root/runtime
  PM_KEYRING_SESSION_DIR=$root
  PM_KEYRING_PASSWORD=$password
  export HOME XDG_DATA_HOME XDG_CONFIG_HOME XDG_CACHE_HOME XDG_STATE_HOME XDG_RUNTIME_DIR
  export PM_KEYRING_SESSION_DIR PM_KEYRING_PASSWORD
  unset DBUS_SESSION_BUS_ADDRESS DBUS_SESSION_BUS_PID GNOME_KEYRING_CONTROL SSH_AUTH_SOCK

  # A session bus with no service directories: an absent keyring daemon stays absent
  # instead of being activated from /usr/share/dbus-1/services.
  cat > "$root/bus.conf" <<EOF
<!DOCTYPE busconfig PUBLIC "-//freedesktop//DTD D-BUS Bus Configuration 1.0//EN"
 "http://www.freedesktop.org/standards/dbus/1.0/busconfig.dtd">
<busconfig>
  <type>session</type>
  <listen>unix:dir=$root/runtime</listen>
  <auth>EXTERNAL</auth>
  <policy context="default">
    <allow send_destination="*" eavesdrop="true"/>
    <allow eavesdrop="true"/>
    <allow own="*"/>
  </policy>
</busconfig>
EOF

  # dbus-run-session ends the bus when the inner part exits and passes its status on.
  dbus-run-session --config-file="$root/bus.conf" -- sh "$0" --pm-keyring-inner "$@"
  exit $?
fi

# Inner part: the keyring daemon, then the command.
shift
keyring_pid=
cleanup_inner ()
{
  if [ -n "$keyring_pid" ]; then
    kill "$keyring_pid" 2>/dev/null
    wait "$keyring_pid" 2>/dev/null
  fi
}
trap cleanup_inner EXIT
trap 'exit 130' INT
trap 'exit 143' TERM HUP

# --foreground keeps the daemon our child (so we hold its pid); --unlock reads the
# password from stdin and, on a fresh XDG_DATA_HOME, creates the "login" keyring with it
# and makes it the default collection. The daemon is not under test: it runs without the
# tests' G_DEBUG=fatal-warnings (gnome-keyring 42 warns "asked to register item …, but
# it's already registered" when an item is replaced, which would abort it) and without
# the malloc checks.
printf '%s' "$password" | \
  env -u G_DEBUG -u G_MESSAGES_DEBUG -u MALLOC_CHECK_ -u MALLOC_PERTURB_ \
  gnome-keyring-daemon --foreground --unlock --components=secrets \
  >"$PM_KEYRING_SESSION_DIR/keyring.log" 2>&1 &
keyring_pid=$!

has_default_collection ()
{
  # ReadAlias answers "/" until the default collection exists.
  reply=$(gdbus call --session --timeout 2 --dest org.freedesktop.secrets \
    --object-path /org/freedesktop/secrets \
    --method org.freedesktop.Secret.Service.ReadAlias default 2>/dev/null) || return 1
  case $reply in
    *"'/org/freedesktop/secrets/collection/"*) return 0 ;;
    *) return 1 ;;
  esac
}

i=0
until has_default_collection; do
  i=$((i + 1))
  if [ $i -gt 100 ] || ! kill -0 "$keyring_pid" 2>/dev/null; then
    echo "keyring-session: gnome-keyring-daemon did not come up on the bus" >&2
    cat "$PM_KEYRING_SESSION_DIR/keyring.log" >&2
    exit 1
  fi
  sleep 0.1
done

"$@"
status=$?
if [ $status -ne 0 ] && [ -s "$PM_KEYRING_SESSION_DIR/keyring.log" ]; then
  echo "keyring-session: gnome-keyring-daemon said:" >&2
  cat "$PM_KEYRING_SESSION_DIR/keyring.log" >&2
fi
exit $status
